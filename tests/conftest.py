"""Shared fixtures: a real simulator on loopback, a sealed environment, a temp workspace."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_STORES
from disputekit.simulator.gateway import Gateway
from disputekit.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]

# Property tests are reproducible in CI: the same examples every run, no example database
# carried between runs, no per-example deadline (2 shared cores make timings noisy).
# HYPOTHESIS_PROFILE=dev explores new examples locally.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile(
    "dev", deadline=None, max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
SHARED = REPO.parent / "shared"


def demo_credentials() -> dict[str, str]:
    env = {"DISPUTEKIT_APP_KEY": DEMO_APP_KEY, "DISPUTEKIT_APP_SECRET": DEMO_APP_SECRET}
    for store in DEMO_STORES:
        env[f"DISPUTEKIT_{store.store_id.upper()}_TOKEN"] = store.access_token
        env[f"DISPUTEKIT_{store.store_id.upper()}_REFRESH_TOKEN"] = f"demo-refresh-{store.store_id}"
    return env


@pytest.fixture(autouse=True)
def sealed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's disputekit settings or credentials."""
    for key in list(os.environ):
        if key.startswith("DISPUTEKIT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def anchor() -> datetime:
    """The simulator's 'now': this hour, so deadlines are meaningful against the real clock."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def simulator(anchor: datetime) -> Iterator[RunningSimulator]:
    running = serve_in_thread(Gateway(seed=7, now=anchor))
    yield running
    running.stop()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = demo_credentials()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright; in CI a missing browser fails, else skips."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run does it with apt-get)")
        pytest.skip("no /usr/bin/chromium here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


def make_workspace(root: Path, sync_url: str) -> Workspace:
    """A copy of the repo's workspace (parameters, notebooks) pointed at ``sync_url``."""
    (root / "parameters").mkdir(parents=True)
    for path in (REPO / "parameters").glob("*.yaml"):
        text = path.read_text().replace("http://127.0.0.1:8765/sync", sync_url)
        (root / "parameters" / path.name).write_text(text)
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return Workspace.at(root, env={})


@pytest.fixture
def workspace(tmp_path: Path, simulator: RunningSimulator) -> Workspace:
    return make_workspace(tmp_path / "ws", simulator.sync_url)
