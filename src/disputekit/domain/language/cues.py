"""What the buyer's words say, in the languages AliExpress buyers write (pure).

A cue is one kind of statement a seller reads a dispute for: "how do I use it", "it does
not work", "30 % back and I cancel", "customs want my CPF", "it says delivered but I got
nothing". Each cue is a set of regular expressions per language (English, Russian, Spanish,
Portuguese, French, Polish, German, Italian, Turkish), matched on *folded* text: lower case,
no accents, the Polish ł and the Turkish ı as l and i, Cyrillic ё/й read as е/и, curly quotes
made straight. Patterns are written in folded form, so "não funciona", "nao funciona" and
"NÃO FUNCIONA" all match ``nao funciona``. The patterns are data, one file per language
(``lexicon/<language>.toml``, read once).

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

from disputekit.domain.language import CUE_LANGUAGES, lexicon
from disputekit.errors import ConfigError


class Cue(StrEnum):
    # money
    MONEY_DEMAND = "money_demand"  # a percentage or an amount asked back
    CANCEL_OFFER = "cancel_offer"  # offers to cancel / close the dispute
    THREAT = "threat"  # bad review, one star, complaint, chargeback
    # product
    HOW_TO_USE = "how_to_use"
    NOT_WORKING = "not_working"
    DAMAGED = "damaged"
    NOT_AS_DESCRIBED = "not_as_described"  # not as described, wrong colour, size, model
    INCOMPLETE_OR_FAKE = "incomplete_or_fake"  # missing parts, a fake, an empty box
    LISTING_MISMATCH = "listing_mismatch"  # wrong colour, size or model against the listing
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
    language: str  # en ru es pt fr pl de it tr; "" for language-neutral patterns (CPF, 30 %)
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
_EXTRA_FOLD = {"ł": "l", "ı": "i", "ø": "o", "đ": "d", "ß": "ss", "’": "'", "‘": "'", "`": "'",
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
    # Recomposed afterwards so Hangul syllables (decomposed by NFKD) read as written.
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


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
# Buyer patterns, per cue and language: data, in lexicon/<language>.toml
# ---------------------------------------------------------------------------------------------

# The order cues are looked for, which is the order ``find_cues`` reports them in (and so the
# order their languages vote in, which breaks ties in ``guess_language``).
_ORDER: tuple[Cue, ...] = (
    Cue.CANCEL_OFFER, Cue.THREAT, Cue.HOW_TO_USE, Cue.NOT_WORKING, Cue.DAMAGED,
    Cue.NOT_AS_DESCRIBED, Cue.EXPERTISE, Cue.REFUND_ONLY, Cue.RECEIVED, Cue.EVIDENCE_CLAIM,
    Cue.LOST, Cue.LONG_WAIT, Cue.NOT_RECEIVED, Cue.DELIVERED_NOT_RECEIVED, Cue.NO_TRACKING,
    Cue.TRACKING_STUCK, Cue.RETURNED, Cue.NOT_COLLECTED, Cue.WRONG_ADDRESS, Cue.CUSTOMS,
    Cue.TAX_ID, Cue.REFUSES_DUTY, Cue.UNREACHABLE, Cue.PERSONAL_REASON, Cue.LISTING_MISMATCH,
    Cue.INCOMPLETE_OR_FAKE,
)
# Patterns in no language (ids, numbers) come first, and vote for no language ("").
_NEUTRAL = "neutral"
# What a language's file may hold (``countries`` is read by ``detect``).
_LEXICON_KEYS = frozenset({"countries", "function_words", "demand", "percent",
                           "percent_before", "half", "cues"})


def _buyer_patterns() -> dict[Cue, dict[str, tuple[str, ...]]]:
    files = {"": _NEUTRAL, **{language: language for language in CUE_LANGUAGES}}
    tables: dict[Cue, dict[str, tuple[str, ...]]] = {cue: {} for cue in _ORDER}
    for language, name in files.items():
        unknown = sorted(set(lexicon(name)) - _LEXICON_KEYS)
        if unknown:
            raise ConfigError(f"lexicon/{name}.toml: unknown key(s) {', '.join(unknown)}; a "
                              f"language's file holds {', '.join(sorted(_LEXICON_KEYS))}")
        for code, patterns in lexicon(name).get("cues", {}).items():
            if code not in {cue.value for cue in _ORDER}:
                raise ConfigError(f"lexicon/{name}.toml: no cue {code!r}; use one of "
                                  f"{', '.join(cue.value for cue in _ORDER)}")
            tables[Cue(code)][language] = tuple(patterns)
    return tables


_BUYER = _buyer_patterns()

# Words that make a named sum a demand rather than a description ("30 % battery").
_DEMAND_WORDS = "|".join(lexicon(language)["demand"] for language in CUE_LANGUAGES)

_PERCENT = re.compile(
    r"(\d{1,3}(?:[.,]\d+)?)\s?(?:%|"
    + "|".join(lexicon(language)["percent"] for language in CUE_LANGUAGES) + ")"
)
# A share written before its number: Turkish "%30", "yüzde 30" (``percent_before``; the sign
# counts only when no number stands right before it, so "30% 40" is not also "% 40").
_PERCENT_BEFORE = re.compile(
    r"(?:(?<!\d)(?<!\d\s)%|\b(?:"
    + "|".join(lexicon(language)["percent_before"] for language in CUE_LANGUAGES
               if "percent_before" in lexicon(language))
    + r"))\s?(\d{1,3}(?:[.,]\d+)?)\b"
)
_HALF = re.compile(
    r"\b(?:" + "|".join(lexicon(language)["half"] for language in CUE_LANGUAGES) + r")\b")
# An amount: a number with a currency's symbol or name (one grammar for every language).
_AMOUNT = re.compile(
    r"(?:(us\$|r\$|\$|€|£|₽|₺)\s?(\d+(?:[.,]\d{1,2})?))"
    r"|(?:\b(\d+(?:[.,]\d{1,2})?)\s?(usd|dollars?|dolares|dolar|eur|euros?|€|\$|£|gbp|pounds?|"
    r"rub\w*|руб\w*|₽|reais|brl|r\$|pln|zl\w*|zlot\w*|mxn|pesos?|clp|tl|lira|₺)(?!\w))"
)
_CURRENCY = {"us$": "USD", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
             "dolar": "USD", "dolares": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
             "₽": "RUB", "r$": "BRL", "reais": "BRL", "brl": "BRL", "pln": "PLN",
             "mxn": "MXN", "peso": "MXN", "pesos": "MXN", "clp": "CLP", "₺": "TRY",
             "tl": "TRY", "lira": "TRY"}


# ---------------------------------------------------------------------------------------------
# Carrier patterns (event descriptions, mostly English, some local posts' own words): data,
# in lexicon/carrier.toml
# ---------------------------------------------------------------------------------------------

_CARRIER: dict[CarrierCue, tuple[str, ...]] = {
    cue: tuple(lexicon("carrier").get(cue.value, ())) for cue in CarrierCue
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
_CYRILLIC = re.compile(r"[а-яієґ]")
# Letters only Ukrainian writes (ї is folded to і), and letters Ukrainian never writes but
# Russian does (ё is folded to е, so it is looked for in the lower-cased text).
_UKRAINIAN_LETTERS = re.compile(r"[ієґ]")
_RUSSIAN_LETTERS = re.compile(r"[ыэъё]")
# Belarusian (ў) and Kazakh letters: Cyrillic that is neither; those buyers write Russian to
# sellers, so their і is no sign of Ukrainian.
_OTHER_CYRILLIC = re.compile(r"[ўәғқңөұүһ]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------

# The most of one text the cues read: its first and last halves. A buyer states the case in
# the first lines and what they want at the end; what lies between in a text longer than
# this (20,000 characters, ten pages) is pasted logs or filler. Reading it all made a 2 MB
# message take 37 s per reading, and a store's run minutes (issue 21); bounded, every
# reading costs what a 20,000-character one does, whatever the length.
READ_LIMIT = 20_000
_CUT = "\n…\n"  # a clause end: no cue or clause is read across the cut


def bounded(text: str, limit: int = READ_LIMIT) -> str:
    """``text`` itself when it has at most ``limit`` characters, else its first and last
    ``limit // 2`` joined by a line break (what every function here reads).

    >>> bounded("abcdefgh", limit=4)
    'ab\\n…\\ngh'
    """
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + _CUT + text[-half:]



def find_cues(text: str) -> tuple[CueMatch, ...]:
    """Every cue in one buyer message, each once, with the words that matched.

    >>> [(m.cue.value, m.phrase) for m in find_cues("Верните 30% и я закрою спор")]
    [('money_demand', '30%'), ('cancel_offer', 'закрою спор')]
    """
    text = bounded(text)
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
    text = bounded(text)
    folded, origin = _fold_with_map(text)
    return _money_in(text, folded, origin)


def carrier_cues(description: str) -> tuple[CarrierCue, ...]:
    """What a carrier event description says about the recipient, customs or the parcel."""
    folded = fold(bounded(description))
    return tuple(cue for cue, pattern in _COMPILED_CARRIER if pattern.search(folded))


def guess_language(texts: Iterable[str]) -> str:
    """The buyer's language ("" when nothing tells), for replying in it.

    >>> guess_language(["Não recebi, acho que o pacote foi extraviado"])
    'pt'
    """
    votes: Counter[str] = Counter()
    for text in map(bounded, texts):
        votes.update(language_votes(text, find_cues(text)))
    return votes.most_common(1)[0][0] if votes else ""


# Short words that are frequent in one language and rare in the others (folded forms).
_FUNCTION_WORDS = {language: frozenset(lexicon(language)["function_words"].split())
                   for language in CUE_LANGUAGES if "function_words" in lexicon(language)}
_WORD = re.compile(r"[a-z'а-яієґ]+")


def language_votes(text: str, matches: Iterable[CueMatch] = ()) -> Counter[str]:
    """Votes for the language of one message: its script, its function words, its cues.

    Cyrillic is Russian (the stores' Russian-writing buyers include Belarus and Kazakhstan)
    unless it has more of Ukrainian's own letters (і ї є ґ) than of Russian's (ы э ъ ё); with
    neither, it leans Russian only a little, so Ukrainian words and cues can still tell.
    Hangul is Korean. A function word counts once per message; a cue pattern once per match.
    """
    votes: Counter[str] = Counter(m.language for m in matches if m.language)
    text = bounded(text)
    folded = fold(text)
    if _CYRILLIC.search(folded):
        language, weight = _cyrillic_vote(text.lower(), folded)
        votes[language] += weight
    if _HANGUL.search(folded):
        votes["ko"] += 3
    words = set(_WORD.findall(folded))
    for language, common in _FUNCTION_WORDS.items():
        votes[language] += len(words & common)
    return +votes


def _cyrillic_vote(lowered: str, folded: str) -> tuple[str, int]:
    """Ukrainian or Russian for a Cyrillic message, by the letters only one of them writes,
    and the vote's weight: one only when no letter tells ("де моя посилка" is Ukrainian by
    its words, "где мой заказ" Russian)."""
    ukrainian = len(_UKRAINIAN_LETTERS.findall(folded))
    russian = len(_RUSSIAN_LETTERS.findall(lowered))
    if ukrainian > russian and not _OTHER_CYRILLIC.search(lowered):
        return "uk", 3
    if russian or ukrainian:
        return "ru", 3
    return "ru", 1


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
    for match in _PERCENT_BEFORE.finditer(folded):
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
