"""`disputekit schedule`: the line a seller pastes (or installs), never a secret in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def schedule(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "disputekit", "schedule", *args],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_prints_a_daily_cron_line_without_secrets(tmp_path: Path) -> None:
    out = schedule("--at", "06:45", "--jobs", "2", "--env-file", ".env", "--home",
                   str(tmp_path), env={"DISPUTEKIT_APP_SECRET": "s3cret-value"})
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    assert line.startswith("45 6 * * * cd ")
    assert "-m disputekit run --jobs 2" in line and line.endswith("# disputekit daily run")
    assert f"{tmp_path}/.env" in line and "s3cret-value" not in line


def test_systemd_units_and_a_bad_time(tmp_path: Path) -> None:
    units = schedule("--systemd", "--at", "18:05", "--home", str(tmp_path))
    assert units.returncode == 0
    assert "OnCalendar=*-*-* 18:05:00" in units.stdout and "Type=oneshot" in units.stdout
    bad = schedule("--at", "6pm", "--home", str(tmp_path))
    assert bad.returncode == 1 and "HH:MM" in bad.stderr
