"""Korean, Ukrainian and European Portuguese (issue 15, item 7): what the buyer's words say,
which language to answer in (Ukrainian is not Russian; Portugal and Portuguese-speaking
Africa are not Brazil), and the class a dispute gets from a Korean or Ukrainian buyer's
messages and the carrier's own words."""

from __future__ import annotations

import pytest

from disputekit.domain.classify import classify
from disputekit.domain.language.cues import (
    CarrierCue,
    Cue,
    carrier_cues,
    find_cues,
    find_money,
    guess_language,
)
from disputekit.domain.language.detect import (
    COUNTRY_LANGUAGE,
    EUROPEAN_PORTUGUESE,
    LANGUAGE_NAMES,
    LANGUAGES,
    infer_language,
)
from disputekit.domain.replies import ReplyContext, render
from disputekit.domain.taxonomy import DisputeClass, Family, Flag
from disputekit.domain.tracking import MainStatus, Timeline, from_aliexpress
from disputekit.render.evidence_images import render_tracking_timeline
from tests.test_classify import PICKED_UP, ev, not_received, received, timeline
from tests.test_evidence import DELIVERED, NOW, facts_with

C = DisputeClass


def cues_of(text: str) -> dict[Cue, str]:
    return {m.cue: m.phrase for m in find_cues(text)}


# -- the registry --------------------------------------------------------------------------


def test_the_new_languages_are_replied_in_and_named() -> None:
    assert {"ko", "uk", "pt_PT"} <= set(LANGUAGES)
    assert LANGUAGES.index("ko") < LANGUAGES.index("uk") < LANGUAGES.index("pt_PT")
    assert LANGUAGE_NAMES["ko"] == "한국어"
    assert LANGUAGE_NAMES["uk"] == "Українська"
    assert LANGUAGE_NAMES["pt_PT"] == "Português (Portugal)"
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)


def test_countries_choose_korean_ukrainian_and_which_portuguese() -> None:
    assert COUNTRY_LANGUAGE["KR"] == "ko"
    assert COUNTRY_LANGUAGE["UA"] == "uk"
    assert COUNTRY_LANGUAGE["BR"] == "pt_BR"
    assert {"PT", "AO", "MZ", "CV", "GW", "ST"} == EUROPEAN_PORTUGUESE
    for country in EUROPEAN_PORTUGUESE:
        assert COUNTRY_LANGUAGE[country] == "pt_PT", country


# -- the buyer's language ----------------------------------------------------------------------


@pytest.mark.parametrize(("texts", "language"), [
    (["아직도 택배를 못 받았어요"], "ko"),
    (["환불 30프로 해주시면 분쟁 취소할게요"], "ko"),
    (["Hello, 주문한 물건이 안 왔어요"], "ko"),
    # Ukrainian: its own letters (і ї є ґ)...
    (["Посилка досі не прийшла, що робити?"], "uk"),
    (["Її повернули відправнику"], "uk"),
    # ...or, when a short message has none, its words
    (["де моя посилка"], "uk"),
    (["добре, згоден"], "uk"),
    # Russian stays Russian: ы э ъ ё are letters Ukrainian never writes
    (["Где моя посылка? Ещё не пришла"], "ru"),
    (["посылка не пришла"], "ru"),
    (["Здравствуйте, где мой заказ?"], "ru"),
    # a Russian message quoting one Ukrainian word is still Russian
    (["Посылка застряла, на трекинге написано «митниця», что это значит?"], "ru"),
    # Belarusian's і is no sign of Ukrainian (Belarusian buyers are answered in Russian)
    (["Дзе мая пасылка? Я ўсё яшчэ чакаю"], "ru"),
])
def test_korean_ukrainian_and_russian_are_told_apart(texts: list[str], language: str) -> None:
    assert guess_language(texts) == language


@pytest.mark.parametrize(("country", "texts", "expected"), [
    ("KR", [], "ko"),
    ("KR", ["Hi, where is my parcel? It has not arrived"], "en"),
    ("US", ["배송 완료로 나오는데 저는 아무것도 못 받았어요"], "ko"),
    ("UA", [], "uk"),
    ("UA", ["посылка не пришла, верните деньги"], "ru"),
    ("RU", ["посилка не прийшла, поверніть гроші"], "uk"),
    ("PL", ["Де моє замовлення?"], "uk"),
    # Portuguese words: Portugal and Africa read European Portuguese, Brazil Brazilian
    ("PT", ["Ainda não recebi a minha encomenda"], "pt_PT"),
    ("AO", ["Ainda não recebi a minha encomenda"], "pt_PT"),
    ("CV", [], "pt_PT"),
    ("GW", [], "pt_PT"),
    ("ST", [], "pt_PT"),
    ("BR", ["Ainda não recebi o meu pedido"], "pt_BR"),
    ("FR", ["Ainda não recebi o meu pedido"], "pt_BR"),  # abroad: most are Brazilians
    ("", ["Não recebi, acho que o pacote foi extraviado"], "pt_BR"),
    ("PT", ["Hello, I did not receive my order"], "en"),
])
def test_the_reply_language_from_words_then_country(country: str, texts: list[str],
                                                    expected: str) -> None:
    assert infer_language(country, texts) == expected
    assert expected in LANGUAGES


def test_a_portuguese_buyer_in_portugal_gets_european_wording() -> None:
    lang = infer_language("PT", ["Olá, a encomenda ainda não chegou"])
    context = ReplyContext(store_name="Volt", buyer_first_name="Inês", order_no=8123,
                           carrier="CTT", tracking_no="LP1", country="PT")
    text = render("no_tracking_first", lang, context).text
    assert "encomenda" in text and "pedido" not in text
    assert "estação de correios" in text
    brazil = render("no_tracking_first", infer_language("BR", ["o pedido não chegou"]),
                    context).text
    assert "pedido" in brazil and "encomenda" not in brazil


# -- what Korean and Ukrainian buyers say ----------------------------------------------------


@pytest.mark.parametrize(("text", "cue", "phrase"), [
    ("환불 30프로 해주시면 분쟁 취소할게요", Cue.MONEY_DEMAND, "30프로"),
    ("환불 30프로 해주시면 분쟁 취소할게요", Cue.CANCEL_OFFER, "분쟁 취소할게요"),
    ("작동이 안 돼요. 어떻게 사용하나요?", Cue.HOW_TO_USE, "어떻게 사용하나요"),
    ("작동이 안 돼요. 어떻게 사용하나요?", Cue.NOT_WORKING, "작동이 안 돼요"),
    ("깨진 채로 도착했어요", Cue.DAMAGED, "깨진"),
    ("배송 완료로 나오는데 저는 아무것도 못 받았어요", Cue.DELIVERED_NOT_RECEIVED,
     "배송 완료로 나오는데"),
    ("3주째 배송 조회 업데이트가 안 돼요", Cue.TRACKING_STUCK, "3주째"),
    ("배송 조회 업데이트가 안 돼요", Cue.TRACKING_STUCK, "업데이트가 안"),
    ("세관에서 개인통관고유부호를 요구해요", Cue.TAX_ID, "개인통관고유부호를"),
    ("관세 안 낼 거예요", Cue.REFUSES_DUTY, "안 낼"),
    ("아무도 저한테 연락을 안 했어요", Cue.UNREACHABLE, "아무도 저한테 연락을 안"),
    ("이제 필요 없어요. 실수로 주문했어요", Cue.PERSONAL_REASON, "이제 필요 없어요"),
    ("Поверніть 30% і я закрию спір", Cue.CANCEL_OFFER, "закрию спір"),
    ("не працює, як його увімкнути?", Cue.HOW_TO_USE, "як його увімкнути"),
    ("не працює, як його увімкнути?", Cue.NOT_WORKING, "не працює"),
    ("корпус тріснутий", Cue.DAMAGED, "тріснутий"),
    ("пише, що вручено, але я нічого не отримав", Cue.DELIVERED_NOT_RECEIVED,
     "пише, що вручено"),
    ("трек не оновлюється вже три тижні", Cue.TRACKING_STUCK, "не оновлюється"),
    ("митниця вимагає паспортні дані", Cue.TAX_ID, "паспортні дані"),
    ("з мене хочуть мито, платити не буду", Cue.REFUSES_DUTY, "платити не буду"),
    ("мені ніхто не дзвонив", Cue.UNREACHABLE, "мені ніхто не дзвонив"),
    ("я був у від’їзді", Cue.UNREACHABLE, "я був у від’їзді"),
    ("замовив помилково, більше не потрібно", Cue.PERSONAL_REASON, "замовив помилково"),
    ("Дефект зафіксовано на відео", Cue.EVIDENCE_CLAIM, "зафіксовано на відео"),
])
def test_cue_and_the_buyers_own_words(text: str, cue: Cue, phrase: str) -> None:
    found = cues_of(text)
    assert cue in found, f"{cue} not found in {text!r}; found {found}"
    assert found[cue] == phrase


@pytest.mark.parametrize(("text", "cue"), [
    ("택배를 못 받았어요", Cue.RECEIVED),  # not received is not received
    ("배터리가 30프로밖에 충전이 안 돼요", Cue.MONEY_DEMAND),  # the battery, not a refund
    ("не отримав посилку", Cue.RECEIVED),
    ("два місяці чекаю, трек мертвий", Cue.NOT_WORKING),  # a dead tracking, not a dead item
])
def test_near_misses_do_not_match(text: str, cue: Cue) -> None:
    assert cue not in cues_of(text)


def test_money_asked_in_korean_and_ukrainian() -> None:
    assert [a.percent for a in find_money("절반 돌려주시면 분쟁 취소할게요")] == [50.0]
    assert [a.percent for a in find_money("поверніть 30 відсотків")] == [30.0]
    assert [a.percent for a in find_money("компенсуйте половину вартості")] == [50.0]


@pytest.mark.parametrize("description", [
    "통관 보류: 전화 또는 이메일로 수취인과 연락이 되지 않습니다",
    "수취인 연락 불가",
    "Митне оформлення призупинено: не вдалося зв'язатися з одержувачем",
    "Одержувач недоступний",
    "Desalfandegamento suspenso: não foi possível contactar o destinatário",
])
def test_the_carrier_could_not_contact_the_addressee(description: str) -> None:
    assert CarrierCue.RECIPIENT_UNREACHABLE in carrier_cues(description)
    assert CarrierCue.RECIPIENT_DOCS not in carrier_cues(description)


# -- classification from Korean and Ukrainian buyers ------------------------------------------


def _held_at_customs(description: str, place: str) -> Timeline:
    return timeline(PICKED_UP, ev(8, description, place, "Exception_Security", "CC_IM_FAILURE"),
                    main_status=MainStatus.EXCEPTION, customs_hold=True)


@pytest.mark.parametrize(("words", "description", "place", "country"), [
    ("세관에 걸려 있다는데 아무도 저한테 연락을 안 했어요",
     "통관 보류: 전화 또는 이메일로 수취인과 연락이 되지 않습니다", "Incheon, KR", "KR"),
    ("посилка на митниці, мені ніхто не дзвонив",
     "Митне оформлення призупинено: не вдалося зв'язатися з одержувачем телефоном або "
     "електронною поштою", "Kyiv, UA", "UA"),
])
def test_customs_could_not_contact_the_buyer_is_unreachable_not_missing_documents(
        words: str, description: str, place: str, country: str) -> None:
    held = _held_at_customs(description, place)
    result = classify(not_received(words, timeline=held, country=country))
    assert result.code is C.CUSTOMS_BUYER_UNREACHABLE, result.reasons
    # The carrier's words alone say it, quoted as the carrier wrote them...
    alone = classify(not_received("?", timeline=held, country=country))
    assert alone.code is C.CUSTOMS_BUYER_UNREACHABLE, alone.reasons
    assert any("cannot reach the buyer" in r and description in r for r in alone.reasons)
    # ...where a plain customs hold, nobody saying otherwise, waits for the buyer's papers.
    plain = _held_at_customs("Customs clearance started", place)
    assert classify(not_received("?", timeline=plain, country=country)).code \
        is C.CUSTOMS_BUYER_NO_DOCS


@pytest.mark.parametrize(("words", "description", "place", "country"), [
    ("세관에서 관세를 내라고 하는데 저는 안 낼 거예요", "Awaiting PCCC from recipient",
     "Incheon, KR", "KR"),
    ("з мене хочуть мито, платити не буду, поверніть гроші", "Awaiting payment of import duty",
     "Kyiv, UA", "UA"),
])
def test_customs_waiting_for_the_buyer_who_refuses(words: str, description: str, place: str,
                                                   country: str) -> None:
    tl = timeline(PICKED_UP, ev(8, description, place, "Exception_Security", "CUS_TAX"),
                  main_status=MainStatus.EXCEPTION, customs_hold=True, buyer_must_act=True)
    result = classify(not_received(words, timeline=tl, country=country))
    assert result.code is C.CUSTOMS_BUYER_NO_DOCS, result.reasons


@pytest.mark.parametrize(("words", "code"), [
    (("작동이 안 돼요. 어떻게 켜는 건가요?",), C.BUYER_MISUSE),
    (("설명서가 없어서 사용 방법을 모르겠어요",), C.BUYER_MISUSE),
    (("깨진 채로 도착했어요. 사진 첨부합니다",), C.GENUINE_DEFECT),
    (("30프로 환불해 주시면 분쟁 취소할게요",), C.EXTORTION),
    (("절반 돌려주시면 분쟁 취소하고 별점 5점 드릴게요",), C.EXTORTION),
    (("не працює, як його увімкнути?",), C.BUYER_MISUSE),
    (("прийшло зламаним, фото додаю",), C.GENUINE_DEFECT),
    (("поверніть 30% і я закрию спір",), C.EXTORTION),
    (("компенсуйте половину вартості, тоді скасую спір",), C.EXTORTION),
])
def test_product_classes_from_korean_and_ukrainian_words(words: tuple[str, ...],
                                                         code: DisputeClass) -> None:
    photos = 2 if code is C.GENUINE_DEFECT else 0
    result = classify(received(*words, buyer_photos=photos))
    assert result.code is code, result.reasons
    assert result.family is Family.PRODUCT
    assert result.language == ("ko" if any("\uac00" <= ch <= "\ud7a3" for ch in words[0])
                               else "uk")


@pytest.mark.parametrize("words", [
    "배송 완료로 나오는데 저는 아무것도 못 받았어요",
    "пише, що вручено, але я нічого не отримав",
])
def test_delivered_but_not_received(words: str) -> None:
    delivered = timeline(PICKED_UP, ev(10, "Delivered", "Seoul, KR", "Delivered_Other",
                                       "GTMS_SIGNED", "Kim"),
                         main_status=MainStatus.DELIVERED, delivered=True, signed_by="Kim")
    result = classify(not_received(words, timeline=delivered))
    assert result.code is C.DELIVERED_DISPUTED, result.reasons


@pytest.mark.parametrize("words", ["이제 필요 없어요. 실수로 주문했어요",
                                   "більше не потрібно, замовив помилково"])
def test_the_buyers_own_reason_is_flagged(words: str) -> None:
    result = classify(received(words))
    assert Flag.BUYER_PERSONAL_REASON in result.flags, result.reasons


@pytest.mark.parametrize(("text", "cue", "phrase"), [
    ("Ainda não recebi, onde está a minha encomenda?", Cue.NOT_RECEIVED, "Ainda não"),
    ("onde está a minha encomenda?", Cue.NOT_RECEIVED, "onde está a minha encomenda"),
    ("Como é que se liga isto?", Cue.HOW_TO_USE, "Como é que se liga"),
    ("Chegou avariado", Cue.NOT_WORKING, "avariado"),
    ("O número de seguimento não funciona", Cue.NO_TRACKING,
     "número de seguimento não funciona"),
    ("A alfândega pede o meu NIF", Cue.TAX_ID, "NIF"),
    ("Mudei de telemóvel e ninguém me avisou", Cue.UNREACHABLE, "Mudei de telemóvel"),
    ("Encomendei por engano", Cue.PERSONAL_REASON, "Encomendei por engano"),
])
def test_european_portuguese_buyers_words(text: str, cue: Cue, phrase: str) -> None:
    found = cues_of(text)
    assert cue in found, f"{cue} not found in {text!r}; found {found}"
    assert found[cue] == phrase
    assert guess_language([text]) == "pt"


@pytest.mark.parametrize(("lang", "title", "signed"), [
    ("ko", "배송 조회 기록", "수령인 서명: Lea Moreau"),
    ("uk", "Історія відстеження", "отримувач: Lea Moreau"),
    ("pt_PT", "Histórico de seguimento", "recebido por: Lea Moreau"),
])
def test_evidence_images_speak_the_buyers_language(lang: str, title: str, signed: str) -> None:
    image = render_tracking_timeline(facts_with(from_aliexpress("LP1", DELIVERED)), NOW, lang)
    assert title in image.description and signed in image.description
    assert image.overflowing == ()


# The listing's colour, size or model (listing_mismatch), a missing part or a fake
# (incomplete_or_fake), and the buyer's own mistake (personal_reason), as buyers write them.
@pytest.mark.parametrize(("text", "cue", "phrase"), [
    ("색상이 다릅니다", Cue.LISTING_MISMATCH, "색상이 다릅니다"),
    ("사이즈가 달라요", Cue.LISTING_MISMATCH, "사이즈가 달라요"),
    ("주문한 것과 다른 상품이 왔어요", Cue.LISTING_MISMATCH, "주문한 것과 다른"),
    ("사진보다 훨씬 작아요", Cue.LISTING_MISMATCH, "사진보다 훨씬 작아요"),
    ("구성품이 빠져 있어요", Cue.INCOMPLETE_OR_FAKE, "구성품이 빠져"),
    ("이거 짝퉁이에요", Cue.INCOMPLETE_OR_FAKE, "짝퉁이에요"),
    ("제가 사이즈를 잘못 주문했어요", Cue.PERSONAL_REASON, "사이즈를 잘못"),
    ("실수로 주문했어요", Cue.PERSONAL_REASON, "실수로 주문했어요"),
    ("Прийшов не той колір", Cue.LISTING_MISMATCH, "не той колір"),
    ("Надіслали інший розмір", Cue.LISTING_MISMATCH, "інший розмір"),
    ("Товар не такий, як на фото", Cue.LISTING_MISMATCH, "не такий, як на фото"),
    ("Отримала товар іншого кольору", Cue.LISTING_MISMATCH, "іншого кольору"),
    ("У комплекті не вистачає кабелю", Cue.INCOMPLETE_OR_FAKE, "не вистачає"),
    ("Це підробка", Cue.INCOMPLETE_OR_FAKE, "підробка"),
    ("Я замовив не той розмір", Cue.PERSONAL_REASON, "замовив не той розмір"),
    ("Не той розмір замовила", Cue.PERSONAL_REASON, "Не той розмір замовила"),
    ("випадково замовила два", Cue.PERSONAL_REASON, "випадково замовила"),
])
def test_the_listing_a_missing_part_and_the_buyers_own_mistake(text: str, cue: Cue,
                                                               phrase: str) -> None:
    found = cues_of(text)
    assert cue in found, f"{cue} not found in {text!r}; found {found}"
    assert found[cue] == phrase


@pytest.mark.parametrize(("text", "cue"), [
    ("제가 사이즈를 잘못 주문했어요", Cue.LISTING_MISMATCH),  # the buyer's own mistake
    ("잘못된 사이즈를 주문했어요", Cue.LISTING_MISMATCH),
    ("Я замовив не той розмір", Cue.LISTING_MISMATCH),
    ("Не той розмір замовила", Cue.LISTING_MISMATCH),
    ("구성품이 빠져 있어요", Cue.NOT_AS_DESCRIBED),  # a missing part is not the listing
    ("не вистачає деталей", Cue.NOT_AS_DESCRIBED),
    ("색상이 다릅니다", Cue.PERSONAL_REASON),  # the seller's colour, not the buyer's choice
    ("Прийшов не той колір", Cue.PERSONAL_REASON),
])
def test_own_mistakes_and_missing_parts_are_not_the_listing(text: str, cue: Cue) -> None:
    assert cue not in cues_of(text)
