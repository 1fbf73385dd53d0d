"""Both notebooks executed start to finish by nbval (--nbval-lax) in a real kernel, against
the simulator on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from disputekit.adapters.db.database import Database
from disputekit.adapters.workspace import Workspace
from disputekit.simulator.app import RunningSimulator
from tests.conftest import SyncedTemplates


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


def nbval(workspace: Workspace, notebook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DISPUTEKIT_HOME": str(workspace.root),
           "DISPUTEKIT_DB_URL": workspace.db_url}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "-q", str(workspace.notebooks_dir / notebook)],
        capture_output=True, text=True, env=env, cwd=workspace.root, timeout=600,
    )


@pytest.mark.notebook
def test_store_daily_notebook_runs(workspace: Workspace, credentials: dict[str, str]) -> None:
    result = nbval(workspace, "store_daily.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b\d+ passed", result.stdout)
    db = Database.open(workspace.db_url)  # the notebook synced the default store
    from disputekit.domain.platform_time import utc_now
    from disputekit.services.queue import open_disputes
    assert len(open_disputes(db, utc_now(), ["volt"])) > 0


@pytest.mark.notebook
def test_daily_review_notebook_runs(workspace: Workspace, credentials: dict[str, str],
                                    synced_templates: SyncedTemplates) -> None:
    synced_templates.copy_into(workspace, ("volt", "spark")).dispose()
    result = nbval(workspace, "daily_review.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b\d+ passed", result.stdout)


@pytest.mark.notebook
def test_evidence_notebook_runs(workspace: Workspace, credentials: dict[str, str],
                                synced_templates: SyncedTemplates) -> None:
    synced_templates.copy_into(workspace, ("volt",)).dispose()
    result = nbval(workspace, "evidence.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b\d+ passed", result.stdout)
