"""The layers of ARCHITECTURE.md hold: import-linter's contracts in pyproject.toml pass on the
package, and fail on a copy of it where one module imports upward, or the pure domain
imports an I/O library, or two siblings import each other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "disputekit"
LINT = Path(sys.executable).with_name("lint-imports")


def lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Run the project's contracts against the ``disputekit`` found in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=package_parent,
                          timeout=300)


def test_the_package_keeps_every_contract() -> None:
    out = lint(ROOT / "src")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout and "8 kept" in out.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("src")
    shutil.copytree(PACKAGE, parent / "disputekit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return parent


def broken(copy: Path, module: str, line: str) -> str:
    """Add ``line`` to ``module`` of the copy, lint it, put the module back; the output."""
    path = copy / "disputekit" / (module.replace(".", "/") + ".py")
    before = path.read_text()
    try:
        path.write_text(before + f"\n{line}\n")
        out = lint(copy)
    finally:
        path.write_text(before)
    assert out.returncode != 0, f"{module} with {line!r} passed the contracts"
    return out.stdout


def test_an_upward_import_breaks_the_layers(copy: Path) -> None:
    said = broken(copy, "domain.deadlines", "import disputekit.services.sync  # noqa")
    assert "disputekit.domain is not allowed to import disputekit.services" in said
    assert "disputekit.domain.deadlines -> disputekit.services.sync" in said


def test_io_in_the_domain_breaks_its_purity(copy: Path) -> None:
    said = broken(copy, "domain.taxonomy", "import pydantic  # noqa")
    assert "disputekit.domain is not allowed to import pydantic" in said


def test_pandas_outside_the_figures_breaks_the_contract(copy: Path) -> None:
    said = broken(copy, "domain.classify", "import pandas  # noqa")
    assert "disputekit.domain is not allowed to import pandas" in said
    assert "disputekit.domain.classify -> pandas" in said


def test_duckdb_outside_the_columnar_engine_breaks_the_contract(copy: Path) -> None:
    """Only ``kpis.columnar`` runs DuckDB in the domain (in memory, external access off)."""
    said = broken(copy, "domain.kpis.money", "import duckdb  # noqa")
    assert "disputekit.domain is not allowed to import duckdb" in said
    assert "disputekit.domain.kpis.money -> duckdb" in said


def test_a_service_drawing_a_chart_breaks_the_contract(copy: Path) -> None:
    said = broken(copy, "services.followups", "import matplotlib  # noqa")
    assert "disputekit.services is not allowed to import matplotlib" in said


def test_siblings_importing_each_other_break_the_acyclic_contract(copy: Path) -> None:
    # taxonomy is imported by classify; taxonomy importing classify closes a cycle.
    said = broken(copy, "domain.taxonomy", "import disputekit.domain.classify  # noqa")
    assert "No cycles are allowed in disputekit.domain" in said


def test_the_architecture_map_matches_the_folders() -> None:
    """Every module is on ARCHITECTURE.md's map, and every file the map names exists."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    # `domain/replies/` (a package) or `adapters/db/tables.py` (a module), and the modules
    # at the package's root (`errors.py`)
    named = {cell for cell in text.split("`") if " " not in cell and (
        (cell.endswith((".py", "/")) and cell.split("/")[0] in folders)
        or (PACKAGE / cell).is_file())}
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               if "versions" not in p.parts and p.name not in ("__init__.py", "__main__.py")}
    packages = {p.parent.relative_to(PACKAGE).as_posix() + "/"
                for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    layers = {p.split("/")[0] + "/" for p in packages}
    missing = sorted(m for m in modules
                     if m not in named and not any(m.startswith(n) and n not in layers
                                                   for n in named if n.endswith("/")))
    assert not missing, f"modules not on ARCHITECTURE.md's map: {missing}"
    stale = sorted(n for n in named if n not in modules and n not in packages
                   and not (PACKAGE / n).exists())
    assert not stale, f"ARCHITECTURE.md names files that do not exist: {stale}"
