"""Validated shapes of what the platform sends (wire names, reference §4 and §6).

These models sit at the edge: the client validates every answer with them, so a payload
that lost a field or changed a type stops there with a message naming the field, instead of
turning into a wrong deadline somewhere downstream. Unknown extra fields are ignored (the
platform adds fields without notice); the raw JSON is stored beside the parsed record.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from disputekit.domain.platform_time import parse_pacific
from disputekit.errors import MalformedPayloadError
from disputekit.wire.envelope import as_list


def _pacific(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_pacific(str(value))
    except MalformedPayloadError as exc:
        raise ValueError(str(exc)) from None  # pydantic reports it with the field's name


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


# What the database columns hold: ids are 64-bit (BigInteger), small codes 32-bit (Integer),
# money Numeric(14, 2). A value past these is refused here, with its field named, instead of
# failing the write (OverflowError on SQLite, "out of range" on PostgreSQL) mid-sync.
MAX_MONEY = Decimal("1e12")


def _money_in_range(value: Decimal | None) -> Decimal | None:
    if value is not None and abs(value) >= MAX_MONEY:
        raise ValueError(f"an amount of {MAX_MONEY:,.0f} or more is not a plausible price")
    return value


WireId = Annotated[int, Field(ge=-(2**63), lt=2**63)]
WireSmallInt = Annotated[int, Field(ge=-(2**31), lt=2**31)]
PacificTime = Annotated[datetime | None, BeforeValidator(_pacific)]
OptionalDecimal = Annotated[Decimal | None, BeforeValidator(_blank_to_none),
                            AfterValidator(_money_in_range)]
Amount = Annotated[Decimal, AfterValidator(_money_in_range)]
OptionalStr = Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))]
# Identifiers and codes (ids, statuses, currencies, countries, tracking numbers) are stored
# in columns of a fixed width and used as keys: one longer than any real value is refused
# (free text, such as product names and messages, is shortened when stored instead).
LoginId = Annotated[str, StringConstraints(max_length=120)]
Status = Annotated[str, StringConstraints(max_length=40)]
OptionalCode = Annotated[OptionalStr, StringConstraints(max_length=60)]
OptionalShortCode = Annotated[OptionalStr, StringConstraints(max_length=8)]
OptionalNumber = Annotated[OptionalStr, StringConstraints(max_length=80)]
# A list as either envelope sends it: a plain array (simplify=true), or wrapped in an object
# with one key, ``{"solution_api_dto": [...]}``, and ``{}`` when empty (simplify=false, §3.1).
# The client unwraps answers already; JSON assembled by hand or by another tool may not be.
T = TypeVar("T")
WireList = Annotated[list[T], BeforeValidator(as_list)]
OptionalId = Annotated[WireId | None, BeforeValidator(_blank_to_none)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class IssueSummary(_Wire):
    """One item of ``aliexpress.issue.issuelist.get`` ``data_list``."""

    issue_id: WireId
    order_id: WireId
    parent_order_id: WireId
    buyer_login_id: LoginId
    issue_status: Status
    reason_chinese: OptionalStr = ""
    reason_english: OptionalStr = ""
    gmt_create: PacificTime
    gmt_modified: PacificTime


class IssuePage(_Wire):
    current_page: WireSmallInt
    page_size: WireSmallInt
    total_item: WireSmallInt
    data_list: list[dict[str, Any]] = Field(default_factory=list)


class Solution(_Wire):
    id: WireId
    issue_id: WireId | None = None
    solution_owner: OptionalStr = ""
    solution_type: OptionalStr = ""
    status: OptionalStr = ""
    is_default: bool = False
    content: OptionalStr = ""
    refund_money: OptionalDecimal = None
    refund_money_currency: OptionalShortCode = ""
    refund_money_post: OptionalDecimal = None
    refund_money_post_currency: OptionalShortCode = ""
    reached_type: OptionalStr = ""
    reached_time: PacificTime = None
    gmt_create: PacificTime = None


class Attachment(_Wire):
    file_path: str
    owner: OptionalStr = ""


class Process(_Wire):
    action_type: str
    submit_member_type: OptionalStr = ""
    content: OptionalStr = ""
    receive_goods: bool | None = None
    attachments: WireList[Attachment] = Field(default_factory=list)
    has_buyer_video: bool = False
    has_seller_video: bool = False
    gmt_create: PacificTime = None


class IssueDetail(_Wire):
    """``aliexpress.issue.detail.get`` ``result_object``."""

    id: WireId
    order_id: WireId
    parent_order_id: WireId
    product_id: WireId | None = None
    product_name: OptionalStr = ""
    product_price: OptionalDecimal = None
    product_price_currency: OptionalShortCode = ""
    buyer_login_id: LoginId
    issue_status: Status
    reverse_detail_status: OptionalCode = ""
    issue_reason: OptionalStr = ""
    issue_reason_id: WireSmallInt | None = None
    refund_money_max: OptionalDecimal = None
    refund_money_max_currency: OptionalShortCode = ""
    refund_money_max_local: OptionalDecimal = None
    refund_money_max_local_currency: OptionalShortCode = ""
    after_sale_warranty: bool = False
    timeout_type: OptionalCode = ""
    timeout_trigger_time: PacificTime = None
    gmt_create: PacificTime = None
    buyer_solution_list: WireList[Solution] = Field(default_factory=list)
    seller_solution_list: WireList[Solution] = Field(default_factory=list)
    platform_solution_list: WireList[Solution] = Field(default_factory=list)
    process_dto_list: WireList[Process] = Field(default_factory=list)


class Money(_Wire):
    amount: Amount
    currency_code: OptionalStr = "USD"


class LogisticInfo(_Wire):
    logistics_no: OptionalNumber = ""
    logistics_service_name: OptionalStr = ""
    logistics_type_code: OptionalNumber = ""
    gmt_send: PacificTime = None
    gmt_received: PacificTime = None
    receive_status: OptionalStr = ""
    have_tracking_info: bool | None = None


class BuyerInfo(_Wire):
    login_id: OptionalStr = ""
    first_name: OptionalStr = ""
    last_name: OptionalStr = ""
    country: OptionalShortCode = ""


class ChildOrder(_Wire):
    child_order_id: WireId
    product_id: WireId | None = None
    product_name: OptionalStr = ""
    product_count: WireSmallInt = 1
    product_price: Money | None = None
    sku_code: OptionalStr = ""


class OrderInfo(_Wire):
    """``aliexpress.solution.order.info.get`` ``result.data`` (same shape as findorderbyid).

    The order's id is ``id`` there and ``order_id`` in the order list; either is read.
    """

    id: WireId = Field(validation_alias=AliasChoices("id", "order_id"))
    order_status: Annotated[OptionalStr, StringConstraints(max_length=40)] = ""
    order_amount: Money | None = None
    logistics_amount: Money | None = None
    buyer_info: BuyerInfo = Field(default_factory=BuyerInfo)
    logistic_info_list: WireList[LogisticInfo] = Field(default_factory=list)
    child_order_list: WireList[ChildOrder] = Field(default_factory=list)
    gmt_create: PacificTime = None
    gmt_pay_success: PacificTime = None


class TrackingEvent(_Wire):
    """One item of ``aliexpress.logistics.redefining.querytrackingresult`` ``details``."""

    event_date: PacificTime
    event_desc: OptionalStr = ""
    address: OptionalStr = ""
    signed_name: OptionalStr = ""
    action_code: OptionalCode = ""


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, what: str) -> M:
    """Validate ``data`` as ``model``; on failure name the fields, not a pydantic dump."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: "
            f"{str(err['msg']).removeprefix('Value error, ')}"
            for err in exc.errors()[:5]
        )
        raise MalformedPayloadError(
            f"{what} does not have the documented shape ({problems}). Nothing was stored for "
            "it; if the platform changed its format, report it with this message."
        ) from exc


class SellerAddress(_Wire):
    """An item of ``getlogisticsselleraddresses``' lists (reference §6.6)."""

    address_id: WireId
    name: OptionalStr = ""
    country: OptionalShortCode = ""
    province: OptionalStr = ""
    city: OptionalStr = ""
    street_address: OptionalStr = ""
    is_default: bool = False


class OrderListProduct(_Wire):
    child_id: WireId
    product_id: WireId | None = None
    product_name: OptionalStr = ""
    logistics_service_name: OptionalStr = ""
    logistics_type: OptionalNumber = ""


class OrderListItem(_Wire):
    """An item of ``aliexpress.trade.seller.orderlist.get`` ``target_list``."""

    order_id: WireId
    buyer_login_id: Annotated[OptionalStr, StringConstraints(max_length=120)] = ""
    order_status: Annotated[OptionalStr, StringConstraints(max_length=40)] = ""
    issue_status: Annotated[OptionalStr, StringConstraints(max_length=20)] = ""
    pay_amount: Money | None = None
    gmt_create: PacificTime = None
    gmt_send_goods_time: PacificTime = None
    buyer_country: OptionalShortCode = ""
    product_list: list[OrderListProduct] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Triage records: a dispute and its order as a ``disputekit triage`` line carries them
# ---------------------------------------------------------------------------------------------
#
# A triage line is JSON a person or another tool assembled from the platform's answers, not
# an answer the client just validated. These models declare only what classification and
# the deadline read, and only what decides them is required (the dispute's status and
# opening time, checked by the reader), so a line missing an id, a price or a plan list is
# still triaged. A field that *is* there with a wrong value is still refused, named: it
# says the line was assembled wrong.


class AttachmentRecord(_Wire):
    file_path: OptionalStr = ""
    owner: OptionalStr = ""


class ProcessRecord(_Wire):
    action_type: OptionalStr = ""
    submit_member_type: OptionalStr = ""
    content: OptionalStr = ""
    receive_goods: bool | None = None
    attachments: WireList[AttachmentRecord] = Field(default_factory=list)
    has_buyer_video: bool = False
    gmt_create: PacificTime = None


class SolutionRecord(_Wire):
    id: OptionalId = None
    issue_id: OptionalId = None
    solution_type: OptionalStr = ""
    status: OptionalStr = ""
    is_default: bool = False
    content: OptionalStr = ""
    refund_money_post: OptionalDecimal = None
    gmt_create: PacificTime = None


class DisputeRecord(_Wire):
    """The dispute of a triage line (``aliexpress.issue.detail.get`` ``result_object``)."""

    id: OptionalId = None
    issue_id: OptionalId = None
    order_id: OptionalId = None
    parent_order_id: OptionalId = None
    product_id: OptionalId = None
    product_name: OptionalStr = ""
    product_price: OptionalDecimal = None
    buyer_login_id: Annotated[OptionalStr, StringConstraints(max_length=120)] = ""
    issue_status: Status
    reverse_detail_status: OptionalCode = ""
    issue_reason: OptionalStr = ""
    issue_reason_id: WireSmallInt | None = None
    refund_money_max: OptionalDecimal = None
    # the same refund in the buyer's currency: the rate a draft's amount is quoted at
    refund_money_max_local: OptionalDecimal = None
    refund_money_max_local_currency: OptionalShortCode = ""
    after_sale_warranty: bool = False
    timeout_type: OptionalCode = ""
    timeout_trigger_time: PacificTime = None
    gmt_create: PacificTime = None
    buyer_solution_list: WireList[SolutionRecord] = Field(default_factory=list)
    process_dto_list: WireList[ProcessRecord] = Field(default_factory=list)


class MoneyRecord(_Wire):
    amount: Annotated[Amount | None, BeforeValidator(_blank_to_none)] = None
    currency_code: OptionalStr = "USD"


class OrderRecord(_Wire):
    """The order of a triage line: keyed ``id`` (order detail) or ``order_id`` (order list)."""

    id: OptionalId = Field(None, validation_alias=AliasChoices("id", "order_id"))
    order_amount: MoneyRecord | None = None
    buyer_info: BuyerInfo = Field(default_factory=BuyerInfo)
    logistic_info_list: WireList[LogisticInfo] = Field(default_factory=list)
