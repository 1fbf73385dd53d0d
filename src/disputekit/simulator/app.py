"""The simulator's HTTP face (Starlette), and ways to serve it (uvicorn).

``/sync`` and ``/rest/...`` are the platform's; ``/admin/...`` is the simulator's own
control panel (move the clock, switch faults, expire a token, plant buyer text for
tests, read the state). It listens on 127.0.0.1 only, and ``/admin`` answers only requests
made to a loopback name (``Host``), from no page or a loopback one (``Origin``), and POSTs
only with a JSON body: a web page the operator opens cannot drive it, by a form, a
cross-origin fetch, or a DNS name rebound to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from disputekit.errors import ConfigError
from disputekit.simulator.gateway import Faults, Gateway, Reply
from disputekit.simulator.seventeentrack import DEMO_17TRACK_KEY, create_17track_app


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        # The context closes the upload spool (a temporary file per file part) once read.
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    params[key] = await value.read()  # file parts are not signed
                else:
                    params[key] = value
    return params


async def _send(reply: Reply) -> Response:
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.raw is not None:
        return Response(reply.raw, status_code=reply.status,
                        media_type="application/json" if reply.status == 200 else "text/html")
    return JSONResponse(reply.payload, status_code=reply.status)


def _loopback_name(host: str) -> bool:
    """``localhost``, ``127.x.y.z`` or ``::1``, with or without a port."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:  # 127.0.0.1:8765, localhost:8765
        host = host.partition(":")[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def admin_refusal(request: Request, *, remote: bool = False) -> JSONResponse | None:
    """Why ``/admin`` refuses this request (a 403 or 415 answer), or None to serve it.

    ``Host`` must be a loopback name (unless the simulator was started ``--allow-remote``):
    a page on a DNS name rebound to 127.0.0.1 sends its own name. ``Origin``, which browsers
    send with every cross-origin request and every POST, must be absent or a loopback page
    (with ``remote``: the simulator's own address). A POST must say ``application/json``: a
    plain HTML form can only send form or text bodies, never JSON."""
    host = request.headers.get("host", "")
    if not remote and not _loopback_name(host):
        return JSONResponse({"error": f"/admin answers loopback names only, not Host {host!r}"},
                            status_code=403)
    origin = request.headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        allowed = parts.netloc.lower() == host.lower() if remote \
            else _loopback_name(parts.netloc)
        if not allowed or parts.scheme not in ("http", "https"):
            return JSONResponse({"error": f"/admin refuses requests from the page {origin!r}"},
                                status_code=403)
    if request.method == "POST":
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind != "application/json":
            return JSONResponse({"error": "/admin takes a JSON body (Content-Type: "
                                          "application/json)"}, status_code=415)
    return None


def create_app(gateway: Gateway, *, remote_admin: bool = False) -> Starlette:
    def guarded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def checked(request: Request) -> Response:
            refusal = admin_refusal(request, remote=remote_admin)
            return refusal if refusal is not None else await handler(request)
        return checked

    async def sync(request: Request) -> Response:
        return await _send(gateway.handle(await _params(request)))

    async def rest(request: Request) -> Response:
        path = "/" + request.path_params["path"]
        return await _send(gateway.handle_rest(path, await _params(request)))

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "seed": gateway.seed, "now": gateway.now.isoformat(),
                             "stores": sorted(gateway.datasets)})

    async def admin_state(_request: Request) -> JSONResponse:
        return JSONResponse(gateway.state())

    async def admin_clock(request: Request) -> JSONResponse:
        body = await _json(request)
        try:
            delta = timedelta(days=float(body.get("days", 0)), hours=float(body.get("hours", 0)))
        except (TypeError, ValueError):
            return JSONResponse({"error": "days and hours must be numbers"}, status_code=400)
        if delta <= timedelta(0):
            return JSONResponse({"error": "the clock only moves forward: give days or hours > 0"},
                                status_code=400)
        fired = gateway.advance(delta)
        return JSONResponse({"now": gateway.now.isoformat(), "events": fired})

    async def admin_faults(request: Request) -> JSONResponse:
        try:
            gateway.faults = Faults.from_dict(await _json(request))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": gateway.faults.__dict__})

    async def admin_expire(request: Request) -> JSONResponse:
        store = str((await _json(request)).get("store", ""))
        if store not in gateway.datasets:
            return JSONResponse({"error": f"unknown store {store!r}"}, status_code=400)
        gateway.expire_token(store)
        return JSONResponse({"expired": store})

    async def admin_buyer_text(request: Request) -> JSONResponse:
        body = await _json(request)
        texts = body.get("texts")
        count = body.get("count", 3)
        if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()) \
                or not isinstance(count, int):
            return JSONResponse({"error": "give texts as {field: text} and count as an integer"},
                                status_code=400)
        try:
            changed = gateway.plant_buyer_text(str(body.get("store", "")), texts, count)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"issue_ids": changed})

    # 17TRACK, on its own path, over the same parcels (reference/tracking-api.md §5).
    # Some parcels have the destination post's scans only 17TRACK shows (beyond_platform).
    seventeen = create_17track_app(gateway.datasets, DEMO_17TRACK_KEY, gateway.clock,
                                   now=gateway.anchor, quota_total=5000, beyond_platform=True)
    return Starlette(routes=[
        *seventeen.routes,
        Route("/sync", sync, methods=["GET", "POST"]),
        Route("/rest/{path:path}", rest, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/admin/state", guarded(admin_state), methods=["GET"]),
        Route("/admin/clock", guarded(admin_clock), methods=["POST"]),
        Route("/admin/faults", guarded(admin_faults), methods=["POST"]),
        Route("/admin/expire-token", guarded(admin_expire), methods=["POST"]),
        Route("/admin/buyer-text", guarded(admin_buyer_text), methods=["POST"]),
    ])


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass
class RunningSimulator:
    """A simulator served on loopback from a background thread (tests, notebooks)."""

    gateway: Gateway
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sync_url(self) -> str:
        return f"{self.url}/sync"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(gateway: Gateway, port: int = 0,
                    wrap: Callable[[ASGIApp], ASGIApp] | None = None) -> RunningSimulator:
    """Start serving on 127.0.0.1 (a free port when ``port`` is 0); returns once listening.

    ``wrap``: an ASGI middleware put around the app, for a test that watches or holds the
    requests on the wire (the gateway itself answers one call at a time, under its lock).
    """
    app = create_app(gateway)
    # Let uvicorn bind (port 0 = any free port): handing it a socket bound here made every
    # loopback round trip take ~40 ms, which turned a sync into minutes.
    config = uvicorn.Config(wrap(app) if wrap else app, host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the simulator could not listen on 127.0.0.1:{port}")
        threading.Event().wait(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return RunningSimulator(gateway, server, thread, bound)


def check_loopback(host: str, *, allow_remote: bool = False) -> str:
    """``host`` if it is a loopback address (or ``allow_remote``), else ``ConfigError``.

    The simulator has no authentication on ``/admin`` (clock, faults, tokens) and serves
    demo credentials' data: on any other interface, anyone on the network could drive it.
    """
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise ConfigError(
            f"the simulator listens on loopback only, and {host!r} is not a loopback address "
            "(its /admin panel has no password). Use --host 127.0.0.1; if the network really "
            "must reach it, add --allow-remote")
    return host


def serve(host: str = "127.0.0.1", port: int = 8765, seed: int = 7,
          qps: float | None = None, *, allow_remote: bool = False) -> None:
    """Serve in the foreground until interrupted (``disputekit simulator``); loopback only
    unless ``allow_remote``."""
    check_loopback(host, allow_remote=allow_remote)
    uvicorn.run(create_app(Gateway(seed=seed, qps=qps), remote_admin=allow_remote),
                host=host, port=port,
                log_level="warning")
