"""The simulator's HTTP face (Starlette), and ways to serve it (uvicorn)."""

from __future__ import annotations

import socket
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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(create_app(gateway), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the simulator thread stopped before it was listening")
        threading.Event().wait(0.02)
    return RunningSimulator(gateway, server, thread, sock.getsockname()[1])


def serve(host: str = "127.0.0.1", port: int = 8765, seed: int = 7) -> None:
    """Serve in the foreground until interrupted (``disputekit simulator``)."""
    uvicorn.run(create_app(Gateway(seed=seed)), host=host, port=port, log_level="warning")
