"""Run every benchmark and print ONE table: each figure with what it is measured against.

    .venv/bin/python bench/run_all.py            # the full run (~12-15 min on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # a smoke pass (~2-3 min): every row, small work
    .venv/bin/python bench/run_all.py --only workbook triage

The full run writes the table, the machine (cores, RAM, CPU model, Python) and the date to
``bench/latest.md`` with each benchmark's notes (workload, every run). A quick pass writes
only where ``--output`` says: its figures are not worth keeping. Timings are medians of
several runs; the verdicts lean on ratios, which hold on a noisy machine better than
seconds do.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the benchmarks import each other as plain modules
    sys.path.insert(0, str(HERE))

import analytics  # noqa: E402
import calibration  # noqa: E402
import daily_run  # noqa: E402
import hostile_text  # noqa: E402
import incremental_sync  # noqa: E402
import sync_throughput  # noqa: E402
import triage  # noqa: E402
import workbook  # noqa: E402
from _common import Result, Row, machine, table  # noqa: E402

BENCHMARKS = {
    "sync_throughput": sync_throughput.run,
    "incremental_sync": incremental_sync.run,
    "daily_run": daily_run.run,
    "analytics": analytics.run,
    "workbook": workbook.run,
    "triage": triage.run,
    "calibration": calibration.run,
    "hostile_text": hostile_text.run,
}

#: The rows every run must print (the smoke test checks them), by benchmark.
ROWS = {
    "sync_throughput": ["Sync, 6 stores at once", "Sync, 1 store",
                        "Sync, naive sequential client"],
    "incremental_sync": ["Incremental sync, 0% changed", "Incremental sync, 1% changed",
                         "Incremental sync, 10% changed", "Incremental sync, 100% changed"],
    "daily_run": ["Daily run, 1 store", "Daily run, 3 stores",  # + 6, 12 in a full run
                  "Daily run, per store breakdown"],
    "analytics": ["Analytics, smaller scale", "Analytics, full size"],
    "workbook": ["Workbook, filter + redraw, 10,000 open",
                 "Workbook, filter + redraw, 100,000 open",
                 "Queue table, redraw, 10,000 open", "Queue table, redraw, 100,000 open"],
    "triage": ["Triage, speed", "Triage, accuracy"],
    "calibration": ["Calibration, 1,000,000 closed disputes"],
    "hostile_text": ["Classification, long buyer text"],
}


def markdown(results: list[Result], about: dict[str, str], quick: bool, seconds: float) -> str:
    rows = [row for r in results for row in r.rows]
    lines = [
        "# disputekit benchmarks" + (" (quick smoke pass: figures not meaningful)" if quick
                                     else ""),
        "",
        "Written by `make bench` (`bench/run_all.py`). Medians of several runs; the verdicts",
        "lean on ratios. Read `bench/README.md` for what each row measures.",
        "",
        *[f"- {key}: {value}" for key, value in about.items()],
        f"- total time: {seconds / 60:.1f} min",
        "",
        table(rows),
        "",
        "## Notes",
    ]
    for result in results:
        lines += ["", f"### {result.name} ({result.seconds:.0f} s)", ""]
        lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke pass")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path,
                        help="where to write the markdown (default: bench/latest.md for a "
                             "full run of everything, nowhere for --quick or --only)")
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)
    output = args.output or (HERE / "latest.md" if not args.quick and not args.only else None)

    about = machine()
    print("disputekit benchmarks" + (" (quick)" if args.quick else ""), flush=True)
    for key, value in about.items():
        print(f"  {key}: {value}")
    started = time.perf_counter()
    results: list[Result] = []
    failed = False
    for name in names:
        print(f"\n== {name}", flush=True)
        began = time.perf_counter()
        try:
            result = BENCHMARKS[name](args.quick)
        except Exception as exc:  # one benchmark failing must not hide the others' rows
            failed = True
            traceback.print_exc()
            result = Result(name, rows=[Row(row, "—", "—", f"FAILED: {exc.__class__.__name__}: "
                                            f"{str(exc)[:120]}") for row in ROWS[name]])
        result.seconds = time.perf_counter() - began
        print(f"   ({result.seconds:.0f} s)", flush=True)
        results.append(result)
    seconds = time.perf_counter() - started

    print()
    print(table([row for r in results for row in r.rows]))
    print(f"\n{about['cores']}, {about['ram']}, {about['cpu']}, {about['python']}; "
          f"{seconds / 60:.1f} min")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(markdown(results, about, args.quick, seconds), encoding="utf-8")
        print(f"written: {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
