"""``disputekit``: the command line. A thin layer over package functions; the only place
that configures logging."""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

import click
import httpx

from disputekit.adapters.workspace import Workspace
from disputekit.errors import DisputeKitError
from disputekit.run.store_run import RunSummary

DEMO_PORT = 8765


class _Finite(click.FloatRange):
    """A float in range and finite: click's ``FloatRange`` lets ``nan`` through (every
    comparison with it is false), and ``inf`` or ``1e300`` where it has no maximum."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        number: float = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


PORT = click.IntRange(1, 65535)
SHARE = _Finite(0.0, 1.0)  # a share of calls: 0 (never) to 1 (every call)
DAYS = _Finite(0.0, 3650.0)  # the simulator's clock moves forward, ten years at most
SECONDS = _Finite(0.0, 86_400.0, min_open=True)  # a wait or a timeout: up to a day


def _workspace(home: str | None) -> Workspace:
    if home is None:
        return Workspace.discover()
    if not Path(home).is_dir():  # a typo would otherwise grow a new, empty workspace there
        raise click.BadParameter(f"{home!r} is not a folder; give the workspace's (the one "
                                 "holding parameters/ and notebooks/)", param_hint="--home")
    return Workspace.at(Path(home))


class _Commands(click.Group):
    """Database failures as one clear line, not a traceback (which can be long, and says
    nothing about what to change)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DisputeKitError as exc:  # a bad DISPUTEKIT_DB_URL met on the way, say
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import SQLAlchemyError

            if not isinstance(exc, SQLAlchemyError):
                raise
            url = os.environ.get("DISPUTEKIT_DB_URL", "")
            try:  # the URL's password never reaches the terminal or a log
                where = make_url(url).render_as_string(hide_password=True) if url \
                    else "data/disputekit.sqlite"
            except Exception:  # noqa: BLE001 - an unparsable URL: say so, not what it is
                where = "DISPUTEKIT_DB_URL (not a valid database URL)"
            said = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(
                f"cannot use the database {where}: {said}. Check DISPUTEKIT_DB_URL (is the "
                "server running and reachable?) or unset it to use data/disputekit.sqlite"
            ) from None


@click.group(cls=_Commands)
@click.option("-v", "--verbose", is_flag=True, help="Log more (never credentials).")
def main(verbose: bool) -> None:
    """disputekit: one queue of AliExpress disputes across every store."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; ours carry no secret in the URL except the
    # token in `session`, so keep httpx quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@main.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="A loopback address; any other needs --allow-remote.")
@click.option("--port", default=DEMO_PORT, show_default=True, type=PORT)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--qps", default=250.0, show_default=True, type=_Finite(0.0, 1e6, min_open=True),
              help="Calls per second per app key before ApiCallLimit.")
@click.option("--allow-remote", is_flag=True,
              help="Listen on a non-loopback --host (its /admin panel has no password).")
@click.pass_context
def simulator(ctx: click.Context, host: str, port: int, seed: int, qps: float,
              allow_remote: bool) -> None:
    """Serve the AliExpress Open Platform simulator (three demo stores).

    Subcommands talk to a running simulator: advance its clock, switch faults on, expire a
    store's token, show its state.
    """
    ctx.obj = {"url": f"http://127.0.0.1:{port}"}
    if ctx.invoked_subcommand is not None:
        return
    from disputekit.simulator.app import check_loopback, serve

    try:
        check_loopback(host, allow_remote=allow_remote)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"simulator on http://{host}:{port}/sync (seed {seed}); Ctrl-C stops it")
    serve(host=host, port=port, seed=seed, qps=qps, allow_remote=allow_remote)


def _admin(ctx: click.Context, path: str, body: dict[str, object] | None = None) -> None:
    url = ctx.obj["url"] + path
    try:
        response = httpx.post(url, json=body, timeout=60) if body is not None \
            else httpx.get(url, timeout=60)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"no simulator at {ctx.obj['url']} ({exc}); start it with "
                                   "`disputekit simulator --port N`") from None
    if response.status_code != 200:
        raise click.ClickException(response.json().get("error", response.text))
    click.echo(json.dumps(response.json(), indent=2))


@simulator.command("advance")
@click.option("--days", default=0.0, type=DAYS)
@click.option("--hours", default=0.0, type=_Finite(0.0, 3650.0 * 24))
@click.pass_context
def simulator_advance(ctx: click.Context, days: float, hours: float) -> None:
    """Move the simulator's clock forward: timers fire, buyers react, the platform rules."""
    _admin(ctx, "/admin/clock", {"days": days, "hours": hours})


@simulator.command("faults")
@click.option("--isp-error", default=0.0, type=SHARE, help="Share of calls answering code 15.")
@click.option("--http-5xx", default=0.0, type=SHARE, help="Share of calls answering HTTP 502.")
@click.option("--slow", default=0.0, type=SHARE, help="Share of calls answering late.")
@click.option("--slow-seconds", default=2.0, type=_Finite(0.0, 600.0),
              help="How late a slow answer comes, in seconds (at most 600).")
@click.option("--truncated", default=0.0, type=SHARE, help="Share of calls cut off.")
@click.option("--expire-token-after", default=None, type=click.IntRange(min=1),
              help="A store's token expires after this many calls.")
@click.pass_context
def simulator_faults(ctx: click.Context, isp_error: float, http_5xx: float, slow: float,
                     slow_seconds: float, truncated: float,
                     expire_token_after: int | None) -> None:
    """Switch fault injection on (all zero: off)."""
    _admin(ctx, "/admin/faults", {
        "isp_error": isp_error, "http_5xx": http_5xx, "slow": slow,
        "slow_seconds": slow_seconds, "truncated": truncated,
        "expire_token_after": expire_token_after,
    })


@simulator.command("expire-token")
@click.argument("store")
@click.pass_context
def simulator_expire(ctx: click.Context, store: str) -> None:
    """Expire a store's access token now (the client must refresh or say re-authorise)."""
    _admin(ctx, "/admin/expire-token", {"store": store})


@simulator.command("state")
@click.pass_context
def simulator_state(ctx: click.Context) -> None:
    """The simulator's clock and disputes by status."""
    _admin(ctx, "/admin/state")


@main.command()
@click.option("--store", "stores", multiple=True, help="Store id (repeatable); default all.")
@click.option("--jobs", default=4, show_default=True, type=click.IntRange(min=1),
              help="Stores synced at once (they share each app key's request budget).")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def sync(stores: tuple[str, ...], jobs: int, home: str | None) -> None:
    """Sync disputes, orders and tracking of the stores into the database."""
    from disputekit.adapters.db.database import Database
    from disputekit.adapters.parameters import load_all, load_store
    from disputekit.services.store_day import connect
    from disputekit.services.sync import sync_stores

    ws = _workspace(home)
    try:
        chosen = [load_store(s, ws.parameters_dir) for s in stores] if stores \
            else load_all(ws.parameters_dir)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        db = Database.open(ws.db_url)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    results = sync_stores(chosen, connect, db, jobs=jobs, progress=sys.stderr.isatty())
    failed = False
    for store_id, result in results.items():
        if isinstance(result, DisputeKitError):
            failed = True
            click.echo(f"{store_id}: FAILED: {result}", err=True)
        else:
            click.echo(result.summary())
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--store", "stores", multiple=True, help="Store id (repeatable); default all.")
@click.option("--date", "run_date", default=None, help="Run date YYYY-MM-DD (default today).")
@click.option("--jobs", default=None, type=click.IntRange(min=1),
              help="Stores run at once, each in its own process [default: cores].")
@click.option("--execution-timeout", default=900.0, show_default=True, type=SECONDS,
              help="Seconds one notebook cell may run.")
@click.option("--start-timeout", default=120.0, show_default=True, type=SECONDS,
              help="Seconds a kernel may take to start.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def run(stores: tuple[str, ...], run_date: str | None, jobs: int | None,
        execution_timeout: float, start_timeout: float, home: str | None) -> None:
    """Run every store's notebook with Papermill and publish the reports."""
    _run(_workspace(home), stores, run_date, jobs=jobs, execution_timeout=execution_timeout,
         start_timeout=start_timeout)


def _run(ws: Workspace, stores: tuple[str, ...], run_date: str | None, *,
         jobs: int | None = None, execution_timeout: float = 900.0,
         start_timeout: float = 120.0) -> None:
    from disputekit.run.runner import run_stores

    day = _date(run_date) if run_date else None
    summary = run_stores(ws, stores or None, day, jobs=jobs, start_timeout=start_timeout,
                         execution_timeout=execution_timeout)
    _print_summary(summary)


@main.command()
@click.option("--date", "run_date", required=True, help="Run date YYYY-MM-DD.")
@click.option("--store", "stores", multiple=True, help="Store id (repeatable); default all.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def report(run_date: str, stores: tuple[str, ...], home: str | None) -> None:
    """Publish the reports of notebooks that ran elsewhere (the Airflow DAG's last task).

    Renders each runs/<date>/<store>.ipynb to reports/<date>/<store>.html and writes the
    portfolio page reports/<date>/index.html, as `disputekit run` does after its stores.
    Exits 1 when a store's notebook is missing or stopped on an error (the page says which).
    """
    from disputekit.run.runner import report_stores

    day = _date(run_date)
    summary = report_stores(_workspace(home), day, stores or None)
    _print_summary(summary)


def _date(run_date: str) -> date:
    try:
        return date.fromisoformat(run_date)
    except ValueError:
        raise click.BadParameter(f"{run_date!r} is not a date like 2026-11-28",
                                 param_hint="--date") from None


def _print_summary(summary: RunSummary) -> None:
    """The stores' table, their errors on stderr, the page; exit 1 if a store failed."""
    click.echo(f"{'store':<10} {'status':<7} {'open':>5} {'due<24h':>8} {'time':>6}")
    for r in summary.runs:
        note = " (kernel died once; re-run)" if r.retried else ""
        click.echo(f"{r.store_id:<10} {r.status:<7} {_n(r.open_disputes):>5} "
                   f"{_n(r.due_today):>8} {r.duration:>5.0f}s{note}")
        if r.error:
            where = f" (log: {r.log})" if r.log else ""
            click.echo(f"  {r.error}{where}", err=True)
    if summary.index_error:
        click.echo(summary.index_error, err=True)
    else:
        click.echo(f"reports: {summary.index}")
    sys.exit(0 if summary.ok else 1)


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


@main.command()
@click.option("--port", default=DEMO_PORT, show_default=True, type=PORT)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def demo(port: int, seed: int, home: str | None) -> None:
    """Start the simulator, run every demo store, print where the reports are."""
    ws = _workspace(home)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise click.ClickException(
                f"port {port} is already in use: stop what is listening there (an earlier "
                "simulator?) or run the demo with --port and matching parameters")
    server = subprocess.Popen(
        [sys.executable, "-m", "disputekit", "simulator", "--port", str(port),
         "--seed", str(seed)],
        stdout=subprocess.DEVNULL, env=os.environ.copy(),
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/health", server)
        click.echo(f"simulator up on 127.0.0.1:{port} (seed {seed}); running the stores…")
        _run(ws, (), None)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException("the simulator exited before it was ready")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the simulator did not answer on {url} within {seconds:.0f} s")


@main.command("webhook-17track")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback unless --allow-remote).")
@click.option("--port", default=8787, show_default=True, type=PORT)
@click.option("--path", "push_path", default="/17track/push", show_default=True,
              help="Where 17TRACK POSTs (the path of the dashboard's WebHook URL).")
@click.option("--store", "stores", multiple=True,
              help="Store id (repeatable); default every store with 17TRACK parameters.")
@click.option("--allow-remote", is_flag=True, help="Listen on a non-loopback interface.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def webhook_17track(host: str, port: int, push_path: str, stores: tuple[str, ...],
                    allow_remote: bool, home: str | None) -> None:
    """Receive 17TRACK's pushes: check their signature, store their tracking.

    See docs/seventeentrack.md."""
    import uvicorn

    from disputekit.adapters.db.database import Database
    from disputekit.adapters.parameters import load_all, load_store
    from disputekit.run.webhook import check_loopback, create_webhook_app, keys_of

    ws = _workspace(home)
    try:
        check_loopback(host, allow_remote=allow_remote)
        chosen = [load_store(s, ws.parameters_dir) for s in stores] if stores \
            else load_all(ws.parameters_dir)
        keys = keys_of(chosen)
        db = Database.open(ws.db_url)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    served = sorted(store.store_id for group in keys.values() for store in group)
    click.echo(f"17TRACK receiver on http://{host}:{port}{push_path} for {', '.join(served)}; "
               "Ctrl-C stops it")
    try:
        uvicorn.run(create_webhook_app(db, keys, push_path), host=host, port=port,
                    log_level="warning")
    finally:
        db.dispose()


@main.command()
@click.option("--store", "store_id", required=True, help="The store to check.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def smoke(store_id: str, home: str | None) -> None:
    """Read-only check of a store's connection: list, one detail, its order. Changes nothing
    on the platform and writes nothing locally; safe against the real gateway."""
    from disputekit.adapters.parameters import load_store
    from disputekit.services.store_day import connect

    ws = _workspace(home)
    try:
        store = load_store(store_id, ws.parameters_dir)
        with connect(store) as client:
            total, first = client.issue_page(1, 5)
            click.echo(f"{store_id}: {store.api.base_url} answered; {total} disputes listed")
            if first:
                detail, _ = client.issue_detail(first[0].issue_id, first[0].buyer_login_id)
                order, _ = client.order(detail.parent_order_id)
                click.echo(f"{store_id}: dispute {detail.id} ({detail.issue_status}) read; "
                           f"order {order.id} read with {len(order.logistic_info_list)} "
                           "shipment(s)")
    except DisputeKitError as exc:
        raise click.ClickException(f"{store_id}: {exc}") from None
    click.echo(f"{store_id}: ok")


@main.command()
@click.option("--input", "input_path", required=True,
              type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="JSON lines: dispute, order, tracking, buyer_history (examples/README.md).")
@click.option("--output", "output_path", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write (a new file, or one replaced whole); - = stdout.")
@click.option("--now", "now_text", default=None, help="The clock, UTC ISO 8601 (default: now).")
@click.option("--blocklist", "blocklist_path", default=None,
              type=click.Path(exists=True, dir_okay=False), help="Buyer logins, one a line.")
@click.option("--legacy-escalation", is_flag=True,
              help="Date the platform's intervention by the legacy 16-day rule.")
def triage(input_path: str, output_path: str, now_text: str | None,
           blocklist_path: str | None, legacy_escalation: bool) -> None:
    """Classify a batch of disputes, with deadlines, options and a recommendation each.

    A malformed line gets an error object naming the line and the field; the others are
    still triaged. Exit code 1 when any line was refused.
    """
    from datetime import UTC, datetime

    from disputekit.domain.buyers import read_blocklist
    from disputekit.domain.deadlines import EscalationRule
    from disputekit.wire.records import triage_lines

    try:
        now = datetime.fromisoformat(now_text.replace("Z", "+00:00")) if now_text \
            else datetime.now(UTC)
    except ValueError:
        raise click.BadParameter(f"{now_text!r} is not a time like 2026-11-28T00:00:00Z",
                                 param_hint="--now") from None
    if now.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-28T00:00:00Z",
                                 param_hint="--now")
    try:
        blocklist = read_blocklist(
            Path(blocklist_path).read_text(encoding="utf-8").splitlines()) \
            if blocklist_path else frozenset()
    except UnicodeDecodeError:
        raise click.BadParameter("the blocklist is not UTF-8 text; save it as UTF-8",
                                 param_hint="--blocklist") from None
    rule = EscalationRule.LEGACY if legacy_escalation else EscalationRule.CURRENT
    _check_triage_output(input_path, output_path)
    refused = 0
    # Binary: each line is decoded on its own, so one line in another encoding is refused
    # alone instead of ending the run with a traceback. A file output is written beside
    # itself and renamed at the end: whole or not at all.
    try:
        with click.open_file(input_path, "rb") as source, _triage_sink(output_path) as sink:
            for result in triage_lines(source, now, blocklist=blocklist, escalation_rule=rule):
                if "error" in result:
                    refused += 1
                    click.echo(f"line {result['line']}: {result['error']}", err=True)
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    except DisputeKitError as exc:  # the output could not be written whole
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the input could not be read to its end
        raise click.ClickException(f"{input_path}: cannot be read ({exc.strerror or exc})"
                                   ) from None
    sys.exit(1 if refused else 0)


def _check_triage_output(input_path: str, output_path: str) -> None:
    """Refuse an output that is the input (it would replace what is being read) or that is
    in a folder that does not exist: one line, before anything is read."""
    if output_path == "-":
        return
    output = Path(output_path)
    if input_path != "-" and output.exists() and output.resolve() == Path(input_path).resolve():
        raise click.BadParameter("is the input file; write the verdicts to another file",
                                 param_hint="--output")
    if not output.parent.is_dir():
        raise click.BadParameter(f"the folder {str(output.parent)!r} does not exist; create it "
                                 "or write elsewhere", param_hint="--output")


@contextmanager
def _triage_sink(output_path: str) -> Iterator[IO[str]]:
    if output_path == "-":
        with click.open_file("-", "w", encoding="utf-8") as sink:
            yield sink
        return
    from disputekit.adapters import atomic_files

    with atomic_files.replacing(Path(output_path)) as partial, \
            partial.open("w", encoding="utf-8") as sink:
        yield sink


@main.command()
@click.option("--at", "at", default="06:30", show_default=True,
              help="Daily time, HH:MM (the machine's local time).")
@click.option("--jobs", default=None, type=click.IntRange(min=1),
              help="Stores run at once [default: cores].")
@click.option("--env-file", default=None, type=click.Path(dir_okay=False),
              help="A file of KEY=value credentials sourced before the run (never the "
                   "crontab itself).")
@click.option("--install", is_flag=True, help="Install the line in this user's crontab.")
@click.option("--systemd", is_flag=True, help="Print a systemd service and timer instead.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def schedule(at: str, jobs: int | None, env_file: str | None, install: bool, systemd: bool,
             home: str | None) -> None:
    """Print (or install) the daily scheduled run: a crontab line or systemd units."""
    from disputekit.errors import ConfigError
    from disputekit.run.schedule import (
        crontab_line,
        install_crontab,
        scheduled_db_url,
        systemd_units,
    )

    ws = _workspace(home)
    python = Path(sys.executable)  # not resolved: a venv's python link keeps its packages
    env = Path(env_file) if env_file else None
    try:
        # The team's database goes with the run (without its password: see schedule.py).
        db_url = os.environ.get("DISPUTEKIT_DB_URL") or None
        if db_url and env is not None and scheduled_db_url(db_url, env) is None:
            click.echo("note: DISPUTEKIT_DB_URL holds a password, so it is not written here; "
                       f"set it in {env} (or use ~/.pgpass)", err=True)
        if systemd:
            for name, text in systemd_units(ws.root, python, at, env, jobs, db_url).items():
                click.echo(f"# ~/.config/systemd/user/{name}\n{text}")
            click.echo("# then: systemctl --user daemon-reload && "
                       "systemctl --user enable --now disputekit.timer")
            return
        line = crontab_line(ws.root, python, at, jobs=jobs, env_file=env, db_url=db_url)
        if install:
            install_crontab(line)
            click.echo(f"installed in your crontab:\n{line}")
        else:
            click.echo(line)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def db() -> None:
    """The database's schema: where it is, and bringing it up to date.

    Opening a database upgrades it anyway; run `db upgrade` after installing a new
    disputekit to do it once, by hand, before the team's notebooks and the schedule do.
    """


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db.command("current")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def db_current(home: str | None) -> None:
    """Print the database's schema revision (changes nothing)."""
    from disputekit.adapters.db import migrations
    from disputekit.adapters.db.urls import check_url

    ws = _workspace(home)
    try:
        check_url(ws.db_url)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        found = migrations.inspect_url(ws.db_url)
    except Exception as exc:  # the server unreachable, a bad URL: say which database
        raise click.ClickException(f"{_shown(ws.db_url)}: {type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0]}") from None
    click.echo(f"{_shown(ws.db_url)}: {migrations.describe(found)}")


@db.command("upgrade")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def db_upgrade(home: str | None) -> None:
    """Create the schema or bring it to the newest revision (safe to run twice, or from
    several machines at once)."""
    from disputekit.adapters.db import migrations
    from disputekit.adapters.db.database import Database

    ws = _workspace(home)
    try:
        before = migrations.inspect_url(ws.db_url)
        Database.open(ws.db_url).dispose()
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    was = before.current if before and before.current else \
        ("unstamped tables" if before and before.legacy else "none")
    click.echo(f"{_shown(ws.db_url)}: at revision {migrations.head()} (was {was})")


@main.command()
@click.option("--policy", "policy_path", required=True, type=click.Path(dir_okay=False),
              help="YAML: per class, the action (and share or counter_offer) to replay.")
@click.option("--store", "store_id", default=None, help="Store id; default all stores.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 36_500),
              help="Replay the closed disputes opened in the last N days.")
@click.option("--draws", default=2000, show_default=True, type=click.IntRange(min=100),
              help="Monte Carlo draws behind each interval.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="The draws' seed: the same seed prints the same figures.")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def whatif(policy_path: str, store_id: str | None, days: int, draws: int, seed: int,
           home: str | None) -> None:
    """What the last N days' disputes would have cost under another policy: money lost,
    arbitrations and dispute rate, today's policy and the alternative side by side, with
    90 % intervals from the store's calibrated odds.

    \b
    Policy file example:
      name: settle stalled parcels
      classes:
        stalled_in_transit: {action: partial_refund, share: 0.3}
        delivered_disputed: refuse
    """
    from disputekit.adapters.db.database import Database
    from disputekit.adapters.parameters import load_all, load_store
    from disputekit.adapters.policy import load_policy
    from disputekit.domain.platform_time import utc_now
    from disputekit.services.whatif import compare_stored

    ws = _workspace(home)
    try:
        policy = load_policy(Path(policy_path))
        if store_id is not None:
            load_store(store_id, ws.parameters_dir)  # an unknown store: one line, the known
        stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
        db = Database.open(ws.db_url)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        comparison = compare_stored(db, policy, now=utc_now(), days=days, store_id=store_id,
                                    stores=stores, draws=draws, seed=seed)
    except DisputeKitError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.dispose()
    click.echo(comparison.table())


@main.command("check-params")
@click.option("--home", default=None, help="Workspace folder (default: found from here).")
def check_params(home: str | None) -> None:
    """Validate every parameters/<store>.yaml and report what is wrong."""
    from disputekit.adapters.parameters import load_file, store_files

    ws = _workspace(home)
    bad = 0
    for path in store_files(ws.parameters_dir):
        try:
            store = load_file(path)
            click.echo(f"ok      {path.name}: {store.name}")
        except DisputeKitError as exc:
            bad += 1
            click.echo(f"invalid {exc}", err=True)
    sys.exit(1 if bad else 0)
