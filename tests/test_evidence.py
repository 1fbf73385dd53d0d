"""Evidence: each class's checklist, collection from what the sync stored, every refusal rule
for attachments, rendered images (size, legibility, the deciding facts in their metadata),
upload through the simulator, and the export zip."""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow, EvidenceRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.evidence import (
    MAX_IMAGE_BYTES,
    MAX_PDF_BYTES,
    MAX_VIDEO_BYTES,
    CaseFacts,
    EvidenceKind,
    FactCode,
    ItemState,
    Message,
    assess_checklist,
    check_name,
    checklist,
    deciding_fact,
    sniff,
    validate_attachment,
)
from disputekit.domain.language.detect import LANGUAGES
from disputekit.domain.privacy import mask_login
from disputekit.domain.taxonomy import LOGISTICS_CLASSES, DisputeClass
from disputekit.domain.tracking import Timeline, from_aliexpress
from disputekit.errors import DisputeKitError, EvidenceError
from disputekit.render.evidence_drawing import render_case
from disputekit.render.evidence_images import render_all, render_tracking_timeline
from disputekit.render.evidence_labels import LABELS
from disputekit.render.evidence_layout import MIN_TEXT_PX, WIDTH_PX
from disputekit.render.evidence_summary import export_case_zip
from disputekit.render.png_chunks import png_size, png_text
from disputekit.services import evidence_store
from disputekit.services.evidence_case import case_facts
from disputekit.services.evidence_case import checklist as case_checklist
from disputekit.services.evidence_snapshots import collect_from_api
from disputekit.services.evidence_store import EvidenceStore
from disputekit.services.evidence_upload import upload_rendered
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import IssueRecord, StoreDataset
from disputekit.simulator.gateway import Faults, Gateway
from disputekit.simulator.generator import MIN_DISPUTES
from tests.conftest import demo_credentials, make_workspace

K = EvidenceKind
UPLOAD = "aliexpress.issue.image.upload"

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 200


# ---------------------------------------------------------------------------------------------
# Each class's checklist (pure)
# ---------------------------------------------------------------------------------------------

REQUIRED: dict[DisputeClass, set[EvidenceKind]] = {
    DisputeClass.NO_TRACKING: {K.SHIPPING_RECORD, K.POSTAGE_RECORD, K.MESSAGE_HISTORY,
                               K.CASE_SUMMARY},
    DisputeClass.DELIVERED_DISPUTED: {K.TRACKING_TIMELINE, K.SIGNATURE_PROOF, K.SHIPPING_RECORD,
                                      K.POSTAGE_RECORD, K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.STALLED_IN_TRANSIT: {K.TRACKING_TIMELINE, K.SHIPPING_RECORD,
                                      K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.CUSTOMS_BUYER_NO_DOCS: {K.TRACKING_TIMELINE, K.CUSTOMS_DOCUMENTS,
                                         K.CONTACT_ATTEMPTS, K.SHIPPING_RECORD,
                                         K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.CUSTOMS_BUYER_UNREACHABLE: {K.TRACKING_TIMELINE, K.CONTACT_ATTEMPTS,
                                             K.SHIPPING_RECORD, K.MESSAGE_HISTORY,
                                             K.CASE_SUMMARY},
    DisputeClass.RETURNED_UNDELIVERED: {K.TRACKING_TIMELINE, K.SHIPPING_RECORD,
                                        K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.RETURNED_IN_COUNTRY: {K.TRACKING_TIMELINE, K.SHIPPING_RECORD,
                                       K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.RETURNED_BEFORE_EXPORT: {K.TRACKING_TIMELINE, K.SHIPPING_RECORD,
                                          K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.LOST: {K.TRACKING_TIMELINE, K.CARRIER_STATEMENT, K.SHIPPING_RECORD,
                        K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.GENUINE_DEFECT: {K.BUYER_MEDIA, K.MESSAGE_HISTORY},
    DisputeClass.BUYER_MISUSE: {K.BUYER_MEDIA, K.SELLER_MEDIA, K.LISTING_SNAPSHOT,
                                K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.DELIBERATE_ABUSE: {K.BUYER_MEDIA, K.SELLER_MEDIA, K.PRE_SHIPMENT_PHOTOS,
                                    K.LISTING_SNAPSHOT, K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.EXTORTION: {K.MESSAGE_HISTORY, K.CASE_SUMMARY},
    DisputeClass.NOT_AS_DESCRIBED: {K.BUYER_MEDIA, K.LISTING_SNAPSHOT, K.CASE_SUMMARY},
    DisputeClass.BUYER_OWN_REASON: {K.MESSAGE_HISTORY, K.CASE_SUMMARY},
}


def test_every_class_has_a_checklist() -> None:
    assert set(REQUIRED) == set(DisputeClass)


@pytest.mark.parametrize("cls", list(DisputeClass), ids=str)
def test_checklist_of_each_class(cls: DisputeClass) -> None:
    items = checklist(cls)
    kinds = [i.kind for i in items]
    assert len(kinds) == len(set(kinds)), "an item appears twice"
    assert {i.kind for i in items if i.required} == REQUIRED[cls]
    assert K.MESSAGE_HISTORY in kinds and K.CASE_SUMMARY in kinds
    assert all(len(i.why) > 20 and i.why.endswith((".", ")")) for i in items)
    assert checklist(cls.value) == items  # the code works as well as the enum


def test_checklists_carry_the_seller_experience() -> None:
    why = {i.kind: i.why for i in checklist(DisputeClass.DELIVERED_DISPUTED)}
    assert "signed" in why[K.SIGNATURE_PROOF]
    assert "second tracking number" in why[K.POSTAGE_RECORD]
    assert "weight" in why[K.POSTAGE_RECORD]
    extortion = {i.kind: i.why for i in checklist(DisputeClass.EXTORTION)}
    assert "report" in extortion[K.MESSAGE_HISTORY]
    nad = {i.kind: i.why for i in checklist(DisputeClass.NOT_AS_DESCRIBED)}
    assert "beside the listing" in nad[K.BUYER_MEDIA]
    assert K.SELLER_MEDIA not in nad  # no usage video: nothing to show working
    assert K.SELLER_MEDIA not in {i.kind for i in checklist(DisputeClass.BUYER_OWN_REASON)}
    with pytest.raises(EvidenceError, match="not a dispute class"):
        checklist("buyer_personal_reason")


# ---------------------------------------------------------------------------------------------
# Marking the checklist and the deciding fact (pure)
# ---------------------------------------------------------------------------------------------

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


def ev(day: int, code: str, desc: str, place: str = "Shenzhen, CN", signed: str = ""
       ) -> dict[str, str]:
    # Pacific wall clock, as the platform sends it
    return {"event_date": f"2026-11-{day:02d} 10:00:00", "event_desc": desc, "address": place,
            "signed_name": signed, "action_code": code}


SHIPPED = [ev(1, "PU_PICKUP_SUCCESS", "Picked up"), ev(3, "LH_DEPART", "Flight departed",
                                                       "Hong Kong, HK")]
DELIVERED = [*SHIPPED, ev(12, "GTMS_DELIVERING", "Out for delivery", "Lyon, FR"),
             ev(13, "GTMS_SIGNED", "Delivered", "Lyon, FR", "Lea Moreau")]


def facts_with(*parcels: Timeline, **kw: Any) -> CaseFacts:
    base = CaseFacts(store_id="volt", issue_id=1, order_id=2, main_no=parcels[0].logistics_no,
                     parcels=parcels, service_kind="registered", carrier="Cainiao")
    return replace(base, **kw)


def states(cls: DisputeClass, collected: set[EvidenceKind], facts: CaseFacts
           ) -> dict[EvidenceKind, Any]:
    return {a.kind: a for a in assess_checklist(cls, collected, facts)}


def test_signature_is_not_applicable_when_never_delivered() -> None:
    moving = facts_with(from_aliexpress("LP1", SHIPPED))
    got = states(DisputeClass.DELIVERED_DISPUTED, set(), moving)
    assert got[K.SIGNATURE_PROOF].state is ItemState.NOT_APPLICABLE
    assert "never delivered" in got[K.SIGNATURE_PROOF].note
    delivered = facts_with(from_aliexpress("LP1", DELIVERED))
    got = states(DisputeClass.DELIVERED_DISPUTED, {K.TRACKING_TIMELINE}, delivered)
    assert got[K.SIGNATURE_PROOF].state is ItemState.MISSING
    assert got[K.SIGNATURE_PROOF].attention
    assert got[K.TRACKING_TIMELINE].state is ItemState.COLLECTED


def test_delivery_without_a_name_is_flagged() -> None:
    nameless = [*DELIVERED[:-1], ev(13, "GTMS_SIGNED", "Delivered", "Lyon, FR")]
    got = states(DisputeClass.DELIVERED_DISPUTED, {K.SIGNATURE_PROOF},
                 facts_with(from_aliexpress("LP1", nameless)))
    assert got[K.SIGNATURE_PROOF].state is ItemState.COLLECTED
    assert got[K.SIGNATURE_PROOF].attention and "names nobody" in got[K.SIGNATURE_PROOF].note


def test_second_tracking_number_never_shipped_is_flagged() -> None:
    facts = facts_with(from_aliexpress("LP1", DELIVERED), Timeline("LP2", "aliexpress"))
    assert facts.unshipped_numbers == ("LP2",)
    got = states(DisputeClass.DELIVERED_DISPUTED, {K.SHIPPING_RECORD}, facts)
    shipping = got[K.SHIPPING_RECORD]
    assert shipping.state is ItemState.COLLECTED and shipping.attention
    assert "LP2" in shipping.note and "never scanned" in shipping.note and "LP1" in shipping.note
    postage = got[K.POSTAGE_RECORD]
    assert postage.state is ItemState.MISSING and "LP2" in postage.note
    single = facts_with(from_aliexpress("LP1", DELIVERED))
    assert states(DisputeClass.DELIVERED_DISPUTED, {K.SHIPPING_RECORD}, single)[
        K.SHIPPING_RECORD].note == ""


def test_tracking_not_applicable_on_unregistered_post_without_scans() -> None:
    facts = facts_with(Timeline("SY1", "aliexpress"), service_kind="unregistered")
    got = states(DisputeClass.NO_TRACKING, set(), facts)
    assert got[K.TRACKING_TIMELINE].state is ItemState.NOT_APPLICABLE
    assert got[K.SHIPPING_RECORD].state is ItemState.MISSING
    assert got[K.POSTAGE_RECORD].attention  # required and missing


def test_customs_papers_depend_on_the_class_and_the_tracking() -> None:
    returned = facts_with(from_aliexpress("LP1", [*SHIPPED, ev(8, "RT_INBOUND", "Returning",
                                                               "Paris, FR")]))
    got = states(DisputeClass.RETURNED_IN_COUNTRY, set(), returned)
    assert got[K.CUSTOMS_DOCUMENTS].state is ItemState.NOT_APPLICABLE
    at_customs = facts_with(from_aliexpress("LP1", [
        *SHIPPED, ev(6, "CC_IM_START", "Import clearance", "Paris, FR"),
        ev(8, "RT_INBOUND", "Refused by customs, returning", "Paris, FR")]))
    got = states(DisputeClass.RETURNED_IN_COUNTRY, set(), at_customs)
    assert got[K.CUSTOMS_DOCUMENTS].state is ItemState.MISSING
    # Required for the customs classes, whatever the tracking says.
    got = states(DisputeClass.CUSTOMS_BUYER_NO_DOCS, set(), returned)
    assert got[K.CUSTOMS_DOCUMENTS].state is ItemState.MISSING
    assert got[K.CUSTOMS_DOCUMENTS].attention


def test_buyer_video_is_pointed_out() -> None:
    facts = facts_with(from_aliexpress("LP1", DELIVERED), messages=(
        Message(NOW, "buyer", "initiate", "it does not work", attachments=0, video=True),))
    got = states(DisputeClass.DELIBERATE_ABUSE, set(), facts)
    assert got[K.BUYER_MEDIA].state is ItemState.MISSING
    assert "video" in got[K.BUYER_MEDIA].note and "Seller Center" in got[K.BUYER_MEDIA].note
    assert states(DisputeClass.DELIBERATE_ABUSE, {K.BUYER_MEDIA}, facts)[
        K.BUYER_MEDIA].state is ItemState.COLLECTED


@pytest.mark.parametrize(("details", "code"), [
    (DELIVERED, FactCode.SIGNED),
    ([*SHIPPED, ev(8, "CC_IM_START", "Import clearance", "Curitiba, BR"),
      ev(9, "CUS_TAX", "Awaiting tax ID (CPF) from recipient", "Curitiba, BR")],
     FactCode.CUSTOMS_BUYER),
    ([ev(1, "PU_PICKUP_SUCCESS", "Picked up"), ev(2, "CC_EX_FAILURE", "Export screening: battery",
                                                 "Hong Kong, HK"),
      ev(3, "RT_INBOUND", "Return processing"), ev(5, "RETURNED", "Returned to sender")],
     FactCode.RETURNED_BEFORE_EXPORT),
    (SHIPPED, FactCode.PRESUMED_LOST),  # silent since 3 Nov, NOW is 10 Dec
    ([ev(1, "CONSIGN", "Posting/Collection")], FactCode.NO_SCAN),
    ([], FactCode.NO_TRACKING),
])
def test_deciding_fact(details: list[dict[str, str]], code: FactCode) -> None:
    timeline = from_aliexpress("LP1", details)
    fact = deciding_fact(timeline, NOW)
    assert fact.code is code
    if details:
        assert fact.event_index is not None and 0 <= fact.event_index < len(timeline.events)
    if code is FactCode.SIGNED:
        assert fact.name == "Lea Moreau" and fact.place == "Lyon, FR"
    if code is FactCode.RETURNED_BEFORE_EXPORT:
        assert "battery" in fact.detail  # the cause, not just "returned"
    if code is FactCode.PRESUMED_LOST:
        assert fact.days is not None and fact.days >= 27


def test_silence_is_counted_in_days() -> None:
    fact = deciding_fact(from_aliexpress("LP1", SHIPPED), datetime(2026, 11, 12, tzinfo=UTC))
    assert fact.code is FactCode.SILENT and fact.days == 8
    assert fact.place == "Hong Kong, HK"


# ---------------------------------------------------------------------------------------------
# Attachment rules (pure)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "media"), [
    (JPEG, "image/jpeg"), (PNG, "image/png"), (b"GIF89a" + b"\0" * 20, "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 20, "image/webp"), (MP4, "video/mp4"),
    (MOV, "video/quicktime"), (PDF, "application/pdf"),
])
def test_types_are_read_from_the_bytes(data: bytes, media: str) -> None:
    found = sniff(data)
    assert found is not None and found.media_type == media


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00" + b"\0" * 100,  # a Windows program
    b"<html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"PK\x03\x04" + b"\0" * 100,  # a zip
    b"\x00\x00\x00\x18ftypheic" + b"\0" * 100,  # an iPhone photo
    b"just some text",
])
def test_unknown_content_is_refused_whatever_the_name(data: bytes) -> None:
    assert sniff(data) is None
    with pytest.raises(EvidenceError, match="not an accepted type"):
        validate_attachment("photo.jpg", data)


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "../evil.jpg", "a/b.jpg", "a\\b.jpg", "/etc/x.jpg", ".hidden.jpg",
    "..", "nul\x00byte.jpg", "line\nbreak.jpg", "tab\there.jpg", "invoice\u202egpj.exe",
    "zero\u200bwidth.jpg", "x" * 300 + ".jpg", "photo", "report.exe", "", "   ",
    " padded.jpg",
])
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(EvidenceError) as refused:
        check_name(name)
    assert str(refused.value)


def test_plain_names_are_accepted() -> None:
    for name in ("parcel.jpg", "Photo 2026-11-01 at 10.00.00.PNG", "quittance la poste.pdf",
                 "посылка.jpeg", "video.mp4", "IMG_0001.MOV", "a" * 200 + ".jpg"):
        assert check_name(name)


# ---------------------------------------------------------------------------------------------
# Against a synced demo store
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def volt(simulator: RunningSimulator, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[EvidenceStore, Workspace, StoreDataset]]:
    ws = make_workspace(tmp_path_factory.mktemp("evidence") / "ws", simulator.sync_url)
    db = Database.open(ws.db_url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in demo_credentials().items():
            mp.setenv(key, value)
        store = load_store("volt", ws.parameters_dir)
        with connect(store) as client:
            sync_store(store, client, db, orders=False)
    yield EvidenceStore(db, ws.data_dir), ws, simulator.gateway.datasets["volt"]
    db.dispose()


def pick(ds: StoreDataset, truth: str, n: int = 0, *, consolidated: bool | None = None,
         where: Any = None) -> IssueRecord:
    found = [r for r in ds.issues if r.truth == truth
             and (consolidated is None or consolidated == (
                 len(ds.orders[r.summary["parent_order_id"]]["logistic_info_list"]) > 1))
             and (where is None or where(r))]
    assert len(found) > n, f"the demo store has no {truth} dispute #{n}"
    return found[n]


def issue(record: IssueRecord) -> int:
    return int(record.summary["issue_id"])


def numbers_of(ds: StoreDataset, record: IssueRecord) -> list[str]:
    order = ds.orders[record.summary["parent_order_id"]]
    return [e["logistics_no"] for e in order["logistic_info_list"]]


def rows_for(store: EvidenceStore, issue_id: int) -> int:
    with store.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(EvidenceRow).where(
            EvidenceRow.store_id == "volt", EvidenceRow.issue_id == issue_id)) or 0)


def test_collection_from_the_simulator(volt: tuple[EvidenceStore, Workspace, StoreDataset]
                                       ) -> None:
    store, ws, ds = volt
    record = pick(ds, "delivered_disputed", consolidated=True)
    first, extra = numbers_of(ds, record)
    got = collect_from_api(store, "volt", issue(record))
    assert {i.kind for i in got} == {K.TRACKING_TIMELINE, K.SIGNATURE_PROOF, K.SHIPPING_RECORD,
                                     K.MESSAGE_HISTORY}
    assert all(i.source == "api" and i.media_type == "application/json" for i in got)
    by_kind = {i.kind: json.loads(store.read(i)) for i in got}
    signed = next(e["signed_name"] for e in ds.tracking[first]
                  if e["action_code"] == "GTMS_SIGNED")
    assert by_kind[K.SIGNATURE_PROOF]["signed_by"] == signed
    assert by_kind[K.SIGNATURE_PROOF]["action_code"] == "GTMS_SIGNED"
    assert len(by_kind[K.TRACKING_TIMELINE]["events"]) == len(ds.tracking[first])
    lines = {n["logistics_no"]: n for n in by_kind[K.SHIPPING_RECORD]["tracking_numbers"]}
    assert lines[extra]["never_scanned"] and lines[extra]["carrier_scans"] == 0
    assert not lines[first]["never_scanned"] and lines[first]["carrier_scans"] > 0
    assert by_kind[K.SHIPPING_RECORD]["weight_grams"] is None  # never invented
    steps = record.detail["process_dto_list"]
    assert [s["text"] for s in by_kind[K.MESSAGE_HISTORY]["steps"]] == \
        [s["content"] for s in steps]
    for item in got:  # stored where it should be, named by its hash
        path = ws.data_dir / item.file_path
        assert path.parent == ws.data_dir / "evidence" / "volt" / str(issue(record))
        assert path.name == f"{item.sha256}.json"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256
        assert item.size == path.stat().st_size

    # Again: nothing new, nothing duplicated.
    before = rows_for(store, issue(record))
    again = collect_from_api(store, "volt", issue(record))
    assert sorted(i.id for i in again) == sorted(i.id for i in got)
    assert rows_for(store, issue(record)) == before

    marked = {a.kind: a for a in case_checklist(store, "volt", issue(record),
                                                 DisputeClass.DELIVERED_DISPUTED)}
    assert marked[K.SIGNATURE_PROOF].state is ItemState.COLLECTED
    assert marked[K.SHIPPING_RECORD].attention and extra in marked[K.SHIPPING_RECORD].note
    assert marked[K.POSTAGE_RECORD].state is ItemState.MISSING
    assert marked[K.CASE_SUMMARY].state is ItemState.MISSING


def test_collection_of_buyer_media_and_of_an_undelivered_parcel(
        volt: tuple[EvidenceStore, Workspace, StoreDataset]) -> None:
    store, _ws, ds = volt
    with_photos = pick(ds, "genuine_defect", where=lambda r: any(
        a["owner"] == "buyer" for p in r.detail["process_dto_list"] for a in p["attachments"]))
    got = {i.kind: i for i in collect_from_api(store, "volt", issue(with_photos))}
    urls = [a["file_path"] for p in with_photos.detail["process_dto_list"]
            for a in p["attachments"] if a["owner"] == "buyer"]
    media = json.loads(store.read(got[K.BUYER_MEDIA]))
    assert [a["url"] for a in media["attachments"]] == urls

    stalled = pick(ds, "stalled_in_transit")
    kinds = {i.kind for i in collect_from_api(store, "volt", issue(stalled))}
    assert K.SIGNATURE_PROOF not in kinds and K.BUYER_MEDIA not in kinds
    marked = {a.kind: a for a in case_checklist(store, "volt", issue(stalled),
                                                 DisputeClass.DELIVERED_DISPUTED)}
    assert marked[K.SIGNATURE_PROOF].state is ItemState.NOT_APPLICABLE


def test_collection_needs_a_synced_dispute(volt: tuple[EvidenceStore, Workspace, StoreDataset]
                                           ) -> None:
    store, _ws, _ds = volt
    with pytest.raises(EvidenceError, match="sync the store first"):
        collect_from_api(store, "volt", 42)


# -- operator attachments ----------------------------------------------------------------------


def test_operator_files_are_stored_by_hash(volt: tuple[EvidenceStore, Workspace, StoreDataset]
                                          ) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "deliberate_abuse"))
    stored = []
    for name, data, kind, media in [
        ("test video.mp4", MP4, K.SELLER_MEDIA, "video/mp4"),
        ("packing.JPG", JPEG, K.PRE_SHIPMENT_PHOTOS, "image/jpeg"),
        ("listing.pdf", PDF, K.LISTING_SNAPSHOT, "application/pdf"),
        ("scale.mov", MOV, K.POSTAGE_RECORD, "video/quicktime"),
        # A PNG saved with a .jpg name is still a PNG: stored as one.
        ("screenshot.jpg", PNG, K.LISTING_SNAPSHOT, "image/png"),
    ]:
        item = store.add_file("volt", iid, name, data, "ana", kind)
        digest = hashlib.sha256(data).hexdigest()
        assert (item.kind, item.source, item.media_type) == (kind, "operator", media)
        assert (item.sha256, item.size, item.original_name, item.added_by) == \
            (digest, len(data), name, "ana")
        path = ws.data_dir / item.file_path
        assert item.file_path == f"evidence/volt/{iid}/{digest}.{path.suffix[1:]}"
        assert path.read_bytes() == data
        stored.append(item)
    assert stored[-1].file_path.endswith(".png")
    # The same bytes again (another name, another kind): stored once.
    again = store.add_file("volt", iid, "copy.jpg", JPEG, "bob", K.SELLER_MEDIA)
    assert again.id == stored[1].id
    folder = ws.data_dir / "evidence" / "volt" / str(iid)
    assert len(list(folder.iterdir())) == len(stored)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp file left
    assert rows_for(store, iid) == len(stored)
    marked = {a.kind: a.state for a in case_checklist(store, "volt", iid, "deliberate_abuse")}
    assert marked[K.SELLER_MEDIA] is marked[K.PRE_SHIPMENT_PHOTOS] is ItemState.COLLECTED
    store.remove(stored[2].id)
    assert not (ws.data_dir / stored[2].file_path).exists()
    assert rows_for(store, iid) == len(stored) - 1


REFUSALS: list[tuple[str, str, bytes, str]] = [
    # (why, name, content, words the message must carry)
    ("image too large", "big.jpg", JPEG[:4] + b"\0" * MAX_IMAGE_BYTES, "limit"),
    ("pdf too large", "big.pdf", PDF[:8] + b"\0" * MAX_PDF_BYTES, "limit"),
    ("empty", "empty.jpg", b"", "empty"),
    ("program with a .jpg name", "photo.jpg", b"MZ\x90\x00" + b"\0" * 64, "Windows program"),
    ("html with a .png name", "photo.png", b"<!DOCTYPE html><script>x</script>", "markup"),
    ("zip with a .pdf name", "doc.pdf", b"PK\x03\x04" + b"\0" * 64, "zip"),
    ("heic with a .jpg name", "IMG.jpg", b"\x00\x00\x00\x18ftypheic" + b"\0" * 64, "JPEG"),
    ("text with a .jpg name", "note.jpg", b"hello", "not an accepted type"),
    ("path traversal", "../../etc/passwd", JPEG, "'/'"),
    ("relative path", "a/b.jpg", JPEG, "'/'"),
    ("windows path", "a\\b.jpg", JPEG, "'/'"),
    ("dot-dot", "..jpg", JPEG, ".."),
    ("hidden", ".hidden.jpg", JPEG, "dot"),
    ("nul", "photo\x00.jpg", JPEG, "control"),
    ("newline", "photo\n.jpg", JPEG, "control"),
    ("direction override", "photo\u202egpj.jpg", JPEG, "control"),
    ("too long", "p" * 300 + ".jpg", JPEG, "shorten"),
    ("no extension", "photo", JPEG, "must end in"),
    ("exe extension on an image", "photo.exe", PNG, "must end in"),
]


@pytest.mark.parametrize(("why", "name", "data", "words"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_attachments_leave_nothing_behind(
        volt: tuple[EvidenceStore, Workspace, StoreDataset],
        why: str, name: str, data: bytes, words: str) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "buyer_misuse", 1))
    folder = ws.data_dir / "evidence" / "volt" / str(iid)
    assert not folder.exists() and rows_for(store, iid) == 0
    with pytest.raises(EvidenceError) as refused:
        store.add_file("volt", iid, name, data, "ana", K.BUYER_MEDIA)
    assert words in str(refused.value), str(refused.value)
    assert isinstance(refused.value, DisputeKitError)
    assert not folder.exists()
    assert rows_for(store, iid) == 0


def test_video_size_cap(volt: tuple[EvidenceStore, Workspace, StoreDataset]) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "buyer_misuse", 1))
    too_big = MP4[:16] + bytes(MAX_VIDEO_BYTES)
    with pytest.raises(EvidenceError, match=r"over the 100\.0 MB limit for videos"):
        store.add_file("volt", iid, "long.mp4", too_big, "ana", K.SELLER_MEDIA)
    assert not (ws.data_dir / "evidence" / "volt" / str(iid)).exists()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"kind": "selfie"}, "not an evidence kind"),
    ({"added_by": "  "}, "added_by"),
    ({"issue_id": 42}, "sync the store first"),
    ({"store_id": "../volt"}, "not a store id"),
])
def test_other_refusals(volt: tuple[EvidenceStore, Workspace, StoreDataset],
                        kwargs: dict[str, Any], words: str) -> None:
    store, ws, ds = volt
    args: dict[str, Any] = {"store_id": "volt", "issue_id": issue(pick(ds, "buyer_misuse", 1)),
                            "name": "ok.jpg", "data": JPEG, "added_by": "ana",
                            "kind": K.BUYER_MEDIA, **kwargs}
    with pytest.raises(EvidenceError, match=words):
        store.add_file(**args)
    assert not (ws.data_dir / "evidence" / "volt" / str(issue(pick(ds, "buyer_misuse", 1)))
                ).exists()
    assert not (ws.data_dir / "evidence" / "volt" / "42").exists()


def test_an_interrupted_write_leaves_nothing(
        volt: tuple[EvidenceStore, Workspace, StoreDataset],
        monkeypatch: pytest.MonkeyPatch) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "buyer_misuse", 2))
    folder = ws.data_dir / "evidence" / "volt" / str(iid)

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence_store.os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        store.add_file("volt", iid, "photo.jpg", JPEG, "ana", K.BUYER_MEDIA)
    assert not folder.exists()  # no temp file, no half file, no empty folder
    assert rows_for(store, iid) == 0
    monkeypatch.undo()
    item = store.add_file("volt", iid, "photo.jpg", JPEG, "ana", K.BUYER_MEDIA)
    assert [p.name for p in folder.iterdir()] == [Path(item.file_path).name]


def test_a_database_failure_removes_the_file(
        volt: tuple[EvidenceStore, Workspace, StoreDataset],
        monkeypatch: pytest.MonkeyPatch) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "buyer_misuse", 3))
    folder = ws.data_dir / "evidence" / "volt" / str(iid)
    seen: list[bool] = []

    def refuse(row: EvidenceRow) -> Any:
        seen.append((ws.data_dir / row.file_path).exists())  # written before the row
        raise OperationalError("INSERT INTO evidence", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "_record", refuse)
    with pytest.raises(EvidenceError, match="nothing was kept"):
        store.add_file("volt", iid, "photo.jpg", JPEG, "ana", K.BUYER_MEDIA)
    assert seen == [True]
    assert not folder.exists()
    assert rows_for(store, iid) == 0


# -- rendering -----------------------------------------------------------------------------------

# What the image of each logistics class must say (English labels).
DECIDING: dict[str, tuple[str, ...]] = {
    "no_tracking": ("No carrier scan since it was posted", "No tracking information"),
    "delivered_disputed": ("signed for by: ",),
    "stalled_in_transit": ("No tracking update for ",),
    "customs_buyer_no_docs": ("Held at customs since", "waiting for the recipient"),
    "customs_buyer_unreachable": ("Held at customs since",),
    "returned_undelivered": ("Not collected or delivery failed", "returned to the sender"),
    "returned_in_country": ("Reached the destination country, then returned",),
    "returned_before_export": ("Returned to the sender before leaving the origin country",),
    "lost": ("No tracking update for ", "presumed lost"),
}


def description(path: Path) -> str:
    return png_text(path.read_bytes())["Description"]


@pytest.mark.parametrize("cls", LOGISTICS_CLASSES, ids=str)
def test_rendered_images_show_the_deciding_facts(
        volt: tuple[EvidenceStore, Workspace, StoreDataset], cls: DisputeClass) -> None:
    store, ws, ds = volt
    record = pick(ds, cls.value, consolidated=True if cls is DisputeClass.DELIVERED_DISPUTED
                  else None)
    iid = issue(record)
    now = datetime.now(UTC)
    items = {i.kind: i for i in render_case(store, "volt", iid, lang="en", dispute_class=cls,
                                             now=now)}
    assert set(items) == {K.CASE_SUMMARY, K.TRACKING_TIMELINE, K.SHIPPING_RECORD}
    texts = {}
    for kind, item in items.items():
        data = (ws.data_dir / item.file_path).read_bytes()
        width, height = png_size(data)
        assert width == WIDTH_PX and 300 <= height <= 2400
        assert len(data) < MAX_IMAGE_BYTES  # the platform takes it
        assert item.source == "rendered" and item.media_type == "image/png"
        texts[kind] = png_text(data)["Description"]

    timeline = texts[K.TRACKING_TIMELINE]
    wanted = DECIDING[cls.value]
    if cls is DisputeClass.NO_TRACKING:
        assert any(w in timeline for w in wanted), timeline
    else:
        assert all(w in timeline for w in wanted), timeline
    first, *others = numbers_of(ds, record)
    assert first in timeline
    for event in ds.tracking.get(first, []):  # every carrier event, with its place
        assert event["event_desc"] in timeline and event["address"] in timeline
    if cls is DisputeClass.DELIVERED_DISPUTED:
        signed = next(e["signed_name"] for e in ds.tracking[first]
                      if e["action_code"] == "GTMS_SIGNED")
        assert f"signed for by: {signed}" in timeline
    shipping = texts[K.SHIPPING_RECORD]
    assert "Weight | not provided by the API" in shipping
    assert "Postage deducted | not provided by the API" in shipping
    for number in others:  # the consolidated order's second number, never shipped
        assert f"{number} | never scanned by the carrier" in shipping
        assert f"Also on this order: {number}" in timeline
        assert f"Only {first} has carrier scans" in shipping
    summary = texts[K.CASE_SUMMARY]
    login = record.summary["buyer_login_id"]
    assert login not in summary and mask_login(login) in summary
    assert f"Situation | {LABELS['en'][f'class_{cls}']}" in summary
    assert any(w in summary for w in wanted)  # the deciding fact is on the summary too

    # Legible: nothing smaller than 14 px, nothing cut off at the edge.
    for image in render_all(case_facts(store, "volt", iid), now, "en", cls):
        assert image.min_text_px >= MIN_TEXT_PX
        assert image.overflowing == ()
        assert png_text(image.png)["Description"] == image.description

    # The same facts drawn again: not stored twice.
    before = rows_for(store, iid)
    render_case(store, "volt", iid, lang="en", dispute_class=cls, now=now)
    assert rows_for(store, iid) == before


def test_labels_follow_the_buyers_language(
        volt: tuple[EvidenceStore, Workspace, StoreDataset]) -> None:
    store, ws, ds = volt
    record = pick(ds, "returned_undelivered",
                  where=lambda r: ds.orders[r.summary["parent_order_id"]]["buyer_info"][
                      "country"] == "RU")
    items = render_case(store, "volt", issue(record), dispute_class="returned_undelivered")
    text = description(ws.data_dir / items[1].file_path)
    assert "История отслеживания" in text and "возвращено отправителю" in text
    assert items[1].original_name == "tracking_timeline-ru.png"
    spanish = render_case(store, "volt", issue(record), lang="es",
                           dispute_class="returned_undelivered")
    assert "Historial de seguimiento" in description(ws.data_dir / spanish[1].file_path)


def test_every_language_has_every_label() -> None:
    english = LABELS["en"]
    for lang, labels in LABELS.items():
        assert set(labels) == set(english), lang
        for key, text in labels.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}",
                                                                          english[key])), \
                (lang, key)
    assert set(LABELS) == set(LANGUAGES)  # every language a reply is written in


def test_long_timelines_keep_the_deciding_event() -> None:
    many = [ev(1 + i % 27, "SC_INBOUND_SUCCESS", f"Sorting step {i}") for i in range(60)]
    many = sorted(many, key=lambda e: e["event_date"]) + [
        ev(28, "GTMS_SIGNED", "Delivered", "Lyon, FR", "Lea Moreau")]
    image = render_tracking_timeline(facts_with(from_aliexpress("LP1", many)), NOW, "fr")
    assert "signé par : Lea Moreau" in image.description
    assert "autres événements non affichés" in image.description
    assert image.overflowing == () and image.height <= 2400


# -- upload through the simulator --------------------------------------------------------------


@pytest.fixture
def own_sim(tmp_path: Path, credentials: dict[str, str]
            ) -> Iterator[tuple[RunningSimulator, Workspace, Database]]:
    # Business time on the real clock (not the hour the session simulator is anchored to):
    # settling an upload compares the platform's proof time with when it was sent.
    now = datetime.now(UTC).replace(microsecond=0)
    running = serve_in_thread(Gateway(seed=5, now=now, disputes_per_store=MIN_DISPUTES))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    (ws.parameters_dir / "volt.yaml").write_text(
        (ws.parameters_dir / "volt.yaml").read_text() + "  timeout_seconds: 0.5\n")
    db = Database.open(ws.db_url)
    store = load_store("volt", ws.parameters_dir)
    with connect(store) as client:
        sync_store(store, client, db, orders=False)
    yield running, ws, db
    db.dispose()
    running.stop()


def proofs(record: IssueRecord) -> list[dict[str, Any]]:
    return [p for p in record.detail["process_dto_list"]
            if p["action_type"] == "seller_create_proof"]


def test_upload_through_the_simulator(own_sim: tuple[RunningSimulator, Workspace, Database]
                                      ) -> None:
    sim, ws, db = own_sim
    record = next(r for r in sim.gateway.datasets["volt"].issues
                  if r.detail["issue_status"] == "processing" and not proofs(r))
    iid = issue(record)
    evidence = EvidenceStore(db, ws.data_dir)
    rendered = render_case(evidence, "volt", iid, lang="en")
    store = load_store("volt", ws.parameters_dir)
    with connect(store) as client:
        outcomes = upload_rendered(store, client, db, ws.data_dir, iid, operator="ana")
    assert [o.status for o in outcomes] == ["ok", "ok", "ok"]
    assert [o.kind for o in outcomes] == [K.CASE_SUMMARY, K.TRACKING_TIMELINE,
                                          K.SHIPPING_RECORD]
    sent = proofs(record)
    assert len(sent) == 3 and all(p["attachments"] for p in sent)
    assert all(p["attachments"][0]["file_path"].endswith(".png") for p in sent)
    with db.session() as s:  # the dispute was read back after the upload
        row = s.get(DisputeRow, ("volt", iid))
        assert row is not None
        assert sum(p["action_type"] == "seller_create_proof"
                   for p in row.detail_json["process_dto_list"]) == 3
        actions = s.scalars(select(ActionRow).where(ActionRow.issue_id == iid)).all()
        assert [a.status for a in actions] == ["ok", "ok", "ok"]
        assert {a.request_json["sha256"] for a in actions} == {i.sha256 for i in rendered}
    for item in evidence.items("volt", iid):
        assert item.uploaded_at is not None and item.upload_result.startswith("ok")

    with connect(store) as client:  # never twice
        again = upload_rendered(store, client, db, ws.data_dir, iid, operator="ana")
    assert [o.status for o in again] == ["skipped"] * 3
    assert len(proofs(record)) == 3
    assert sum(m == UPLOAD for m, _ in sim.gateway.call_log) == 3


def test_an_upload_without_answer_is_settled_not_resent(
        own_sim: tuple[RunningSimulator, Workspace, Database]) -> None:
    sim, ws, db = own_sim
    record = next(r for r in sim.gateway.datasets["volt"].issues
                  if r.detail["issue_status"] == "processing" and not proofs(r))
    iid = issue(record)
    evidence = EvidenceStore(db, ws.data_dir)
    render_case(evidence, "volt", iid, lang="en")
    store = load_store("volt", ws.parameters_dir)
    sim.gateway.faults = Faults(slow=1.0, slow_seconds=1.5, only_methods=(UPLOAD,))
    with connect(store) as client:
        first = upload_rendered(store, client, db, ws.data_dir, iid, operator="ana",
                                kinds=[K.CASE_SUMMARY])
    assert [o.status for o in first] == ["unknown"]
    assert len(proofs(record)) == 1  # the platform did it; the client never heard
    summary = evidence.latest_rendered("volt", iid)[K.CASE_SUMMARY]
    assert summary.uploaded_at is None and summary.upload_result.startswith("unknown")

    sim.gateway.faults = Faults()
    with connect(store) as client:
        second = upload_rendered(store, client, db, ws.data_dir, iid, operator="ana",
                                 kinds=[K.CASE_SUMMARY])
    assert [o.status for o in second] == ["ok"] and "not sent again" in second[0].message
    assert len(proofs(record)) == 1
    assert sum(m == UPLOAD for m, _ in sim.gateway.call_log) == 1
    assert evidence.latest_rendered("volt", iid)[K.CASE_SUMMARY].uploaded_at is not None


def test_upload_of_a_closed_dispute_is_refused_and_recorded(
        own_sim: tuple[RunningSimulator, Workspace, Database]) -> None:
    sim, ws, db = own_sim
    record = next(r for r in sim.gateway.datasets["volt"].issues
                  if r.detail["issue_status"] == "finish")
    iid = issue(record)
    evidence = EvidenceStore(db, ws.data_dir)
    render_case(evidence, "volt", iid, lang="en")
    store = load_store("volt", ws.parameters_dir)
    with connect(store) as client:
        outcomes = upload_rendered(store, client, db, ws.data_dir, iid, operator="ana",
                                   kinds=[K.TRACKING_TIMELINE, K.CUSTOMS_DOCUMENTS])
    assert outcomes[0].status == "failed" and "no longer be changed" in outcomes[0].message
    assert outcomes[1].status == "skipped" and "render it first" in outcomes[1].message
    item = evidence.latest_rendered("volt", iid)[K.TRACKING_TIMELINE]
    assert item.uploaded_at is None and item.upload_result.startswith("refused")
    assert not any(m == UPLOAD for m, _ in sim.gateway.call_log)


# -- export --------------------------------------------------------------------------------------


def test_export_zip(volt: tuple[EvidenceStore, Workspace, StoreDataset], tmp_path: Path
                    ) -> None:
    store, ws, ds = volt
    record = pick(ds, "delivered_disputed", 1)
    iid = issue(record)
    with store.db.session() as s:  # a buyer who writes markup
        row = s.get(DisputeRow, ("volt", iid))
        assert row is not None
        detail = json.loads(json.dumps(row.detail_json))
        detail["process_dto_list"][0]["content"] = '<script>alert("x")</script> & <b>refund</b>'
        row.detail_json = detail
    collect_from_api(store, "volt", iid)
    render_case(store, "volt", iid, lang="en", dispute_class="delivered_disputed")
    older = render_case(store, "volt", iid, lang="pt_BR", dispute_class="delivered_disputed")
    latest = render_case(store, "volt", iid, lang="en", dispute_class="delivered_disputed",
                          now=datetime.now(UTC) + timedelta(days=1))
    receipt = store.add_file("volt", iid, "receipt <b>&amp;.pdf", PDF, "ana",
                             K.POSTAGE_RECORD)
    photo = store.add_file("volt", iid, "scale.jpg", JPEG, "ana", K.PRE_SHIPMENT_PHOTOS)

    path = export_case_zip(store, "volt", iid, tmp_path / "out", dispute_class="delivered_disputed")
    assert path == tmp_path / "out" / f"dispute-volt-{iid}.zip"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [path.name]  # no temp left
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"summary.html", "manifest.json", "images/case_summary.png",
                "images/tracking_timeline.png", "images/shipping_record.png",
                "api/tracking_timeline.json", "api/signature_proof.json",
                "api/shipping_record.json", "api/message_history.json",
                "files/postage_record-1.pdf", "files/pre_shipment_photos-1.jpg"} <= names
        manifest = json.loads(zf.read("manifest.json"))
        listed = {f["name"]: f for f in manifest["files"]}
        assert set(listed) == names - {"summary.html", "manifest.json"}
        for name, entry in listed.items():
            data = zf.read(name)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"] and entry["kind"] in {k.value for k in K}
        # the latest rendering of each kind, not an older one
        assert listed["images/case_summary.png"]["sha256"] == latest[0].sha256
        assert older[0].sha256 not in {e["sha256"] for e in manifest["files"]}
        assert listed["files/postage_record-1.pdf"]["sha256"] == receipt.sha256
        assert listed["files/pre_shipment_photos-1.jpg"]["sha256"] == photo.sha256
        states = {c["kind"]: c["state"] for c in manifest["checklist"]}
        assert states["postage_record"] == states["signature_proof"] == "collected"
        html = zf.read("summary.html").decode("utf-8")
    login = record.summary["buyer_login_id"]
    assert login not in html and mask_login(login) in html
    assert "<script>" not in html and "<b>refund</b>" not in html
    assert "&lt;script&gt;" in html and "&amp; &lt;b&gt;refund&lt;/b&gt;" in html
    assert "receipt &lt;b&gt;&amp;amp;.pdf" in html and "<b>&amp;" not in html
    assert 'src="images/tracking_timeline.png"' in html
    assert "signed for by" in html
    assert "Evidence included" in html and "postage record" in html
    assert "attach a screenshot" not in html  # the working notes stay in the manifest


def test_export_refuses_an_altered_file(volt: tuple[EvidenceStore, Workspace, StoreDataset],
                                        tmp_path: Path) -> None:
    store, ws, ds = volt
    iid = issue(pick(ds, "extortion"))
    item = store.add_file("volt", iid, "chat.png", PNG, "ana", K.MESSAGE_HISTORY)
    (ws.data_dir / item.file_path).write_bytes(PNG + b"tampered")
    with pytest.raises(EvidenceError, match="changed after it was stored"):
        export_case_zip(store, "volt", iid, tmp_path / "out", dispute_class="extortion")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    os.remove(ws.data_dir / item.file_path)
    with pytest.raises(EvidenceError, match="missing"):
        export_case_zip(store, "volt", iid, tmp_path / "out", dispute_class="extortion")
