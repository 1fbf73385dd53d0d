"""environment.yml lists the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def normalise(requirement: str) -> tuple[str, str]:
    # conda has no extras: psycopg[binary] on PyPI is plain psycopg on conda-forge.
    requirement = re.sub(r"\[[^\]]*\]", "", requirement)
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()  # type: ignore[union-attr]
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {normalise(r) for r in project["dependencies"]}
    wanted |= {normalise(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {normalise(d) for d in env["dependencies"] if isinstance(d, str)}
    conda -= {normalise("python>=3.11"), normalise("pip")}
    assert conda == wanted, (
        f"only in pyproject: {sorted(wanted - conda)}; only in environment.yml: "
        f"{sorted(conda - wanted)}"
    )
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
    assert project["requires-python"] == ">=3.11"
