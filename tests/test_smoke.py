"""The read-only smoke check: against the simulator always, against the real gateway only
where a store and its credentials are configured (DISPUTEKIT_SMOKE_HOME + _STORE)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from disputekit.adapters.workspace import Workspace

# Taken at import, before the autouse fixture seals the environment: the real smoke check
# needs the operator's own credential variables.
REAL_ENV = dict(os.environ)


def smoke(home: str, store: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "disputekit", "smoke", "--store", store,
                           "--home", home], capture_output=True, text=True, timeout=120,
                          env=env)


def test_smoke_against_the_simulator(workspace: Workspace, credentials: dict[str, str],
                                     simulator) -> None:  # type: ignore[no-untyped-def]
    before = len(simulator.gateway.call_log)
    out = smoke(str(workspace.root), "volt", {**os.environ})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("volt: ok")
    methods = {m for m, _ in simulator.gateway.call_log[before:]}
    assert methods <= {"aliexpress.issue.issuelist.get", "aliexpress.issue.detail.get",
                       "aliexpress.solution.order.info.get"}  # read-only
    assert not (workspace.root / "data").exists()  # wrote nothing locally
    bad = smoke(str(workspace.root), "volt", {**os.environ, "DISPUTEKIT_VOLT_TOKEN": "x",
                                              "DISPUTEKIT_VOLT_REFRESH_TOKEN": "y"})
    assert bad.returncode == 1 and "Re-authorise store 'volt'" in bad.stderr


@pytest.mark.skipif(not REAL_ENV.get("DISPUTEKIT_SMOKE_STORE"),
                    reason="no real store configured (set DISPUTEKIT_SMOKE_HOME, "
                           "DISPUTEKIT_SMOKE_STORE and the store's credential variables)")
def test_smoke_against_the_real_gateway() -> None:
    home = REAL_ENV.get("DISPUTEKIT_SMOKE_HOME", os.getcwd())
    out = smoke(home, REAL_ENV["DISPUTEKIT_SMOKE_STORE"], REAL_ENV)
    assert out.returncode == 0, out.stderr
