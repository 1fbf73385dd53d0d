"""Long buyer text: classification time against the length of the buyer's message.

    .venv/bin/python bench/hostile_text.py [--quick]      (make bench-hostile)

Workload: the first dispute of ``examples/triage-input.jsonl`` with its buyer's opening
message made 1,000 / 20,000 / 200,000 / 2,000,000 characters long (20,000,000 too in a full
run: the size of the ``triage`` line that took 179 s and 1 GB, issue 21), real words from
the example repeated, with "I want 30% back" at its very end. Timed: the whole triage of the
line (``triage_lines``: JSON decoding, validation, facts, classification, verdict), 3 runs,
median. The cues read at most ``cues.READ_LIMIT`` characters of a text (its first and last
halves), so from 20,000 characters on the time should stay flat; before, it grew with the
length (37 s for the cues of one 2 MB message).

Compared with: the same line at 20,000 characters, the read limit. No test asserts these
figures; ``tests/test_long_text.py`` checks the behaviour (what is read, what is found).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from _common import REPO, Result, Row, median, spread, standalone, timed

NOW = datetime(2026, 11, 28, tzinfo=UTC)
FLAT = 2.0  # at most this many times the 20,000-character time counts as flat


def line_with_message(length: int) -> str:
    obj = json.loads((REPO / "examples" / "triage-input.jsonl").read_text().splitlines()[0])
    opening = obj["dispute"]["process_dto_list"][0]
    tail = " I want 30% back."
    words = opening["content"] + " "
    body = (words * (length // len(words) + 1))[:max(0, length - len(tail))]
    opening["content"] = body + tail
    return json.dumps(obj)


def run(quick: bool = False) -> Result:
    from disputekit.domain.language.cues import READ_LIMIT
    from disputekit.wire.records import triage_lines

    lengths = [1_000, 20_000, 200_000, 2_000_000] + ([] if quick else [20_000_000])
    runs = 1 if quick else 3
    result = Result("hostile_text")
    result.note(f"workload: one triage line, the buyer's message at {lengths} characters; "
                f"the cues read at most {READ_LIMIT:,}; {runs} run(s) each, median")
    took: dict[int, float] = {}
    for length in lengths:
        line = line_with_message(length)
        seconds = []
        for _ in range(runs):
            spent, (verdict,) = timed(lambda line=line: list(triage_lines([line], NOW)))
            seconds.append(spent)
            assert "error" not in verdict, verdict
        took[length] = median(seconds)
        result.note(f"{length:>12,} characters: {took[length] * 1000:8.1f} ms "
                    f"{spread(seconds, '{:.3f}')} s")
    base = took[20_000]
    longest = max(lengths)
    ratio = took[longest] / base
    result.rows.append(Row(
        "Classification, long buyer text",
        f"{took[longest] * 1000:,.0f} ms at {longest:,} characters"
        + (f" ({took[2_000_000] * 1000:,.0f} ms at 2,000,000)" if longest != 2_000_000 else ""),
        f"{base * 1000:,.0f} ms at 20,000 (the read limit)",
        f"flat: {ratio:.1f}x" if ratio <= FLAT else f"GROWS with length: {ratio:.1f}x"))
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
