"""Replies to the buyer: which to send when, in which language, in which words (pure).

Every class of the taxonomy has a **plan**: the replies a seller sends, in order, each with
the days it waits after the reply before it. The stalled-parcel plan is the practitioners'
three replies (``shared/domain.md``): the first the day the dispute opens, the carrier's
explanation the next day, then an update every day or two until the parcel is delivered or
the dispute closes; once a case is settled, a closing reply asks the buyer to cancel the
dispute. There is no chat API: the operator copies a reply out and marks it sent, except a
step whose ``channel`` is ``COUNTER_OFFER``, whose text is the reason sent with the refusal
(``aliexpress.issue.solution.save``).

    >>> plan = plan_for(DisputeClass.STALLED_IN_TRANSIT)
    >>> [s.template for s in plan.steps]
    ['stalled_1_first', 'stalled_2_carrier', 'stalled_3_update']
    >>> opened = datetime(2026, 3, 1, 9, tzinfo=UTC)
    >>> due = next_step_due(plan, [("stalled_1_first", opened)], False, False, opened)
    >>> due.step.template, due.due_at.isoformat()
    ('stalled_2_carrier', '2026-03-02T09:00:00+00:00')

The words are Jinja2 templates shipped as package data, one file per template and language
(``templates/replies/<lang>/<template>.txt.j2``), rendered in a sandbox with autoescape off
(plain text). Values are only ever *data*: a buyer's name of ``{{ 7*7 }}`` prints as typed.
A variable the reply needs and the context lacks never yields a half-filled reply: the
draft is not ready, names what to fill, and its text says so to the operator.

    >>> draft = render("stalled_2_carrier", "es", ReplyContext(buyer_first_name="Lucía"))
    >>> draft.ready, draft.missing[:2]
    (False, ('carrier', 'order_no'))

Dates and money are formatted with Babel in the buyer's locale (the reply's language, in
the buyer's country where CLDR knows that pair: ``pt_BR``, ``es_CL``, ``en_DE``...). A store
may override any template in any language from a folder (``load_overrides``), checked when
loaded; ``check_templates`` checks the shipped set the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import jinja2
from babel import localedata
from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from disputekit.domain.language.cues import guess_language
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import TemplateError

if TYPE_CHECKING:
    from disputekit.domain.tracking import Timeline

__all__ = [
    "COUNTRY_LANGUAGE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "PLANS",
    "TAX_IDS",
    "TEMPLATES",
    "VARIABLES",
    "Channel",
    "DelayReason",
    "Draft",
    "Due",
    "Gate",
    "Overrides",
    "ReplyContext",
    "ReplyPlan",
    "ReplyStep",
    "buyer_locale",
    "check_templates",
    "infer_language",
    "load_overrides",
    "next_step_due",
    "plan_for",
    "render",
]

# ---------------------------------------------------------------------------------------------
# Languages
# ---------------------------------------------------------------------------------------------

LANGUAGES: Final[tuple[str, ...]] = ("en", "ru", "es", "pt_BR", "fr", "pl")
DEFAULT_LANGUAGE: Final = "en"
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "en": "English", "ru": "Русский", "es": "Español", "pt_BR": "Português (Brasil)",
    "fr": "Français", "pl": "Polski",
}


def _countries(lang: str, codes: str) -> dict[str, str]:
    return dict.fromkeys(codes.split(), lang)


# The language a buyer in that country most likely reads; anything else gets English. The
# buyer's own words override it (``infer_language``), and the operator can always switch.
COUNTRY_LANGUAGE: Final[dict[str, str]] = {
    **_countries("ru", "RU BY KZ KG UZ TJ"),
    **_countries("es", "ES MX AR CL CO PE VE EC GT CU BO DO HN PY SV NI CR PA UY PR GQ"),
    **_countries("pt_BR", "BR PT AO MZ CV"),
    **_countries("fr", "FR BE LU MC SN CI CM MA DZ TN MG ML BF NE TG BJ GA CG CD GN HT "
                       "RE GP MQ GF YT NC PF"),
    **_countries("pl", "PL"),
}

# cues.guess_language answers in its own codes; Portuguese replies are written for Brazil.
_FROM_CUES: Final[dict[str, str]] = {"en": "en", "ru": "ru", "es": "es", "pt": "pt_BR",
                                     "fr": "fr", "pl": "pl"}


def infer_language(country: str, buyer_texts: Iterable[str] = ()) -> str:
    """The language to reply in: the buyer's own words when they clearly are one of
    ``LANGUAGES``, else the country's language, else English.

    >>> infer_language("RU", [])
    'ru'
    >>> infer_language("US", ["Hola, todavía no he recibido mi paquete"])
    'es'
    >>> infer_language("", [])
    'en'
    """
    said = _FROM_CUES.get(guess_language(buyer_texts), "")
    if said:
        return said
    return COUNTRY_LANGUAGE.get(country.strip().upper(), DEFAULT_LANGUAGE)


def buyer_locale(lang: str, country: str | None) -> str:
    """The Babel locale for dates and money: the reply's language as spoken in the buyer's
    country when CLDR has that pair, else the language itself.

    >>> buyer_locale("pt_BR", "BR"), buyer_locale("es", "CL"), buyer_locale("en", "KR")
    ('pt_BR', 'es_CL', 'en')
    """
    base = lang.split("_")[0]
    code = (country or "").strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code) and localedata.exists(f"{base}_{code}"):
        return f"{base}_{code}"
    return lang


# ---------------------------------------------------------------------------------------------
# What a reply can say
# ---------------------------------------------------------------------------------------------

# Every variable a template may use, with what the operator must fill when it is missing.
VARIABLES: Final[dict[str, str]] = {
    "store_name": "the store's name",
    "buyer_first_name": "the buyer's first name",
    "order_no": "the order number",
    "product_name": "the product's name",
    "carrier": "the carrier",
    "tracking_no": "the tracking number",
    "last_location": "where the parcel was last scanned",
    "last_update": "the date of the last tracking update",
    "carrier_explanation": "the carrier's explanation (pick a delay reason, or type what the "
                           "carrier said, in the buyer's language)",
    "amount": "the amount and its currency",
    "country": "the buyer's country",
    "tax_id_name": "the name of the tax ID customs ask for",
    "usage_help": "your advice on using this product, in the buyer's language",
}

# What each destination's customs ask the buyer for, by name (the customs templates also
# word BR, CL and KR in full: where to get it, where to pay).
TAX_IDS: Final[dict[str, str]] = {"BR": "CPF", "CL": "RUT", "KR": "PCCC"}


class DelayReason(StrEnum):
    """What the carrier said, as a reason the templates can say in every language."""

    CUSTOMS_CHECK = "customs_check"
    FLIGHT_TRANSFER = "flight_transfer"
    HIGH_SEASON = "high_season"
    WEATHER = "weather"
    STRIKE = "strike"
    SORTING_CENTRE = "sorting_centre"
    LOCAL_HANDOVER = "local_handover"


# Each one completes "the carrier told us that …" (no final full stop).
_DELAY_WORDS: Final[dict[DelayReason, dict[str, str]]] = {
    DelayReason.CUSTOMS_CHECK: {
        "en": "the parcel was picked for a routine customs inspection, and customs are "
              "working through a long queue of parcels",
        "ru": "посылку отобрали для планового таможенного досмотра, а на таможне сейчас "
              "большая очередь",
        "es": "el paquete fue seleccionado para una inspección aduanera de rutina y la aduana "
              "tiene muchos envíos acumulados",
        "pt_BR": "o pacote foi selecionado para uma fiscalização de rotina da alfândega, que "
                 "está com uma fila grande de remessas",
        "fr": "le colis a été sélectionné pour un contrôle douanier de routine, et la douane "
              "traite en ce moment un très grand nombre d'envois",
        "pl": "paczka została wybrana do rutynowej kontroli celnej, a urząd celny ma obecnie "
              "bardzo dużo przesyłek do sprawdzenia",
    },
    DelayReason.FLIGHT_TRANSFER: {
        "en": "the parcel is waiting at the transit hub for space on a connecting flight",
        "ru": "посылка ждёт в транзитном пункте места на стыковочном рейсе",
        "es": "el paquete está en el centro de tránsito esperando lugar en un vuelo de "
              "conexión",
        "pt_BR": "o pacote está no centro de trânsito aguardando espaço em um voo de conexão",
        "fr": "le colis attend au centre de transit une place sur un vol de correspondance",
        "pl": "paczka czeka w punkcie tranzytowym na miejsce w samolocie, którym poleci dalej",
    },
    DelayReason.HIGH_SEASON: {
        "en": "the sorting centres are overloaded with the seasonal rush of parcels, so scans "
              "are appearing several days late",
        "ru": "сортировочные центры перегружены из-за сезонного наплыва посылок, поэтому "
              "отметки в трекинге появляются с опозданием на несколько дней",
        "es": "los centros de clasificación están saturados por el volumen de paquetes de la "
              "temporada, por eso los escaneos aparecen con varios días de retraso",
        "pt_BR": "os centros de triagem estão sobrecarregados com o volume de pacotes da "
                 "temporada, por isso as atualizações estão aparecendo com alguns dias de "
                 "atraso",
        "fr": "les centres de tri sont saturés par l'afflux de colis de la saison, si bien que "
              "les scans apparaissent avec plusieurs jours de retard",
        "pl": "sortownie są przeciążone z powodu sezonowego wzrostu liczby przesyłek, dlatego "
              "skany pojawiają się z kilkudniowym opóźnieniem",
    },
    DelayReason.WEATHER: {
        "en": "bad weather has grounded flights on the route, and the parcel is waiting for "
              "the next available flight",
        "ru": "из-за непогоды рейсы по маршруту отменили, и посылка ждёт ближайшего рейса",
        "es": "el mal tiempo obligó a cancelar vuelos en la ruta y el paquete está esperando "
              "el próximo vuelo disponible",
        "pt_BR": "o mau tempo cancelou voos na rota, e o pacote está aguardando o próximo voo "
                 "disponível",
        "fr": "le mauvais temps a fait annuler des vols sur le trajet, et le colis attend le "
              "prochain vol disponible",
        "pl": "z powodu złej pogody odwołano loty na tej trasie i paczka czeka na najbliższy "
              "dostępny lot",
    },
    DelayReason.STRIKE: {
        "en": "a strike at the postal service has slowed down sorting and delivery",
        "ru": "из-за забастовки почтовых работников сортировка и доставка идут медленнее",
        "es": "una huelga del servicio postal ha retrasado la clasificación y la entrega",
        "pt_BR": "uma greve no serviço postal atrasou a triagem e a entrega",
        "fr": "une grève des services postaux a ralenti le tri et la distribution",
        "pl": "strajk pracowników poczty spowolnił sortowanie i doręczanie przesyłek",
    },
    DelayReason.SORTING_CENTRE: {
        "en": "the parcel is at the sorting centre waiting to be processed, and it will be "
              "scanned again as soon as it moves on",
        "ru": "посылка находится в сортировочном центре и ждёт обработки; как только её "
              "отправят дальше, статус обновится",
        "es": "el paquete está en el centro de clasificación esperando ser procesado y se "
              "volverá a escanear en cuanto siga su camino",
        "pt_BR": "o pacote está no centro de triagem aguardando processamento e será escaneado "
                 "de novo assim que seguir viagem",
        "fr": "le colis se trouve au centre de tri en attente de traitement, et il sera scanné "
              "à nouveau dès qu'il repartira",
        "pl": "paczka jest w sortowni i czeka na obsłużenie; zostanie ponownie zeskanowana, "
              "gdy tylko ruszy dalej",
    },
    DelayReason.LOCAL_HANDOVER: {
        "en": "the parcel has been handed over to your local postal service, which has not "
              "scanned it yet; the tracking will update as soon as it does",
        "ru": "посылку уже передали местной почтовой службе, но там её ещё не отсканировали; "
              "статус обновится сразу после сканирования",
        "es": "el paquete ya se entregó al servicio postal local, que todavía no lo ha "
              "escaneado; el seguimiento se actualizará en cuanto lo haga",
        "pt_BR": "o pacote já foi entregue ao serviço postal local, que ainda não fez a "
                 "leitura dele; o rastreio será atualizado assim que isso acontecer",
        "fr": "le colis a été remis au service postal local, qui ne l'a pas encore scanné ; "
              "le suivi sera mis à jour dès que ce sera fait",
        "pl": "paczka została już przekazana lokalnemu operatorowi pocztowemu, który jeszcze "
              "jej nie zeskanował; status zaktualizuje się zaraz po skanowaniu",
    },
}


@dataclass(frozen=True)
class ReplyContext:
    """The facts a reply may quote, from the dispute, the order and the tracking.

    ``None`` (or empty) means unknown. ``last_update`` must be timezone-aware; it is shown
    as a date in its own zone (pass it converted to the buyer's zone if you know it).
    ``carrier_explanation`` is the operator's own words (one clause completing "the carrier
    told us that …"); without it a ``delay_reason`` is said in the reply's language.
    ``tax_id_name`` defaults to what ``country``'s customs ask for (``TAX_IDS``).
    """

    store_name: str | None = None
    buyer_first_name: str | None = None
    order_no: str | int | None = None
    product_name: str | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    last_location: str | None = None
    last_update: datetime | None = None
    delay_reason: DelayReason | None = None
    carrier_explanation: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    country: str | None = None
    tax_id_name: str | None = None
    usage_help: str | None = None

    def __post_init__(self) -> None:
        if self.last_update is not None and self.last_update.utcoffset() is None:
            raise ValueError("last_update must be timezone-aware (UTC from the tracking)")

    @classmethod
    def from_timeline(cls, timeline: Timeline, **facts: Any) -> ReplyContext:
        """Tracking number, carrier, last location and date from a ``tracking.Timeline``;
        ``facts`` add to (or replace) them."""
        last = timeline.last_event
        found: dict[str, Any] = {
            "tracking_no": timeline.logistics_no or None,
            "carrier": timeline.carrier or None,
            "last_location": timeline.last_location or None,
            "last_update": last.at if last is not None else None,
        }
        return cls(**{**found, **facts})


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: object) -> str | None:
    """One line of plain text (no control characters, each run of blanks one space), or
    ``None`` when there is nothing: a buyer's value cannot add lines to a reply."""
    if value is None:
        return None
    return " ".join(_CONTROL.sub(" ", str(value)).split()) or None


def _block(value: str | None) -> str | None:
    """Lines of plain text (the operator's usage advice), at most one blank line between."""
    lines = [_text(line) or "" for line in (value or "").strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() or None


def _values(context: ReplyContext, lang: str) -> dict[str, str | None]:
    """The template variables in display form, in the buyer's locale (``None``: unknown)."""
    locale = buyer_locale(lang, context.country)
    country = (_text(context.country) or "").upper() or None
    explanation = (_text(context.carrier_explanation) or "").rstrip(" .") or None
    if explanation is None and context.delay_reason is not None:
        explanation = _DELAY_WORDS[context.delay_reason][lang]
    currency = (_text(context.currency) or "").upper()
    return {
        "store_name": _text(context.store_name),
        "buyer_first_name": _text(context.buyer_first_name),
        "order_no": _text(context.order_no),
        "product_name": _text(context.product_name),
        "carrier": _text(context.carrier),
        "tracking_no": _text(context.tracking_no),
        "last_location": _text(context.last_location),
        "last_update": (format_date(context.last_update, "long", locale=locale)
                        if context.last_update is not None else None),
        "carrier_explanation": explanation,
        "amount": (format_currency(context.amount, currency, locale=locale)
                   if context.amount is not None and currency else None),
        "country": country,
        "tax_id_name": _text(context.tax_id_name) or TAX_IDS.get(country or ""),
        "usage_help": _block(context.usage_help),
    }


# ---------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------


class Channel(StrEnum):
    CHAT = "chat"  # copied into the order chat by the operator, then marked sent
    COUNTER_OFFER = "counter_offer"  # the reason of the refusal / counter-offer (solution.save)


class Gate(StrEnum):
    """An event a step waits for besides time."""

    PARCEL_BACK = "parcel_back"  # the returned parcel is back with the seller


@dataclass(frozen=True)
class ReplyStep:
    """One reply of a plan: due ``after_days`` after the previous reply went out (the first:
    after the dispute opened), overdue ``within_days`` after it. A ``repeat`` step (the last
    of a plan) comes again, as often, until the plan ends."""

    template: str
    after_days: int = 0
    within_days: int = 1
    repeat: bool = False
    channel: Channel = Channel.CHAT
    waits_for: Gate | None = None
    note: str = ""  # for the operator: what to do with it


@dataclass(frozen=True)
class ReplyPlan:
    """The replies for one class, in order. ``until_delivered``: delivery ends the plan
    (and settles the case). ``closing`` is sent once the case is settled."""

    dispute_class: DisputeClass
    steps: tuple[ReplyStep, ...]
    until_delivered: bool = False
    closing: ReplyStep | None = None

    def number(self, step: ReplyStep) -> int:
        """The step's place in the plan, from 1 (the closing reply comes last)."""
        ordered = (*self.steps, *((self.closing,) if self.closing else ()))
        return ordered.index(step) + 1


_REFUSE = Channel.COUNTER_OFFER
_CANCEL = ReplyStep("cancel_request", note="the case is settled (the parcel arrived, a "
                    "resend or a solution was agreed): ask the buyer to cancel the dispute")


def _returned(code: DisputeClass, notice: str) -> ReplyPlan:
    return ReplyPlan(code, (
        ReplyStep(notice, note="tell the buyer the parcel is coming back; the freight cannot "
                               "be claimed from the carrier"),
        ReplyStep("returned_contact", waits_for=Gate.PARCEL_BACK,
                  note="send once the parcel is back in your warehouse"),
    ), closing=_CANCEL)


C = DisputeClass
PLANS: Final[dict[DisputeClass, ReplyPlan]] = {
    C.STALLED_IN_TRANSIT: ReplyPlan(C.STALLED_IN_TRANSIT, (
        ReplyStep("stalled_1_first", channel=_REFUSE,
                  note="extend buyer protection first; send as the reason of the refusal "
                       "(counter-offer 0)"),
        ReplyStep("stalled_2_carrier", after_days=1, within_days=2,
                  note="ask the carrier first; choose their explanation"),
        ReplyStep("stalled_3_update", after_days=1, within_days=2, repeat=True,
                  note="a specific update with a concrete reason, every day or two"),
    ), until_delivered=True, closing=_CANCEL),
    C.NO_TRACKING: ReplyPlan(C.NO_TRACKING, (
        ReplyStep("no_tracking_first"),
        ReplyStep("no_tracking_offer", after_days=2, within_days=3, channel=_REFUSE,
                  note="a partial counter-offer: little evidence, settle before arbitration"),
    ), until_delivered=True, closing=_CANCEL),
    C.DELIVERED_DISPUTED: ReplyPlan(C.DELIVERED_DISPUTED, (
        ReplyStep("delivered_check", channel=_REFUSE,
                  note="refuse (counter-offer 0); upload the proof of signature"),
        ReplyStep("delivered_followup", after_days=2, within_days=3,
                  note="upload the shipping record with the weight and postage deduction"),
    ), closing=_CANCEL),
    C.CUSTOMS_BUYER_NO_DOCS: ReplyPlan(C.CUSTOMS_BUYER_NO_DOCS, (
        ReplyStep("customs_tax_id"),
        ReplyStep("customs_reminder", after_days=1, within_days=2, repeat=True),
    ), until_delivered=True, closing=_CANCEL),
    C.CUSTOMS_BUYER_UNREACHABLE: ReplyPlan(C.CUSTOMS_BUYER_UNREACHABLE, (
        ReplyStep("customs_unreachable",
                  note="try every channel too: order messages, the phone on the address"),
        ReplyStep("customs_reminder", after_days=1, within_days=2, repeat=True,
                  note="keep trying every channel"),
    ), until_delivered=True, closing=_CANCEL),
    C.RETURNED_UNDELIVERED: _returned(C.RETURNED_UNDELIVERED, "returned_undelivered_notice"),
    C.RETURNED_IN_COUNTRY: _returned(C.RETURNED_IN_COUNTRY, "returned_in_country_notice"),
    C.RETURNED_BEFORE_EXPORT: _returned(C.RETURNED_BEFORE_EXPORT,
                                        "returned_before_export_notice"),
    C.LOST: ReplyPlan(C.LOST, (
        ReplyStep("lost_apology", note="then claim the goods and the freight from the carrier"),
    ), closing=_CANCEL),
    C.GENUINE_DEFECT: ReplyPlan(C.GENUINE_DEFECT, (
        ReplyStep("defect_apology", note="do not be stingy: refund or resend"),
    ), closing=_CANCEL),
    C.BUYER_MISUSE: ReplyPlan(C.BUYER_MISUSE, (
        ReplyStep("misuse_video"),
        ReplyStep("misuse_help", after_days=1, within_days=2,
                  note="write the usage advice for what the video shows"),
    ), closing=_CANCEL),
    C.DELIBERATE_ABUSE: ReplyPlan(C.DELIBERATE_ABUSE, (
        ReplyStep("abuse_evidence", channel=_REFUSE,
                  note="refuse (counter-offer 0) and upload your own video of the product"),
        ReplyStep("abuse_compensation", after_days=2, within_days=3,
                  note="only at a deadlock; never call it a refund"),
    ), closing=_CANCEL),
    C.EXTORTION: ReplyPlan(C.EXTORTION, (
        ReplyStep("extortion_ask", note="keep screenshots of what the buyer asks for"),
        ReplyStep("extortion_refuse", after_days=1, within_days=2, channel=_REFUSE,
                  note="refuse (counter-offer 0) and report the buyer"),
    )),
}
del C


def plan_for(code: DisputeClass | str) -> ReplyPlan:
    """The reply plan of a class of the taxonomy."""
    try:
        return PLANS[DisputeClass(code)]
    except ValueError:
        raise TemplateError(f"no reply plan for class {code!r}: use one of "
                            f"{', '.join(c.value for c in DisputeClass)}") from None


def _plan_templates() -> tuple[str, ...]:
    names: dict[str, None] = {}
    for plan in PLANS.values():
        for step in (*plan.steps, *((plan.closing,) if plan.closing else ())):
            names[step.template] = None
    return tuple(names)


# Every template a plan uses, each once: the set every language must have.
TEMPLATES: Final[tuple[str, ...]] = _plan_templates()


# ---------------------------------------------------------------------------------------------
# The follow-up schedule
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """The next reply of a plan: due from ``due_at``, overdue after ``latest_at``; both
    ``None`` while it waits for an event (``waiting_for``)."""

    step: ReplyStep
    number: int
    due_at: datetime | None
    latest_at: datetime | None
    waiting_for: Gate | None = None

    def is_due(self, at: datetime) -> bool:
        """Due by ``at`` (the daily run passes the end of its day)."""
        return self.due_at is not None and self.due_at <= at

    def is_overdue(self, at: datetime) -> bool:
        return self.latest_at is not None and self.latest_at < at


def next_step_due(
    plan: ReplyPlan,
    sent: Sequence[tuple[str, datetime]],
    delivered: bool,
    closed: bool,
    now: datetime,
    *,
    opened_at: datetime | None = None,
    settled: bool = False,
    parcel_back: bool = False,
) -> Due | None:
    """The next reply of ``plan`` and when it is due, or ``None`` when nothing more is.

    ``sent`` is every reply marked sent on the dispute, as (template, sent at). A closed
    dispute needs nothing. A settled case (or, for a plan that runs ``until_delivered``, a
    delivered parcel) needs only the closing reply, once, now. Otherwise the first step not
    yet sent (or a repeating last step) is due ``after_days`` after the latest reply, or
    after ``opened_at`` (default ``now``) when none was sent.
    """
    if closed:
        return None
    done = Counter(template for template, _ in sent)
    latest = max((at for _, at in sent), default=None)
    if settled or (plan.until_delivered and delivered):
        closing = plan.closing
        if closing is None or done[closing.template]:
            return None
        return Due(closing, plan.number(closing), now, now)
    for step in plan.steps:
        if done[step.template] and not step.repeat:
            continue
        if step.waits_for is Gate.PARCEL_BACK and not parcel_back:
            return Due(step, plan.number(step), None, None, step.waits_for)
        if step.waits_for is not None:
            base = now  # the event just happened: answer it now
        else:
            base = latest if latest is not None else (opened_at or now)
        return Due(step, plan.number(step), base + timedelta(days=step.after_days),
                   base + timedelta(days=max(step.within_days, step.after_days)))
    return None


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_SUFFIX: Final = ".txt.j2"


def _path(lang: str, template: str) -> str:
    return f"{lang}/{template}{_SUFFIX}"


def _environment(loader: jinja2.BaseLoader) -> ImmutableSandboxedEnvironment:
    # Plain text, so no HTML escaping; the sandbox keeps an override from reaching Python.
    # Block tags keep their line breaks (an inline greeting stays its own paragraph); the
    # blank lines a block on its own line leaves are folded by ``_tidy``.
    return ImmutableSandboxedEnvironment(
        loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
        lstrip_blocks=True, auto_reload=False)


@cache
def _package_loader() -> jinja2.PackageLoader:
    return jinja2.PackageLoader("disputekit.domain.replies", "templates")


@cache
def _package_environment() -> ImmutableSandboxedEnvironment:
    return _environment(_package_loader())


class _Blank(jinja2.Undefined):
    """A known variable without a value: false in ``{% if %}``, and printing it records the
    gap (so only what the reply really says counts as missing)."""

    __slots__ = ("_gaps",)

    def __init__(self, name: str, gaps: list[str]) -> None:
        super().__init__(name=name)
        self._gaps = gaps

    def __str__(self) -> str:
        name = self._undefined_name or ""
        if name not in self._gaps:
            self._gaps.append(name)
        return f"[[FILL IN: {VARIABLES.get(name, name)}]]"


@dataclass(frozen=True)
class Draft:
    """A reply ready to copy (``ready``), or a note to the operator naming what is missing.

    ``text`` is what may be sent: the reply itself, or, when not ready, only the note (so a
    half-filled reply cannot be copied out). ``preview`` always shows the reply, each gap
    marked ``[[FILL IN: …]]``.
    """

    template: str
    lang: str
    text: str
    missing: tuple[str, ...] = ()
    preview: str = ""

    @property
    def ready(self) -> bool:
        return not self.missing


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _render(env: jinja2.Environment, template: str, lang: str,
            context: ReplyContext) -> tuple[str, tuple[str, ...]]:
    gaps: list[str] = []
    values = {name: (value if value is not None else _Blank(name, gaps))
              for name, value in _values(context, lang).items()}
    try:
        text = env.get_template(_path(lang, template)).render(values)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"reply template {_path(lang, template)} failed: {exc}; fix the "
                            "template (run check_templates / load_overrides)") from exc
    return _tidy(text), tuple(gaps)


def render(template: str, lang: str, context: ReplyContext,
           overrides: Overrides | None = None) -> Draft:
    """The reply ``template`` in ``lang`` for ``context``, the store's ``overrides`` first.

    >>> draft = render("cancel_request", "pl", ReplyContext(store_name="Volt", order_no=8123))
    >>> draft.ready, "8123" in draft.text
    (True, True)
    """
    if template not in TEMPLATES:
        raise TemplateError(f"no reply template {template!r}: use one of {', '.join(TEMPLATES)}")
    if lang not in LANGUAGES:
        raise TemplateError(f"no replies in {lang!r}: use one of {', '.join(LANGUAGES)}")
    env = overrides.environment if overrides is not None else _package_environment()
    body, missing = _render(env, template, lang, context)
    if not missing:
        return Draft(template, lang, body, (), body)
    wanted = "; ".join(f"{VARIABLES[name]} ({name})" for name in missing)
    note = f"NOT READY, do not send: fill in {wanted}, then draft it again."
    return Draft(template, lang, note, missing, body)


# ---------------------------------------------------------------------------------------------
# Checking templates, and a store's overrides
# ---------------------------------------------------------------------------------------------

_SAMPLE = ReplyContext(
    store_name="Volt Electronics", buyer_first_name="Lucía", order_no="3040123456789012",
    product_name="USB-C multimeter", carrier="AliExpress Standard Shipping",
    tracking_no="LP00123456789012", last_location="Hong Kong, HK",
    last_update=datetime(2026, 3, 12, 8, 30, tzinfo=UTC),
    delay_reason=DelayReason.FLIGHT_TRANSFER, amount=Decimal("18.90"), currency="USD",
    country="BR", usage_help="Hold the power button for three seconds.",
)
# The shipped country wordings and the general case, then nothing known at all.
_TRIALS: Final[tuple[ReplyContext, ...]] = (
    *(replace(_SAMPLE, country=country) for country in ("BR", "CL", "KR", "US")),
    ReplyContext(),
)


def _problems(sources: Mapping[tuple[str, str], str], where: Mapping[tuple[str, str], str],
              languages: Sequence[str]) -> list[str]:
    """What is wrong with a set of (language, template) sources, each problem with its file."""
    env = _environment(jinja2.DictLoader({_path(lang, name): source
                                          for (lang, name), source in sources.items()}))
    known = set(VARIABLES) | set(env.globals)
    problems: list[str] = []
    used: dict[str, dict[str, frozenset[str]]] = {}
    for key in sorted(sources):
        lang, name = key
        try:
            names = frozenset(meta.find_undeclared_variables(env.parse(sources[key])))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{where[key]}: line {exc.lineno}: {exc.message}")
            continue
        used.setdefault(name, {})[lang] = names
        unknown = sorted(names - known)
        if unknown:
            problems.append(f"{where[key]}: unknown variable(s) {', '.join(unknown)}; a reply "
                            f"may use only {', '.join(VARIABLES)}")
            continue
        for trial in _TRIALS:
            try:
                _render(env, name, lang, trial)
            except TemplateError as exc:
                problems.append(f"{where[key]}: does not render: {exc.__cause__}")
                break
    for name, by_lang in sorted(used.items()):
        absent = [lang for lang in languages if lang not in by_lang]
        if absent:
            problems.append(f"{name}: missing in {', '.join(absent)}; add "
                            f"{', '.join(_path(lang, name) for lang in absent)}")
        for variable in sorted(frozenset().union(*by_lang.values())):
            lacking = [lang for lang in by_lang if variable not in by_lang[lang]]
            if lacking:
                users = [lang for lang in by_lang if lang not in lacking]
                problems.append(f"{name}: {variable} is used in {', '.join(users)} but not "
                                f"in {', '.join(lacking)}; every language must say the same "
                                "facts")
    return problems


def _split(path: str) -> tuple[str, str] | None:
    lang, _, file = path.partition("/")
    if not file.endswith(_SUFFIX) or "/" in file:
        return None
    return lang, file.removesuffix(_SUFFIX)


def check_templates() -> list[str]:
    """Problems with the shipped templates: a template missing in a language, a variable
    one language uses and another lacks, unknown files or variables, a template that does
    not parse or render. Empty when all is well."""
    loader = _package_loader()
    env = _package_environment()
    problems: list[str] = []
    sources: dict[tuple[str, str], str] = {}
    for path in loader.list_templates():
        key = _split(path)
        if key is None or key[0] not in LANGUAGES or key[1] not in TEMPLATES:
            problems.append(f"templates/replies/{path}: not a template of a plan in a known "
                            f"language; expected <{'|'.join(LANGUAGES)}>/<template>{_SUFFIX}")
            continue
        sources[key] = loader.get_source(env, path)[0]
    for name in TEMPLATES:
        if not any(name == key[1] for key in sources):
            problems.append(f"{name}: no language has it; add templates/replies/<lang>/"
                            f"{name}{_SUFFIX}")
    where = {key: f"templates/replies/{_path(*key)}" for key in sources}
    return problems + _problems(sources, where, LANGUAGES)


@dataclass(frozen=True)
class Overrides:
    """A store's own wording: ``(lang, template) → source``, checked, with the environment
    that renders them (shipped templates for the rest)."""

    folder: Path
    sources: Mapping[tuple[str, str], str]
    environment: ImmutableSandboxedEnvironment = field(repr=False, compare=False)

    def covers(self, template: str, lang: str) -> bool:
        return (lang, template) in self.sources


def load_overrides(folder: str | Path, languages: Sequence[str] = LANGUAGES) -> Overrides:
    """Read and check a store's template overrides: ``<folder>/<lang>/<template>.txt.j2``.

    A store may override any template in any language; an overridden template must be
    given in each of ``languages`` (the languages the store answers in, all by default), use
    only known variables, and the same ones in each language. Raises ``TemplateError``
    listing every problem.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise TemplateError(f"template overrides folder {root} does not exist; create it, or "
                            "remove templates_dir from the store's parameters")
    unknown_languages = sorted(set(languages) - set(LANGUAGES))
    if unknown_languages:
        raise TemplateError(f"no replies in {', '.join(unknown_languages)}: languages must be "
                            f"among {', '.join(LANGUAGES)}")
    problems: list[str] = []
    sources: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        key = _split(relative)
        if key is None or key[0] not in LANGUAGES:
            problems.append(f"{path}: not <{'|'.join(LANGUAGES)}>/<template>{_SUFFIX}; move or "
                            "rename it")
            continue
        if key[1] not in TEMPLATES:
            problems.append(f"{path}: no template {key[1]!r} to override; use one of "
                            f"{', '.join(TEMPLATES)}")
            continue
        try:
            sources[key] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot be read as UTF-8 text ({exc})")
            continue
        where[key] = str(path)
    problems += _problems(sources, where, languages)
    if problems:
        raise TemplateError(f"template overrides in {root} are not usable:\n- "
                            + "\n- ".join(problems))
    loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({_path(lang, name): source for (lang, name), source in sources.items()}),
        _package_loader(),
    ])
    return Overrides(root, dict(sources), _environment(loader))
