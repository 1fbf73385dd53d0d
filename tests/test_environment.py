"""environment.yml lists the same dependencies as pyproject.toml, and the lock pins them all."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements" / "constraints.txt"


def normalise(requirement: str) -> tuple[str, str]:
    # conda has no extras: psycopg[binary] on PyPI is plain psycopg on conda-forge.
    requirement = re.sub(r"\[[^\]]*\]", "", requirement)
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()  # type: ignore[union-attr]
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def project_requirements() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def locked_versions() -> dict[str, str]:
    """The lock's `name==version` lines (pip-compile's comments and `# via` lines aside)."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        assert match, f"{LOCK.name}: {line!r} is not an exact pin; run `make lock`"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {normalise(r) for r in project_requirements()}
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


def test_lock_pins_every_dependency_within_its_range() -> None:
    # `make install` installs with the lock as constraints: a dependency the lock misses would
    # install unpinned, and one whose pin is outside pyproject's range would fail the install.
    pins = locked_versions()
    missing, outside = [], []
    for line in project_requirements():
        requirement = Requirement(line)
        names = [requirement.name]
        # pip-compile writes an extra's packages as their own pins (psycopg[binary] ->
        # psycopg-binary), since a constraints file cannot carry extras.
        names += [f"{requirement.name}-{extra}" for extra in requirement.extras]
        for name in names:
            if canonicalize_name(name) not in pins:
                missing.append(name)
        version = pins.get(canonicalize_name(requirement.name))
        if version is not None and not requirement.specifier.contains(version, prereleases=True):
            outside.append(f"{requirement.name}=={version} (pyproject: {requirement.specifier})")
    assert not missing and not outside, (
        f"{LOCK.relative_to(REPO)} is behind pyproject.toml: missing {missing}, outside the "
        f"range {outside}; run `make lock` and commit the lock"
    )


def test_make_install_installs_from_the_lock() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "LOCK   := requirements/constraints.txt" in makefile
    assert "pip install --quiet -c $(LOCK) -e '.[dev]'" in makefile
    assert re.search(r"^\$\(STAMP\): pyproject\.toml \$\(LOCK\)$", makefile, re.MULTILINE), (
        "a changed lock must reinstall"
    )
