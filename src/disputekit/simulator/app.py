"""The simulator's HTTP face (Starlette), and ways to serve it (uvicorn)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from disputekit.simulator.gateway import Gateway


def create_app(gateway: Gateway) -> Starlette:
    async def sync(request: Request) -> JSONResponse:
        params: dict[str, str] = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            for key, value in form.items():
                # File parts (image_bytes) are not signed and carry no text value.
                if isinstance(value, str):
                    params[key] = value
        return JSONResponse(gateway.handle(params))

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "seed": gateway.seed, "now": gateway.now.isoformat(),
                             "stores": sorted(gateway.datasets)})

    return Starlette(routes=[
        Route("/sync", sync, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
    ])


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


def serve_in_thread(gateway: Gateway, port: int = 0) -> RunningSimulator:
    """Start serving on 127.0.0.1 (a free port when ``port`` is 0); returns once listening."""
    # Let uvicorn bind (port 0 = any free port): handing it a socket bound here made every
    # loopback round trip take ~40 ms, which turned a sync into minutes.
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port,
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


def serve(host: str = "127.0.0.1", port: int = 8765, seed: int = 7) -> None:
    """Serve in the foreground until interrupted (``disputekit simulator``)."""
    uvicorn.run(create_app(Gateway(seed=seed)), host=host, port=port, log_level="warning")
