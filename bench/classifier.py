"""How well the classifier does on the simulator's disputes: confusion matrix and accuracy.

    .venv/bin/python bench/classifier.py [--disputes 1000] [--seeds 11 12 13 14] [--misses 0]

Each generated dispute carries the class it was generated as (``IssueRecord.truth``, never
served by the API). The classifier sees only what the API serves: the dispute detail, the
order, the parcel's tracking and the buyer's history across the three demo stores. Disputes
generated as ``buyer_personal_reason`` are scored on the flag of that name.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from disputekit.domain.buyers import BuyerHistory, normalise_login
from disputekit.domain.classify import Classification
from disputekit.domain.taxonomy import DisputeClass, Flag
from disputekit.simulator.dataset import IssueRecord, StoreDataset, generate
from disputekit.wire.records import classification_of

PERSONAL = "buyer_personal_reason"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
# Column headings of the matrix (rows use the full codes).
SHORT = {
    "no_tracking": "no_track", "delivered_disputed": "delivered", "stalled_in_transit": "stalled",
    "customs_buyer_no_docs": "cust_docs", "customs_buyer_unreachable": "cust_unrch",
    "returned_undelivered": "ret_undel", "returned_in_country": "ret_cntry",
    "returned_before_export": "ret_export", "lost": "lost", "genuine_defect": "defect",
    "buyer_misuse": "misuse", "deliberate_abuse": "abuse", "extortion": "extortion",
    PERSONAL: "personal",
}


def _label(result: Classification) -> str:
    return PERSONAL if Flag.BUYER_PERSONAL_REASON in result.flags else str(result.code)


def _histories(data: dict[str, StoreDataset]) -> dict[str, BuyerHistory]:
    """Orders and disputes per buyer across every store, as the workbook would count them."""
    orders: dict[str, set[tuple[str, int]]] = defaultdict(set)
    disputes: Counter[str] = Counter()
    stores: dict[str, set[str]] = defaultdict(set)
    for store_id, ds in data.items():
        for order in ds.orders.values():
            login = normalise_login(str(order.get("buyer_info", {}).get("login_id", "")))
            orders[login].add((store_id, int(order["id"])))
        for record in ds.issues:
            login = normalise_login(str(record.detail["buyer_login_id"]))
            disputes[login] += 1
            stores[login].add(store_id)
    return {login: BuyerHistory(orders=max(len(orders[login]), n), disputes=n,
                                stores=len(stores[login]))
            for login, n in disputes.items()}


def _cases(seed: int) -> Iterator[tuple[IssueRecord, dict[str, Any]]]:
    data = generate(seed=seed, now=NOW)
    histories = _histories(data)
    for ds in data.values():
        for record in ds.issues:
            detail = record.detail
            order = ds.orders[detail["parent_order_id"]]
            shipped = order["logistic_info_list"][0]["logistics_no"]
            history = histories[normalise_login(detail["buyer_login_id"])]
            yield record, {
                "dispute": detail,
                "order": order,
                "tracking": {"source": "aliexpress", "logistics_no": shipped,
                             "details": ds.tracking.get(shipped, [])},
                "buyer_history": {"orders": history.orders, "disputes": history.disputes,
                                  "stores": history.stores},
            }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13, 14])
    parser.add_argument("--misses", type=int, default=0, help="print this many misclassified")
    args = parser.parse_args()

    pairs: list[tuple[str, str]] = []
    misses: list[tuple[str, str, Classification, dict[str, Any]]] = []
    for seed in args.seeds:
        for record, obj in _cases(seed):
            if len(pairs) >= args.disputes:
                break
            result = classification_of(obj, NOW)
            predicted = _label(result)
            pairs.append((record.truth, predicted))
            if predicted != record.truth:
                misses.append((record.truth, predicted, result, obj))
    labels = [str(c) for c in DisputeClass] + [PERSONAL]
    _print_matrix(pairs, labels)
    for truth, predicted, result, obj in misses[:args.misses]:
        print(f"\n--- truth {truth} predicted {predicted} ({result.confidence})")
        print("  reasons:", *result.reasons, sep="\n    ")
        detail = obj["dispute"]
        print("  reason:", detail["issue_reason"], "| status:", detail["reverse_detail_status"])
        for p in detail["process_dto_list"]:
            if p["submit_member_type"] == "buyer":
                print(f"  buyer {p['action_type']}: {p['content']!r} receive={p['receive_goods']}"
                      f" att={len(p['attachments'])} video={p['has_buyer_video']}")
        events = obj["tracking"]["details"]
        print("  tracking:", [(e["event_date"], e["action_code"], e["event_desc"])
                              for e in events[-3:]])
        print("  history:", obj["buyer_history"])
    return 0


def _print_matrix(pairs: list[tuple[str, str]], labels: list[str]) -> None:
    counts = Counter(pairs)
    width = max(len(label) for label in labels)
    print(f"Classifier on {len(pairs)} simulator disputes (rows: truth, columns: predicted)\n")
    print(" " * width, *(f"{SHORT[c]:>10}" for c in labels), f"{'recall':>8}")
    for truth in labels:
        row = [counts[(truth, p)] for p in labels]
        total = sum(row)
        recall = f"{counts[(truth, truth)] / total:8.1%}" if total else f"{'-':>8}"
        print(f"{truth:<{width}}", *(f"{n:>10}" for n in row), recall)
    correct = sum(counts[(label, label)] for label in labels)
    print(f"\naccuracy {correct / len(pairs):.1%} ({correct}/{len(pairs)})")
    print("\nper class accuracy (recall) / precision:")
    for label in labels:
        total = sum(counts[(label, p)] for p in labels)
        predicted = sum(counts[(t, label)] for t in labels)
        hit = counts[(label, label)]
        recall = hit / total if total else float("nan")
        precision = hit / predicted if predicted else float("nan")
        print(f"  {label:<{width}}  n={total:<4} recall {recall:6.1%}  precision {precision:6.1%}")


if __name__ == "__main__":
    raise SystemExit(main())
