"""What the benchmarks share: rows of the one table, medians, the machine, a slow simulator.

Not a benchmark itself. Every ``bench/<name>.py`` has ``run(quick) -> Result`` (used by
``run_all.py``) and runs on its own too: ``.venv/bin/python bench/<name>.py [--quick]``.
"""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    """One line of the table: a figure and what it is measured against."""

    benchmark: str
    figure: str
    compared: str
    verdict: str


@dataclass
class Result:
    """A benchmark's rows, plus notes (workload, every run) for ``latest.md``."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  {text}", flush=True)


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def spread(values: Iterable[float], fmt: str = "{:.2f}") -> str:
    """Every run, for the notes: the median alone hides how noisy the machine was."""
    return "[" + ", ".join(fmt.format(v) for v in values) + "]"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def ok_or_not(passed: bool, good: str = "meets target", bad: str = "MISSES target") -> str:
    return good if passed else bad


def table(rows: list[Row]) -> str:
    """The one table, as GitHub markdown (readable as plain text too)."""
    head = ("benchmark", "figure", "compared with", "verdict")
    cells = [head, *[(r.benchmark, r.figure, r.compared, r.verdict) for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = []
    for n, c in enumerate(cells):
        lines.append("| " + " | ".join(c[i].ljust(widths[i]) for i in range(4)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def standalone(run: Callable[[bool], Result]) -> int:
    """``main`` of a benchmark file run on its own: its rows as a table."""
    quick = "--quick" in sys.argv[1:]
    print(f"{Path(sys.argv[0]).stem}: {'quick smoke pass' if quick else 'full run'}", flush=True)
    result = run(quick)
    print()
    print(table(result.rows))
    return 0


# --------------------------------------------------------------------------- the machine


def machine() -> dict[str, str]:
    """Cores, RAM, CPU model, Python: printed above every table."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
        ram = f"{ram_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": f"{cores} usable ({os.cpu_count()} online)",
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min, at start)",
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory so far.

    ``VmHWM`` (Linux), not ``ru_maxrss``: a child started from a big process reports the
    parent's size in ``ru_maxrss`` (kept across fork and exec), ``VmHWM`` its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """This process's resident memory now."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return peak_rss_mib()


# --------------------------------------------------------------------------- the simulator


class Latency:
    """ASGI middleware: every HTTP request waits ``seconds`` before reaching the app, as a
    request to Singapore would. Counts requests (attempts, including rate-limited ones)."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
            if self.seconds:
                await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


@dataclass
class Served:
    """A simulator served on loopback from a thread, behind the latency middleware."""

    gateway: Any
    app: Latency
    server: Any
    thread: threading.Thread
    port: int

    @property
    def sync_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sync"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(gateway: Any, latency: float = 0.0) -> Served:
    """``create_app(gateway)`` wrapped in :class:`Latency`, served by uvicorn in a thread
    (uvicorn binds 127.0.0.1 port 0 itself; the port is read back from its socket)."""
    import uvicorn

    from disputekit.simulator.app import create_app

    app = Latency(create_app(gateway), latency)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="bench-simulator")
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the simulator could not listen on 127.0.0.1")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Served(gateway, app, server, thread, port)


def anchor() -> datetime:
    """The simulator's 'now': this hour, so deadlines are meaningful against the clock."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def made_up_stores(stores: Iterable[Any], sync_url: str) -> tuple[list[Any], dict[str, str]]:
    """``StoreParameters`` for ``make_stores`` stores, and the environment (a mapping, not
    ``os.environ``) their credentials are read from."""
    from disputekit.adapters.parameters import parse_store
    from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET

    env = {"BENCH_APP_KEY": DEMO_APP_KEY, "BENCH_APP_SECRET": DEMO_APP_SECRET}
    params = []
    for demo in stores:
        up = demo.store_id.upper()
        env[f"BENCH_{up}_TOKEN"] = demo.access_token
        params.append(parse_store({
            "store_id": demo.store_id, "name": demo.name,
            "api": {"base_url": sync_url, "app_key_env": "BENCH_APP_KEY",
                    "app_secret_env": "BENCH_APP_SECRET",
                    "access_token_env": f"BENCH_{up}_TOKEN"},
        }, "bench"))
    return params, env


def connector(env: Mapping[str, str], budget: Any = None) -> Callable[[Any], Any]:
    """A ``connect`` for ``sync_stores``: every client shares ``budget`` (None: no limit)."""
    from disputekit.adapters.aliexpress import AliExpressClient, RequestBudget

    shared = budget if budget is not None else RequestBudget(None)

    def connect(store: Any) -> Any:
        return AliExpressClient(base_url=store.api.base_url, credentials=store.credentials(env),
                                store_id=store.store_id, timeout=store.api.timeout_seconds,
                                budget=shared)

    return connect


# --------------------------------------------------------------------------- the simulator,
# in its own process


class _Counting:
    """ASGI middleware of the simulator process, since a sync's client cannot see what the
    gateway saw: ``GET /bench/counts`` answers the requests seen (attempts) and answered;
    ``GET /bench/methods`` the answered calls by method; ``POST /bench/touch`` (JSON
    ``{"store", "ids", "minutes"}``) changes those disputes on the platform, moving
    ``gmt_modified`` of summary and detail to ``minutes`` past the business clock."""

    def __init__(self, app: Latency, gateway: Any) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/bench/"):
            await self.app(scope, receive, send)
            return
        import json

        answer: Any
        if scope["path"] == "/bench/counts":
            answer = {"requests": self.app.requests, "answered": len(self.gateway.call_log)}
        elif scope["path"] == "/bench/methods":
            answer = Counter(method for method, _ in self.gateway.call_log)
        else:  # /bench/touch
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            answer = {"touched": self._touch(**json.loads(body))}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    def _touch(self, store: str, ids: list[int], minutes: int) -> int:
        from datetime import timedelta

        from disputekit.domain.platform_time import to_pacific_string

        stamp = to_pacific_string(self.gateway.now + timedelta(minutes=minutes))
        records = self.gateway.lifecycle.index[store]
        for issue_id in ids:
            records[issue_id].summary["gmt_modified"] = stamp
            records[issue_id].detail["gmt_modified"] = stamp
        return len(ids)


@dataclass
class ServedProcess:
    """A simulator served from a child process (``serve_process``)."""

    process: Any
    port: int

    @property
    def sync_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sync"

    def counts(self) -> dict[str, int]:
        import httpx

        counts: dict[str, int] = httpx.get(f"http://127.0.0.1:{self.port}/bench/counts",
                                           timeout=30).json()
        return counts

    def methods(self) -> Counter[str]:
        """The calls the gateway answered so far, by method."""
        import httpx

        return Counter(httpx.get(f"http://127.0.0.1:{self.port}/bench/methods",
                                 timeout=30).json())

    def touch(self, store_id: str, ids: list[int], minutes: int) -> None:
        """Change these disputes on the platform (``gmt_modified`` moved forward)."""
        import httpx

        httpx.post(f"http://127.0.0.1:{self.port}/bench/touch", timeout=60,
                   json={"store": store_id, "ids": ids, "minutes": minutes}).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a stuck child must not hang the benchmarks
            self.process.kill()

    def __enter__(self) -> ServedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_process(*, seed: int, stores: int, disputes: int, qps: float | None,
                  latency: float, frozen: bool = False) -> ServedProcess:
    """The simulator (``make_stores(stores)``, ``disputes`` each) behind :class:`Latency`,
    served by uvicorn in a child process. The real gateway is another machine: served from
    the benchmark's own process, its work would compete with the client's for one GIL and
    bunch its arrivals, which trips a per-second limit the client keeps to. ``frozen``: the
    business clock stands still, so no dispute changes by itself."""
    import subprocess

    args = [sys.executable, str(Path(__file__).resolve()), "--serve", str(seed), str(stores),
            str(disputes), "none" if qps is None else str(qps), str(latency),
            "frozen" if frozen else "running"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # the child prints its port once it listens
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"the simulator process did not start (said {line!r})")
    return ServedProcess(process, int(line))


def _serve_child(seed: int, stores: int, disputes: int, qps: float | None,
                 latency: float, frozen: bool) -> None:
    import uvicorn

    from disputekit.simulator.app import create_app
    from disputekit.simulator.dataset import make_stores
    from disputekit.simulator.gateway import Gateway

    stopped = time.time()
    gateway = Gateway(seed=seed, now=anchor(), stores=make_stores(stores),
                      disputes_per_store=disputes, qps=qps,
                      **({"clock": lambda: stopped} if frozen else {}))
    app = _Counting(Latency(create_app(gateway), latency), gateway)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    print(server.servers[0].sockets[0].getsockname()[1], flush=True)
    thread.join()


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    seed_, stores_, disputes_, qps_, latency_, clock_ = sys.argv[2:8]
    _serve_child(int(seed_), int(stores_), int(disputes_),
                 None if qps_ == "none" else float(qps_), float(latency_), clock_ == "frozen")
