"""Scheduling the daily run: the crontab line, installing it, systemd units, the Airflow DAG.

No test touches the real crontab: ``install_crontab`` gets a fake runner.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from disputekit.errors import ConfigError
from disputekit.run.schedule import (
    MARKER,
    crontab_line,
    install_crontab,
    parse_at,
    systemd_units,
)

REPO = Path(__file__).resolve().parents[1]
SECRETS = {"DISPUTEKIT_APP_SECRET": "s3cr3t-app-secret-value",
           "DISPUTEKIT_VOLT_TOKEN": "s3cr3t-volt-token-value",
           "DISPUTEKIT_APP_KEY": "s3cr3t-app-key-value"}


def _fields(line: str) -> tuple[list[str], str]:
    """Cron's five time fields and the command."""
    parts = line.split(" ", 5)
    return parts[:5], parts[5]


# --- the crontab line ---------------------------------------------------------------


def test_crontab_line_runs_the_stores_daily_from_the_workspace(tmp_path: Path) -> None:
    home = tmp_path / "shop"
    python = home / ".venv" / "bin" / "python"
    line = crontab_line(home, python, at="06:30")

    fields, command = _fields(line)
    assert fields == ["30", "6", "*", "*", "*"]
    assert "\n" not in line
    assert line.endswith(" " + MARKER)
    assert command.startswith(f"cd {home} && ")
    assert f"{python} -m disputekit run;" in command
    assert "--jobs" not in command
    assert f">> {home / 'runs' / 'cron.log'} 2>&1" in command
    assert f"mkdir -p {home / 'runs'}" in command
    assert "set -a" not in command  # no env file, nothing sourced


def test_crontab_line_options(tmp_path: Path) -> None:
    home = tmp_path / "shop"
    line = crontab_line(home, Path("/opt/venv/bin/python"), at="23:05",
                        log=Path("runs/nightly.log"), jobs=2, env_file=Path(".env"))
    fields, command = _fields(line)
    assert fields[:2] == ["5", "23"]
    assert "/opt/venv/bin/python -m disputekit run --jobs 2;" in command
    assert f">> {home / 'runs' / 'nightly.log'} 2>&1" in command
    # The env file by absolute path (`. .env` would search $PATH), exported with set -a.
    assert f"set -a && . {home / '.env'} && set +a && /opt/venv/bin/python" in command
    assert command.index(". ") > command.index("cd ")


def test_crontab_line_keeps_the_virtualenv_python_and_quotes_paths(tmp_path: Path) -> None:
    home = tmp_path / "my shop"
    real = tmp_path / "python3.11"
    real.write_text("")
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(real)
    line = crontab_line(home, venv_python)
    assert shlex.quote(str(venv_python)) in line  # not the symlink's target
    assert str(real) not in line
    assert f"cd {shlex.quote(str(home))} &&" in line


def test_crontab_line_escapes_percent_signs(tmp_path: Path) -> None:
    line = crontab_line(tmp_path / "100%", Path("/usr/bin/python3"))
    assert "100\\%" in line
    assert "100%" not in line.replace("\\%", "")


def test_crontab_line_never_holds_credentials(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    line = crontab_line(tmp_path, Path("/usr/bin/python3"), env_file=env_file, jobs=3)
    units = systemd_units(tmp_path, Path("/usr/bin/python3"), env_file=env_file)
    for text in (line, *units.values()):
        for key, value in SECRETS.items():
            assert value not in text
            assert key not in text
    assert str(env_file) in line  # only its path


@pytest.mark.parametrize("at", ["24:00", "06:60", "6.30", "0630", "06:30pm", "", " 06:30",
                                "06:3", "-1:00", "06:30:00", "１２:３０", "06:30\n"])
def test_bad_times_are_refused(tmp_path: Path, at: str) -> None:
    with pytest.raises(ConfigError, match="HH:MM on the 24-hour clock"):
        crontab_line(tmp_path, Path("/usr/bin/python3"), at=at)
    with pytest.raises(ConfigError, match="HH:MM"):
        systemd_units(tmp_path, Path("/usr/bin/python3"), at=at)


@pytest.mark.parametrize(("at", "expected"), [("00:00", (0, 0)), ("6:05", (6, 5)),
                                              ("23:59", (23, 59)), ("18:30", (18, 30))])
def test_good_times(at: str, expected: tuple[int, int]) -> None:
    assert parse_at(at) == expected


@pytest.mark.parametrize("jobs", [0, -1, True])
def test_bad_jobs_are_refused(tmp_path: Path, jobs: Any) -> None:
    with pytest.raises(ConfigError, match="jobs"):
        crontab_line(tmp_path, Path("/usr/bin/python3"), jobs=jobs)


def test_a_line_break_in_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line break"):
        crontab_line(tmp_path / "a\nb", Path("/usr/bin/python3"))


def test_the_command_works_in_sh(tmp_path: Path) -> None:
    """What cron would run, run by sh: workspace, env file exported, output appended."""
    home = tmp_path / "my shop"
    home.mkdir()
    (home / ".env").write_text("DISPUTEKIT_APP_SECRET=from-env-file\n")
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "cwd=$(pwd) args=$* secret=$DISPUTEKIT_APP_SECRET"\n'
                    'echo "to stderr" >&2\n')
    fake.chmod(0o755)
    line = crontab_line(home, fake, env_file=Path(".env"), jobs=2)
    _, command = _fields(line)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # cron's spare environment
    for _ in range(2):
        subprocess.run(["/bin/sh", "-c", command], check=True, env=env, cwd="/")
    log = (home / "runs" / "cron.log").read_text().splitlines()
    assert log == [f"cwd={home} args=-m disputekit run --jobs 2 secret=from-env-file",
                   "to stderr"] * 2


def test_a_missing_env_file_is_reported_in_the_log(tmp_path: Path) -> None:
    line = crontab_line(tmp_path, Path("/bin/true"), env_file=Path("missing.env"))
    _, command = _fields(line)
    result = subprocess.run(["/bin/sh", "-c", command], env={"PATH": "/usr/bin:/bin"},
                            check=False)
    assert result.returncode != 0
    assert "missing.env" in (tmp_path / "runs" / "cron.log").read_text()


# --- installing it ------------------------------------------------------------------


class FakeCrontab:
    """Stands in for subprocess.run of `crontab`: keeps the crontab text in memory."""

    def __init__(self, text: str | None, *, read_error: str = "", write_error: str = ""
                 ) -> None:
        self.text = text
        self.read_error = read_error
        self.write_error = write_error
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(argv)
        assert kwargs.get("text") is True and kwargs.get("check") is False
        if argv[1:] == ["-l"]:
            if self.read_error:
                return subprocess.CompletedProcess(argv, 1, "", self.read_error)
            if self.text is None:
                return subprocess.CompletedProcess(argv, 1, "", "no crontab for seller\n")
            return subprocess.CompletedProcess(argv, 0, self.text, "")
        assert argv[1:] == ["-"]
        if self.write_error:
            return subprocess.CompletedProcess(argv, 1, "", self.write_error)
        self.text = kwargs["input"]
        return subprocess.CompletedProcess(argv, 0, "", "")


def _line(tmp_path: Path, at: str = "06:30") -> str:
    return crontab_line(tmp_path, Path("/usr/bin/python3"), at=at)


def test_install_into_an_empty_crontab(tmp_path: Path) -> None:
    fake = FakeCrontab(None)
    line = _line(tmp_path)
    new = install_crontab(line, crontab_cmd="mycrontab", run=fake)
    assert new == line + "\n"
    assert fake.text == new
    assert fake.calls == [["mycrontab", "-l"], ["mycrontab", "-"]]


def test_install_keeps_other_lines_and_replaces_the_old_disputekit_one(tmp_path: Path) -> None:
    old = _line(tmp_path, "05:00")
    existing = ("MAILTO=ops@example.com\n"
                "# backups\n"
                "0 2 * * * /usr/local/bin/backup\n"
                f"{old}\n"
                "*/5 * * * * /usr/bin/uptime-check\n"
                f"{old}\n")  # a duplicate from a hand edit goes too
    fake = FakeCrontab(existing)
    new_line = _line(tmp_path, "07:15")
    new = install_crontab(new_line, run=fake)
    assert new.splitlines() == [
        "MAILTO=ops@example.com",
        "# backups",
        "0 2 * * * /usr/local/bin/backup",
        new_line,
        "*/5 * * * * /usr/bin/uptime-check",
    ]
    assert new.endswith("\n")
    assert fake.text == new
    assert install_crontab(new_line, run=fake) == new  # idempotent


def test_install_appends_after_a_crontab_without_final_newline(tmp_path: Path) -> None:
    fake = FakeCrontab("0 2 * * * /usr/local/bin/backup")
    line = _line(tmp_path)
    assert install_crontab(line, run=fake) == f"0 2 * * * /usr/local/bin/backup\n{line}\n"


def test_a_write_failure_is_reported_and_nothing_is_claimed(tmp_path: Path) -> None:
    fake = FakeCrontab("0 2 * * * /usr/local/bin/backup\n",
                       write_error='"-":1: bad minute\nerrors in crontab file, can\'t install.\n')
    with pytest.raises(ConfigError, match=r"`crontab -` refused .*bad minute.*unchanged"):
        install_crontab(_line(tmp_path), run=fake)
    assert fake.text == "0 2 * * * /usr/local/bin/backup\n"


def test_an_unreadable_crontab_is_never_overwritten(tmp_path: Path) -> None:
    fake = FakeCrontab("0 2 * * * /usr/local/bin/backup\n",
                       read_error="You (seller) are not allowed to use this program (crontab)\n")
    with pytest.raises(ConfigError, match="could not read the current crontab.*not allowed"):
        install_crontab(_line(tmp_path), run=fake)
    assert fake.calls == [["crontab", "-l"]]  # no write attempted


def test_no_crontab_command(tmp_path: Path) -> None:
    def missing(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise FileNotFoundError(argv[0])

    with pytest.raises(ConfigError, match="no `crontab` command"):
        install_crontab(_line(tmp_path), run=missing)


@pytest.mark.parametrize("line", ["0 6 * * * something else",
                                  f"0 6 * * * a {MARKER}\n0 7 * * * b {MARKER}"])
def test_install_refuses_a_line_that_is_not_ours(line: str) -> None:
    fake = FakeCrontab("")
    with pytest.raises(ConfigError, match="not a disputekit crontab line"):
        install_crontab(line, run=fake)
    assert fake.calls == []


# --- systemd ------------------------------------------------------------------------


def test_systemd_units(tmp_path: Path) -> None:
    home = tmp_path / "shop"
    units = systemd_units(home, home / ".venv/bin/python", "18:05", Path(".env"))
    assert set(units) == {"disputekit.service", "disputekit.timer"}
    service = units["disputekit.service"].splitlines()
    assert "Type=oneshot" in service
    assert f"WorkingDirectory={home}" in service
    assert f"EnvironmentFile={home / '.env'}" in service
    assert f"ExecStart={home / '.venv/bin/python'} -m disputekit run" in service
    timer = units["disputekit.timer"].splitlines()
    assert "OnCalendar=*-*-* 18:05:00" in timer
    assert "Persistent=true" in timer
    assert "Unit=disputekit.service" in timer
    assert "WantedBy=timers.target" in timer
    assert all(text.endswith("\n") for text in units.values())


def test_systemd_units_without_env_file_and_with_awkward_paths(tmp_path: Path) -> None:
    home = tmp_path / "50% shop"
    units = systemd_units(home, home / "venv/bin/python", at="6:00", jobs=2)
    service = units["disputekit.service"]
    assert "EnvironmentFile" not in service
    assert f"WorkingDirectory={str(home).replace('%', '%%')}\n" in service
    assert f'ExecStart="{str(home).replace("%", "%%")}/venv/bin/python" -m disputekit run ' \
           "--jobs 2\n" in service
    assert "OnCalendar=*-*-* 06:00:00" in units["disputekit.timer"]


# --- Airflow: tests/test_airflow.py loads and runs the DAG with real Airflow -------------


TEAM_DB = "postgresql+psycopg://disputekit@db.internal:5432/disputekit"


def test_the_team_database_goes_with_the_run(tmp_path: Path) -> None:
    """DISPUTEKIT_DB_URL reaches the scheduled run, in cron's sh and in the systemd unit."""
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "db=$DISPUTEKIT_DB_URL"\n')
    fake.chmod(0o755)
    line = crontab_line(tmp_path, fake, db_url=TEAM_DB)
    _, command = _fields(line)
    subprocess.run(["/bin/sh", "-c", command], check=True, env={"PATH": "/usr/bin:/bin"})
    assert (tmp_path / "runs" / "cron.log").read_text() == f"db={TEAM_DB}\n"
    service = systemd_units(tmp_path, Path("/usr/bin/python3"), db_url=TEAM_DB)[
        "disputekit.service"]
    assert f"Environment=DISPUTEKIT_DB_URL={TEAM_DB}\n" in service
    assert "DISPUTEKIT_DB_URL" not in crontab_line(tmp_path, fake)  # SQLite: nothing to say


def test_a_database_password_is_never_written_into_the_schedule(tmp_path: Path) -> None:
    with_password = "postgresql+psycopg://disputekit:hunter2-pw@db.internal/disputekit"
    with pytest.raises(ConfigError, match=r"~/\.pgpass.*--env-file") as caught:
        crontab_line(tmp_path, Path("/usr/bin/python3"), db_url=with_password)
    assert "hunter2-pw" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"~/\.pgpass"):
        systemd_units(tmp_path, Path("/usr/bin/python3"), db_url=with_password)
    # With an env file (which sets DISPUTEKIT_DB_URL itself) the URL is left out.
    line = crontab_line(tmp_path, Path("/usr/bin/python3"), env_file=Path(".env"),
                        db_url=with_password)
    units = systemd_units(tmp_path, Path("/usr/bin/python3"), env_file=Path(".env"),
                          db_url=with_password)
    for text in (line, *units.values()):
        assert "hunter2-pw" not in text and "DISPUTEKIT_DB_URL" not in text
