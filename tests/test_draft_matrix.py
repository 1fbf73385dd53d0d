"""Every reply, read as the buyer will: every template, in every language, with every delay
reason and every money option, says exactly the amount of the option being taken, and no
other.

The matrix grows by itself: a template added to a plan or a language added to the registry
is rendered here without touching this file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency, get_currency_symbol

import disputekit.domain.replies as replies
from disputekit.domain.replies import LANGUAGES, TEMPLATES, DelayReason, buyer_locale, render
from tests.test_replies import FULL

TEMPLATES_DIR = Path(replies.__file__).parent / "templates"
CURRENCY = "EUR"
# An 89.90 EUR order and the amounts its options offer: the full refund, a 30 % partial
# share, a 10 % compensation. Distinct digits, so one can never be read as another.
MONEY_OPTIONS = {
    "full_refund": Decimal("89.90"),
    "partial_refund": Decimal("26.97"),
    "compensation": Decimal("8.99"),
}
_LEFTOVERS = ("[[", "]]", "{{", "}}", "{%", "None", "\n\n\n", "..")
_NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def quotes_money(template: str, lang: str) -> bool:
    return "amount" in (TEMPLATES_DIR / lang / f"{template}.txt.j2").read_text("utf-8")


def test_the_matrix_covers_the_money_templates_in_every_language() -> None:
    # a template quotes money in every language or in none: the buyer's language must not
    # change what is offered
    for template in TEMPLATES:
        said = {lang: quotes_money(template, lang) for lang in LANGUAGES}
        assert len(set(said.values())) == 1, (template, said)
    assert any(quotes_money(t, "en") for t in TEMPLATES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_with_every_delay_reason_and_money_option_quotes_only_its_option(
        lang: str) -> None:
    locale = buyer_locale(lang, None)
    symbol = get_currency_symbol(CURRENCY, locale=locale)
    formatted = {name: format_currency(amount, CURRENCY, locale=locale)
                 for name, amount in MONEY_OPTIONS.items()}
    rendered = 0
    for template in TEMPLATES:
        money = quotes_money(template, lang)
        for reason in (*DelayReason, None):
            for option, amount in MONEY_OPTIONS.items():
                context = replace(FULL, country=None, currency=CURRENCY, amount=amount,
                                  delay_reason=reason, carrier_explanation=None)
                draft = render(template, lang, context)
                where = f"{lang}/{template} ({reason}, {option})"
                text = draft.text
                for leftover in _LEFTOVERS:
                    assert leftover not in text, f"{where}: {leftover!r} in\n{text}"
                assert not _NAN.search(text), f"{where}: a NaN in\n{text}"
                if money:
                    assert draft.ready, f"{where}: missing {draft.missing}"
                    assert formatted[option] in text, f"{where}: no {formatted[option]}\n{text}"
                    rest = text.replace(formatted[option], "")
                    # the currency is named only in the option's amount, and no other
                    # option's amount appears
                    assert symbol not in rest and CURRENCY not in rest, f"{where}\n{text}"
                    for other, shown in formatted.items():
                        if other != option:
                            assert shown not in text, f"{where}: also quotes {shown}"
                else:
                    # a reply that takes no money option names no money at all
                    assert symbol not in text and CURRENCY not in text, f"{where}\n{text}"
                    assert not any(shown in text for shown in formatted.values()), where
                rendered += 1
    assert rendered == len(TEMPLATES) * (len(DelayReason) + 1) * len(MONEY_OPTIONS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_money_reply_without_an_amount_asks_the_operator_never_quotes_zero(lang: str) -> None:
    """Where the amount is unknown (unreadable stored data) the draft is not ready and says
    so; it never offers the buyer a blank or a zero."""
    for template in TEMPLATES:
        if not quotes_money(template, lang):
            continue
        draft = render(template, lang, replace(FULL, amount=None, currency=CURRENCY))
        assert not draft.ready and "amount" in draft.missing, (lang, template)
        assert not re.search(r"(?<![\d.,])0[.,]00(?![\d])", draft.text), (lang, template)
