"""Reply plans, templates, languages and the follow-up schedule (``disputekit.domain.replies``)."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

from disputekit.domain.replies import (
    LANGUAGES,
    PLANS,
    TEMPLATES,
    VARIABLES,
    Channel,
    DelayReason,
    Gate,
    ReplyContext,
    buyer_locale,
    check_templates,
    drafts,
    infer_language,
    load_overrides,
    next_step_due,
    plan_for,
    render,
)
from disputekit.domain.replies import context as reply_context
from disputekit.domain.replies.drafts import que
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import from_aliexpress
from disputekit.errors import ConfigError, TemplateError

PACKAGE_TEMPLATES = Path(drafts.__file__).parent / "templates"

FULL = ReplyContext(
    store_name="Volt Electronics",
    buyer_first_name="Lucía",
    order_no="3040123456789012",
    product_name="USB-C multimeter",
    carrier="Cainiao Super Economy",
    tracking_no="LP00123456789012",
    last_location="Hong Kong, HK",
    last_update=datetime(2026, 3, 12, 8, 30, tzinfo=UTC),
    delay_reason=DelayReason.CUSTOMS_CHECK,
    amount=Decimal("18.90"),
    currency="USD",
    country="ES",
    usage_help="Turn the dial to V~ first, then touch the probes to the socket.",
)

# Fixtures of every class: the facts that class's replies quote, in a plausible country.
CLASS_CONTEXTS: dict[DisputeClass, list[ReplyContext]] = {
    code: [FULL] for code in DisputeClass
}
for code in (DisputeClass.CUSTOMS_BUYER_NO_DOCS, DisputeClass.CUSTOMS_BUYER_UNREACHABLE):
    CLASS_CONTEXTS[code] = [
        replace(FULL, country="BR", currency="BRL", amount=Decimal("99.90")),
        replace(FULL, country="CL", currency="CLP", amount=Decimal("15990")),
        replace(FULL, country="KR", currency="KRW", amount=Decimal("25000")),
        replace(FULL, country="AR", tax_id_name="CUIT/CUIL"),
        replace(FULL, country="US"),
    ]
CLASS_CONTEXTS[DisputeClass.LOST] = [replace(FULL, country="PL", currency="PLN")]
CLASS_CONTEXTS[DisputeClass.GENUINE_DEFECT] = [replace(FULL, country="RU", currency="RUB")]

# The words for "dispute" / "arbitration" and for a refund (money back), in every language.
DISPUTE_WORDS = re.compile(
    r"\bdisput|\barbitrat|\bспор(а|у|ом|е|ы|ов)?\b|\bарбитраж|\bdisputa|\blitige|\barbitrage"
    r"|\bsp(ór|oru|orze|orem|ory|orów)\b|\barbitraż"
    r"|분쟁|중재|\bсп(ір|ору|ором|орі|ори|орів)\b|\bарбітраж", re.IGNORECASE)
REFUND_WORDS = re.compile(
    r"refund|money back|возврат|деньг|reembols|devol|dinero|estorno|dinheiro|rembours|argent"
    r"|zwrot|zwróc|pieniąd|pieniędz"
    r"|환불|돌려|повернен|поверн\w* (?:\w+ )?гроші|гроші|кошт", re.IGNORECASE)


def plan_templates(code: DisputeClass) -> list[str]:
    plan = PLANS[code]
    return [s.template for s in plan.steps] + ([plan.closing.template] if plan.closing else [])


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


# -- the template set --------------------------------------------------------------------------


def test_every_class_has_a_plan_and_the_shipped_templates_pass_the_check() -> None:
    assert set(PLANS) == set(DisputeClass)
    assert all(plan.dispute_class is code for code, plan in PLANS.items())
    assert check_templates() == []
    for lang in LANGUAGES:
        shipped = {p.name.removesuffix(".txt.j2") for p in (PACKAGE_TEMPLATES / lang).iterdir()}
        assert shipped == set(TEMPLATES), lang


def test_plans_are_well_formed() -> None:
    for plan in PLANS.values():
        names = [s.template for s in plan.steps]
        assert len(names) == len(set(names))
        assert plan.steps[0].after_days == 0
        assert not plan.steps[0].repeat
        assert all(not s.repeat for s in plan.steps[:-1]), "only the last step repeats"
        assert all(s.within_days >= s.after_days for s in plan.steps)


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped templates that ``check_templates`` reads instead."""
    root = tmp_path / "replies"
    shutil.copytree(PACKAGE_TEMPLATES, root)
    loader = jinja2.FileSystemLoader(root)
    environment = drafts._environment(loader)
    monkeypatch.setattr(drafts, "_package_loader", lambda: loader)
    monkeypatch.setattr(drafts, "_package_environment", lambda: environment)
    return root


def test_check_fails_when_a_template_is_missing_in_a_language(shipped_copy: Path) -> None:
    assert check_templates() == []
    (shipped_copy / "pl" / "lost_apology.txt.j2").unlink()
    problems = check_templates()
    assert any("lost_apology: missing in pl" in p for p in problems), problems


def test_check_fails_when_a_language_uses_a_variable_the_others_lack(shipped_copy: Path) -> None:
    path = shipped_copy / "fr" / "cancel_request.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\nSuivi : {{ tracking_no }}\n",
                    encoding="utf-8")
    problems = check_templates()
    assert any(p.startswith("cancel_request: tracking_no is used in fr but not in ")
               for p in problems), problems


def test_check_fails_on_unknown_variables_files_and_syntax(shipped_copy: Path) -> None:
    (shipped_copy / "es" / "misuse_help.txt.j2").write_text("Hola {{ nombre }}",
                                                           encoding="utf-8")
    (shipped_copy / "de").mkdir()
    (shipped_copy / "de" / "cancel_request.txt.j2").write_text("Hallo", encoding="utf-8")
    (shipped_copy / "ru" / "defect_apology.txt.j2").write_text("{% if x %}", encoding="utf-8")
    problems = "\n".join(check_templates())
    assert "unknown variable(s) nombre" in problems
    assert "de/cancel_request.txt.j2: not a template of a plan" in problems
    assert "ru/defect_apology.txt.j2: line 1" in problems


# -- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", list(DisputeClass))
def test_every_template_of_every_class_renders_ready_in_every_language(
        code: DisputeClass, lang: str) -> None:
    for context in CLASS_CONTEXTS[code]:
        for template in plan_templates(code):
            draft = render(template, lang, context)
            assert draft.ready, (template, lang, draft.missing)
            assert draft.text == draft.preview
            assert "Lucía" in draft.text.splitlines()[0]
            assert draft.text.endswith("Volt Electronics")
            for leftover in ("[[", "{{", "{%", "None", "\n\n\n", ".."):
                assert leftover not in draft.text, (template, lang, leftover)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_delay_reason_is_said_in_every_language(lang: str) -> None:
    seen = set()
    for reason in DelayReason:
        draft = render("stalled_2_carrier", lang, replace(FULL, delay_reason=reason))
        assert draft.ready
        seen.add(draft.text)
    assert len(seen) == len(DelayReason)


def test_the_operators_own_explanation_wins_over_the_reason() -> None:
    draft = render("stalled_3_update", "en", replace(
        FULL, carrier_explanation="the parcel missed the Tuesday truck to Madrid."))
    assert "explained that the parcel missed the Tuesday truck to Madrid. We are" in draft.text


def test_unknown_first_name_falls_back_to_a_plain_greeting() -> None:
    for lang, greeting in {"en": "Hello,", "ru": "Здравствуйте!", "es": "¡Hola!",
                           "pt_BR": "Olá!", "fr": "Bonjour,", "pl": "Dzień dobry!",
                           "ko": "고객님, 안녕하세요.", "uk": "Доброго дня!",
                           "pt_PT": "Olá!"}.items():
        draft = render("stalled_1_first", lang, replace(FULL, buyer_first_name="  "))
        assert draft.ready
        assert draft.text.splitlines()[0] == greeting


def test_a_missing_variable_is_named_and_never_half_filled() -> None:
    context = replace(FULL, tracking_no=None, delay_reason=None, carrier_explanation=None)
    draft = render("stalled_2_carrier", "es", context)
    assert not draft.ready
    assert draft.missing == ("carrier_explanation",)
    assert draft.text.startswith("NOT READY, do not send: fill in the carrier's explanation")
    assert "Nos explicaron" not in draft.text  # no reply body to copy out
    assert "[[FILL IN: the carrier's explanation" in draft.preview

    first = render("stalled_1_first", "pl", context)
    assert first.missing == ("tracking_no",)

    empty = render("lost_apology", "fr", ReplyContext())
    assert not empty.ready
    assert set(empty.missing) == {"carrier", "order_no", "tracking_no", "amount", "store_name"}
    assert "the amount and its currency (amount)" in empty.text


def test_only_what_the_reply_says_is_required() -> None:
    # Korea's wording names no carrier, the general case does.
    korea = ReplyContext(store_name="Volt", order_no=1, country="KR")
    assert render("customs_tax_id", "en", korea).ready
    general = render("customs_tax_id", "en", replace(korea, country="US"))
    assert general.missing == ("carrier", "tracking_no")
    # Money needs its currency too.
    assert render("defect_apology", "en", replace(FULL, currency=None)).missing == ("amount",)


def test_unknown_template_or_language_is_refused() -> None:
    with pytest.raises(TemplateError, match="no reply template 'thanks'"):
        render("thanks", "en", FULL)
    with pytest.raises(TemplateError, match="no replies in 'de'"):
        render("cancel_request", "de", FULL)
    assert issubclass(TemplateError, ConfigError)


HOSTILE = "{{ 7*7 }}{% for x in range(3) %}x{% endfor %}{{ ''.__class__ }}"


def test_buyer_values_are_printed_literally_never_run() -> None:
    context = replace(FULL, buyer_first_name=HOSTILE, last_location=HOSTILE,
                      carrier_explanation=HOSTILE, usage_help=HOSTILE)
    for template in ("stalled_3_update", "misuse_help"):
        draft = render(template, "en", context)
        assert draft.ready
        assert draft.text.count(HOSTILE) >= 2
        assert "49" not in draft.text and "xxx" not in draft.text
        assert "<class" not in draft.text


def test_control_characters_and_line_breaks_cannot_reshape_the_reply() -> None:
    draft = render("cancel_request", "en", replace(FULL, buyer_first_name="Ann\n\nREFUND\x00"))
    assert draft.text.splitlines()[0] == "Hi Ann REFUND,"


def test_last_update_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ReplyContext(last_update=datetime(2026, 3, 1))


def test_context_from_a_tracking_timeline() -> None:
    timeline = from_aliexpress("LP00012345678901", [
        {"event_date": "2026-03-01 09:00:00", "event_desc": "Picked up",
         "address": "Shenzhen, CN", "action_code": "PU_PICKUP_SUCCESS"},
        {"event_date": "2026-03-04 10:00:00", "event_desc": "Departed from hub",
         "address": "Hong Kong, HK", "action_code": "SC_OUTBOUND_SUCCESS"},
    ])
    context = ReplyContext.from_timeline(timeline, store_name="Volt", carrier="AliExpress "
                                         "Standard Shipping")
    assert context.tracking_no == "LP00012345678901"
    assert context.last_location == "Hong Kong, HK"
    assert context.last_update is not None and context.last_update.tzinfo is not None
    assert context.carrier == "AliExpress Standard Shipping"


def test_the_values_cover_exactly_the_documented_variables() -> None:
    assert set(reply_context._values(FULL, "en")) == set(VARIABLES)


# -- the stalled-parcel plan's rules ----------------------------------------------------------


def stalled_texts() -> list[tuple[str, str, str]]:
    out = []
    for step in PLANS[DisputeClass.STALLED_IN_TRANSIT].steps:
        for lang in LANGUAGES:
            for reason in DelayReason:
                text = render(step.template, lang, replace(FULL, delay_reason=reason)).text
                out.append((step.template, lang, text))
    return out


def test_the_stalled_plan_never_mentions_the_dispute() -> None:
    for template, lang, text in stalled_texts():
        found = DISPUTE_WORDS.search(text)
        assert found is None, (template, lang, found and found.group())


def test_the_dispute_words_are_caught_in_every_language() -> None:
    # The check above could not fail if the word list missed a language: the closing reply,
    # which does ask to cancel the dispute, proves it does not.
    for lang in LANGUAGES:
        assert DISPUTE_WORDS.search(render("cancel_request", lang, FULL).text), lang


def test_the_first_reply_promises_no_refund() -> None:
    for lang in LANGUAGES:
        first = render("stalled_1_first", lang, FULL).text
        found = REFUND_WORDS.search(first)
        assert found is None, (lang, found and found.group())
        # ...while the second reply does promise it, so the words are the right ones.
        assert REFUND_WORDS.search(render("stalled_2_carrier", lang, FULL).text), lang


def test_the_first_reply_says_protection_where_and_since_when() -> None:
    for lang, date, protection in (("en", "March 12, 2026", "buyer protection"),
                                   ("ru", "12 марта 2026", "защиты покупателя"),
                                   ("es", "12 de marzo de 2026", "protección al comprador"),
                                   ("pt_BR", "12 de março de 2026", "proteção ao comprador"),
                                   ("fr", "12 mars 2026", "protection acheteur"),
                                   ("pl", "12 marca 2026", "ochrony kupującego"),
                                   ("ko", "2026년 3월 12일", "구매자 보호 기간"),
                                   ("uk", "12 березня 2026", "захисту покупця"),
                                   ("pt_PT", "12 de março de 2026", "proteção ao comprador")):
        text = render("stalled_1_first", lang, replace(FULL, country="")).text
        assert date in text and protection in text and "Hong Kong, HK" in text, lang


def test_the_first_reply_goes_out_with_the_refusal() -> None:
    plan = plan_for("stalled_in_transit")
    assert plan.steps[0].channel is Channel.COUNTER_OFFER
    assert plan.until_delivered
    assert plan.closing is not None and plan.closing.template == "cancel_request"


# -- the follow-up schedule --------------------------------------------------------------------


def test_stalled_steps_fall_due_on_the_right_days() -> None:
    plan = plan_for(DisputeClass.STALLED_IN_TRANSIT)
    opened = at(1, 9)

    due = next_step_due(plan, [], False, False, at(1, 10), opened_at=opened)
    assert due is not None and due.step.template == "stalled_1_first" and due.number == 1
    assert (due.due_at, due.latest_at) == (opened, opened + timedelta(days=1))

    sent = [("stalled_1_first", at(1, 10))]
    due = next_step_due(plan, sent, False, False, at(1, 11))
    assert due is not None and due.step.template == "stalled_2_carrier"
    assert due.due_at == at(2, 10)  # the next day
    assert not due.is_due(at(1, 23)) and due.is_due(at(2, 23))

    sent.append(("stalled_2_carrier", at(2, 11)))
    due = next_step_due(plan, sent, False, False, at(2, 12))
    assert due is not None and due.step.template == "stalled_3_update" and due.number == 3
    assert (due.due_at, due.latest_at) == (at(3, 11), at(4, 11))  # in one or two days
    assert not due.is_overdue(at(4, 10)) and due.is_overdue(at(4, 12))

    sent.append(("stalled_3_update", at(4, 8)))
    due = next_step_due(plan, sent, False, False, at(4, 9))
    assert due is not None and due.step.template == "stalled_3_update"  # again, and again
    assert (due.due_at, due.latest_at) == (at(5, 8), at(6, 8))


def test_delivery_ends_the_plan_with_one_cancel_request_and_closing_ends_all() -> None:
    plan = plan_for(DisputeClass.STALLED_IN_TRANSIT)
    sent = [("stalled_1_first", at(1)), ("stalled_2_carrier", at(2))]
    due = next_step_due(plan, sent, True, False, at(5))
    assert due is not None and due.step.template == "cancel_request"
    assert due.due_at == at(5) and due.number == 4
    sent.append(("cancel_request", at(5, 10)))
    assert next_step_due(plan, sent, True, False, at(6)) is None
    assert next_step_due(plan, sent[:2], False, True, at(6)) is None


def test_a_returned_parcel_is_contacted_once_it_is_back() -> None:
    plan = plan_for(DisputeClass.RETURNED_IN_COUNTRY)
    sent = [("returned_in_country_notice", at(1))]
    waiting = next_step_due(plan, sent, False, False, at(3))
    assert waiting is not None and waiting.waiting_for is Gate.PARCEL_BACK
    assert waiting.due_at is None and not waiting.is_due(at(30))
    back = next_step_due(plan, sent, False, False, at(9), parcel_back=True)
    assert back is not None and back.step.template == "returned_contact"
    assert back.due_at == at(9)
    sent.append(("returned_contact", at(9, 10)))
    assert next_step_due(plan, sent, False, False, at(10), parcel_back=True) is None
    settled = next_step_due(plan, sent, False, False, at(12), settled=True)
    assert settled is not None and settled.step.template == "cancel_request"


def test_extortion_has_no_cancel_request_and_product_plans_ignore_delivery() -> None:
    extortion = plan_for(DisputeClass.EXTORTION)
    sent = [("extortion_ask", at(1)), ("extortion_refuse", at(2))]
    assert next_step_due(extortion, sent, True, False, at(3), settled=True) is None
    misuse = plan_for(DisputeClass.BUYER_MISUSE)
    due = next_step_due(misuse, [("misuse_video", at(1))], True, False, at(1))
    assert due is not None and due.step.template == "misuse_help"


def test_unknown_class_has_no_plan() -> None:
    with pytest.raises(TemplateError, match="no reply plan for class 'weird'"):
        plan_for("weird")


# -- language and locale -----------------------------------------------------------------------


@pytest.mark.parametrize(("country", "texts", "expected"), [
    ("RU", [], "ru"),
    ("ru", ["когда придёт посылка?"], "ru"),
    ("US", ["Hola, todavía no he recibido mi paquete"], "es"),
    ("BR", [], "pt_BR"),
    ("MX", [], "es"),
    ("BE", [], "fr"),
    ("PL", [], "pl"),
    ("PL", ["Здравствуйте, где мой заказ?"], "ru"),
    ("FR", ["Hello, I did not receive my order"], "en"),
    ("US", ["ok"], "en"),
    ("DE", [], "en"),
    ("", [], "en"),
    # Korean and Ukrainian, from the country and from the words
    ("KR", [], "ko"),
    ("US", ["아직도 택배를 못 받았어요. 어디 있나요?"], "ko"),
    ("KR", ["Hello, I did not receive my order"], "en"),
    ("UA", [], "uk"),
    ("RU", ["Де моя посилка? Досі не отримала"], "uk"),
    ("UA", ["Где моя посылка? Ещё не пришла"], "ru"),
    # Portuguese: the words say Portuguese, the country says which
    ("PT", [], "pt_PT"),
    ("AO", [], "pt_PT"),
    ("MZ", [], "pt_PT"),
    ("PT", ["Ainda não recebi a minha encomenda"], "pt_PT"),
    ("BR", ["Ainda não recebi o meu pedido"], "pt_BR"),
    ("US", ["Ainda não recebi o meu pedido"], "pt_BR"),
])
def test_language_from_country_then_words(country: str, texts: list[str],
                                          expected: str) -> None:
    assert infer_language(country, texts) == expected
    assert expected in LANGUAGES


def test_dates_and_money_in_the_buyers_locale() -> None:
    brazil = replace(FULL, country="BR", currency="BRL", amount=Decimal("1234.5"))
    text = render("lost_apology", "pt_BR", brazil).text.replace("\xa0", " ")
    assert "R$ 1.234,50" in text
    stalled = render("stalled_1_first", "pt_BR", brazil).text
    assert "em 12 de março de 2026 (Hong Kong, HK)" in stalled
    assert "$18.90" in render("defect_apology", "en", replace(FULL, country="US")).text
    assert "18,90 zł" in render("defect_apology", "pl", replace(
        FULL, country="PL", currency="PLN")).text.replace("\xa0", " ")
    # English to a German buyer: English words, German money.
    assert "18,90 US$" in render("defect_apology", "en", replace(
        FULL, country="DE")).text.replace("\xa0", " ")
    assert buyer_locale("pt_BR", "PT") == "pt_PT"
    # European Portuguese, Korean and Ukrainian: their own money and dates.
    portugal = replace(FULL, country="PT", currency="EUR", amount=Decimal("89.90"))
    assert "89,90 €" in render("defect_apology", "pt_PT", portugal).text.replace("\xa0", " ")
    assert "a 12 de março de 2026" in render("delivered_check", "pt_PT", portugal).text
    korea = replace(FULL, country="KR", currency="KRW", amount=Decimal("25000"))
    assert "₩25,000" in render("lost_apology", "ko", korea).text
    ukraine = replace(FULL, country="UA", currency="UAH", amount=Decimal("1234.5"))
    assert "1 234,50 ₴" in render("lost_apology", "uk", ukraine).text.replace("\xa0", " ")
    assert buyer_locale("es", "CL") == "es_CL"
    assert buyer_locale("en", "KR") == "en"
    assert buyer_locale("fr", "") == "fr"


# -- store overrides ---------------------------------------------------------------------------


def write(root: Path, lang: str, template: str, text: str) -> None:
    (root / lang).mkdir(parents=True, exist_ok=True)
    (root / lang / f"{template}.txt.j2").write_text(text, encoding="utf-8")


def test_a_valid_override_replaces_only_its_template_and_language(tmp_path: Path) -> None:
    write(tmp_path, "es", "stalled_1_first",
          "¡Hola{% if buyer_first_name %}, {{ buyer_first_name }}{% endif %}! Pedido "
          "{{ order_no }}: ampliamos la protección. — {{ store_name }}")
    (tmp_path / ".DS_Store").write_text("", encoding="utf-8")
    overrides = load_overrides(tmp_path, languages=("es",))
    assert overrides.covers("stalled_1_first", "es")
    assert not overrides.covers("stalled_1_first", "en")
    own = render("stalled_1_first", "es", FULL, overrides)
    assert own.ready
    assert own.text == ("¡Hola, Lucía! Pedido 3040123456789012: ampliamos la protección. "
                        "— Volt Electronics")
    shipped = render("stalled_1_first", "en", FULL, overrides)
    assert shipped.text == render("stalled_1_first", "en", FULL).text
    missing = render("stalled_1_first", "es", replace(FULL, order_no=None), overrides)
    assert missing.missing == ("order_no",)


def test_an_override_must_cover_every_language_the_store_answers_in(tmp_path: Path) -> None:
    write(tmp_path, "es", "cancel_request", "Hola {{ order_no }} {{ store_name }}")
    with pytest.raises(TemplateError) as caught:
        load_overrides(tmp_path)
    others = ", ".join(lang for lang in LANGUAGES if lang != "es")
    assert f"cancel_request: missing in {others}" in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_an_override_with_unknown_or_unshared_variables_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "en", "cancel_request", "Hi {{ buyer_name }}, order {{ order_no }}")
    write(tmp_path, "fr", "cancel_request", "Bonjour, commande {{ order_no }}")
    write(tmp_path, "ru", "cancel_request", "Заказ {{ order_no }}, {{ store_name }}")
    with pytest.raises(TemplateError) as caught:
        load_overrides(tmp_path, languages=("en", "fr", "ru"))
    message = str(caught.value)
    assert "en/cancel_request.txt.j2: unknown variable(s) buyer_name" in message
    assert "cancel_request: store_name is used in ru but not in en, fr" in message


def test_an_override_must_be_a_known_template_language_and_file(tmp_path: Path) -> None:
    write(tmp_path, "en", "thanks", "Thanks!")
    write(tmp_path, "de", "cancel_request", "Danke")
    (tmp_path / "en" / "cancel_request.txt").write_text("no suffix", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_overrides(tmp_path)
    message = str(caught.value)
    assert "no template 'thanks' to override" in message
    assert f"de/cancel_request.txt.j2: not <{'|'.join(LANGUAGES)}>" in message
    assert "cancel_request.txt: not <" in message


def test_an_override_cannot_escape_the_sandbox_or_break_the_syntax(tmp_path: Path) -> None:
    write(tmp_path, "en", "cancel_request",
          "{{ order_no.__class__.__mro__ }} {{ store_name }}")
    write(tmp_path, "en", "lost_apology", "{% if amount %}")
    with pytest.raises(TemplateError) as caught:
        load_overrides(tmp_path, languages=("en",))
    message = str(caught.value)
    assert "cancel_request.txt.j2: does not render" in message and "unsafe" in message
    assert "lost_apology.txt.j2: line 1" in message


def test_a_missing_overrides_folder_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist; create it, or remove "
                                            "templates_dir"):
        load_overrides(tmp_path / "nope")
    with pytest.raises(TemplateError, match="no replies in de"):
        load_overrides(tmp_path, languages=("en", "de"))


# A French "que", "de", "le", "la", "je", "ne", "si il" before a vowel or a mute h is always
# elided in written French ("qu'une", "d'un", "l'article", "j'ai", "n'a", "s'il").
_FRENCH_NOT_ELIDED = re.compile(
    r"\b(?:que|de|le|la|je|ne|me|te|se|jusque|lorsque|puisque)\s+[aeiouyhàâéèêëîïôùûü]\w*"
    r"|\bsi\s+ils?\b", re.IGNORECASE)
# Words before which French keeps the vowel all the same (an "h aspiré": "de haut", "le
# hublot"): none in the shipped templates today; one added here says why.
_FRENCH_EXEMPT: frozenset[str] = frozenset()


@pytest.mark.parametrize("reason", [*DelayReason, None], ids=lambda r: str(r))
@pytest.mark.parametrize("template", TEMPLATES)
def test_french_drafts_elide_with_every_delay_reason(template: str,
                                                     reason: DelayReason | None) -> None:
    """Every French draft, with every delay reason, writes "qu'une", never "que une"."""
    context = replace(FULL, delay_reason=reason, carrier_explanation=None)
    text = render(template, "fr", context).text
    wrong = [m.group(0) for m in _FRENCH_NOT_ELIDED.finditer(text)
             if m.group(0).lower() not in _FRENCH_EXEMPT]
    assert not wrong, f"{template} with {reason}: not elided: {wrong}"
    assert "En geste" not in text


def test_que_elides_before_a_vowel_or_mute_h() -> None:
    assert que("une grève a ralenti le tri") == "qu'une grève a ralenti le tri"
    assert que("il attend") == "qu'il attend"
    assert que("hier le colis est parti") == "qu'hier le colis est parti"
    assert que("le colis attend") == "que le colis attend"
