"""The simulator's HTTP face (Starlette), and ways to serve it (uvicorn).

``/sync`` and ``/rest/...`` are the platform's; ``/admin/...`` is the simulator's own
control panel (move the clock, switch faults, expire a token, plant buyer text for
tests, read the state). It listens
on 127.0.0.1 only.
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


def create_app(gateway: Gateway) -> Starlette:
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
        Route("/admin/state", admin_state, methods=["GET"]),
        Route("/admin/clock", admin_clock, methods=["POST"]),
        Route("/admin/faults", admin_faults, methods=["POST"]),
        Route("/admin/expire-token", admin_expire, methods=["POST"]),
        Route("/admin/buyer-text", admin_buyer_text, methods=["POST"]),
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
    uvicorn.run(create_app(Gateway(seed=seed, qps=qps)), host=host, port=port,
                log_level="warning")
