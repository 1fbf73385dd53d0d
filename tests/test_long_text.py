"""Long buyer text cannot stall anything (issue 21, item 2).

A 2 MB message made one store's run take 147 s instead of ~20 s, and ``triage`` of a 20 MB
line 179 s and 1 GB: every cue pattern walked the whole text, for every reading. The cues
now read a bounded prefix and suffix of each text (``cues.READ_LIMIT``, 20,000 characters),
and the facts a dispute is classified from carry the bounded text, not the raw one. These
tests check what is read and what is found; the time it takes is a benchmark's
(``bench/hostile_text.py``), never a test's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from disputekit.domain.language import cues
from disputekit.domain.language.cues import READ_LIMIT, Cue, bounded, find_cues, find_money
from disputekit.wire.records import facts_from_record, triage_lines
from tests.conftest import REPO

NOW = datetime(2026, 11, 28, tzinfo=UTC)
FILLER = "Lorem ipsum dolor sit amet consectetur adipiscing elit. "
MEGA = 2_000_000


def record(message: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(
        (REPO / "examples" / "triage-input.jsonl").read_text().splitlines()[0])
    obj["dispute"]["process_dto_list"][0]["content"] = message
    return obj


def filler(length: int) -> str:
    return (FILLER * (length // len(FILLER) + 1))[:length]


def test_a_short_text_is_read_whole_and_a_long_one_by_its_two_ends() -> None:
    short = filler(READ_LIMIT)
    assert bounded(short) == short
    long = "START " + filler(MEGA) + " END"
    read = bounded(long)
    assert len(read) <= READ_LIMIT + 3
    assert read.startswith("START ") and read.endswith(" END")


def test_cues_at_either_end_of_a_2_mb_message_are_found() -> None:
    text = "The item does not work at all. " + filler(MEGA) + " I want 30% back."
    found = {m.cue: m for m in find_cues(text)}
    assert Cue.NOT_WORKING in found and Cue.MONEY_DEMAND in found
    assert found[Cue.MONEY_DEMAND].phrase == "30%"
    assert [a.percent for a in find_money(text)] == [30.0]


def test_words_in_the_middle_of_a_long_text_are_not_read() -> None:
    # The documented limit: between the first and the last 10,000 characters is unread.
    text = filler(MEGA // 2) + " The item does not work at all. " + filler(MEGA // 2)
    assert find_cues(text) == ()
    assert find_cues(text[MEGA // 2 - 100: MEGA // 2 + 100])  # the words themselves count


@pytest.mark.parametrize("reader", ["find_cues", "find_money", "language_votes",
                                    "carrier_cues"])
def test_no_reading_walks_more_than_the_limit(reader: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    fold = cues._fold_with_map

    def watched(text: str) -> tuple[str, list[int]]:
        seen.append(len(text))
        return fold(text)

    monkeypatch.setattr(cues, "_fold_with_map", watched)
    getattr(cues, reader)(filler(MEGA))
    assert seen and max(seen) <= READ_LIMIT + 3


def test_the_facts_carry_the_bounded_text_not_the_raw_one() -> None:
    message = "Tracking has not moved for three weeks. " + filler(MEGA) + " I want 30% back."
    facts, _detail = facts_from_record(record(message), NOW)
    assert facts.buyer_messages and all(len(m) <= READ_LIMIT + 3 for m in facts.buyer_messages)
    assert facts.buyer_messages[0].startswith("Tracking has not moved")
    assert facts.buyer_messages[0].endswith("I want 30% back.")


def test_a_20_mb_triage_line_is_triaged_with_the_words_at_its_ends() -> None:
    line = json.dumps(record("Tracking has not moved for three weeks. " + filler(20_000_000)
                             + " I want 30% back."))
    (result,) = list(triage_lines([line], NOW))
    assert "error" not in result
    short = json.dumps(record("Tracking has not moved for three weeks. I want 30% back."))
    (same,) = list(triage_lines([short], NOW))
    assert result["class"] == same["class"]
