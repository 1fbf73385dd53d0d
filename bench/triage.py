"""Triage: disputes classified per second, and accuracy on the simulator's labelled disputes.

    .venv/bin/python bench/triage.py [--quick]

Workload: the first 1,000 disputes the simulator generates for seeds 11-14 (the three demo
stores each), as ``bench/classifier.py`` builds them: the detail, the order, the parcel's
tracking and the buyer's history, scored against the class each was generated as
(``IssueRecord.truth``, never served by the API). Building the cases is not timed;
``triage.classification_of`` over all of them is, 3 times, median.

Compared with: for speed, the rate at which a sync can bring disputes in (the sync bench's
limit, ~3 requests per dispute); for accuracy, always answering the commonest class.
"""

from __future__ import annotations

from collections import Counter

from _common import Result, Row, median, spread, standalone, timed

DISPUTES = 1_000
SEEDS = (11, 12, 13, 14)
SYNC_DISPUTES_PER_S = 30 / 3.06  # sync_throughput.QPS / requests per dispute (measured)


def run(quick: bool = False) -> Result:
    from classifier import NOW, _cases, _label

    from disputekit.wire.records import classification_of

    wanted, runs = (200, 1) if quick else (DISPUTES, 3)
    result = Result("triage")
    cases = []
    for seed in SEEDS:
        for record, obj in _cases(seed):
            if len(cases) >= wanted:
                break
            cases.append((record.truth, obj))
        if len(cases) >= wanted:
            break
    result.note(f"workload: {len(cases):,} simulator disputes (seeds {SEEDS}), "
                f"classified {runs} time(s), median")

    def classify() -> list[str]:
        return [_label(classification_of(obj, NOW)) for _truth, obj in cases]

    seconds, predicted = [], []
    for _ in range(runs):
        took, predicted = timed(classify)
        seconds.append(took)
    per_s = len(cases) / median(seconds)
    truths = [truth for truth, _obj in cases]
    correct = sum(t == p for t, p in zip(truths, predicted, strict=True))
    accuracy = correct / len(cases)
    commonest, count = Counter(truths).most_common(1)[0]
    baseline = count / len(cases)
    result.note(f"seconds per run {spread(seconds, '{:.3f}')}; accuracy {correct}/{len(cases)};"
                f" commonest class {commonest} ({count})")
    result.rows += [
        Row("Triage, speed",
            f"{per_s:,.0f} disputes/s ({median(seconds) * 1000 / len(cases):.2f} ms each)",
            f"a sync brings <= {SYNC_DISPUTES_PER_S:.0f} disputes/s (30 req/s, ~3 per dispute)",
            f"{per_s / SYNC_DISPUTES_PER_S:,.0f}x faster: never the bottleneck"
            if per_s > 10 * SYNC_DISPUTES_PER_S else "could hold the sync back"),
        Row("Triage, accuracy",
            f"{accuracy:.1%} ({correct}/{len(cases)} simulator disputes)",
            f"always the commonest class ({commonest}): {baseline:.1%}",
            f"+{(accuracy - baseline) * 100:.1f} points; per-class matrix: bench/classifier.py"),
    ]
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
