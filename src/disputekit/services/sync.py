"""Bring one store's disputes, orders and tracking into the database.

Incremental: the dispute list is read in full (the API has no date filter), and a dispute's
detail, order and tracking are fetched again only when its ``gmt_modified`` changed. Each
dispute is written in its own transaction, so a sync killed half-way keeps what it finished
and the next run picks up the rest; running it twice leaves no duplicate.

Reads go out several at once (``api.concurrency`` per store, threads sharing the store's
client and its app key's ``RequestBudget``): one request at a time spends most of its time
waiting for the round trip and reaches a fraction of the allowed rate. Only the reading is
concurrent: answers are written in the calling thread, in list order, one short
transaction per dispute, so the database sees exactly what a one-at-a-time sync wrote.
Every read is idempotent; nothing here changes anything on the platform.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from disputekit.adapters.aliexpress import (
    MAX_PAGE_SIZE,
    AliExpressClient,
    OnMalformed,
    check_new_page,
    page_count,
)
from disputekit.adapters.db.database import Database, upsert, values_of
from disputekit.adapters.db.tables import (
    DisputeRow,
    OrderLineRow,
    OrderRow,
    StoreRow,
    SyncRunRow,
    TrackingEventRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.adapters.seventeentrack import SeventeenTrackClient
from disputekit.domain.carriers import service_for
from disputekit.domain.deadlines import BUYER_CHANGES
from disputekit.domain.platform_time import to_pacific_string, utc_now
from disputekit.errors import (
    ActionError,
    DisputeKitError,
    InvalidRequestError,
    MalformedPayloadError,
    RunError,
    StorageError,
)
from disputekit.services import outcomes, seventeentrack_feed, shipments
from disputekit.wire import payloads

log = logging.getLogger(__name__)

# First import: every open dispute and the closed ones of the last 90 days (older closed
# disputes no longer count in any rate and only slow the first sync down).
CLOSED_HISTORY = timedelta(days=90)
# Orders kept for rates: a quarter (the platform assesses quarterly) plus the 30-day window.
ORDER_HISTORY = timedelta(days=120)



@dataclass
class SyncResult:
    store_id: str
    status: str = "running"
    listed: int = 0
    fetched: int = 0
    unchanged: int = 0
    tracking_numbers: int = 0
    orders: int = 0
    # Disputes that could not be read this time (id, what is wrong): their stored state is
    # left as it was and they are read again next run. An unreadable list item whose id
    # cannot be read either is listed under 0.
    failures: list[tuple[int, str]] = field(default_factory=list)
    # Order-list items that could not be read (id or 0, what is wrong): left out of rates.
    skipped_orders: list[tuple[int, str]] = field(default_factory=list)
    # 17TRACK (when the store has it): parcels read, numbers newly registered, and what it
    # refused with what to do about it.
    seventeentrack_read: int = 0
    seventeentrack_registered: int = 0
    seventeentrack_notes: list[str] = field(default_factory=list)
    # Closed disputes whose outcome was recorded this run, and those whose end could not be
    # told (id, why): left out of the outcomes, tried again next run.
    outcomes: int = 0
    outcomes_skipped: list[tuple[int, str]] = field(default_factory=list)
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None

    def summary(self) -> str:
        text = (f"{self.store_id}: {self.listed} disputes listed, {self.fetched} fetched, "
                f"{self.unchanged} unchanged, {self.tracking_numbers} tracking numbers read, "
                f"{self.orders} orders listed")
        if self.failures:
            text += f", {len(self.failures)} could not be read"
        if self.skipped_orders:
            text += f", {len(self.skipped_orders)} orders could not be read"
        if self.seventeentrack_read or self.seventeentrack_registered:
            text += (f", {self.seventeentrack_read} parcels read from 17TRACK "
                     f"({self.seventeentrack_registered} newly registered)")
        return text

    def problems(self) -> str:
        """What could not be read, one line each, for the run's record and the log."""
        lines = [f"dispute {issue_id or '(unknown id)'}: {why}"
                 for issue_id, why in self.failures]
        lines += [f"order {order_id or '(unknown id)'}: {why}"
                  for order_id, why in self.skipped_orders]
        lines += [f"17TRACK: {note}" for note in self.seventeentrack_notes]
        lines += [f"dispute {issue_id}: outcome not recorded: {why}"
                  for issue_id, why in self.outcomes_skipped]
        return "\n".join(lines)


def sync_store(
    store: StoreParameters,
    client: AliExpressClient,
    db: Database,
    *,
    progress: bool = False,
    orders: bool = True,
    concurrency: int | None = None,
    seventeentrack: SeventeenTrackClient | None = None,
) -> SyncResult:
    """Sync one store; returns counts. Errors that stop the whole sync (bad credentials,
    the gateway unreachable after retries) are recorded in ``sync_runs`` and re-raised.

    ``concurrency``: requests in flight at once (default: the store's ``api.concurrency``).
    ``seventeentrack``: the store's 17TRACK client (``seventeentrack_feed.connect_17track``):
    the open disputes' parcels are registered and read there too, beside the platform's
    tracking; what 17TRACK refuses is noted, never fatal.
    """
    workers = max(1, concurrency or store.api.concurrency)
    result = SyncResult(store.store_id)
    with db.session() as s:
        _upsert_store(s, store)
        # A run left 'running' was killed: say so instead of leaving it ambiguous.
        s.execute(
            update(SyncRunRow)
            .where(SyncRunRow.store_id == store.store_id, SyncRunRow.status == "running")
            .values(status="interrupted")
        )
        run = SyncRunRow(store_id=store.store_id, started_at=result.started_at)
        s.add(run)
        s.flush()
        run_id = run.id
    def unreadable(issue_id: int | None, exc: MalformedPayloadError) -> None:
        # One bad list item must not hide the others; its stored row stays as it was.
        log.warning("%s issue %s skipped: %s", store.store_id, issue_id, exc)
        result.failures.append((issue_id or 0, str(exc)))

    try:
        horizon = utc_now() - CLOSED_HISTORY
        summaries = [
            s for s in _list_issues(client, store.api.page_size, workers, unreadable)
            if s.issue_status == "processing" or s.gmt_create is None or s.gmt_create >= horizon
        ]
        result.listed = len(summaries)
        with db.session() as s:
            known = dict(s.execute(
                select(DisputeRow.issue_id, DisputeRow.modified_at)
                .where(DisputeRow.store_id == store.store_id)
            ).all())
        changed = [s for s in summaries if known.get(s.issue_id) != s.gmt_modified]
        result.unchanged = len(summaries) - len(changed)
        fetched: set[int] = set()
        read = _in_order(changed, lambda summary: _read_dispute(client, summary), workers,
                         skippable=(MalformedPayloadError, InvalidRequestError))
        # closing: an error here stops the reads now, not when the traceback is freed.
        with closing(read):
            result.tracking_numbers += _store_all(store, db, read, progress, len(changed),
                                                  result, fetched)
        # A dispute that could not be read is left exactly as stored, parcels included.
        unread = {issue_id for issue_id, _ in result.failures}
        result.tracking_numbers += _refresh_open_tracking(store, client, db, fetched | unread,
                                                          progress, result, workers)
        if seventeentrack is not None:
            feed = seventeentrack_feed.follow_open_parcels(store, seventeentrack, db)
            result.seventeentrack_read, result.seventeentrack_registered = (
                feed.read, feed.registered)
            result.seventeentrack_notes += feed.notes
            if feed.failed:
                result.status = "partial"
        shipments.lapse_claims(db, store.store_id, utc_now())
        # The disputes that closed (or changed after closing) get their outcome: what the
        # seller did and how it ended, the odds' raw material.
        recorded = outcomes.record_outcomes(db, store.store_id, store=store)
        result.outcomes, result.outcomes_skipped = recorded.recorded, recorded.skipped
        if orders:
            result.orders = sync_orders(store, client, db, result, concurrency=workers)
        partial = result.failures or result.skipped_orders or result.status == "partial"
        result.status = "partial" if partial else "ok"
    except DisputeKitError as exc:
        result.status = "failed"
        try:
            _finish(db, run_id, result,
                    error="\n".join(filter(None, [str(exc), result.problems()])))
        except StorageError as also:
            # The database itself refused (locked, gone): the run stays 'running' and the
            # next run marks it interrupted. The error to report is the first one.
            log.warning("%s: the failed run could not be recorded: %s", store.store_id, also)
        raise
    except Exception as exc:
        # A fault no typed error foresaw (a bug, memory): the run still ends 'failed' with
        # the reason, never left 'running' for the next run to call interrupted.
        result.status = "failed"
        with suppress(DisputeKitError):
            _finish(db, run_id, result, error=f"unexpected {type(exc).__name__}: "
                                              f"{str(exc)[:300]}")
        raise
    _finish(db, run_id, result, error=result.problems())
    return result


def _store_all(store: StoreParameters, db: Database,
               read: Iterable[tuple[payloads.IssueSummary, _DisputeAnswers | DisputeKitError]],
               progress: bool, total: int, result: SyncResult, fetched: set[int]) -> int:
    """Write each dispute as its answers come (in list order); tracking numbers read."""
    numbers = 0
    for summary, answer in _progress(read, progress, f"sync {store.store_id}", total=total):
        try:
            if isinstance(answer, DisputeKitError):
                raise answer
            numbers += _store_dispute(store, db, summary, answer)
            result.fetched += 1
            fetched.add(summary.issue_id)
        except (MalformedPayloadError, InvalidRequestError) as exc:
            # One unreadable dispute must not hide the others; it is retried next run.
            log.warning("%s issue %s skipped: %s", store.store_id, summary.issue_id, exc)
            result.failures.append((summary.issue_id, str(exc)))
    return numbers


def sync_orders(store: StoreParameters, client: AliExpressClient, db: Database,
                result: SyncResult | None = None, *, concurrency: int | None = None) -> int:
    """Every order of the last ``ORDER_HISTORY``: what dispute rates are measured against.

    List pages are read ``concurrency`` at once (default: the store's ``api.concurrency``)
    and written in one go, in list order. An order-list item that cannot be read is left
    out (and noted in ``result``) rather than failing the list; without ``result`` it raises
    ``MalformedPayloadError``."""
    workers = max(1, concurrency or store.api.concurrency)
    since = to_pacific_string(utc_now() - ORDER_HISTORY)
    now = utc_now()
    rows: dict[int, dict[str, Any]] = {}

    def unreadable(order_id: int | None, exc: MalformedPayloadError) -> None:
        log.warning("%s order %s skipped: %s", store.store_id, order_id, exc)
        assert result is not None
        result.skipped_orders.append((order_id or 0, str(exc)))

    # Finished orders only come when asked for by status (reference §6.1).
    for statuses in (None, ["FINISH"]):
        def page(number: int, note: OnMalformed | None,
                 statuses: list[str] | None = statuses) -> tuple[int, list[payloads.OrderListItem]]:
            return client.order_page(number, MAX_PAGE_SIZE, created_from=since,
                                     statuses=statuses, on_malformed=note)

        for item in _read_pages(page, MAX_PAGE_SIZE, workers, unreadable if result else None,
                                key=lambda o: o.order_id,
                                method="aliexpress.trade.seller.orderlist.get"):
            product = item.product_list[0] if item.product_list else None
            service = service_for(product.logistics_type if product else None,
                                  product.logistics_service_name if product else None)
            rows[item.order_id] = {
                "store_id": store.store_id, "order_id": item.order_id,
                "created_at": item.gmt_create, "status": item.order_status,
                "issue_status": item.issue_status, "country": item.buyer_country,
                "carrier": service.carrier if product else "",
                "service_kind": str(service.kind) if product else "",
                "product_id": product.product_id if product else None,
                "product_name": product.product_name if product else "",
                "amount_usd": item.pay_amount.amount if item.pay_amount else None,
                "shipped_at": item.gmt_send_goods_time, "synced_at": now,
            }
    with db.session() as s:
        db.upsert(s, OrderLineRow, list(rows.values()))
    return len(rows)


def sync_stores(
    stores: list[StoreParameters],
    connect: Callable[[StoreParameters], AliExpressClient],
    db: Database,
    *,
    jobs: int = 4,
    progress: bool = False,
    orders: bool = True,
    concurrency: int | None = None,
    seventeentrack: bool = True,
) -> dict[str, SyncResult | DisputeKitError]:
    """Sync several stores at once (threads: the work is waiting on the network). Stores
    sharing an app key share its request budget through ``connect``. One store failing
    does not stop the others; its error is returned in its place. ``concurrency``: requests
    in flight per store (default: each store's ``api.concurrency``). ``seventeentrack``:
    read 17TRACK too for the stores whose parameters have it."""

    def one(store: StoreParameters) -> SyncResult | DisputeKitError:
        try:
            second = seventeentrack_feed.connect_17track(store, db) if seventeentrack else None
            with connect(store) as client, second if second is not None else nullcontext():
                return sync_store(store, client, db, progress=progress, orders=orders,
                                  concurrency=concurrency, seventeentrack=second)
        except DisputeKitError as exc:
            return exc
        except Exception as exc:  # a bug in one store's sync must not hide the others'
            log.exception("%s: the sync failed unexpectedly", store.store_id)
            return RunError(f"{store.store_id}: the sync failed unexpectedly "
                            f"({type(exc).__name__}: {str(exc)[:300]}); the log has the "
                            "traceback, please report it")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, stores))
    return {store.store_id: result for store, result in zip(stores, results, strict=True)}


def refresh_dispute(store: StoreParameters, client: AliExpressClient, db: Database,
                    issue_id: int) -> DisputeRow:
    """Read one dispute again from the platform (after an action) and store it."""
    with db.session() as s:
        row = s.get(DisputeRow, (store.store_id, issue_id))
        if row is None:
            raise ActionError(f"dispute {issue_id} is not in store {store.store_id!r}'s "
                              "database; sync the store first")
        child = row.order_id
    _total, found = client.issue_page(1, 50, order_no=child)
    summary = next((s for s in found if s.issue_id == issue_id), None)
    if summary is None:
        raise MalformedPayloadError(f"issue {issue_id} is no longer listed for order {child}")
    _fetch_and_store(store, client, db, summary)
    with db.session() as s:
        fresh = s.get(DisputeRow, (store.store_id, issue_id))
        assert fresh is not None
        return fresh


T = TypeVar("T")


def _progress(items: Iterable[T], enabled: bool, label: str,
              total: int | None = None) -> Iterable[T]:
    if not enabled:
        return items
    from tqdm.auto import tqdm

    bar: Iterable[T] = tqdm(items, desc=label, unit="dispute", total=total)
    return bar


R = TypeVar("R")


def _in_order(items: Sequence[T], read: Callable[[T], R], workers: int,
              skippable: tuple[type[DisputeKitError], ...] = ()
              ) -> Generator[tuple[T, R | DisputeKitError], None, None]:
    """``(item, read(item))`` in the order of ``items``, with up to ``workers`` reads at once.

    Reads run in a thread pool; the caller consumes (and writes) in its own thread. At most
    ``4 * workers`` answers wait to be consumed, so memory stays bounded and one slow read
    (a rate-limit back-off) does not stall the others. A ``skippable`` error is yielded in
    the answer's place; any other error stops the reading and is raised here once the reads
    already started have ended (nothing left running behind the caller's back).
    """
    if workers <= 1 or len(items) <= 1:
        for item in items:
            try:
                yield item, read(item)
            except skippable as exc:
                yield item, exc
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync-read")
    window: deque[tuple[T, Future[R]]] = deque()
    todo = iter(items)
    try:
        for item in todo:
            window.append((item, pool.submit(read, item)))
            if len(window) >= 4 * workers:
                break
        while window:
            item, future = window.popleft()
            answer: R | DisputeKitError
            try:
                answer = future.result()
            except skippable as exc:
                answer = exc
            for following in todo:  # one read out, the next one in
                window.append((following, pool.submit(read, following)))
                break
            yield item, answer
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _list_issues(client: AliExpressClient, page_size: int, workers: int,
                 on_malformed: OnMalformed) -> list[payloads.IssueSummary]:
    """Every dispute summary, pages read several at once (``client.iter_issues`` reads them
    one after another). An unreadable list item goes to ``on_malformed`` and the list goes
    on."""
    return _read_pages(lambda page, note: client.issue_page(page, page_size, on_malformed=note),
                       page_size, workers, on_malformed, key=lambda s: s.issue_id,
                       method="aliexpress.issue.issuelist.get")


Unreadable = list[tuple[int | None, MalformedPayloadError]]


def _read_pages(read_page: Callable[[int, OnMalformed | None], tuple[int, list[T]]],
                page_size: int, workers: int, on_malformed: OnMalformed | None,
                key: Callable[[T], int], method: str) -> list[T]:
    """Every item of a paged list, in page order: ``read_page(page, on_malformed)`` answers
    (the list's total, the page's items).

    Page 1 tells the total, hence the page count (the reference pages until
    ``ceil(total / page_size)``); the other pages are then read ``workers`` at once, since a
    store's 90 days of orders are dozens of pages and one at a time each waits a round trip.
    A page telling a larger total (items added meanwhile) extends the reading, and an empty
    page ends it, as the page-by-page readers ``client.iter_*`` do: a wrong total costs at
    most the pages already in flight. Unreadable items are handed to ``on_malformed`` here,
    in page order, not from the worker threads, so they are noted the same at any
    concurrency. Without ``on_malformed`` one raises ``MalformedPayloadError``.

    Bounded whatever the gateway says: a total past ``MAX_PAGES`` pages is refused, the
    reading ends once as many distinct items as the total were read (a gateway sending the
    whole list on every page), and a page repeating only items already read (a gateway
    ignoring ``current_page``) is refused, each with a ``MalformedPayloadError``.
    """
    def one(page: int) -> tuple[int, list[T], Unreadable]:
        unreadable: Unreadable = []
        total, items = read_page(page, (lambda item_id, exc: unreadable.append((item_id, exc)))
                                 if on_malformed else None)
        return total, items, unreadable

    items: list[T] = []
    ids: set[int] = set()
    total, read = page_size, 0  # until page 1 tells: one page
    while read < (pages := page_count(method, total, page_size)):
        with closing(_in_order(range(read + 1, pages + 1), one, workers)) as answers:
            for page, answer in answers:
                if isinstance(answer, DisputeKitError):  # pragma: no cover - none skippable
                    raise answer
                said, found, unreadable = answer
                for item_id, exc in unreadable:
                    assert on_malformed is not None
                    on_malformed(item_id, exc)
                if not (found or unreadable):
                    return items
                check_new_page(method, page, [key(item) for item in found], ids)
                items.extend(found)
                total, read = (said if page == 1 else max(total, said)), page
                page_count(method, total, page_size)  # refused now, not after the pages
                if len(ids) >= total:  # every item the total promised is here
                    return items
    return items


def _finish(db: Database, run_id: int, result: SyncResult, error: str = "") -> None:
    result.finished_at = utc_now()
    with db.session() as s:
        s.execute(update(SyncRunRow).where(SyncRunRow.id == run_id).values(
            status=result.status, finished_at=result.finished_at, listed=result.listed,
            fetched=result.fetched, unchanged=result.unchanged, failed=len(result.failures),
            error=error[:2000],
        ))
        if result.status in ("ok", "partial"):
            s.execute(update(StoreRow).where(StoreRow.store_id == result.store_id)
                      .values(last_synced_at=result.finished_at))


def _upsert_store(s: Session, store: StoreParameters) -> None:
    upsert(s, StoreRow, [{"store_id": store.store_id, "name": store.name}])


def _fetch_and_store(
    store: StoreParameters,
    client: AliExpressClient,
    db: Database,
    summary: payloads.IssueSummary,
) -> int:
    """Read everything about one dispute, then write it in one transaction."""
    return _store_dispute(store, db, summary, _read_dispute(client, summary))


@dataclass(frozen=True)
class _DisputeAnswers:
    """What the platform said about one dispute: read in a worker, written by the caller."""

    detail: payloads.IssueDetail
    raw_detail: dict[str, Any]
    order: payloads.OrderInfo
    raw_order: dict[str, Any]
    tracking: Tracking


def _read_dispute(client: AliExpressClient, summary: payloads.IssueSummary) -> _DisputeAnswers:
    """Network only (safe in a worker thread): detail, order, then the order's tracking."""
    detail, raw_detail = client.issue_detail(summary.issue_id, summary.buyer_login_id)
    order, raw_order = client.order(summary.parent_order_id)
    return _DisputeAnswers(detail, raw_detail, order, raw_order, _read_tracking(client, order))


def _store_dispute(store: StoreParameters, db: Database, summary: payloads.IssueSummary,
                   answers: _DisputeAnswers) -> int:
    """Write one dispute's answers in one transaction; the number of tracking numbers."""
    detail, raw_detail, order, raw_order, tracking = (
        answers.detail, answers.raw_detail, answers.order, answers.raw_order, answers.tracking)
    now = utc_now()
    dispute = _dispute_row(store.store_id, summary, detail, raw_detail, now)
    order_row = _order_row(store.store_id, order, raw_order, now)
    with db.session() as s:
        # Upserts, not merge: a sync and an operator's refresh may write one dispute at once.
        upsert(s, DisputeRow, [values_of(dispute)])
        upsert(s, OrderRow, [values_of(order_row)])
        stored = s.get(DisputeRow, (store.store_id, dispute.issue_id), populate_existing=True)
        stored_order = s.get(OrderRow, (store.store_id, order_row.order_id),
                             populate_existing=True)
        assert stored is not None and stored_order is not None
        _store_tracking(s, store, stored, stored_order, tracking, now)
    return len(tracking)


Tracking = dict[str, tuple[list[payloads.TrackingEvent], list[dict[str, Any]]]]


def _read_tracking(client: AliExpressClient, order: payloads.OrderInfo) -> Tracking:
    tracking: Tracking = {}
    for info in order.logistic_info_list:
        if info.logistics_no and info.logistics_no not in tracking:
            tracking[info.logistics_no] = client.tracking_details(
                info.logistics_no, order_id=order.id,
                service_name=info.logistics_type_code, to_area=order.buyer_info.country,
            )
    return tracking


def _store_tracking(s: Session, store: StoreParameters, dispute: DisputeRow, order: OrderRow,
                    tracking: Tracking, now: datetime) -> None:
    for number, (events, raw) in tracking.items():
        _replace_tracking(s, store.store_id, number, events)
        timeline = shipments.assess(s, store, order, number, raw, now)
        if dispute.issue_status == "processing" and number == order.logistics_no:
            shipments.open_claim_if_due(s, store, dispute, order, timeline, now)


def _refresh_open_tracking(store: StoreParameters, client: AliExpressClient, db: Database,
                           skip: set[int], progress: bool, result: SyncResult,
                           workers: int = 1) -> int:
    """Parcels move while disputes stand still: re-read tracking of every open dispute."""
    with db.session() as s:
        pairs = s.execute(
            select(DisputeRow.issue_id, OrderRow.order_id)
            .join(OrderRow, (OrderRow.store_id == DisputeRow.store_id)
                  & (OrderRow.order_id == DisputeRow.parent_order_id))
            .where(DisputeRow.store_id == store.store_id,
                   DisputeRow.issue_status == "processing", OrderRow.logistics_no != "")
        ).all()
    todo = [(issue, order) for issue, order in pairs if issue not in skip]
    if not todo:
        return 0
    wanted = sorted({order for _issue, order in todo})
    raw_orders: dict[int, dict[str, Any]] = {}
    with db.session() as s:  # the stored orders say which parcels to ask about
        for at in range(0, len(wanted), 500):  # SQLite allows few bound parameters
            raw_orders.update(s.execute(
                select(OrderRow.order_id, OrderRow.raw_json)
                .where(OrderRow.store_id == store.store_id,
                       OrderRow.order_id.in_(wanted[at:at + 500]))
            ).all())
    stored = {order_id: payloads.parse(payloads.OrderInfo, raw, f"order {order_id}")
              for order_id, raw in raw_orders.items()}
    numbers = 0
    read = _in_order(todo, lambda pair: _read_tracking(client, stored[pair[1]]), workers,
                     skippable=(MalformedPayloadError, InvalidRequestError))
    with closing(read):
        for (issue_id, order_id), tracking in _progress(read, progress,
                                                        f"tracking {store.store_id}",
                                                        total=len(todo)):
            if isinstance(tracking, DisputeKitError):
                # An unreadable answer about one parcel keeps its stored events as they were.
                log.warning("%s issue %s tracking skipped: %s", store.store_id, issue_id,
                            tracking)
                result.failures.append((issue_id, str(tracking)))
                continue
            with db.session() as s:
                dispute = s.get(DisputeRow, (store.store_id, issue_id))
                order_row = s.get(OrderRow, (store.store_id, order_id))
                assert dispute is not None and order_row is not None
                _store_tracking(s, store, dispute, order_row, tracking, utc_now())
            numbers += len(tracking)
    return numbers


def _dispute_row(store_id: str, summary: payloads.IssueSummary, d: payloads.IssueDetail,
                 raw: dict[str, Any], now: datetime) -> DisputeRow:
    buyer_steps = [p for p in d.process_dto_list
                   if p.submit_member_type == "buyer" and p.action_type in BUYER_CHANGES
                   and p.gmt_create is not None]
    opening = next((p.content for p in d.process_dto_list if p.action_type == "initiate"), "")
    created = d.gmt_create or summary.gmt_create
    if created is None or summary.gmt_modified is None:
        raise MalformedPayloadError(
            f"issue {summary.issue_id}: gmt_create/gmt_modified missing; cannot place it in time"
        )
    return DisputeRow(
        store_id=store_id,
        issue_id=summary.issue_id,
        order_id=d.order_id,
        parent_order_id=d.parent_order_id,
        buyer_login_id=d.buyer_login_id,
        issue_status=d.issue_status,
        reverse_detail_status=d.reverse_detail_status,
        reason_english=summary.reason_english or d.issue_reason,
        reason_chinese=summary.reason_chinese,
        issue_reason_id=d.issue_reason_id,
        product_id=d.product_id,
        product_name=d.product_name,
        product_price=d.product_price,
        refund_max_usd=d.refund_money_max,
        refund_max_local=d.refund_money_max_local,
        local_currency=d.refund_money_max_local_currency,
        after_sale_warranty=d.after_sale_warranty,
        timeout_type=d.timeout_type,
        timeout_trigger_at=d.timeout_trigger_time,
        created_at=created,
        modified_at=summary.gmt_modified,
        last_buyer_change_at=max((p.gmt_create for p in buyer_steps if p.gmt_create),
                                 default=None),
        buyer_opening_text=opening,
        detail_json=raw,
        synced_at=now,
    )


def _order_row(store_id: str, o: payloads.OrderInfo, raw: dict[str, Any],
               now: datetime) -> OrderRow:
    first = o.logistic_info_list[0] if o.logistic_info_list else None
    service = service_for(first.logistics_type_code if first else None,
                          first.logistics_service_name if first else None)
    return OrderRow(
        store_id=store_id,
        order_id=o.id,
        order_status=o.order_status,
        buyer_country=o.buyer_info.country,
        buyer_first_name=o.buyer_info.first_name,
        order_amount=o.order_amount.amount if o.order_amount else None,
        order_currency=o.order_amount.currency_code if o.order_amount else "",
        freight_amount=o.logistics_amount.amount if o.logistics_amount else None,
        logistics_no=first.logistics_no if first else "",
        service_code=service.code,
        service_name=service.name,
        carrier=service.carrier,
        service_kind=str(service.kind) if first else "",
        shipped_at=first.gmt_send if first else None,
        created_at=o.gmt_create,
        raw_json=raw,
        synced_at=now,
    )


def _replace_tracking(s: Session, store_id: str, number: str,
                      events: list[payloads.TrackingEvent]) -> None:
    """The parcel's events become ``events``: rewritten in place by (parcel, seq), any tail
    of a longer earlier timeline dropped. Not delete-all-then-insert: on PostgreSQL two
    writers of one parcel would both delete, both insert and collide on the unique key."""
    s.execute(delete(TrackingEventRow).where(
        TrackingEventRow.store_id == store_id, TrackingEventRow.logistics_no == number,
        TrackingEventRow.seq >= len(events)))
    upsert(s, TrackingEventRow, [
        {"store_id": store_id, "logistics_no": number, "seq": seq, "occurred_at": e.event_date,
         "action_code": e.action_code, "description": e.event_desc, "location": e.address,
         "signed_name": e.signed_name}
        for seq, e in enumerate(events)], keys=("store_id", "logistics_no", "seq"))
