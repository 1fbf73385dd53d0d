"""Credentials never appear in outputs, logs, files or exceptions.

Distinctive fake credentials (app secret, access and refresh tokens, a database password)
are used for real: a daily run through the CLI with a token that expires mid-run (so the
refresh path runs too), an evidence export, and every way the client can fail. Then every
byte the run wrote (runs/, reports/, logs, executed notebooks, the SQLite database and its
WAL, the export), the CLI's stdout and stderr, each exception's ``str``/``repr``/traceback
and every log record (DEBUG, httpx and httpcore included) is searched for them.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import SQLAlchemyError

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.workspace import Workspace
from disputekit.errors import (
    AccessTokenError,
    DisputeKitError,
    PlatformUnavailableError,
    PlatformUnreachableError,
    SignatureError,
    TruncatedResponseError,
)
from disputekit.render.evidence_summary import export_case_zip
from disputekit.services.evidence_snapshots import collect_from_api
from disputekit.services.evidence_store import EvidenceStore
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import DEMO_STORES
from disputekit.simulator.gateway import Faults, Gateway
from tests.conftest import make_workspace
from tests.jupyterlab import free_port

APP_KEY = "51234987"  # an app key is an identifier, sent in every URL: not a secret
APP_SECRET = "AppS3cret-7f3a9c2e1b"
TOKENS = {s.store_id: f"AccTok-{s.store_id}-5d8e1f0a9c" for s in DEMO_STORES}
REFRESH = {s.store_id: f"RfrTok-{s.store_id}-b2c4e6a8d0" for s in DEMO_STORES}
DB_PASSWORD = "DbPw-S3cret-9q8w7e"


def secrets_of(gateway: Gateway | None = None) -> list[str]:
    """Every secret in play, including access tokens the gateway issued on refresh."""
    found = [APP_SECRET, DB_PASSWORD, *TOKENS.values(), *REFRESH.values()]
    if gateway is not None:
        found += [t for t in gateway.tokens if t not in found]
    return found


def assert_clean(text: str, where: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}… leaked into {where}"


def environment() -> dict[str, str]:
    env = {"DISPUTEKIT_APP_KEY": APP_KEY, "DISPUTEKIT_APP_SECRET": APP_SECRET}
    for store_id, token in TOKENS.items():
        env[f"DISPUTEKIT_{store_id.upper()}_TOKEN"] = token
        env[f"DISPUTEKIT_{store_id.upper()}_REFRESH_TOKEN"] = REFRESH[store_id]
    return env


@pytest.fixture(scope="module")
def secret_simulator(anchor: datetime) -> Iterator[RunningSimulator]:
    """A simulator that knows only the credentials above; tokens expire after 25 calls,
    so every store's run must refresh its token once."""
    stores = tuple(replace(s, access_token=TOKENS[s.store_id]) for s in DEMO_STORES)
    gateway = Gateway(seed=7, now=anchor, stores=stores, apps={APP_KEY: APP_SECRET})
    for state in gateway.tokens.values():
        state.refresh_token = REFRESH[state.store_id]
    gateway.faults = Faults(expire_token_after=25)
    running = serve_in_thread(gateway)
    yield running
    running.stop()


# -- the daily run, its files and its console ---------------------------------------------

@pytest.mark.notebook
def test_a_daily_run_writes_no_credential_anywhere(
        secret_simulator: RunningSimulator, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", secret_simulator.sync_url)
    (ws.parameters_dir / "bloom.yaml").unlink()  # two stores: parallel, and light enough
    issued_before = len(secret_simulator.gateway.tokens)
    env = {**os.environ, **environment()}
    out = subprocess.run([sys.executable, "-m", "disputekit", "-v", "run", "--home",
                          str(ws.root), "--date", "2026-11-28"], env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(secret_simulator.gateway.tokens) > issued_before, "no token was refreshed"

    # An evidence export of a synced dispute, into the workspace, scanned with the rest.
    db = Database.open(ws.db_url)
    evidence = EvidenceStore(db, ws.data_dir)
    issue_id = int(secret_simulator.gateway.datasets["volt"].issues[0].summary["issue_id"])
    collect_from_api(evidence, "volt", issue_id)
    export_case_zip(evidence, "volt", issue_id, ws.root / "exports")
    db.dispose()

    secrets = secrets_of(secret_simulator.gateway)
    assert_clean(out.stdout, "the CLI's stdout", secrets)
    assert_clean(out.stderr, "the CLI's stderr", secrets)
    written = [p for p in ws.root.rglob("*") if p.is_file()
               and not p.is_relative_to(ws.parameters_dir)]
    kinds = {p.suffix for p in written}
    assert {".ipynb", ".html", ".log", ".sqlite", ".zip", ".json"} <= kinds, kinds
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:6]}… leaked into {path}"
    # The zip is compressed: look inside it too.
    import zipfile
    for archive in (ws.root / "exports").glob("*.zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                assert_clean(zf.read(member).decode("utf-8", "replace"),
                             f"{archive.name}:{member}", secrets)


# -- the database password ---------------------------------------------------------------

PG_URL = f"postgresql+psycopg://disputekit:{DB_PASSWORD}@127.0.0.1:1/disputekit"


def test_an_unreachable_database_never_shows_its_password(tmp_path: Path,
                                                          credentials: dict[str, str]) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(SQLAlchemyError) as failed:
        Database.open(PG_URL)
    shown = "".join(traceback.format_exception(failed.value)) + repr(failed.value)
    assert "127.0.0.1" in shown  # it does say where it tried
    assert_clean(shown, "the connection error", [DB_PASSWORD])

    ws = make_workspace(tmp_path / "ws", "http://127.0.0.1:1/sync")
    env = {**os.environ, "DISPUTEKIT_DB_URL": PG_URL}
    for command in (["run", "--store", "volt"], ["sync", "--store", "volt"]):
        out = subprocess.run([sys.executable, "-m", "disputekit", "-v", *command, "--home",
                              str(ws.root)], env=env, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode != 0
        assert_clean(out.stdout + out.stderr, f"disputekit {command[0]}", [DB_PASSWORD])
        # One clear line that says where and what to change, the password masked.
        assert "cannot use the database postgresql+psycopg://disputekit:***@127.0.0.1:1" \
            in out.stderr and "DISPUTEKIT_DB_URL" in out.stderr
        assert "Traceback" not in out.stderr


# -- every way the client fails ------------------------------------------------------------

def credentials_for(store_id: str = "volt", *, secret: str = APP_SECRET,
                    token: str | None = None, refresh: str = "") -> Credentials:
    return Credentials(app_key=APP_KEY, app_secret=secret,
                       access_token=token or TOKENS[store_id], refresh_token=refresh)


def echo(status: int, body: Callable[[str], str]) -> httpx.MockTransport:
    """A gateway (or a proxy in front of it) that echoes the request body in its answer."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body(request.content.decode()))
    return httpx.MockTransport(handler)


def raising(error: type[httpx.TransportError]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("the transport failed", request=request)
    return httpx.MockTransport(handler)


def _error_body(code: str) -> Callable[[str], str]:
    return lambda sent: json.dumps({"error_response": {
        "type": "ISV", "code": code, "msg": f"Invalid request: {sent}", "request_id": "x1"}})


CASES: dict[str, tuple[Callable[[str], AliExpressClient], type[DisputeKitError]]] = {}


def _case(name: str, expected: type[DisputeKitError]
          ) -> Callable[[Callable[[str], AliExpressClient]], Callable[[str], AliExpressClient]]:
    def register(make: Callable[[str], AliExpressClient]) -> Callable[[str], AliExpressClient]:
        CASES[name] = (make, expected)
        return make
    return register


def _client(url: str, credentials: Credentials,
            transport: httpx.BaseTransport | None = None) -> AliExpressClient:
    http = httpx.Client(transport=transport, timeout=2) if transport else None
    return AliExpressClient(base_url=url, credentials=credentials, store_id="volt",
                            retry=RetryPolicy(attempts=2, base_delay=0), http=http,
                            sleep=lambda _s: None)


@_case("wrong app secret", SignatureError)
def _wrong_secret(url: str) -> AliExpressClient:
    return _client(url, credentials_for(secret=APP_SECRET + "-wrong"))


@_case("unknown token, no refresh token", AccessTokenError)
def _bad_token(url: str) -> AliExpressClient:
    return _client(url, credentials_for(token=TOKENS["volt"] + "-old"))


@_case("unknown token, refused refresh token", AccessTokenError)
def _bad_refresh(url: str) -> AliExpressClient:
    return _client(url, credentials_for(token=TOKENS["volt"] + "-old",
                                        refresh=REFRESH["volt"] + "-old"))


@_case("refresh call cannot connect", AccessTokenError)
def _refresh_unreachable(url: str) -> AliExpressClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token/refresh"):
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, text=_error_body("IllegalAccessToken")(
            request.content.decode()))
    return _client(url, credentials_for(refresh=REFRESH["volt"]),
                   httpx.MockTransport(handler))


@_case("connection refused", PlatformUnreachableError)
def _refused(url: str) -> AliExpressClient:
    return _client(f"http://127.0.0.1:{free_port()}/sync", credentials_for())


@_case("read timeout", PlatformUnreachableError)
def _timeout(url: str) -> AliExpressClient:
    return _client(url, credentials_for(), raising(httpx.ReadTimeout))


@_case("connection dropped", PlatformUnreachableError)
def _dropped(url: str) -> AliExpressClient:
    return _client(url, credentials_for(), raising(httpx.RemoteProtocolError))


@_case("error message echoing the request", SignatureError)
def _echoing_error(url: str) -> AliExpressClient:
    return _client(url, credentials_for(), echo(200, _error_body("IncompleteSignature")))


@_case("proxy error page echoing the request", PlatformUnavailableError)
def _echoing_502(url: str) -> AliExpressClient:
    return _client(url, credentials_for(), echo(502, lambda sent: f"<html>{sent}</html>"))


@_case("cut-off JSON echoing the request", TruncatedResponseError)
def _echoing_truncated(url: str) -> AliExpressClient:
    return _client(url, credentials_for(), echo(200, lambda sent: '{"x": "' + sent))


@pytest.mark.parametrize("case", sorted(CASES))
def test_client_errors_and_logs_never_carry_a_credential(
        case: str, secret_simulator: RunningSimulator,
        caplog: pytest.LogCaptureFixture) -> None:
    make, expected = CASES[case]
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "disputekit", "tenacity"):
        caplog.set_level(logging.DEBUG, logger=name)
    with make(secret_simulator.sync_url) as client, pytest.raises(expected) as failed:
        client.issue_page(1, 10)
    error = failed.value
    assert str(error)  # it says something (and what to do) ...
    shown = ["".join(traceback.format_exception(error)), repr(error),
             repr(vars(error)), repr(error.args)]
    cause = error.__cause__
    while cause is not None:  # ... and so does everything chained to it
        shown += [str(cause), repr(cause)]
        cause = cause.__cause__
    shown += [r.getMessage() for r in caplog.records] + [caplog.text]
    assert_clean("\n".join(shown), f"the {case!r} error or its log", secrets_of())
    assert any(r.name.startswith(("httpx", "httpcore")) for r in caplog.records) \
        or case in ("read timeout", "connection dropped", "error message echoing the request",
                    "proxy error page echoing the request", "cut-off JSON echoing the request",
                    "refresh call cannot connect")  # mocked transports log nothing


def test_credentials_never_show_in_their_repr() -> None:
    creds = credentials_for(refresh=REFRESH["volt"])
    for shown in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert_clean(shown, "Credentials' repr", secrets_of())
    assert APP_KEY in repr(creds)


def test_the_workspace_keeps_no_credential_in_its_parameters() -> None:
    """The parameters name environment variables; the demo ones hold no value."""
    root = Path(__file__).resolve().parents[1]
    ws = Workspace.at(root, env={})
    for path in ws.parameters_dir.glob("*.yaml"):
        text = path.read_text()
        assert "demo-token" not in text and "disputekit-demo-secret" not in text, path
