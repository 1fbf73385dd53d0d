"""Buyer-text cues in every language buyers write: what matches, what must not, and the
words quoted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from disputekit.domain.language.cues import (
    CarrierCue,
    Cue,
    carrier_cues,
    find_cues,
    find_money,
    fold,
    guess_language,
)


def cues_of(text: str) -> dict[Cue, str]:
    return {m.cue: m.phrase for m in find_cues(text)}


@pytest.mark.parametrize(("text", "cue", "phrase"), [
    # money for cancellation
    ("Give me 30% back and I will cancel the dispute", Cue.MONEY_DEMAND, "30%"),
    ("Give me 30% back and I will cancel the dispute", Cue.CANCEL_OFFER, "and I will cancel"),
    ("Верните 30% и я закрою спор", Cue.MONEY_DEMAND, "30%"),
    ("Верните 30% и я закрою спор", Cue.CANCEL_OFFER, "закрою спор"),
    ("devuélveme el 40% y cancelo", Cue.CANCEL_OFFER, "y cancelo"),
    ("me devolve R$ 50 que eu fecho a disputa", Cue.MONEY_DEMAND, "R$ 50"),
    ("me devolve R$ 50 que eu fecho a disputa", Cue.CANCEL_OFFER, "que eu fecho"),
    ("Donnez-moi la moitié et je ferme la réclamation", Cue.MONEY_DEMAND, "la moitié"),
    ("Zwrot 30% i zamknę spór", Cue.CANCEL_OFFER, "i zamknę"),
    ("Zwrot 30%, wtedy zamknę spór", Cue.CANCEL_OFFER, "zamknę spór"),
    ("refund 50% now or I leave 1 star", Cue.THREAT, "1 star"),
    ("sinon avis négatif", Cue.THREAT, "avis négatif"),
    # how to use
    ("How do I turn it on? No instructions", Cue.HOW_TO_USE, "How do I turn"),
    ("не понимаю как подключить к телефону", Cue.HOW_TO_USE, "не понимаю как"),
    ("¿Cómo se conecta a la aplicación?", Cue.HOW_TO_USE, "Cómo se conecta"),
    ("não funciona, como faz pra usar?", Cue.HOW_TO_USE, "como faz pra usar"),
    ("ça ne marche pas, comment on l'utilise ?", Cue.HOW_TO_USE, "comment on l'utilise"),
    ("Nie wiem, jak go podłączyć", Cue.HOW_TO_USE, "Nie wiem, jak"),
    # does not work
    ("the earbuds doesnt work", Cue.NOT_WORKING, "doesnt work"),
    ("не включается", Cue.NOT_WORKING, "не включается"),
    ("No enciende", Cue.NOT_WORKING, "No enciende"),
    ("Não liga", Cue.NOT_WORKING, "Não liga"),
    ("Ça ne fonctionne pas", Cue.NOT_WORKING, "ne fonctionne pas"),
    ("Nie chce się włączyć", Cue.NOT_WORKING, "Nie chce się włączyć"),
    # damage
    ("The screen arrived cracked", Cue.DAMAGED, "cracked"),
    ("корпус треснутый", Cue.DAMAGED, "треснутый"),
    ("vino con la carcasa partida", Cue.DAMAGED, "partida"),
    ("chegou quebrado", Cue.DAMAGED, "quebrado"),
    ("arrivé cassé", Cue.DAMAGED, "cassé"),
    ("obudowa pęknięta", Cue.DAMAGED, "pęknięta"),
    # customs and tax ids
    ("Customs want my CPF", Cue.TAX_ID, "CPF"),
    ("customs ask for the PCCC", Cue.TAX_ID, "PCCC"),
    ("La aduana pide mi RUT", Cue.TAX_ID, "RUT"),
    ("таможня требует ИНН", Cue.TAX_ID, "ИНН"),
    ("Urząd celny chce mój PESEL", Cue.CUSTOMS, "Urząd celny"),
    ("я не буду платить пошлину", Cue.REFUSES_DUTY, "не буду платить"),
    ("não vou pagar imposto", Cue.REFUSES_DUTY, "não vou pagar"),
    ("Personne ne m'a contacté", Cue.UNREACHABLE, "Personne ne m'a contacté"),
    ("nikt się ze mną nie kontaktował", Cue.UNREACHABLE, "nikt się ze mną nie kontaktował"),
    # not received, delivered but not received, wrong address
    ("It's been 3 weeks and my order still hasn't arrived", Cue.NOT_RECEIVED, "hasn't arrived"),
    ("no he recibido nada", Cue.NOT_RECEIVED, "no he recibido"),
    ("пишет что вручено, но я ничего не получал", Cue.DELIVERED_NOT_RECEIVED,
     "пишет что вручено"),
    ("Tracking says delivered but I never got it", Cue.DELIVERED_NOT_RECEIVED,
     "says delivered"),
    ("Consta como entregue, mas não recebi", Cue.DELIVERED_NOT_RECEIVED, "Consta como entregue"),
    ("dostarczona, ale nie na mój adres", Cue.WRONG_ADDRESS, "nie na mój adres"),
    # tracking
    ("трек не обновляется уже три недели", Cue.TRACKING_STUCK, "не обновляется"),
    ("The tracking number doesn't work", Cue.NO_TRACKING, "tracking number doesn't work"),
    ("paczka zaginęła", Cue.LOST, "zaginęła"),
    ("acho que o pacote foi extraviado", Cue.LOST, "extraviado"),
    ("más de dos meses esperando", Cue.LONG_WAIT, "dos meses"),
    ("le colis est retourné à l'expéditeur", Cue.RETURNED, "retourné à l'expéditeur"),
    ("не успел забрать на почте", Cue.NOT_COLLECTED, "не успел забрать"),
    # the buyer's own reasons, and abusers' tells
    ("I changed my mind", Cue.PERSONAL_REASON, "changed my mind"),
    ("заказал по ошибке", Cue.PERSONAL_REASON, "заказал по ошибке"),
    ("desisti da compra", Cue.PERSONAL_REASON, "desisti"),
    ("I am an electrical engineer", Cue.EXPERTISE, "I am an electrical engineer"),
    ("Я электрик с 15 лет опыта", Cue.EXPERTISE, "Я электрик"),
    ("Segue vídeo comprovando o defeito de fabricação", Cue.EVIDENCE_CLAIM, "Segue vídeo"),
    ("Дефект зафиксирован на видео", Cue.EVIDENCE_CLAIM, "зафиксирован на видео"),
    ("Je demande un remboursement intégral", Cue.REFUND_ONLY, "remboursement intégral"),
])
def test_cue_and_the_buyers_own_words(text: str, cue: Cue, phrase: str) -> None:
    found = cues_of(text)
    assert cue in found, f"{cue} not found in {text!r}; found {found}"
    assert found[cue] == phrase


@pytest.mark.parametrize(("text", "cue"), [
    # a percentage that is not a demand: the battery, not the refund
    ("The battery only charges to 30%. I have been using it for a week, I want a refund now.",
     Cue.MONEY_DEMAND),
    # "does not want to turn on" in Polish is a fault, not a change of mind
    ("Nie chce się włączyć", Cue.PERSONAL_REASON),
    # a parcel whose tracking is "dead" does not make the product "dead"
    ("два месяца жду, трек мёртвый", Cue.NOT_WORKING),
    # a wrong size the buyer ordered is their own mistake, not the listing's
    ("wrong size ordered, i want to return", Cue.NOT_AS_DESCRIBED),
    ("I have not received it", Cue.RECEIVED),
    ("я не получил посылку", Cue.RECEIVED),
])
def test_near_misses_do_not_match(text: str, cue: Cue) -> None:
    assert cue not in cues_of(text)


def test_folding_removes_case_accents_and_the_polish_l() -> None:
    assert fold("NÃO FUNCIONA") == "nao funciona"
    assert fold("Zamknę SPÓR, złoty") == "zamkne spor, zloty"
    assert fold("Ещё Йошкар") == "еще иошкар"
    assert fold("it’s") == "it's"


def test_quotes_keep_the_original_spelling_and_the_clause() -> None:
    match = next(m for m in find_cues("OK. NÃO FUNCIONA direito! Enfim.") if
                 m.cue is Cue.NOT_WORKING)
    assert match.phrase == "NÃO FUNCIONA"
    assert match.quote() == "“NÃO FUNCIONA direito!”"
    assert match.language == "pt"


def test_money_named_as_percent_amount_or_half() -> None:
    asks = find_money("devuelvan 10 USD o el 30 %, o la mitad")
    assert [(a.percent, a.amount, a.currency) for a in asks] == [
        (30.0, None, ""), (50.0, None, ""), (None, Decimal("10"), "USD")]
    assert [(a.amount, a.currency) for a in find_money("oddajcie 20 zł albo 15 €")] == [
        (Decimal("20"), "PLN"), (Decimal("15"), "EUR")]
    assert find_money("верните 500 рублей")[0].currency == "RUB"
    assert find_money("nothing to see") == ()


@pytest.mark.parametrize(("description", "cue"), [
    ("Customs clearance suspended: recipient could not be contacted",
     CarrierCue.RECIPIENT_UNREACHABLE),
    ("Awaiting CPF from recipient", CarrierCue.RECIPIENT_DOCS),
    ("Import duty assessed, awaiting payment by recipient", CarrierCue.RECIPIENT_DOCS),
    ("Import customs refused entry: restricted goods", CarrierCue.REFUSED_ENTRY),
    ("Export security check failed: item contains battery", CarrierCue.REFUSED_ENTRY),
    ("Not collected within the retention period, returning to sender", CarrierCue.NOT_COLLECTED),
    ("Parcel lost in transit", CarrierCue.LOST),
])
def test_carrier_event_cues(description: str, cue: CarrierCue) -> None:
    assert cue in carrier_cues(description)


@pytest.mark.parametrize("description", [
    "Zustellung nicht möglich: Der Empfänger war telefonisch und per E-Mail nicht erreichbar",
    "Der Empfänger konnte telefonisch oder per E-Mail nicht kontaktiert werden",
    "Il destinatario non è raggiungibile telefonicamente né via e-mail",
    "Sdoganamento sospeso: non è stato possibile contattare il destinatario",
    "Alıcıya telefon ve e-posta ile ulaşılamadı",
    "Gümrük işlemleri durduruldu: alıcı ile iletişim kurulamadı",
])
def test_the_addressee_could_not_be_contacted_in_german_italian_and_turkish(
        description: str) -> None:
    assert carrier_cues(description) == (CarrierCue.RECIPIENT_UNREACHABLE,)


@pytest.mark.parametrize(("text", "cue", "phrase", "language"), [
    ("Erstatten Sie mir 30 % zurück, dann schließe ich den Streitfall.", Cue.CANCEL_OFFER,
     "dann schließe ich", "de"),
    ("Sonst gibt es eine negative Bewertung", Cue.THREAT, "negative Bewertung", "de"),
    ("Wie schaltet man es ein? Keine Anleitung dabei.", Cue.HOW_TO_USE, "Wie schaltet man", "de"),
    ("Das Gerät lässt sich nicht einschalten", Cue.NOT_WORKING,
     "lässt sich nicht einschalten", "de"),
    ("Das Display kam gesprungen an", Cue.DAMAGED, "gesprungen", "de"),
    ("Falsche Farbe, nicht wie beschrieben", Cue.NOT_AS_DESCRIBED, "Falsche Farbe", "de"),
    ("Laut Sendungsverfolgung zugestellt, aber ich habe nichts bekommen",
     Cue.DELIVERED_NOT_RECEIVED, "zugestellt, aber ich habe nichts", "de"),
    ("Niemand hat mich angerufen", Cue.UNREACHABLE, "Niemand hat mich angerufen", "de"),
    ("Ich brauche es nicht mehr", Cue.PERSONAL_REASON, "brauche es nicht mehr", "de"),
    ("Rimborsatemi il 30% e chiudo la controversia", Cue.CANCEL_OFFER, "e chiudo", "it"),
    ("altrimenti lascio una recensione negativa", Cue.THREAT, "recensione negativa", "it"),
    ("Non so come si collega al telefono", Cue.HOW_TO_USE, "Non so come", "it"),
    ("Il trapano non si accende", Cue.NOT_WORKING, "non si accende", "it"),
    ("La scocca è crepata", Cue.DAMAGED, "crepata", "it"),
    ("Il pacco risulta consegnato ma non ho ricevuto nulla", Cue.DELIVERED_NOT_RECEIVED,
     "risulta consegnato", "it"),
    ("Nessuno mi ha contattato", Cue.UNREACHABLE, "Nessuno mi ha contattato", "it"),
    ("Ho cambiato idea", Cue.PERSONAL_REASON, "Ho cambiato idea", "it"),
    ("La dogana vuole il mio codice fiscale", Cue.TAX_ID, "codice fiscale", "it"),
    ("%30 iade ederseniz anlaşmazlığı kapatırım", Cue.CANCEL_OFFER, "anlaşmazlığı kapatırım",
     "tr"),
    ("yoksa olumsuz yorum yazarım", Cue.THREAT, "olumsuz yorum", "tr"),
    ("Nasıl kullanılır, anlamadım", Cue.HOW_TO_USE, "Nasıl kullanılır", "tr"),
    ("Ürün çalışmıyor", Cue.NOT_WORKING, "çalışmıyor", "tr"),
    ("Ekran kırık geldi", Cue.DAMAGED, "kırık", "tr"),
    ("Teslim edildi görünüyor ama ben almadım", Cue.DELIVERED_NOT_RECEIVED,
     "Teslim edildi görünüyor", "tr"),
    ("Kimse beni aramadı", Cue.UNREACHABLE, "Kimse beni aramadı", "tr"),
    ("Vazgeçtim, artık istemiyorum", Cue.PERSONAL_REASON, "Vazgeçtim", "tr"),
    ("Gümrük TC kimlik numaramı istiyor", Cue.TAX_ID, "TC kimlik", "tr"),
])
def test_german_italian_and_turkish_cues(text: str, cue: Cue, phrase: str,
                                         language: str) -> None:
    match = {m.cue: m for m in find_cues(text)}[cue]
    assert (match.phrase, match.language) == (phrase, language)


def test_turkish_shares_come_before_the_number() -> None:
    asks = find_money("%30 iade edin ya da yüzde 40, en az 50 TL veya ₺20")
    assert [(a.percent, a.amount, a.currency) for a in asks] == [
        (30.0, None, ""), (40.0, None, ""), (None, Decimal("50"), "TRY"),
        (None, Decimal("20"), "TRY")]
    assert [a.percent for a in find_money("30% 40 refund")] == [30.0]  # no "% 40"
    demand = {m.cue: m for m in find_cues("Bana %30 iade edin")}[Cue.MONEY_DEMAND]
    assert demand.phrase == "%30"


@pytest.mark.parametrize(("texts", "language"), [
    (["Where is my parcel? It has not arrived"], "en"),
    (["посылка не пришла"], "ru"),
    (["¿Dónde está mi pedido? No llega"], "es"),
    (["Não recebi, acho que o pacote foi extraviado"], "pt"),
    (["Je n'ai pas reçu mon colis"], "fr"),
    (["Nie otrzymałem paczki, gdzie jest moja przesyłka?"], "pl"),
    (["Hallo, ich habe mein Paket immer noch nicht erhalten. Wo ist meine Bestellung?"], "de"),
    (["Das Gerät funktioniert nicht"], "de"),
    (["Buongiorno, il pacco non è ancora arrivato"], "it"),
    (["Non funziona, come si accende?"], "it"),
    (["Merhaba, siparişim hâlâ gelmedi, kargom nerede?"], "tr"),
    (["Ürün çalışmıyor, nasıl kullanılır?"], "tr"),
    (["ok"], ""),
])
def test_the_buyers_language(texts: list[str], language: str) -> None:
    assert guess_language(texts) == language
