"""Running ``disputekit run`` every day: a crontab entry or a pair of systemd units.

Everything here is pure text building except ``install_crontab``, which reads and writes
the user's crontab through an injectable runner.

``crontab_line`` gives one line (wrapped here) such as::

    30 6 * * * cd '/srv/shop' && mkdir -p '/srv/shop/runs' &&
      { set -a && . '/srv/shop/.env' && set +a && '/srv/shop/.venv/bin/python' -m disputekit run; }
      >> '/srv/shop/runs/cron.log' 2>&1 # disputekit daily run

It changes into the workspace, optionally loads an *env file* (plain
``KEY=value`` lines, ``chmod 600``; ``set -a`` exports every variable it sets, so the
kernels Papermill starts inherit them), runs the package with the given interpreter (pass
the virtualenv's ``python`` itself, not what it links to) and appends everything it
prints, the env file's errors included, to a log under ``runs/``. Credentials never appear
in the line: only the env file's *path* does, and the crontab is readable by anyone who can
run ``crontab -l`` as that user. The time is the machine's local time (cron's clock).

The trailing ``# disputekit daily run`` is a shell comment cron passes along harmlessly; it
marks the line so that ``install_crontab`` replaces the previous one instead of adding a
second daily run. There is one such line per user crontab.

``systemd_units`` gives ``disputekit.service`` (``Type=oneshot``) and ``disputekit.timer``
(``Persistent=true``: a run missed while the machine was off happens at the next boot). As
user units::

    cp disputekit.service disputekit.timer ~/.config/systemd/user/
    systemctl --user daemon-reload && systemctl --user enable --now disputekit.timer
    loginctl enable-linger "$USER"      # run even when nobody is logged in

The same env file works for both: systemd's ``EnvironmentFile=`` reads ``KEY=value`` lines
(no ``export``), as ``.`` does.

A team's database (``DISPUTEKIT_DB_URL``, e.g. a PostgreSQL server) is passed to the run
when given as ``db_url``: written into the line or the unit *without a password*. The
password belongs in ``~/.pgpass`` (``chmod 600``) or in the env file; a URL holding one is
left out when an env file is given (the env file must then set ``DISPUTEKIT_DB_URL``) and
refused otherwise.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from disputekit.errors import ConfigError

MARKER = "# disputekit daily run"
DEFAULT_AT = "06:30"
DEFAULT_LOG = Path("runs") / "cron.log"
SERVICE_NAME = "disputekit.service"
TIMER_NAME = "disputekit.timer"

_AT = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)

Runner = Callable[..., subprocess.CompletedProcess[str]]


def parse_at(at: str) -> tuple[int, int]:
    """``"06:30"`` → ``(6, 30)``; a 24-hour ``HH:MM`` (``H:MM`` too), else ``ConfigError``."""
    match = _AT.fullmatch(at) if isinstance(at, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(
            f"{at!r} is not a time of day: give it as HH:MM on the 24-hour clock, "
            "from 00:00 to 23:59 (for example 06:30 or 18:05)"
        )
    return int(match[1]), int(match[2])


def crontab_line(
    home: Path,
    python: Path,
    at: str = DEFAULT_AT,
    log: Path | None = None,
    jobs: int | None = None,
    env_file: Path | None = None,
    db_url: str | None = None,
) -> str:
    """The crontab entry running ``python -m disputekit run`` in ``home`` every day at ``at``.

    ``log`` (default ``runs/cron.log``) and ``env_file`` may be relative to ``home``;
    ``jobs`` is passed on as ``--jobs``; ``db_url`` as ``DISPUTEKIT_DB_URL`` (never with a
    password: see the module's doc). The result has no trailing newline.
    """
    hour, minute = parse_at(at)
    _check_jobs(jobs)
    root = _absolute(home, "home")
    interpreter = _absolute(python, "python")
    log_path = _under(root, DEFAULT_LOG if log is None else log, "log")
    url = scheduled_db_url(db_url, env_file)

    command = [shlex.quote(str(interpreter)), "-m", "disputekit", "run"]
    if url is not None:
        command.insert(0, f"DISPUTEKIT_DB_URL={shlex.quote(url)}")
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    body = " ".join(command)
    if env_file is not None:
        # `. file` needs a path with a slash, or sh searches $PATH for it.
        env_path = _under(root, env_file, "env_file")
        body = f"set -a && . {shlex.quote(str(env_path))} && set +a && {body}"
    shell = (
        f"cd {shlex.quote(str(root))} && mkdir -p {shlex.quote(str(log_path.parent))} && "
        f"{{ {body}; }} >> {shlex.quote(str(log_path))} 2>&1"
    )
    shell = shell.replace("%", r"\%")  # cron turns an unescaped % into a newline (crontab(5))
    return f"{minute} {hour} * * * {shell} {MARKER}"


def install_crontab(line: str, *, crontab_cmd: str = "crontab", run: Runner = subprocess.run
                    ) -> str:
    """Put ``line`` in the user's crontab in place of any earlier disputekit line.

    Reads the crontab with ``crontab -l`` (none yet counts as empty), keeps every other
    line as it was, and writes the result back with ``crontab -``. Returns the new crontab.
    A crontab that cannot be read is never overwritten; every failure is a ``ConfigError``.
    """
    if "\n" in line or "\r" in line or not line.rstrip().endswith(MARKER):
        raise ConfigError(f"not a disputekit crontab line (one line ending {MARKER!r}): "
                          f"{line!r}; build it with crontab_line()")
    current = _call(run, [crontab_cmd, "-l"], crontab_cmd)
    if current.returncode == 0:
        existing = current.stdout or ""
    elif _no_crontab_yet(current.stderr or ""):
        existing = ""
    else:
        raise ConfigError(
            f"could not read the current crontab (`{crontab_cmd} -l` exited "
            f"{current.returncode}: {_first_line(current.stderr)}); nothing was changed"
        )
    kept: list[str] = []
    placed = False
    for old in existing.splitlines():
        if old.rstrip().endswith(MARKER):
            if not placed:
                kept.append(line)
                placed = True
            continue
        kept.append(old)
    if not placed:
        kept.append(line)
    new = "\n".join(kept) + "\n"  # cron ignores a last line without its newline
    written = _call(run, [crontab_cmd, "-"], crontab_cmd, input=new)
    if written.returncode != 0:
        raise ConfigError(
            f"`{crontab_cmd} -` refused the new crontab (exit {written.returncode}: "
            f"{_first_line(written.stderr)}); the previous crontab is unchanged. "
            "The line was:\n" + line
        )
    return new


def systemd_units(
    home: Path,
    python: Path,
    at: str = DEFAULT_AT,
    env_file: Path | None = None,
    jobs: int | None = None,
    db_url: str | None = None,
) -> dict[str, str]:
    """``{"disputekit.service": ..., "disputekit.timer": ...}`` running the stores daily.

    The run's output goes to the journal (``journalctl --user -u disputekit``).
    """
    hour, minute = parse_at(at)
    _check_jobs(jobs)
    root = _absolute(home, "home")
    interpreter = _absolute(python, "python")
    url = scheduled_db_url(db_url, env_file)
    exec_start = [_unit_quote(str(interpreter)), "-m", "disputekit", "run"]
    if jobs is not None:
        exec_start += ["--jobs", str(jobs)]
    service = [
        "[Unit]",
        "Description=disputekit daily run: every store's notebook, then the reports",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"WorkingDirectory={_unit_path(root)}",
    ]
    if env_file is not None:
        service.append("# Credentials: KEY=value lines, readable by this user only.")
        service.append(f"EnvironmentFile={_unit_path(_under(root, env_file, 'env_file'))}")
    if url is not None:
        service.append("# The team's database; its password is in ~/.pgpass, never here.")
        service.append(f"Environment={_unit_quote('DISPUTEKIT_DB_URL=' + url)}")
    service += [f"ExecStart={' '.join(exec_start)}", ""]
    timer = [
        "[Unit]",
        f"Description=disputekit daily run at {hour:02d}:{minute:02d}",
        "",
        "[Timer]",
        f"OnCalendar=*-*-* {hour:02d}:{minute:02d}:00",
        "Persistent=true",
        f"Unit={SERVICE_NAME}",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ]
    return {SERVICE_NAME: "\n".join(service), TIMER_NAME: "\n".join(timer)}


def scheduled_db_url(db_url: str | None, env_file: Path | None) -> str | None:
    """What the schedule may say about the database: ``db_url`` when it holds no password;
    None when there is none to pass, or when it holds a password and ``env_file`` (which
    must then set ``DISPUTEKIT_DB_URL`` itself) is given; else a ``ConfigError``."""
    if not db_url:
        return None
    if any(c in db_url for c in "\n\r\0"):
        raise ConfigError("DISPUTEKIT_DB_URL has a line break in it; give the URL on one line")
    try:
        password = urlsplit(db_url).password
    except ValueError:  # a malformed netloc: say so without echoing it (it may hold secrets)
        raise ConfigError("DISPUTEKIT_DB_URL is not a valid URL "
                          "(dialect+driver://user@host:port/database)") from None
    if password is None:
        return db_url
    if env_file is not None:
        return None
    raise ConfigError(
        "DISPUTEKIT_DB_URL holds a password, which would be written into the crontab or "
        "the unit: put the password in ~/.pgpass (chmod 600; "
        "host:port:database:user:password) and use the URL without it, or set "
        "DISPUTEKIT_DB_URL in the env file and pass --env-file")


def _check_jobs(jobs: int | None) -> None:
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"jobs must be a whole number of at least 1, not {jobs!r}")


def _absolute(path: Path, what: str) -> Path:
    # absolute(), not resolve(): a virtualenv's python is a symlink whose target would
    # run without the virtualenv's packages.
    text = str(path)
    if not text or any(c in text for c in "\n\r\0"):
        raise ConfigError(f"{what} path {text!r} is empty or has a line break in it")
    return Path(path).expanduser().absolute()


def _under(root: Path, path: Path, what: str) -> Path:
    path = Path(path).expanduser()
    return _absolute(path if path.is_absolute() else root / path, what)


def _unit_path(path: Path) -> str:
    return str(path).replace("%", "%%")  # systemd specifiers start with %


def _unit_quote(word: str) -> str:
    word = word.replace("%", "%%").replace("$", "$$")
    if re.search(r"[\s\"'\\;]", word):
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


def _call(run: Runner, argv: list[str], crontab_cmd: str, **kwargs: Any
          ) -> subprocess.CompletedProcess[str]:
    try:
        return run(argv, capture_output=True, text=True, check=False, **kwargs)
    except FileNotFoundError:
        raise ConfigError(
            f"no `{crontab_cmd}` command on this machine: install cron (Debian: "
            "`apt-get install cron`), or use the systemd timer instead"
        ) from None
    except OSError as exc:
        raise ConfigError(f"could not run `{' '.join(argv)}`: {exc}") from None


def _no_crontab_yet(stderr: str) -> bool:
    # cronie/vixie/macOS: "no crontab for USER"; busybox: "can't open 'USER': No such file"
    text = stderr.lower()
    return "no crontab" in text or "no such file" in text


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "no message"
