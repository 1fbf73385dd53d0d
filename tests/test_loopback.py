"""Every server disputekit starts listens on loopback only.

Each server is really started and its listening socket read from the kernel's own table
(``/proc/net/tcp`` and ``tcp6``), and a connection is tried from this machine's
non-loopback address: it must be refused there while 127.0.0.1 answers. Covered: the
simulator in a thread (tests, notebooks), ``disputekit simulator`` (used by ``make demo``
and ``disputekit demo``), and JupyterLab as ``make lab`` starts it. The daily run's kernels
talk over IPC (Unix sockets), not TCP; 17TRACK webhooks are checked, not received, so there
is no receiver to bind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from disputekit.errors import ConfigError
from disputekit.simulator.app import check_loopback, serve_in_thread
from disputekit.simulator.gateway import Gateway
from tests.conftest import REPO
from tests.jupyterlab import free_port

LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


def listening(port: int) -> set[str]:
    """The local addresses (kernel hex) of the TCP sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def outside_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing is sent
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def assert_loopback_only(port: int) -> None:
    addresses = listening(port)
    assert addresses, f"nothing listens on port {port}"
    assert addresses <= LOOPBACK_HEX, f"port {port} listens on {addresses}, not loopback only"
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # loopback answers
    outside = outside_address()
    if outside is not None:
        with pytest.raises(OSError), socket.create_connection((outside, port), timeout=5):
            pass  # refused from the machine's network address


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail(f"nothing answered {url} within {seconds:.0f} s")


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:  # only the processes this test started, by their own handle
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_threaded_simulator_listens_on_loopback_only(anchor: datetime) -> None:
    running = serve_in_thread(Gateway(seed=7, now=anchor))
    try:
        assert_loopback_only(running.port)
    finally:
        running.stop()


def test_disputekit_simulator_listens_on_loopback_by_default(
        stop: list[subprocess.Popen[bytes]]) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "disputekit", "simulator", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop.append(server)
    wait_for(f"http://127.0.0.1:{port}/health", server)
    assert_loopback_only(port)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.2", "example.org"])
def test_disputekit_simulator_refuses_a_public_host(host: str) -> None:
    port = free_port()
    out = subprocess.run([sys.executable, "-m", "disputekit", "simulator", "--host", host,
                          "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "loopback only" in out.stderr and "--allow-remote" in out.stderr
    assert listening(port) == set()


def test_loopback_hosts_are_accepted_and_others_need_a_flag() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert check_loopback(host) == host
    with pytest.raises(ConfigError, match="--host 127.0.0.1"):
        check_loopback("0.0.0.0")
    assert check_loopback("0.0.0.0", allow_remote=True) == "0.0.0.0"


@pytest.mark.notebook
def test_make_lab_listens_on_loopback_only(tmp_path: Path,
                                           stop: list[subprocess.Popen[bytes]]) -> None:
    """JupyterLab exactly as ``make lab`` starts it (the port moved off 8888 for the test)."""
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "BROWSER": "true"}
    server = subprocess.Popen(["make", "--no-print-directory", "-C", str(REPO), "lab",
                               f"LAB_PORT={port}"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    stop.append(server)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/status", server)
        assert_loopback_only(port)
    finally:
        # make's child (jupyter) is in the session make leads: end that group only.
        os.killpg(server.pid, 15)


@pytest.mark.notebook
def test_the_runners_kernel_listens_on_loopback_only() -> None:
    """The runner's kernels talk to it over Unix sockets, and each also listens on a TCP
    port of its own (ipykernel's: its IOPub thread's output pipe, its debugger's): on
    127.0.0.1, never another interface."""
    import asyncio

    psutil = pytest.importorskip("psutil")
    from disputekit.run.runner import IPCKernelManager

    async def addresses() -> list[str]:
        manager = IPCKernelManager(kernel_name="python3")
        await manager.start_kernel()
        try:
            client = manager.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            client.stop_channels()
            kernel = psutil.Process(manager.provisioner.process.pid)  # type: ignore[union-attr]
            return [c.laddr.ip for c in kernel.net_connections(kind="inet")
                    if c.status == psutil.CONN_LISTEN]
        finally:
            await manager.shutdown_kernel(now=True)

    found = asyncio.run(addresses())
    assert found and all(ip in ("127.0.0.1", "::1") for ip in found), found
