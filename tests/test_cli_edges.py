"""The command line's edges (issue 21, item 9): numbers out of range, ``nan`` and ``1e300``
get click's own "Invalid value" (exit 2), not a traceback, a hang or silence; a database URL
that cannot be used gets one line; ``--home`` on a missing folder is refused, not created."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from disputekit.run.cli import main
from tests.conftest import REPO


@pytest.mark.parametrize("args", [
    ["simulator", "--port", "70000"],
    ["simulator", "--port", "0"],
    ["simulator", "--qps", "nan"],
    ["simulator", "--qps", "-5"],
    ["demo", "--port", "-1"],
    ["simulator", "advance", "--days", "nan"],
    ["simulator", "advance", "--days", "1e300"],
    ["simulator", "advance", "--days", "-1"],
    ["simulator", "advance", "--hours", "inf"],
    ["simulator", "faults", "--slow-seconds", "nan"],
    ["simulator", "faults", "--slow-seconds", "-2"],
    ["simulator", "faults", "--slow-seconds", "1e300"],
    ["simulator", "faults", "--isp-error", "1.5"],
    ["simulator", "faults", "--http-5xx", "nan"],
    ["simulator", "faults", "--truncated", "-0.1"],
    ["simulator", "faults", "--expire-token-after", "-3"],
    ["run", "--execution-timeout", "nan"],
    ["run", "--execution-timeout", "-1"],
    ["run", "--execution-timeout", "1e300"],
    ["run", "--start-timeout", "0"],
    ["sync", "--jobs", "0"],
    ["whatif", "--policy", "p.yaml", "--days", "-3"],
    ["whatif", "--policy", "p.yaml", "--days", "1e300"],
])
def test_numbers_out_of_range_get_clicks_own_error(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(REPO / "parameters", root / "parameters")
    (root / "notebooks").mkdir()
    return root


@pytest.mark.parametrize(("url", "said"), [
    ("mysql+pymysql://dk:s3cret-pw@db.example/dk", "'pymysql'"),
    ("nosuchdb://dk:s3cret-pw@db.example/dk", "cannot use"),
    ("postgresql+psycopg://dk:s3cret-pw@db.example:99999/dk", "outside 1-65535"),
    ("not a url at all s3cret-pw", "not a database URL"),
    ("sqlite:///:memory:", "in-memory"),
    ("sqlite://", "in-memory"),
])
@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["run"],
                                     ["sync"]])
def test_a_database_url_that_cannot_be_used_is_one_line(
        home: Path, monkeypatch: pytest.MonkeyPatch, url: str, said: str,
        command: list[str]) -> None:
    monkeypatch.setenv("DISPUTEKIT_DB_URL", url)
    result = CliRunner().invoke(main, [*command, "--home", str(home)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: DISPUTEKIT_DB_URL"), lines
    assert said in lines[0]
    assert "s3cret" not in result.output


@pytest.mark.parametrize("command", [["db", "upgrade"], ["check-params"], ["sync"],
                                     ["run"]])
def test_a_home_that_does_not_exist_is_refused_not_created(
        tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "no-such-workspace"
    result = CliRunner().invoke(main, [*command, "--home", str(missing)])
    assert result.exit_code == 2, result.output
    assert "--home" in result.output and "is not a folder" in result.output
    assert not missing.exists()
