"""What the buyer's words say, in the languages AliExpress buyers write (pure).

A cue is one kind of statement a seller reads a dispute for: "how do I use it", "it does
not work", "30 % back and I cancel", "customs want my CPF", "it says delivered but I got
nothing". Each cue is a set of regular expressions per language (English, Russian, Spanish,
Portuguese, French, Polish), matched on *folded* text: lower case, accents and the Polish
ł removed, Cyrillic ё/й read as е/и, curly quotes made straight. Patterns are written in
folded form, so "não funciona", "nao funciona" and "NÃO FUNCIONA" all match ``nao funciona``.

Every match returns the buyer's own words (original spelling), so a classification can
quote them and an operator can check them. Carrier event descriptions get their own,
smaller set (``carrier_cues``): what customs or the post says is not what the buyer says.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Cue(StrEnum):
    # money
    MONEY_DEMAND = "money_demand"  # a percentage or an amount asked back
    CANCEL_OFFER = "cancel_offer"  # offers to cancel / close the dispute
    THREAT = "threat"  # bad review, one star, complaint, chargeback
    # product
    HOW_TO_USE = "how_to_use"
    NOT_WORKING = "not_working"
    DAMAGED = "damaged"
    NOT_AS_DESCRIBED = "not_as_described"
    EXPERTISE = "expertise"  # "I am an electrician, I know how it works"
    EVIDENCE_CLAIM = "evidence_claim"  # "as the attached video demonstrates", "normal use"
    REFUND_ONLY = "refund_only"  # refuses help or a return, wants the money
    RECEIVED = "received"
    # logistics
    NOT_RECEIVED = "not_received"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    NO_TRACKING = "no_tracking"
    TRACKING_STUCK = "tracking_stuck"
    LOST = "lost"  # "I think it is lost", "tracking dead"
    LONG_WAIT = "long_wait"  # "two months and nothing"
    RETURNED = "returned"
    NOT_COLLECTED = "not_collected"
    WRONG_ADDRESS = "wrong_address"
    CUSTOMS = "customs"
    TAX_ID = "tax_id"  # CPF, RUT, PCCC, INN, RFC, PESEL, passport details...
    REFUSES_DUTY = "refuses_duty"  # will not pay duty or give the documents
    UNREACHABLE = "unreachable"  # nobody contacted me, I was away, new phone
    # the platform's third family
    PERSONAL_REASON = "personal_reason"  # no longer wants it, ordered by mistake


class CarrierCue(StrEnum):
    RECIPIENT_UNREACHABLE = "recipient_unreachable"
    RECIPIENT_DOCS = "recipient_docs"  # customs wait for a tax id, documents or duty
    REFUSED_ENTRY = "refused_entry"  # restricted goods, failed security screening
    NOT_COLLECTED = "not_collected"
    DELIVERY_FAILED = "delivery_failed"
    LOST = "lost"
    DESTROYED = "destroyed"


@dataclass(frozen=True)
class CueMatch:
    cue: Cue
    phrase: str  # the buyer's words that matched, as written
    language: str  # en ru es pt fr pl; "" for language-neutral patterns (CPF, 30 %)
    context: str = ""  # the clause around it, short enough to quote in a reason

    def quote(self) -> str:
        return f"“{self.context or self.phrase}”"


@dataclass(frozen=True)
class MoneyAsk:
    """A sum the buyer names: a share of the price or an amount."""

    phrase: str
    percent: float | None = None
    amount: Decimal | None = None
    currency: str = ""
    context: str = ""


# ---------------------------------------------------------------------------------------------
# Folding: what every pattern is written against
# ---------------------------------------------------------------------------------------------

# Characters NFKD does not take apart, and typography buyers' keyboards produce.
_EXTRA_FOLD = {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "’": "'", "‘": "'", "`": "'",
               "´": "'", "«": '"', "»": '"', "“": '"', "”": '"', "\u00a0": " "}


def fold(text: str) -> str:
    """Lower case, no accents: the form every cue pattern is written in.

    >>> fold("NÃO FUNCIONA, zamknę spór, ещё")
    'nao funciona, zamkne spor, еще'
    """
    return _fold_with_map(text)[0]


def _fold_char(char: str) -> str:
    lowered = char.lower()
    if lowered in _EXTRA_FOLD:
        return _EXTRA_FOLD[lowered]
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its original one."""
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _original(text: str, origin: list[int], start: int, end: int) -> str:
    """The original words behind a folded span, widened to whole words so quotes read well."""
    if not origin or end <= start:
        return ""
    first, last = origin[start], origin[end - 1] + 1
    while first > 0 and text[first - 1].isalnum() and text[first].isalnum():
        first -= 1
    while last < len(text) and text[last].isalnum() and text[last - 1].isalnum():
        last += 1
    return text[first:last].strip()


_CLAUSE_END = ".!?;\n"
_MAX_CONTEXT = 90


def _context(text: str, origin: list[int], start: int, end: int) -> str:
    """The clause (between . ! ? ; or line breaks) holding a match, if it is short."""
    if not origin or end <= start:
        return ""
    first, last = origin[start], origin[end - 1] + 1
    while first > 0 and text[first - 1] not in _CLAUSE_END:
        first -= 1
    while last < len(text) and text[last] not in _CLAUSE_END:
        last += 1
    if last < len(text) and text[last] in "!?":
        last += 1  # keep a question's question mark
    clause = " ".join(text[first:last].split())
    return clause if len(clause) <= _MAX_CONTEXT else ""


# ---------------------------------------------------------------------------------------------
# Buyer patterns, folded form, per cue and language
# ---------------------------------------------------------------------------------------------

_W = r"(?:\S+\s+)"  # one word and its space, for "up to n words between"

_BUYER: dict[Cue, dict[str, tuple[str, ...]]] = {
    Cue.CANCEL_OFFER: {
        "en": (rf"\b(?:cancel|close|withdraw|remove|drop|end)\w*\s+{_W}{{0,2}}"
               r"(?:dispute|claim|case|complaint)",
               r"\b(?:i'?ll|i will|then i|and i|i can|i would|i'?d)\s+(?:\w+\s+)?"
               r"(?:cancel|close|withdraw)\b",
               r"\b(?:change|update|remove|delete)\s+(?:my\s+)?(?:review|feedback)",
               r"\b(?:leave|give)\s+(?:you\s+)?5\s+stars"),
        "ru": (rf"(?:отмен|закро|закры|сним|сня|убер|убра|отзов)\w*\s+{_W}{{0,2}}"
               r"(?:спор|диспут|претензи|жалоб)", r"(?:поставлю|оставлю)\s+5\s+звезд"),
        "es": (rf"(?:cancel|cierr|cerr|retir|quit)\w*\s+{_W}{{0,2}}"
               r"(?:disputa|reclamo|reclamacion|caso|queja)",
               r"\b(?:y|entonces|luego)\s+(?:la\s+|lo\s+)?(?:cancelo|cierro|retiro)\b",
               r"\b5\s+estrellas"),
        "pt": (rf"(?:cancel|fech|retir|encerr|tir)\w*\s+{_W}{{0,2}}"
               r"(?:disputa|reclamacao|caso|abertura)",
               r"\b(?:e|que|entao)\s+(?:eu\s+)?(?:a\s+)?(?:cancelo|fecho|retiro)\b",
               r"\b5\s+estrelas"),
        "fr": (rf"(?:annul|ferm|retir|clotur|abandonn)\w*\s+{_W}{{0,2}}"
               r"(?:litige|reclamation|dispute|plainte|le cas)",
               r"\bet\s+j'(?:annule|abandonne)\b", r"\b5\s+etoiles"),
        "pl": (rf"(?:anul|zamkn|zamk|wycof|usun|zakoncz)\w*\s+{_W}{{0,2}}"
               r"(?:spor|reklamacj|dyskusj|zgloszeni)\w*",
               r"\bi\s+(?:anuluje|zamkne|wycofam)\b", r"\b5\s+gwiazd"),
    },
    Cue.THREAT: {
        "en": (r"\b(?:negative|bad|poor)\s+(?:review|feedback|rating)", r"\b(?:1|one)[- ]?star",
               r"\bchargeback\b", r"\b(?:paypal|bank)\s+(?:claim|dispute)",
               r"\bi\s+will\s+(?:report|expose)\b"),
        "ru": (r"(?:плох|негативн|отрицательн)\w*\s+отзыв", r"(?:\bодн\w*|\b1)\s+звезд",
               r"пожалуюсь|буду\s+жаловаться|напишу\s+жалобу"),
        "es": (r"(?:mala|negativa|pesima)\s+(?:resena|calificacion|valoracion|opinion)",
               r"(?:resena|calificacion|valoracion|opinion)\s+negativa",
               r"\b(?:una|1)\s+estrella", r"\b(?:denunciar|reportar)e\b"),
        "pt": (r"(?:avaliacao|feedback|comentario)\s+negativ", r"(?:ma|pessima)\s+avaliacao",
               r"\b(?:uma|1)\s+estrela", r"reclame\s+aqui", r"\bvou\s+denunciar"),
        "fr": (r"(?:mauvais|negatif)\s+(?:avis|commentaire)", r"avis\s+negatif",
               r"\b(?:une|1)\s+etoile", r"je\s+vais\s+(?:signaler|porter\s+plainte)"),
        "pl": (r"(?:negatywn|zl|slab)\w*\s+(?:opini|komentarz|ocen)\w*",
               r"\b(?:jedn\w*|1)\s+gwiazdk", r"\bzglosze\b|\bzglosze\s+to"),
    },
    Cue.HOW_TO_USE: {
        "en": (r"\bhow\s+(?:do|can|should|to|does)\s+(?:i\s+|you\s+|it\s+|one\s+)?"
               r"(?:use|turn|switch|connect|set|charge|install|pair|make|operate|work|start|"
               r"assemble|calibrate|measure|reset)",
               r"\b(?:don'?t|do not|doesn'?t)\s+(?:know|understand)\s+how",
               r"\bcan'?t\s+figure\s+(?:it\s+)?out", r"\bwhat\s+am\s+i\s+doing\s+wrong",
               r"\b(?:no|missing|without)\s+(?:instructions?|manual|user guide)",
               r"\binstructions?\s+(?:are\s+|is\s+)?(?:missing|unclear|only in chinese|not)",
               r"\bwhich\s+(?:button|setting|mode|app)", r"\bis\s+there\s+an?\s+(?:app|manual)"),
        "ru": (r"\bкак\s+(?:им\s+|ей\s+|его\s+|это\s+)?(?:пользоваться|включить|включать|"
               r"подключить|настроить|использовать|зарядить|работает|запустить|собрать|"
               r"откалибровать|сбросить|мерить|измерить)",
               r"не\s+(?:понимаю|знаю|разобрал\w*|могу\s+понять|могу\s+разобраться)\s+как",
               r"нет\s+инструкции|без\s+инструкции|инструкци\w+\s+(?:нет|на\s+китайском)",
               r"что\s+я\s+делаю\s+не\s+так", r"какую\s+кнопку|какой\s+режим"),
        "es": (r"\bcomo\s+(?:se\s+|lo\s+|la\s+)?(?:usa|uso|usar|utiliza|enciend|prend|conect|"
               r"configur|instal|carg|funciona|arm|calibr|mid|reinici)",
               r"\bcomo\s+(?:hago|se\s+hace)\s+(?:para|pa)\s+(?:usar|encender|conectar|"
               r"configurar|cargar)",
               r"\bno\s+(?:se|entiendo|sabemos)\s+como",
               r"\b(?:no\s+(?:hay|viene|trae)|sin)\s+(?:instrucciones|manual)",
               r"que\s+estoy\s+haciendo\s+mal", r"\bque\s+boton"),
        "pt": (r"\bcomo\s+(?:eu\s+|se\s+)?(?:uso|usa|usar|utiliz|ligo|ligar|conect|configur|"
               r"instal|carreg|funciona|mont|calibr|med|reset)",
               r"\bcomo\s+(?:(?:eu\s+|se\s+)?fa(?:z|co)\s+)?(?:pra|para)\s+(?:usar|ligar|"
               r"funcionar|conectar|configurar|carregar)",
               r"\bnao\s+(?:sei|entendo|consigo\s+entender)\s+como",
               r"\b(?:sem|nao\s+(?:veio|tem|vem))\s+(?:o\s+)?(?:manual|instruc)",
               r"o\s+que\s+(?:eu\s+)?estou\s+fazendo\s+(?:de\s+)?errado", r"\bqual\s+botao"),
        "fr": (r"\bcomment\s+(?:on\s+|je\s+|ca\s+|faire\s+pour\s+)?(?:l'|le\s+|la\s+|les\s+)?"
               r"(?:utilise|allume|connecte|branche|configure|installe|charge|marche|fonctionne|"
               r"monte|calibre|mesure|reinitialise|regle)",
               r"\bje\s+ne\s+(?:sais|comprends)\s+pas\s+comment",
               r"\b(?:pas\s+de|aucune?|sans)\s+(?:notice|mode\s+d'emploi|manuel|instructions?)",
               r"qu'est-ce\s+que\s+je\s+fais\s+mal", r"\bquel\s+bouton"),
        "pl": (r"\bjak\s+(?:go\s+|je\s+|to\s+|tego\s+|tym\s+)?(?:uzywac|uzyc|wlaczyc|wlacza|"
               r"podlaczyc|ustawic|skonfigurowac|zainstalowac|naladowac|dziala|zmierzyc|"
               r"skalibrowac|zresetowac|obslugiwac)",
               r"\bnie\s+(?:wiem|rozumiem)\s*,?\s+jak",
               r"\bbrak\s+instrukcji|\bbez\s+instrukcji", r"co\s+robie\s+zle",
               r"\bktory\s+przycisk"),
    },
    Cue.NOT_WORKING: {
        "en": (r"\b(?:does\s*n[o']?t|doesnt|won'?t|will\s+not|not|stopped|no\s+longer|never)\s+"
               r"(?:work|working|worked|turn(?:s|ing)?\s+on|switch(?:es)?\s+on|charg\w*|"
               r"power(?:s)?\s+on|start\w*|connect\w*|pair\w*|light\w*\s+up|heat\w*|spin\w*|"
               r"measur\w*|read\w*)",
               r"\bdead\s+on\s+arrival\b", r"\bdoa\b", r"\bfaulty\b", r"\bdefective\b",
               r"\bmalfunction", r"\bno\s+(?:power|signal|sound|display|reading)",
               r"\bnot\s+functional\b", r"\bcompletely\s+dead\b", r"\bis\s+dead\b"),
        "ru": (r"\bне\s+(?:работает|работают|работал\w*|включается|включаются|заряжается|"
               r"светит|греет|подключается|запускается|крутит|показывает|меряет|измеряет|"
               r"реагирует)",
               r"перестал\w*\s+работать", r"\bбрак\w*", r"неисправ\w*"),
        "es": (r"\bno\s+(?:funciona|funcionan|enciende|prende|carga|conecta|arranca|calienta|"
               r"mide|responde|sirve)", r"dejo\s+de\s+funcionar", r"defectuos\w*",
               r"\bfalla\b|\bfallando\b", r"\bno\s+da\s+senal"),
        "pt": (r"\bnao\s+(?:funciona|funcionam|liga|carrega|conecta|acende|esquenta|mede|"
               r"responde|serve)", r"parou\s+de\s+funcionar", r"\bdefeito\w*",
               r"\bdefeituos\w*", r"\bcom\s+problema"),
        "fr": (r"\bne\s+(?:fonctionne|marche|s'allume|charge|se\s+connecte|demarre|chauffe|"
               r"mesure|repond)\s+(?:pas|plus)", r"\b(?:fonctionne|marche)\s+pas\b",
               r"\bdefectueu\w*", r"\ben\s+panne\b", r"\bhors\s+service\b"),
        "pl": (r"\bnie\s+(?:dziala|dzialaja|wlacza\s+sie|laduje|laczy\s+sie|swieci|grzeje|"
               r"mierzy|reaguje|odpala)", r"przestal\w*\s+dzialac", r"\bwadliw\w*",
               r"nie\s+chce\s+sie\s+(?:wlaczyc|uruchomic|naladowac|polaczyc)",
               r"\bniesprawn\w*"),
    },
    Cue.DAMAGED: {
        "en": (r"\b(?:broken|cracked|shattered|smashed|damaged|dented|crushed|bent|snapped|"
               r"burnt|burned|melted|leak(?:ed|ing|s)?)\b", r"\bin\s+pieces\b",
               r"\bsmell\w*\s+(?:of\s+)?burn", r"\bsmok(?:e|ed|ing)\b"),
        "ru": (r"\b(?:сломан|разбит|трещин|треснул|треснут|поврежд|помят|раздавлен|погнут|сгорел|"
               r"оплавил|расплавил|тек)\w*", r"\bдым\w*", r"\bзапах\s+гари"),
        "es": (r"\b(?:rot[oa]s?|quebrad\w*|danad\w*|rajad\w*|grieta\w*|abollad\w*|aplastad\w*|"
               r"partid[oa]s?|estrellad[oa]s?|"
               r"rayad\w*|quemad\w*|derretid\w*)\b", r"\bhumo\b", r"\ben\s+pedazos"),
        "pt": (r"\b(?:quebrad|danificad|rachad|trincad|amassad|riscad|queimad|derretid|"
               r"esmagad|partid)\w*", r"\bfumaca\b", r"\bem\s+pedacos"),
        "fr": (r"\b(?:casse(?:e|s|es)?|fissure\w*|abime\w*|endommage\w*|ecrase\w*|raye(?:e|s)?|"
               r"brule\w*|fondu\w*|tordu\w*)\b", r"\bfumee\b", r"\ben\s+morceaux"),
        "pl": (r"\b(?:zepsut|pekniet|pekl|uszkodzon|rozbit|zgniecion|porysowan|spalon|"
               r"stopion|wygiet)\w*", r"\bdym\w*"),
    },
    Cue.NOT_AS_DESCRIBED: {
        "en": (r"\bnot\s+as\s+(?:described|pictured|shown|advertised)",
               r"\b(?:wrong|different)\s+(?:size|colou?r|model|item|product|version)"
               r"(?!\s+ordered)",
               r"\bmissing\s+(?:parts?|pieces?|items?|accessor\w*|cable|battery)",
               r"\b(?:fake|counterfeit|replica)\b", r"\bempty\s+(?:box|package|parcel)"),
        "ru": (r"не\s+соответству\w*", r"(?:не\s+тот|другой|друг\w+)\s+(?:размер|цвет|товар|"
               r"модел\w*)", r"не\s+хватает|нет\s+в\s+комплекте|некомплект",
               r"подделк\w*", r"пуст\w+\s+(?:коробк|посылк)\w*"),
        "es": (r"\bno\s+(?:es\s+)?como\s+(?:se\s+)?(?:describe|en\s+la\s+foto|anuncia)",
               r"no\s+coincide", r"(?:talla|color|modelo|producto)\s+(?:equivocad|incorrect|"
               r"diferent)\w*", r"\bfalta(?:n)?\s+(?:piezas|partes|accesorios|el\s+cable)",
               r"falsificad\w*|\bimitacion\b", r"caja\s+vacia|paquete\s+vacio"),
        "pt": (r"diferente\s+do\s+anunci\w*|nao\s+(?:e|corresponde)\s+(?:ao|a|como)\s+"
               r"(?:anunci|descri|foto)\w*", r"(?:tamanho|cor|modelo|produto)\s+(?:errad|"
               r"diferent)\w*", r"\bfalta(?:m|ndo)?\s+(?:pecas|partes|acessorios|o\s+cabo)",
               r"falsificad\w*|\breplica\b", r"caixa\s+vazia|pacote\s+vazio"),
        "fr": (r"\b(?:pas|non)\s+conforme", r"ne\s+correspond\s+pas",
               r"\b(?:mauvaise|autre)\s+(?:taille|couleur)|\b(?:mauvais|autre)\s+(?:modele|"
               r"produit|article)", r"\bmanque\s+(?:des\s+|les\s+)?(?:pieces|accessoires|"
               r"elements|le\s+cable)", r"contrefacon", r"(?:boite|colis)\s+vide"),
        "pl": (r"niezgodn\w*\s+z\s+opisem|nie\s+(?:jest\s+)?zgodn\w*\s+z\s+opisem",
               r"\b(?:zly|inny)\s+(?:rozmiar|kolor|model|produkt)",
               r"\bbrak\w*\s+(?:czesci|elementow|akcesoriow|kabla)", r"podrob\w*|falsyfikat",
               r"pust\w*\s+(?:pudelko|paczka|karton)"),
    },
    Cue.EXPERTISE: {
        "en": (r"\bi(?:'?m|\s+am)\s+an?\s+(?:\w+\s+)?(?:electrician|engineer|technician|"
               r"professional|mechanic|expert|repairman)",
               r"\b(?:\d+|many|twenty|ten)\s+years\s+(?:of\s+)?experience",
               r"\bi\s+know\s+(?:exactly\s+|very\s+well\s+)?(?:how\s+(?:to\s+use|it\s+works|"
               r"these)|what\s+i'?m\s+doing)",
               r"\bi\s+(?:have\s+)?(?:used|tested|repaired)\s+(?:dozens|hundreds|many)"),
        "ru": (r"\bя\s+(?:профессиональн\w*\s+)?(?:электрик|инженер|мастер|профессионал|"
               r"специалист|техник|электронщик)",
               r"(?:\d+|много)\s+лет\s+(?:опыта|стажа|работаю|в\s+профессии)",
               r"я\s+(?:прекрасно\s+|отлично\s+|точно\s+)?знаю,?\s+как\s+(?:пользоваться|"
               r"работает|это\s+работает)"),
        "es": (r"\bsoy\s+(?:un\s+)?(?:electricista|ingeniero|tecnico|profesional|mecanico|"
               r"experto)", r"(?:\d+|muchos)\s+anos\s+de\s+experiencia",
               r"\bse\s+(?:perfectamente\s+|muy\s+bien\s+)?como\s+(?:usar|funciona|se\s+usa)"),
        "pt": (r"\bsou\s+(?:um\s+)?(?:eletricista|engenheiro|tecnico|profissional|mecanico|"
               r"especialista)", r"(?:\d+|muitos)\s+anos\s+de\s+experiencia",
               r"\bsei\s+(?:perfeitamente\s+|muito\s+bem\s+)?como\s+(?:usar|funciona)"),
        "fr": (r"\bje\s+suis\s+(?:un\s+)?(?:electricien|ingenieur|technicien|professionnel|"
               r"mecanicien|expert)", r"(?:\d+|des|vingt|dix)\s+ans\s+d'experience",
               r"\bje\s+sais\s+(?:tres\s+bien\s+|parfaitement\s+)?comment\s+(?:l'utiliser|"
               r"ca\s+marche|ca\s+fonctionne|utiliser)"),
        "pl": (r"\bjestem\s+(?:zawodowym\s+)?(?:elektrykiem|inzynierem|technikiem|fachowcem|"
               r"mechanikiem|specjalista)", r"(?:\d+|wiele)\s+lat\s+doswiadczenia",
               r"\bwiem\s+(?:doskonale\s+|dobrze\s+)?jak\s+(?:uzywac|to\s+dziala|dziala)"),
    },
    Cue.REFUND_ONLY: {
        "en": (r"\b(?:just|only|simply)\s+(?:want|give\s+me|need)\s+(?:a\s+|my\s+)?(?:full\s+)?"
               r"(?:refund|money)", r"\bfull\s+refund\b",
               r"\b(?:don'?t|do\s+not|won'?t)\s+(?:need|want)\s+(?:your\s+)?(?:instructions|"
               r"advice|help|tips|video)", r"\b(?:won'?t|will\s+not|not\s+going\s+to)\s+"
               r"(?:send|return|ship)\s+(?:it\s+)?back", r"\bwithout\s+(?:a\s+)?return"),
        "ru": (r"(?:просто|только)\s+верните\s+(?:мне\s+)?(?:деньги|всю\s+сумму)",
               r"полн\w+\s+возврат", r"не\s+нужны\s+(?:мне\s+)?(?:ваши\s+)?(?:советы|"
               r"инструкции)", r"(?:не\s+буду|не\s+собираюсь)\s+(?:ничего\s+)?(?:отправлять|"
               r"возвращать)", r"без\s+возврата\s+товара"),
        "es": (r"(?:solo|solamente)\s+quiero\s+(?:mi|el)\s+(?:reembolso|dinero)",
               r"reembolso\s+(?:completo|total|integro)",
               r"no\s+(?:necesito|quiero)\s+(?:sus|tus)\s+(?:instrucciones|consejos)",
               r"no\s+(?:voy\s+a|pienso)\s+devolver"),
        "pt": (r"(?:so|apenas)\s+quero\s+(?:meu|o)\s+(?:reembolso|dinheiro)",
               r"reembolso\s+(?:total|integral|completo)",
               r"nao\s+(?:preciso|quero)\s+(?:de\s+)?(?:suas|seus)\s+(?:instrucoes|dicas|"
               r"conselhos)", r"nao\s+vou\s+devolver"),
        "fr": (r"(?:juste|seulement|uniquement)\s+(?:un|mon|le)\s+remboursement",
               r"remboursement\s+(?:complet|total|integral)",
               r"pas\s+besoin\s+de\s+(?:vos\s+)?(?:conseils|instructions)",
               r"je\s+ne\s+(?:vais|veux)\s+pas\s+(?:le\s+)?renvoyer"),
        "pl": (r"(?:tylko|po\s+prostu)\s+(?:zwrot|pieniadze|zwroccie)",
               r"pelny\s+zwrot|zwrot\s+calosci|calkowity\s+zwrot",
               r"nie\s+potrzebuje\s+(?:waszych\s+)?(?:rad|instrukcji)",
               r"nie\s+(?:bede|zamierzam)\s+(?:niczego\s+)?(?:odsylac|zwracac)"),
    },
    Cue.RECEIVED: {
        "en": (r"(?<!not )(?<!n't )(?<!never )\b(?:received|got)\s+(?:it|the\s+(?:item|product|"
               r"parcel|package|order|goods))", r"\bwhen\s+i\s+(?:opened|unpacked|unboxed)",
               r"\barrived\s+(?:today|yesterday|broken|damaged|cracked)"),
        "ru": (r"(?<!не )\bполучил\w*\s+(?:товар|посылку|заказ)",
               r"когда\s+(?:открыл|распаковал)\w*", r"пришл\w+\s+(?:сломанн|разбит)"),
        "es": (r"(?<!no )\b(?:recibi|he\s+recibido)\s+(?:el|la)\s+(?:producto|paquete|pedido|"
               r"articulo)", r"\bal\s+(?:abrir|desempacar)", r"llego\s+(?:rot|danad|quebrad)"),
        "pt": (r"(?<!nao )\brecebi\s+(?:o|a)\s+(?:produto|pacote|pedido|item|encomenda)",
               r"\bao\s+abrir", r"chegou\s+(?:quebrad|danificad|amassad)"),
        "fr": (r"(?<!pas )\b(?:j'ai\s+)?recu\s+(?:le|la)\s+(?:produit|colis|commande|article)",
               r"\ben\s+ouvrant\b|\ba\s+l'ouverture", r"arrive\w*\s+(?:casse|abime|endommage)"),
        "pl": (r"(?<!nie )\b(?:otrzymalem|otrzymalam|dostalem|dostalam)\s+(?:produkt|paczke|"
               r"zamowienie|przesylke|towar)", r"\bpo\s+(?:otwarciu|rozpakowaniu)",
               r"przyszl\w*\s+(?:uszkodzon|zepsut|rozbit)"),
    },
    Cue.EVIDENCE_CLAIM: {
        "en": (r"\b(?:video|footage|recording)\s+(?:attached|evidence|proof)",
               r"\b(?:video|footage)\s+(?:that\s+)?(?:shows|proves|demonstrates)",
               r"\b(?:as\s+)?(?:shown|demonstrated|documented|proven)\s+(?:in|on|by)\s+"
               r"(?:the\s+)?(?:attached\s+)?(?:video|footage|recording)",
               r"\b(?:demonstrating|documenting|proving)\s+the\s+(?:defect|fault|malfunction)",
               r"\bunder\s+normal\s+(?:use|usage|conditions|operation)",
               r"\bmanufacturing\s+defect", r"\bi\s+am\s+entitled\s+to",
               r"\badvertised\s+specifications"),
        "ru": (r"(?:на|в)\s+(?:приложенном\s+)?видео\s+видно", r"видео\s*(?:прилагаю|приложено)",
               r"зафиксирован\w*\s+на\s+видео", r"заявленн\w+\s+характеристик\w*",
               r"при\s+(?:штатном|нормальном|обычном)\s+использовании",
               r"заводск\w+\s+брак", r"\bтребую\b", r"имею\s+право"),
        "es": (r"como\s+se\s+(?:demuestra|muestra|ve)\s+en\s+el\s+video", r"video\s+adjunto",
               r"adjunto\s+(?:el\s+|un\s+)?video", r"video\s+que\s+(?:demuestra|muestra|prueba)",
               r"especificaciones\s+anunciadas",
               r"defecto\s+de\s+fabrica\w*", r"uso\s+normal", r"tengo\s+derecho",
               r"\bsolicito\s+el\s+reembolso"),
        "pt": (r"(?:segue|em\s+anexo)\s+(?:o\s+)?video", r"\bcomprovando\b",
               r"video\s+que\s+(?:comprova|mostra|demonstra)", r"especificacoes\s+anunciadas",
               r"defeito\s+de\s+fabrica\w*", r"uso\s+normal", r"tenho\s+direito"),
        "fr": (r"video\s+(?:jointe|a\s+l'appui|ci-jointe)", r"comme\s+le\s+montre\s+la\s+video",
               r"caracteristiques\s+annoncees", r"video\s+qui\s+(?:montre|prouve|demontre)",
               r"conditions\s+normales\s+d'utilisation", r"defaut\s+de\s+fabrication",
               r"j'ai\s+droit", r"\bje\s+demande\s+un\s+remboursement"),
        "pl": (r"nagrani\w*\s+wideo|na\s+nagraniu|\budokumentowan\w*",
               r"deklarowan\w+\s+(?:parametr|specyfikacj)\w*",
               r"normaln\w+\s+uzytkowani\w*", r"wad\w*\s+fabryczn\w*", r"mam\s+prawo",
               r"\bzadam\b"),
    },
    Cue.LOST: {
        "en": (r"\b(?:is|was|got|been|probably|must\s+be)\s+lost\b", r"\blost\s+(?:parcel|package)",
               r"\btracking\s+(?:is\s+)?dead\b", r"\bparcel\s+(?:is\s+)?gone\b"),
        "ru": (r"потерял\w*", r"утерян\w*", r"трек\w*\s+(?:\S+\s+)?мертв\w*", r"пропал\w*"),
        "es": (r"\bse\s+perdio\b", r"\bperdid[oa]\b", r"\bextraviad[oa]\b"),
        "pt": (r"\bextraviad[oa]\b", r"\bperdid[oa]\b", r"\bse\s+perdeu\b", r"sumiu"),
        "fr": (r"\bperdu[es]?\b", r"\begare\w*"),
        "pl": (r"\bzaginel\w*|\bzaginion\w*", r"\bzgubion\w*|\bzgubil\w*"),
    },
    Cue.LONG_WAIT: {
        "en": (r"\b(?:\d|two|three|four|several)\s+months\b", r"\bover\s+a\s+month\b",
               r"\bmore\s+than\s+a\s+month\b"),
        "ru": (r"\b(?:\d|два|три|четыре|несколько)\s+месяц\w*", r"больше\s+месяца",
               r"более\s+месяца"),
        "es": (r"\b(?:\d|dos|tres|cuatro)\s+meses\b", r"mas\s+de\s+un\s+mes"),
        "pt": (r"\b(?:\d|dois|tres|quatro)\s+meses\b", r"mais\s+de\s+um\s+mes"),
        "fr": (r"\b(?:\d|deux|trois|quatre)\s+mois\b", r"plus\s+d'un\s+mois"),
        "pl": (r"\b(?:\d|dwa|trzy|cztery)\s+miesi\w*", r"ponad\s+miesiac\w*",
               r"od\s+ponad\s+miesiaca"),
    },
    Cue.NOT_RECEIVED: {
        "en": (r"\b(?:not|never|haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|isn'?t|"
               r"wasn'?t|still\s+not|yet\s+to)\s+"
               r"(?:yet\s+)?(?:been\s+)?(?:received|receive|get|got|arrived|arrive|delivered)",
               r"\bwhere\s+is\s+my\s+(?:order|package|parcel|item)",
               r"\bnothing\s+(?:has\s+)?(?:arrived|came|received)", r"\bstill\s+waiting"),
        "ru": (r"\bне\s+(?:получил|получила|получали|пришл|пришел|пришла|дошл|доставлен|"
               r"доставили)\w*", r"\bгде\s+(?:моя\s+|мой\s+)?(?:посылка|заказ|товар)",
               r"до\s+сих\s+пор\s+(?:нет|не)", r"ничего\s+не\s+(?:получал|пришло)\w*"),
        "es": (r"\bno\s+(?:he\s+|lo\s+he\s+|la\s+he\s+|me\s+)?(?:recibido|recibi|llego|ha\s+"
               r"llegado|han\s+entregado)", r"donde\s+esta\s+mi\s+(?:pedido|paquete)",
               r"\b(?:todavia|aun)\s+no\b", r"nunca\s+(?:llego|recibi)", r"\bno\s+llega\b"),
        "pt": (r"\bnao\s+(?:recebi|chegou|foi\s+entregue|recebemos)", r"\bainda\s+nao\b",
               r"cade\s+(?:o\s+)?meu|onde\s+esta\s+(?:o\s+)?meu\s+(?:pedido|pacote)",
               r"nunca\s+(?:chegou|recebi)"),
        "fr": (r"\b(?:pas|jamais|rien)\s+(?:encore\s+|toujours\s+)?recu",
               r"\bn'?est\s+(?:toujours\s+|jamais\s+)?pas\s+arrive",
               r"\bou\s+est\s+(?:mon|ma)\s+(?:colis|commande)", r"\btoujours\s+rien\b",
               r"\bn'?(?:ai|avons)\s+(?:toujours\s+|jamais\s+)?(?:rien|pas)\s+recu"),
        "pl": (r"\bnie\s+(?:otrzymal|dostal|doszl|dotarl|przyszl|dostarczon)\w*",
               r"\bgdzie\s+(?:jest\s+)?moja\s+(?:paczka|przesylka)",
               r"\b(?:nadal|wciaz|dalej)\s+(?:nie|brak|nic)\b"),
    },
    Cue.DELIVERED_NOT_RECEIVED: {
        "en": (r"\b(?:says|shows|showing|marked|status)\s+(?:as\s+|it\s+(?:was\s+)?|that\s+it\s+"
               r"(?:was\s+)?)?(?:delivered|signed)",
               r"\b(?:delivered|signed)\b[^.!?]{0,40}\b(?:but|however)\b[^.!?]{0,40}"
               r"\b(?:not|never|didn'?t|nothing|no)\b",
               r"\bi\s+(?:didn'?t|did\s+not|never)\s+sign", r"\bnot\s+my\s+signature",
               r"\bsigned\s+(?:for\s+)?by\s+(?:someone|somebody)"),
        "ru": (r"(?:пишет|написано|указано|статус\w*|отмечен\w*|показывает)\s+(?:\S+\s+)?"
               r"(?:что\s+)?(?:вручен|доставлен|получен)",
               r"(?:вручен|доставлен)\w*[^.!?]{0,40}\b(?:но|однако|а)\b[^.!?]{0,40}\bне\b",
               r"я\s+не\s+(?:расписывал|подписывал)\w*", r"не\s+моя\s+подпись"),
        "es": (r"(?:dice|aparece|figura|marca|indica|sale)\s+(?:como\s+|que\s+)?(?:fue\s+)?"
               r"(?:entregad|recibid)", r"entregad\w*[^.!?]{0,40}\bpero\b[^.!?]{0,40}\bno\b",
               r"\byo\s+no\s+firme", r"no\s+es\s+mi\s+firma"),
        "pt": (r"(?:diz|consta|aparece|mostra|marca|esta)\s+(?:como\s+|que\s+)?(?:foi\s+)?"
               r"(?:entregue|recebid)", r"entregue[^.!?]{0,40}\bmas\b[^.!?]{0,40}\bnao\b",
               r"\bnao\s+assinei", r"nao\s+e\s+minha\s+assinatura"),
        "fr": (r"(?:indique|marque|affiche|dit|note|montre)\s+(?:comme\s+|que\s+)?"
               r"(?:le\s+colis\s+)?(?:a\s+ete\s+|est\s+)?(?:livre|distribue|remis)",
               r"livre\w*[^.!?]{0,40}\bmais\b[^.!?]{0,40}\b(?:pas|jamais|rien)\b",
               r"je\s+n'ai\s+(?:rien|pas|jamais)\s+signe", r"pas\s+ma\s+signature"),
        "pl": (r"(?:pokazuje|pisze|status\w*|widnieje|jest)\s+(?:\S+\s+)?(?:ze\s+)?"
               r"(?:dostarczon|doreczon|odebran)\w*",
               r"(?:dostarczon|doreczon)\w*[^.!?]{0,40}\bale\b[^.!?]{0,40}\bnie\b",
               r"nie\s+podpisywal\w*", r"to\s+nie\s+(?:jest\s+)?moj\s+podpis"),
    },
    Cue.NO_TRACKING: {
        "en": (r"\bno\s+tracking\b", r"\btracking\s+(?:number\s+)?(?:is\s+)?(?:not|doesn'?t|"
               r"does\s+not|isn'?t)\s+(?:work|exist|valid|found|trackable)",
               r"\b(?:can'?t|cannot|unable\s+to)\s+track", r"\bno\s+(?:tracking\s+)?information",
               r"\binvalid\s+tracking", r"\b(?:not\s+trackable|untrackable)"),
        "ru": (r"\bнет\s+(?:трека|трек-номера|отслеживания|информации)",
               r"трек\S*\s+(?:номер\s+)?не\s+(?:отслеживается|работает|найден|действител)",
               r"не\s+отслеживается", r"без\s+(?:трека|отслеживания)"),
        "es": (r"\bsin\s+(?:numero\s+de\s+)?(?:seguimiento|rastreo|informacion)",
               r"no\s+hay\s+(?:seguimiento|rastreo|informacion)",
               r"(?:seguimiento|rastreo)\s+(?:no\s+funciona|invalido|no\s+existe)",
               r"no\s+se\s+puede\s+rastrear"),
        "pt": (r"\bsem\s+(?:codigo\s+de\s+)?(?:rastreio|rastreamento|informac)",
               r"(?:rastreio|rastreamento)\s+(?:nao\s+funciona|invalido|nao\s+existe)",
               r"nao\s+(?:tem|ha)\s+(?:rastreio|rastreamento|informac)",
               r"nao\s+(?:da|consigo)\s+(?:para\s+)?rastrear"),
        "fr": (r"\b(?:pas\s+de|aucun|sans)\s+suivi", r"suivi\s+(?:ne\s+fonctionne\s+pas|"
               r"invalide|introuvable)", r"aucune\s+information"),
        "pl": (r"\bbrak\s+(?:sledzenia|informacji|numeru\s+sledzenia)",
               r"(?:numer\s+)?(?:sledzenia|przesylki)\s+(?:nie\s+dziala|nieprawidlowy|"
               r"nie\s+istnieje)", r"nie\s+(?:da\s+sie|moge)\s+(?:sledzic|namierzyc)"),
    },
    Cue.TRACKING_STUCK: {
        "en": (r"\b(?:not|hasn'?t\s+been|no|never)\s+(?:been\s+)?updat\w*", r"\bstuck\b",
               r"\b(?:same|no)\s+(?:status|movement|change)", r"\bhasn'?t\s+moved",
               r"\bfor\s+(?:weeks|a\s+month|(?:\d+|two|three|four)\s+(?:days|weeks))"),
        "ru": (r"не\s+обновля\w*", r"\bзавис\w*", r"стоит\s+на\s+месте",
               r"(?:нет|без)\s+движения", r"уже\s+(?:\S+\s+)?(?:недел|месяц)\w*",
               r"не\s+двигается"),
        "es": (r"no\s+(?:se\s+)?(?:actualiza|ha\s+actualizado|hay\s+actualizacion)",
               r"\b(?:atascad|estancad|detenid)\w*", r"sin\s+movimiento",
               r"(?:desde\s+hace|hace)\s+(?:\S+\s+)?(?:semanas|mes|meses)",
               r"(?:seguimiento|rastreo)\s+no\s+(?:cambia|avanza|se\s+mueve)"),
        "pt": (r"nao\s+(?:atualiza|foi\s+atualizad|tem\s+atualizac)",
               r"\b(?:parad|travad)\w*", r"sem\s+(?:movimentac|atualizac)",
               r"(?:ha|faz)\s+(?:\S+\s+)?(?:semanas|mes|meses)"),
        "fr": (r"(?:pas|plus)\s+(?:de\s+)?mis(?:e|es)?\s+a\s+jour|n'est\s+pas\s+mis\s+a\s+jour",
               r"\bbloque\w*", r"aucun\s+mouvement|ne\s+bouge\s+(?:pas|plus)",
               r"depuis\s+(?:\S+\s+)?(?:semaines|mois)"),
        "pl": (r"nie\s+(?:jest\s+)?aktualizowan\w*|brak\s+aktualizacji", r"\butknel\w*",
               r"stoi\s+w\s+miejscu", r"brak\s+ruchu", r"od\s+(?:\S+\s+)?(?:tygodni|miesiac)\w*"),
    },
    Cue.RETURNED: {
        "en": (r"\breturn(?:ed|ing)\s+(?:back\s+)?to\s+(?:the\s+)?(?:sender|seller|origin|china)",
               r"\bsent\s+back\b", r"\bbeing\s+returned\b", r"\breturned\s+to\s+china"),
        "ru": (r"возвра\S*\s+(?:\S+\s+)?(?:отправител|продавц|обратно|в\s+китай)",
               r"отправ\w*\s+обратно", r"(?:едет|уехал\w*|ушл\w*)\s+обратно"),
        "es": (r"devuelt\w*\s+al\s+(?:remitente|vendedor|origen)",
               r"(?:de\s+)?vuelta\s+a\s+china|regres\w*\s+(?:al|a)\s+(?:remitente|china|origen)",
               r"\bdevolvieron\b"),
        "pt": (r"devolvid\w*\s+(?:ao|para\s+o)\s+(?:remetente|vendedor|origem)",
               r"voltou\s+para\s+(?:a\s+)?china|retorn\w*\s+ao\s+remetente|em\s+devolucao"),
        "fr": (r"retourne\w*\s+(?:a\s+l'|a\s+)?(?:expediteur|vendeur)",
               r"\brenvoye\w*|en\s+(?:cours\s+de\s+)?retour|retour\s+(?:a|vers)\s+"
               r"(?:l'expediteur|la\s+chine)"),
        "pl": (r"zwrot\w*\s+do\s+(?:nadawcy|sprzedawcy|chin)",
               r"wraca\s+do\s+(?:nadawcy|chin)|odeslan\w*|zwrocon\w*\s+(?:do\s+)?nadawcy"),
    },
    Cue.NOT_COLLECTED: {
        "en": (r"\b(?:couldn'?t|could\s+not|didn'?t|did\s+not|wasn'?t\s+able\s+to)\s+"
               r"(?:pick|collect)", r"\bstorage\s+period", r"\btoo\s+late\s+to\s+(?:pick|collect)"),
        "ru": (r"не\s+успел\w*\s+(?:забрать|получить)", r"срок\s+хранения"),
        "es": (r"no\s+(?:pude|alcance\s+a)\s+(?:recoger|retirar)", r"plazo\s+de\s+"
               r"(?:almacenamiento|retiro)"),
        "pt": (r"nao\s+(?:consegui|pude)\s+(?:retirar|buscar|pegar)",
               r"prazo\s+de\s+(?:retirada|guarda)"),
        "fr": (r"(?:pas|n'ai\s+pas)\s+pu\s+(?:recuperer|retirer|aller\s+chercher)",
               r"delai\s+de\s+(?:garde|retrait)"),
        "pl": (r"nie\s+(?:zdazyl\w*|moglem|moglam)\s+(?:\S+\s+)?odebrac",
               r"termin\s+odbioru"),
    },
    Cue.WRONG_ADDRESS: {
        "en": (r"\bwrong\s+address", r"\b(?:different|another|old)\s+address",
               r"\bdelivered\s+to\s+(?:someone\s+else|another|the\s+wrong|a\s+different)",
               r"\bnot\s+my\s+address"),
        "ru": (r"не\s+(?:тот|мой|по)\s+адрес", r"(?:друг\w+|неправильн\w+|чуж\w+)\s+адрес"),
        "es": (r"direccion\s+(?:equivocada|incorrecta|erronea)", r"otra\s+direccion",
               r"no\s+es\s+mi\s+direccion"),
        "pt": (r"endereco\s+(?:errado|incorreto)", r"outro\s+endereco",
               r"nao\s+e\s+(?:o\s+)?meu\s+endereco"),
        "fr": (r"mauvaise\s+adresse|adresse\s+(?:erronee|incorrecte)", r"autre\s+adresse",
               r"pas\s+(?:a\s+)?mon\s+adresse"),
        "pl": (r"\b(?:zly|bledny|niewlasciwy|inny)\s+adres", r"nie\s+(?:na\s+)?moj\s+adres"),
    },
    Cue.CUSTOMS: {
        "en": (r"\bcustoms\b", r"\b(?:import\s+)?dut(?:y|ies)\b", r"\bimport\s+tax",
               r"\b(?:vat|tax(?:es)?)\b"),
        "ru": (r"таможн\w*", r"пошлин\w*", r"растамож\w*", r"\bналог\w*"),
        "es": (r"\baduana\w*", r"\bimpuesto\w*", r"\barancel\w*"),
        "pt": (r"\balfandega", r"receita\s+federal", r"\btaxad\w*|\btaxa\s+de\s+importacao",
               r"\bimposto\w*", r"\btributa\w*"),
        "fr": (r"\bdouane\w*", r"droits\s+de\s+douane", r"\btaxe\w*"),
        "pl": (r"\bcl(?:o|a|em)\b", r"urzad\w*\s+celn\w*|\bceln\w*", r"\bpodat\w*"),
    },
    Cue.TAX_ID: {
        "": (r"\bcpf\b", r"\brut\b", r"\bpccc\b", r"\brfc\b", r"\bpesel\b", r"\beori\b",
             r"\binn\b", r"\biin\b", r"\bинн\b", r"\bиин\b", r"\bnip\b", r"\bdni\b",
             r"\bcurp\b", r"teudat\s+zehut"),
        "en": (r"\btax\s+(?:id|number|code)", r"personal\s+customs\s+(?:clearance\s+)?code",
               r"\bpassport\s+(?:details|data|number|copy)", r"\bid\s+number"),
        "ru": (r"паспорт\w*\s+(?:данн|номер)\w*|данн\w+\s+паспорт\w*",),
        "es": (r"numero\s+(?:de\s+)?(?:identificacion|documento|fiscal)",),
        "pt": (r"numero\s+(?:de\s+)?(?:identificacao|documento)|documento\s+de\s+identidade",),
        "fr": (r"numero\s+(?:fiscal|d'identification|national)",),
        "pl": (r"numer\s+(?:identyfikacyjny|podatkowy|dowodu)",),
    },
    Cue.REFUSES_DUTY: {
        "en": (r"\b(?:won'?t|will\s+not|not\s+going\s+to|refuse\s+to|why\s+should\s+i|"
               r"i\s+(?:don'?t|do\s+not)\s+want\s+to)\s+(?:pay|give|provide|send)",
               r"\bnot\s+paying\b"),
        "ru": (r"не\s+(?:буду|собираюсь|хочу|стану)\s+(?:ничего\s+)?(?:платить|давать|"
               r"предоставлять|отправлять|сообщать)", r"почему\s+я\s+должен\w*\s+"
               r"(?:платить|давать)"),
        "es": (r"no\s+(?:voy\s+a|quiero|pienso)\s+(?:pagar|dar|enviar|proporcionar)",
               r"por\s+que\s+(?:tengo|debo)\s+(?:que\s+)?(?:pagar|dar)"),
        "pt": (r"nao\s+(?:vou|quero)\s+(?:pagar|dar|informar|enviar|fornecer)",
               r"por\s+que\s+(?:eu\s+)?(?:tenho|devo)\s+(?:que\s+|de\s+)?(?:pagar|dar|informar)"),
        "fr": (r"je\s+ne\s+(?:vais|veux)\s+pas\s+(?:payer|donner|fournir|envoyer)",
               r"pourquoi\s+(?:je\s+dois|devrais-je|dois-je)\s+(?:payer|donner)"),
        "pl": (r"nie\s+(?:bede|zamierzam|chce)\s+(?:\S+\s+)?(?:placic|zaplacic|podawac|dawac|"
               r"wysylac)", r"dlaczego\s+mam\s+(?:placic|zaplacic|podawac)"),
    },
    Cue.UNREACHABLE: {
        "en": (r"\b(?:nobody|no\s+one|never)\s+(?:has\s+)?(?:contacted|called|notified|told)",
               r"\b(?:didn'?t|did\s+not|never)\s+(?:get|receive)\s+(?:any\s+)?(?:notice|"
               r"notification|call|message|sms|email|letter)",
               r"\bi\s+was\s+(?:away|abroad|travel\w*|in\s+(?:the\s+)?hospital|on\s+holiday)",
               r"\b(?:changed|new|lost)\s+(?:my\s+)?phone", r"\bwrong\s+phone"),
        "ru": (r"(?:никто|мне\s+никто)\s+(?:мне\s+)?не\s+(?:звонил|писал|сообщ|связ|"
               r"уведомил)\w*",
               r"не\s+(?:получал|приходил)\w*\s+(?:никаких\s+|никакого\s+)?(?:уведомлен|"
               r"извещен|смс|писем|звонк)\w*",
               r"я\s+был\w*\s+(?:в\s+отъезде|в\s+командировке|в\s+больнице|в\s+отпуске)",
               r"сменил\w*\s+(?:номер|телефон)"),
        "es": (r"nadie\s+me\s+(?:contacto|llamo|aviso|notifico|escribio)",
               r"no\s+(?:me\s+llego|recibi)\s+(?:ningun|ninguna)?\s*(?:aviso|notificacion|"
               r"llamada|correo|sms)",
               r"estaba\s+de\s+viaje|estuve\s+fuera|estaba\s+fuera",
               r"cambie\s+(?:de\s+)?(?:numero|telefono)"),
        "pt": (r"ninguem\s+me\s+(?:contatou|contactou|ligou|avisou|notificou)",
               r"nao\s+recebi\s+(?:nenhum|nenhuma)?\s*(?:aviso|notificacao|ligacao|e-?mail|sms)",
               r"estava\s+viajando|estive\s+fora", r"mudei\s+(?:de\s+)?(?:numero|telefone)"),
        "fr": (r"personne\s+ne\s+m'a\s+(?:contacte|appele|prevenu|averti)",
               r"(?:je\s+n'ai\s+|j'ai\s+)?(?:recu\s+)?aucune?\s+(?:avis|notification|appel|"
               r"message|sms)", r"j'etais\s+(?:en\s+voyage|absent|a\s+l'hopital)",
               r"change\s+de\s+(?:numero|telephone)"),
        "pl": (r"nikt\s+(?:sie\s+)?(?:ze\s+mna\s+)?nie\s+(?:kontaktowal|odezwal|dzwonil)\w*",
               r"nikt\s+mnie\s+nie\s+(?:powiadomil|poinformowal)",
               r"nie\s+(?:dostalem|dostalam|otrzymalem|otrzymalam)\s+(?:zadnego\s+|zadnej\s+)?"
               r"(?:awiza|powiadomienia|sms|telefonu|informacji)",
               r"(?:bylem|bylam)\s+(?:za\s+granica|w\s+podrozy|w\s+szpitalu)",
               r"zmienil\w*\s+numer"),
    },
    Cue.PERSONAL_REASON: {
        "en": (r"\b(?:don'?t|do\s+not|no\s+longer)\s+(?:want|need)\s+(?:it|this|the\s+item)",
               r"\bchanged\s+my\s+mind", r"\bordered\s+(?:it\s+|the\s+wrong\s+\w+\s+)?by\s+"
               r"mistake", r"\bfound\s+(?:it\s+)?cheaper", r"\bdon'?t\s+like\s+it",
               r"\bi\s+ordered\s+the\s+wrong\b", r"\bwrong\s+\w+\s+ordered\b"),
        "ru": (r"(?:больше|уже)\s+не\s+(?:нужен|нужна|нужно|нужны|хочу)",
               r"мне\s+(?:это\s+|он\s+|она\s+)?(?:больше\s+)?не\s+нужн\w*", r"передумал\w*",
               r"(?:заказал\w*|купил\w*)\s+по\s+ошибке|ошибочно\s+заказал\w*",
               r"нашел\w*\s+дешевле", r"не\s+понравил\w*", r"не\s+тот\s+размер\s+заказал\w*"),
        "es": (r"ya\s+no\s+(?:lo\s+|la\s+)?(?:quiero|necesito)", r"cambie\s+de\s+opinion",
               r"(?:lo\s+|la\s+)?(?:pedi|compre)\s+por\s+(?:error|equivocacion)",
               r"encontre\s+(?:mas\s+barato|otro)", r"no\s+me\s+gusta", r"me\s+arrepenti"),
        "pt": (r"nao\s+(?:quero|preciso)\s+mais", r"mudei\s+de\s+ideia",
               r"(?:pedi|comprei)\s+por\s+engano", r"achei\s+mais\s+barato",
               r"nao\s+gostei", r"\bdesisti\b", r"me\s+arrependi"),
        "fr": (r"n'en\s+(?:veux|ai)\s+plus(?:\s+besoin)?", r"change\s+d'avis",
               r"command\w*\s+par\s+erreur", r"trouve\s+moins\s+cher", r"ne\s+me\s+plait\s+pas",
               r"je\s+ne\s+le\s+veux\s+plus"),
        "pl": (r"juz\s+(?:tego\s+|go\s+|jej\s+)?nie\s+(?:potrzebuje|chce)",
               r"nie\s+potrzebuje\s+(?:juz\s+)?(?:tego|go|jej)",
               r"rozmyslil\w*|zmienil\w*\s+zdanie",
               r"(?:zamowil\w*|kupil\w*)\s+przez\s+pomylke", r"znalazl\w*\s+taniej",
               r"nie\s+podoba\s+mi\s+sie", r"\brezygnuj\w*"),
    },
}

# Words that make a named sum a demand rather than a description ("30 % battery").
_DEMAND_WORDS = (
    r"refund|money\s+back|\bback\b|give|pay|compensat|discount|return|"
    r"вернут|верните|возврат|компенс|скидк|заплат|отдайте|вернуть|"
    r"devuelv|reembols|compens|descuento|pagu|devolv|dame|\bden\b|"
    r"reembols|desconto|devolv|pague|"
    r"rembours|dedommag|remise|payez|rendez|donne|"
    r"zwrot|zwroc|rekompens|rabat|zaplac|oddajcie|oddac"
)

_PERCENT = re.compile(
    r"(\d{1,3}(?:[.,]\d+)?)\s?(?:%|percent\b|per\s?cent\b|процент\w*|проц\b|por\s?ciento\b|"
    r"porcento\b|por\s?cento\b|pour\s?cent\b|procent\w*)"
)
_HALF = re.compile(r"\b(?:half|половин\w*|la\s+mitad|metade|la\s+moitie|polow\w*)\b")
_AMOUNT = re.compile(
    r"(?:(us\$|r\$|\$|€|£|₽)\s?(\d+(?:[.,]\d{1,2})?))"
    r"|(?:\b(\d+(?:[.,]\d{1,2})?)\s?(usd|dollars?|dolares|dolar|eur|euros?|€|\$|£|gbp|pounds?|"
    r"rub\w*|руб\w*|₽|reais|brl|r\$|pln|zl\w*|zlot\w*|mxn|pesos?|clp)(?!\w))"
)
_CURRENCY = {"us$": "USD", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
             "dolar": "USD", "dolares": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
             "₽": "RUB", "r$": "BRL", "reais": "BRL", "brl": "BRL", "pln": "PLN",
             "mxn": "MXN", "peso": "MXN", "pesos": "MXN", "clp": "CLP"}


# ---------------------------------------------------------------------------------------------
# Carrier patterns (event descriptions, mostly English, some local posts' own words)
# ---------------------------------------------------------------------------------------------

_CARRIER: dict[CarrierCue, tuple[str, ...]] = {
    CarrierCue.RECIPIENT_UNREACHABLE: (
        r"recipient\s+(?:could\s+not|cannot|can'?t)\s+be\s+(?:contacted|reached)",
        r"(?:recipient|consignee|addressee)\s+(?:is\s+)?unreachable",
        r"unable\s+to\s+(?:contact|reach)\s+(?:the\s+)?(?:recipient|consignee|addressee)",
        r"no\s+response\s+from\s+(?:the\s+)?(?:recipient|consignee)",
        r"не\s+удалось\s+связаться\s+с\s+получателем",
        r"destinatario\s+(?:no\s+localizado|inalcanzable|nao\s+localizado)",
    ),
    CarrierCue.RECIPIENT_DOCS: (
        r"awaiting\s+(?:\S+\s+){0,6}from\s+(?:the\s+)?recipient",
        r"(?:recipient|consignee)\s+(?:\S+\s+){0,4}(?:required|needed)",
        r"(?:cpf|rut|pccc|rfc|inn|pesel|eori|tax\s+id|passport)\b[^.]{0,30}required",
        r"awaiting\s+(?:payment|documents|tax|duty)", r"duty\s+(?:notice|payment|assessed)",
        r"import\s+duty", r"customs\s+duty", r"awaiting\s+(?:recipient|consignee)",
        r"требуются\s+(?:документы|паспортные)", r"aguardando\s+(?:pagamento|cpf|documentos)",
        r"pendiente\s+de\s+pago",
    ),
    CarrierCue.REFUSED_ENTRY: (
        r"refused\s+entry", r"restricted\s+(?:goods|item)", r"prohibited\s+(?:goods|item)",
        r"(?:failed|did\s+not\s+pass)\s+(?:the\s+)?(?:\S+\s+)?(?:security|inspection|screening)",
        r"security\s+(?:check|screening)\s+failed", r"contains?\s+(?:a\s+)?(?:lithium\s+)?battery",
        r"declaration\s+mismatch", r"inspection\s+failed",
    ),
    CarrierCue.NOT_COLLECTED: (
        r"not\s+collected", r"retention\s+period", r"storage\s+period\s+expired",
        r"unclaimed", r"истек\w*\s+срок\s+хранения",
    ),
    CarrierCue.DELIVERY_FAILED: (
        r"delivery\s+attempt\s+failed", r"unsuccessful\s+delivery", r"notice\s+left",
        r"recipient\s+not\s+(?:available|at\s+home)", r"неудачная\s+попытка\s+вручения",
    ),
    CarrierCue.LOST: (r"\blost\b", r"missing\s+(?:parcel|item|in\s+transit)", r"утерян\w*",
                      r"extraviad\w*"),
    CarrierCue.DESTROYED: (r"destroy\w*", r"disposed", r"confiscat\w*", r"уничтожен\w*"),
}


# ---------------------------------------------------------------------------------------------
# Compiled tables
# ---------------------------------------------------------------------------------------------

_COMPILED: tuple[tuple[Cue, str, re.Pattern[str]], ...] = tuple(
    (cue, language, re.compile("|".join(f"(?:{p})" for p in patterns)))
    for cue, by_language in _BUYER.items()
    for language, patterns in by_language.items()
)
_COMPILED_CARRIER: tuple[tuple[CarrierCue, re.Pattern[str]], ...] = tuple(
    (cue, re.compile("|".join(f"(?:{p})" for p in patterns))) for cue, patterns in _CARRIER.items()
)
_DEMAND = re.compile(_DEMAND_WORDS)
_CYRILLIC = re.compile(r"[а-я]")


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def find_cues(text: str) -> tuple[CueMatch, ...]:
    """Every cue in one buyer message, each once, with the words that matched.

    >>> [(m.cue.value, m.phrase) for m in find_cues("Верните 30% и я закрою спор")]
    [('money_demand', '30%'), ('cancel_offer', 'закрою спор')]
    """
    folded, origin = _fold_with_map(text)
    found: dict[Cue, CueMatch] = {}
    demand = _demanded(text, folded, origin)
    if demand is not None:
        found[Cue.MONEY_DEMAND] = CueMatch(Cue.MONEY_DEMAND, demand.phrase, "", demand.context)
    for cue, language, pattern in _COMPILED:
        if cue in found:
            continue
        match = pattern.search(folded)
        if match:
            start, end = match.start(), match.end()
            found[cue] = CueMatch(cue, _original(text, origin, start, end), language,
                                  _context(text, origin, start, end))
    return tuple(found.values())


def find_money(text: str) -> tuple[MoneyAsk, ...]:
    """The sums a message names: percentages ("30 %", "половину") and amounts ("$5", "20 zł").

    >>> [(a.percent, a.amount, a.currency) for a in find_money("devuelvan 10 USD o el 30 %")]
    [(30.0, None, ''), (None, Decimal('10'), 'USD')]
    """
    folded, origin = _fold_with_map(text)
    return _money_in(text, folded, origin)


def carrier_cues(description: str) -> tuple[CarrierCue, ...]:
    """What a carrier event description says about the recipient, customs or the parcel."""
    folded = fold(description)
    return tuple(cue for cue, pattern in _COMPILED_CARRIER if pattern.search(folded))


def guess_language(texts: Iterable[str]) -> str:
    """The buyer's language ("" when nothing tells), for replying in it.

    >>> guess_language(["Não recebi, acho que o pacote foi extraviado"])
    'pt'
    """
    votes: Counter[str] = Counter()
    for text in texts:
        votes.update(language_votes(text, find_cues(text)))
    return votes.most_common(1)[0][0] if votes else ""


# Short words that are frequent in one language and rare in the others (folded forms).
_FUNCTION_WORD_LISTS: dict[str, str] = {
    "en": "the and is my it not i you was has have where",
    "es": "el los y mi pero una del muy lo esta donde recibi",
    "pt": "o os e meu minha nao um uma foi voce do ao esta cade recebi",
    "fr": "le les et je est pas mon ma une du au ne",
    "pl": "nie jest sie w z na moja moj to czy ale od",
}
_FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORD_LISTS.items()}
_WORD = re.compile(r"[a-z']+")


def language_votes(text: str, matches: Iterable[CueMatch] = ()) -> Counter[str]:
    """Votes for the language of one message: its script, its function words, its cues.

    Cyrillic is Russian (the stores' Russian-writing buyers include Belarus and Kazakhstan).
    A function word counts once per message; a cue pattern once per match.
    """
    votes: Counter[str] = Counter(m.language for m in matches if m.language)
    folded = fold(text)
    if _CYRILLIC.search(folded):
        votes["ru"] += 3
    words = set(_WORD.findall(folded))
    for language, common in _FUNCTION_WORDS.items():
        votes[language] += len(words & common)
    return +votes


def _money_in(text: str, folded: str, origin: list[int]) -> tuple[MoneyAsk, ...]:
    return tuple(ask for ask, _, _ in _money_spans(text, folded, origin))


def _money_spans(text: str, folded: str,
                 origin: list[int]) -> list[tuple[MoneyAsk, int, int]]:
    """Each sum named, with its span in the folded text."""
    found: list[tuple[MoneyAsk, int, int]] = []

    def add(match: re.Match[str], percent: float | None = None, amount: Decimal | None = None,
            currency: str = "") -> None:
        start, end = match.start(), match.end()
        ask = MoneyAsk(_original(text, origin, start, end), percent, amount, currency,
                       _context(text, origin, start, end))
        found.append((ask, start, end))

    for match in _PERCENT.finditer(folded):
        value = float(match.group(1).replace(",", "."))
        if 0 < value <= 100:
            add(match, percent=value)
    for match in _HALF.finditer(folded):
        add(match, percent=50.0)
    for match in _AMOUNT.finditer(folded):
        symbol = (match.group(1) or match.group(4) or "").lower()
        number = match.group(2) or match.group(3) or ""
        try:
            amount = Decimal(number.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only captures digits
            continue
        if amount > 0:
            add(match, amount=amount, currency=_currency(symbol))
    return found


# How far (characters) a demand word may sit from the sum: "refund 30 %" is a demand,
# "battery at 30 %. I want a refund" is not.
_DEMAND_REACH = 40


def _demanded(text: str, folded: str, origin: list[int]) -> MoneyAsk | None:
    for ask, start, end in _money_spans(text, folded, origin):
        window = folded[max(0, start - _DEMAND_REACH):end + _DEMAND_REACH]
        if _DEMAND.search(window):
            return ask
    return None


def _currency(symbol: str) -> str:
    if symbol in _CURRENCY:
        return _CURRENCY[symbol]
    if symbol.startswith(("rub", "руб")):
        return "RUB"
    if symbol.startswith(("zl", "zlot")):
        return "PLN"
    return symbol.upper()
