"""Where a disputekit project keeps its files.

A workspace is the folder holding ``parameters/`` and ``notebooks/``; ``data/`` (the SQLite
database, evidence), ``runs/`` (executed notebooks) and ``reports/`` (rendered HTML) are
created beside them. ``DISPUTEKIT_HOME`` names it explicitly (the runner sets it for the
kernels it starts, whose working directory is ``notebooks/``); otherwise it is found by
walking up from the current directory. ``DISPUTEKIT_DB_URL`` and
``DISPUTEKIT_PARAMETERS_DIR`` override the database and the parameters folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path
    parameters_dir: Path
    db_url: str

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @classmethod
    def at(cls, root: Path, env: Mapping[str, str] | None = None) -> Workspace:
        env = os.environ if env is None else env
        root = root.resolve()
        params = Path(env["DISPUTEKIT_PARAMETERS_DIR"]) if env.get("DISPUTEKIT_PARAMETERS_DIR") \
            else root / "parameters"
        db_url = env.get("DISPUTEKIT_DB_URL") or f"sqlite:///{root / 'data' / 'disputekit.sqlite'}"
        return cls(root=root, parameters_dir=params.resolve(), db_url=db_url)

    @classmethod
    def discover(cls, env: Mapping[str, str] | None = None, start: Path | None = None) -> Workspace:
        env = os.environ if env is None else env
        if env.get("DISPUTEKIT_HOME"):
            return cls.at(Path(env["DISPUTEKIT_HOME"]), env)
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "parameters").is_dir() and (candidate / "notebooks").is_dir():
                return cls.at(candidate, env)
        return cls.at(here, env)
