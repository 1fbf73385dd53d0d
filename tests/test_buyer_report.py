"""Reporting an extortionist: the report pack assembled from a synced store (demands quoted
with their dates, the order, the evidence, the text to paste, where to file it), hostile
buyer text shown as text, and the filing recorded in the database with the blocklist entry;
then the review queue's "Report buyer" driven without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import BlocklistRow, BuyerReportRow, DisputeRow, OrderRow
from disputekit.adapters.workspace import Workspace
from disputekit.domain.buyer_report import (
    EvidenceLine,
    OrderItem,
    OrderSummary,
    ReportPack,
    buyer_statements,
    report_text,
    when,
)
from disputekit.domain.evidence import EvidenceKind
from disputekit.domain.language.cues import Cue
from disputekit.domain.platform_time import parse_pacific, to_pacific_string
from disputekit.errors import ActionError
from disputekit.services.buyer_report import mark_filed, report_pack, reported_at, reported_on
from disputekit.services.evidence_store import EvidenceStore
from disputekit.services.queue import open_disputes
from disputekit.ui.buyer_report_panel import pack_html
from disputekit.ui.review import ReviewQueue
from tests.conftest import SyncedTemplates

HOSTILE = ('<script>alert("x")</script> refund 30% and I close the dispute '
           '<img src=x onerror="alert(1)"> & </textarea><b>bold</b>')


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, ("volt",))
    yield db
    db.dispose()


@pytest.fixture
def evidence(synced: Database, workspace: Workspace) -> EvidenceStore:
    return EvidenceStore(synced, workspace.data_dir)


def extortion_case(db: Database) -> tuple[str, int]:
    """An open dispute the queue classes as extortion (the demo stores always have some)."""
    frame = open_disputes(db, datetime.now(UTC))
    cases = frame[frame["class"] == "extortion"]
    assert len(cases), "the demo store volt has extortion cases"
    row = cases.iloc[0]
    return str(row["store_id"]), int(row["issue_id"])


def buyer_steps(db: Database, store_id: str, issue_id: int) -> list[dict[str, object]]:
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        assert dispute is not None
        return [p for p in dispute.detail_json["process_dto_list"]
                if p["submit_member_type"] == "buyer" and p["content"]]


def say(db: Database, store_id: str, issue_id: int, text: str, at: datetime,
        login: str | None = None) -> None:
    """The buyer writes ``text`` in a dispute's history at ``at`` (as the sync stores it)."""
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        assert dispute is not None
        detail = dict(dispute.detail_json)
        detail["process_dto_list"] = [*detail["process_dto_list"], {
            "action_type": "buyer_modify_solution", "submit_member_type": "buyer",
            "content": text, "attachments": [], "gmt_create": to_pacific_string(at),
            "issue_id": issue_id}]
        dispute.detail_json = detail
        if login is not None:
            dispute.buyer_login_id = login


# -- the pack -----------------------------------------------------------------------------


def test_the_pack_quotes_the_demands_with_their_dates_and_names_the_order(
        synced: Database, evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    pack = report_pack(evidence, store_id, issue_id)
    steps = buyer_steps(synced, store_id, issue_id)
    assert pack.demands, "an extortion case quotes at least one demand"
    said = {(str(p["content"]), parse_pacific(str(p["gmt_create"]))) for p in steps}
    assert {(d.text, d.at) for d in pack.demands} <= said
    assert all(Cue.MONEY_DEMAND in d.cues or Cue.CANCEL_OFFER in d.cues for d in pack.demands)
    with synced.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        assert dispute is not None
        order = s.get(OrderRow, (store_id, dispute.parent_order_id))
        assert order is not None
        names = [line["product_name"] for line in order.raw_json["child_order_list"]]
        login, order_id, placed = dispute.buyer_login_id, order.order_id, order.created_at
    assert pack.order.order_id == order_id and [i.name for i in pack.order.items] == names
    text = pack.text
    assert f"Buyer account: {login}" in text
    assert f"Order number: {order_id} (placed {when(placed, time=False)}" in text
    for demand in pack.demands:
        # dated, and quoted as written (on one line)
        assert f"- {when(demand.at)}: \"{' '.join(demand.text.split())}\"" in text
    assert "extortion" in text and "Volt" in text
    # where to file: this store's Seller Center, this order, and the way that always works
    steps_text = " ".join(pack.steps)
    assert "Seller Center" in steps_text and str(order_id) in steps_text
    assert "seller support" in steps_text and "Mark filed" in steps_text
    assert pack.filed_at == ()


def test_demands_from_the_buyers_other_disputes_in_the_store_are_quoted_in_date_order(
        synced: Database, evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    with synced.session() as s:
        login = s.get(DisputeRow, (store_id, issue_id)).buyer_login_id  # type: ignore[union-attr]
        other = s.scalars(select(DisputeRow).where(
            DisputeRow.store_id == store_id, DisputeRow.buyer_login_id != login)
            .order_by(DisputeRow.issue_id)).first()
        assert other is not None
        other_issue, other_order = other.issue_id, other.parent_order_id
    early = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    # The same buyer, written in another case as the platform may send it.
    say(synced, store_id, other_issue, "Give me 50% back and I will cancel the dispute",
        early, login=login.upper())
    pack = report_pack(evidence, store_id, issue_id)
    first = pack.statements[0]
    assert (first.issue_id, first.order_id, first.at) == (other_issue, other_order, early)
    assert first.is_demand and first in pack.demands
    ats = [s.at for s in pack.statements if s.at is not None]
    assert ats == sorted(ats)
    assert (f"- {when(early)} (dispute {other_issue}, order {other_order}): "
            "\"Give me 50% back and I will cancel the dispute\"") in pack.text
    assert (store_id, other_order) in pack.other_disputes


def test_hostile_buyer_text_is_quoted_to_the_platform_and_shown_as_text(
        synced: Database, evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    say(synced, store_id, issue_id, HOSTILE, datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    pack = report_pack(evidence, store_id, issue_id)
    hostile = [s for s in pack.statements if s.text == HOSTILE]
    assert len(hostile) == 1 and hostile[0].is_demand  # quoted to the platform, unmasked
    assert "<script>alert" in pack.text  # the plain text carries the words as written
    shown = pack_html(pack)
    for raw in ("<script>", "<img src=x", "</textarea><b>", "<b>bold</b>"):
        assert raw not in shown
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown
    assert shown.count("<textarea") == 1 and shown.count("</textarea>") == 1
    assert "&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;" in shown


def test_the_evidence_list_says_what_is_stored_uploaded_and_missing(
        synced: Database, evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    item = evidence.put_snapshot(store_id, issue_id, EvidenceKind.MESSAGE_HISTORY,
                                 {"process": buyer_steps(synced, store_id, issue_id)}, "ana")
    evidence.record_upload(item.id, datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "ok")
    pack = report_pack(evidence, store_id, issue_id)
    lines = {line.what: line.state for line in pack.evidence}
    assert lines["message history"] == "1 file stored, uploaded to the dispute 02 Dec 2026"
    assert lines["seller media"].startswith("missing: attach your own photos")
    assert "- message history: 1 file stored, uploaded to the dispute 02 Dec 2026" in pack.text
    assert "seller media" not in pack.text  # the platform is told what we hold, not gaps


# -- the filing ---------------------------------------------------------------------------


def test_mark_filed_records_the_filing_and_blocklists_the_buyer_once(
        synced: Database, evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    with synced.session() as s:
        login = s.get(DisputeRow, (store_id, issue_id)).buyer_login_id  # type: ignore[union-attr]
    first_at = datetime(2026, 12, 4, 9, 15, tzinfo=UTC)
    filed = mark_filed(synced, store_id, issue_id, " ana ", now=first_at)
    assert (filed.operator, filed.buyer_login_id, filed.blocklisted) == ("ana", login, True)
    again = mark_filed(synced, store_id, issue_id, "ben",
                       now=datetime(2026, 12, 6, 11, 0, tzinfo=UTC))
    assert not again.blocklisted  # already on it: the first entry stays as it was
    with synced.session() as s:
        rows = s.scalars(select(BuyerReportRow).order_by(BuyerReportRow.id)).all()
        assert [(r.store_id, r.issue_id, r.buyer_login_id, r.operator, r.filed_at)
                for r in rows] == [(store_id, issue_id, login, "ana", first_at),
                                   (store_id, issue_id, login, "ben", again.filed_at)]
        blocked = s.get(BlocklistRow, login)
        assert blocked is not None and blocked.added_by == "ana"
        assert blocked.why.startswith("reported to AliExpress on 04 Dec 2026")
    assert reported_at(synced, store_id, issue_id) == again.filed_at
    assert reported_on(synced) == {(store_id, issue_id): again.filed_at}
    assert report_pack(evidence, store_id, issue_id).filed_at == (first_at, again.filed_at)


def test_a_filing_needs_an_operator_and_a_stored_dispute(synced: Database,
                                                          evidence: EvidenceStore) -> None:
    store_id, issue_id = extortion_case(synced)
    with pytest.raises(ActionError, match="who filed it"):
        mark_filed(synced, store_id, issue_id, "  ")
    with pytest.raises(ActionError, match="not in store 'volt'.*sync the store first"):
        mark_filed(synced, "volt", 1, "ana")
    with pytest.raises(ActionError, match="sync the store first"):
        report_pack(evidence, "volt", 1)
    with synced.session() as s:
        assert s.scalars(select(BuyerReportRow)).all() == []
        assert s.scalars(select(BlocklistRow)).all() == []


# -- the workbook, without a browser ------------------------------------------------------


def test_report_buyer_in_the_review_queue_shows_the_pack_and_records_the_filing(
        synced: Database, workspace: Workspace) -> None:
    store_id, issue_id = extortion_case(synced)
    say(synced, store_id, issue_id, HOSTILE, datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    queue = ReviewQueue(synced, operator="ana", data_dir=workspace.data_dir)
    queue.select(store_id, issue_id)
    assert queue.buyer_report.layout.display == "none"
    queue.report_button.click()
    panel = queue.buyer_report
    assert panel.layout.display is None and panel.pack is not None
    shown = panel.view.value
    assert str(panel.pack.order.order_id) in shown and "Where to file it" in shown
    assert "&lt;script&gt;" in shown and "<script>" not in shown
    assert "reported on" not in queue.detail.value
    panel.mark_filed_button.click()
    assert "report marked filed" in panel.status.value and "blocklist" in panel.status.value
    with synced.session() as s:
        row = s.scalars(select(BuyerReportRow)).one()
        assert (row.store_id, row.issue_id, row.operator) == (store_id, issue_id, "ana")
    assert f"reported on {row.filed_at:%Y-%m-%d %H:%M} UTC" in queue.detail.value
    assert "Reported to AliExpress on" in panel.view.value
    queue.select(*[k for k in queue.table.page_keys() if k != (store_id, issue_id)][0])
    assert panel.layout.display == "none"  # another dispute: the pack is not its own


def test_a_read_only_workbook_without_an_operator_cannot_mark_a_report_filed(
        synced: Database) -> None:
    store_id, issue_id = extortion_case(synced)
    queue = ReviewQueue(synced)
    queue.select(store_id, issue_id)
    queue.report_button.click()
    queue.buyer_report.mark_filed_button.click()
    assert "who filed it" in queue.buyer_report.status.value
    with synced.session() as s:
        assert s.scalars(select(BuyerReportRow)).all() == []


# -- the pure parts -----------------------------------------------------------------------


def test_only_the_buyers_words_are_statements_and_only_demands_are_marked() -> None:
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    found = buyer_statements([
        (at, "buyer", "верните 30% и я закрою спор"),
        (at, "seller", "we refuse: 30% and you cancel is not how it works"),
        (at, "buyer", "   "),
        (None, "buyer", "the colour is a bit darker than on the photo"),
    ], issue_id=7, order_id=8)
    assert [(s.text, s.is_demand) for s in found] == [
        ("верните 30% и я закрою спор", True),
        ("the colour is a bit darker than on the photo", False)]
    assert found[0].what == "asks for money, offers to cancel"


def test_without_a_recognised_demand_every_statement_is_quoted() -> None:
    said = buyer_statements([(None, "buyer", "the colour is darker than on the photo")],
                            issue_id=7, order_id=8)
    pack = ReportPack(
        store_id="volt", store_name="", issue_id=7, buyer_login_id="br1", reason="",
        opened_at=None, statements=said,
        order=OrderSummary(8, None, (OrderItem("Lamp", 2, None, ""),), None, ""),
        evidence=(EvidenceLine("seller media", "missing: attach"),))
    text = report_text(pack)
    assert '- date unknown: "the colour is darker than on the photo"' in text
    assert "abuse of the dispute process" in text and "extortion" not in text
    assert "Item: Lamp x 2 (amount unknown)" in text and "Evidence we can provide" not in text
    assert "Store: volt" in text


def test_dates_are_written_in_utc_whatever_zone_they_come_in() -> None:
    pacific = parse_pacific("2026-12-03 08:39:28")
    assert when(pacific) == "03 Dec 2026 16:39 UTC"
    assert when(pacific.astimezone(timezone(timedelta(hours=8)))) == "03 Dec 2026 16:39 UTC"
    assert when(None) == "date unknown"
