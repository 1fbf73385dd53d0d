"""What an operator was doing, kept in the database: per operator, per dispute and step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from disputekit.adapters.db.database import Database
from disputekit.errors import ActionError
from disputekit.services import workbook_state as ws
from tests.conftest import new_db_url


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    opened = Database.open(new_db_url(tmp_path))
    yield opened
    opened.dispose()


def draft(text: str = "Hello", step: int = 1, template: str = "stalled_1_first") -> ws.Draft:
    return ws.Draft("volt", 42, text, "es", Decimal("1.50"), "a reason", template, step,
                    datetime(2026, 12, 5, 9, 0, tzinfo=UTC))


def test_the_view_round_trips_and_defaults(db: Database) -> None:
    assert ws.load_view(db, "ana") == ws.ViewState()
    view = ws.ViewState({"store": "volt", "dispute_class": None, "search": "<b>"},
                        ("volt", 42), "amount", False)
    ws.save_view(db, "ana", view)
    assert ws.load_view(db, "ana") == view
    assert ws.load_view(db, "ben") == ws.ViewState()  # each operator's own
    ws.save_view(db, "ana", ws.ViewState())
    assert ws.load_view(db, "ana").selected is None


def test_a_draft_comes_back_only_for_its_own_step(db: Database) -> None:
    hostile = "<script>alert(1)</script>\x1b[31m"
    ws.save_draft(db, "ana", draft(hostile))
    kept = ws.draft_for(db, "ana", "volt", 42, "stalled_1_first", 1)
    assert kept is not None and kept.text == hostile and kept.offer == Decimal("1.50")
    assert ws.draft_for(db, "ana", "volt", 42, "stalled_2_carrier", 2) is None
    assert ws.draft_for(db, "ben", "volt", 42, "stalled_1_first", 1) is None
    ws.save_draft(db, "ana", draft("newer"))
    again = ws.load_draft(db, "ana", "volt", 42)
    assert again is not None and again.text == "newer"
    ws.discard_draft(db, "ana", "volt", 42)
    assert ws.load_draft(db, "ana", "volt", 42) is None


def test_no_name_and_endless_text_are_refused_in_words(db: Database) -> None:
    with pytest.raises(ActionError, match="say who you are first"):
        ws.save_draft(db, "  ", draft())
    with pytest.raises(ActionError, match="keep it under 20,000"):
        ws.save_draft(db, "ana", draft("x" * 20_001))
    assert ws.load_draft(db, "ana", "volt", 42) is None  # nothing half-kept
