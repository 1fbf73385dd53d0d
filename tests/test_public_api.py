"""The public API is small and pinned; the notebooks use only it; the pure core imports no I/O
library; the examples in the docstrings run with the suite."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from IPython.core.inputtransformer2 import TransformerManager

import disputekit

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# Every name `from disputekit import ...` offers, sorted. A name added to or removed from the
# package is a change of the public API: make it here too, on purpose.
PUBLIC_API = [
    "AccessTokenError",
    "AliExpressClient",
    "ConfigError",
    "Credentials",
    "Database",
    "Deadline",
    "DisputeKitError",
    "MalformedPayloadError",
    "MissingCredentialError",
    "ParametersError",
    "PlatformError",
    "PlatformUnreachableError",
    "RateLimitedError",
    "RetryPolicy",
    "ReviewQueue",
    "SignatureError",
    "StoreDay",
    "StoreParameters",
    "StoreReport",
    "SyncResult",
    "UnknownStoreError",
    "Urgency",
    "Workspace",
    "__version__",
    "connect",
    "load_store",
    "open_disputes",
    "open_evidence",
    "open_review",
    "open_whatif",
    "response_deadline",
    "run_store_day",
    "sync_store",
]

# What disputekit/__init__.py imports for its own work; not part of the API.
PLUMBING = {"annotations", "importlib", "TYPE_CHECKING", "Any"}


def test_public_names_are_pinned() -> None:
    assert disputekit.__all__ == PUBLIC_API


def test_all_equals_the_exported_names() -> None:
    for name in disputekit.__all__:
        assert getattr(disputekit, name) is not None, name
    # Once every lazy name is resolved, the package's namespace holds the API, its
    # subpackages and its plumbing: nothing public that __all__ leaves out.
    exported = sorted(
        name for name, value in vars(disputekit).items()
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(value, ModuleType) and name not in PLUMBING
    )
    assert exported == disputekit.__all__
    assert set(disputekit.__all__) <= set(dir(disputekit))


def test_every_export_resolves_lazily() -> None:
    assert set(disputekit._EXPORTS) | {"__version__"} == set(disputekit.__all__)
    for name, module in disputekit._EXPORTS.items():
        assert getattr(disputekit, name).__module__ == module, name


def test_type_checkers_see_every_export_from_its_module() -> None:
    # The `if TYPE_CHECKING:` imports are what mypy and editors read; they must name the same
    # objects, from the same modules, as the lazy table does at run time.
    tree = ast.parse(Path(disputekit.__file__).read_text())
    guard = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in guard.body if isinstance(node, ast.ImportFrom)
            for alias in node.names}
    assert seen == disputekit._EXPORTS


def test_errors_form_one_tree() -> None:
    errors = [getattr(disputekit, n) for n in disputekit.__all__ if n.endswith("Error")]
    assert all(issubclass(e, disputekit.DisputeKitError) for e in errors)


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def imported_modules(source: str) -> list[str]:
    # IPython's own translation turns magics (%matplotlib, !pip) into Python first.
    tree = ast.parse(TransformerManager().transform_cell(source))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules


def test_the_notebooks_are_checked() -> None:
    assert {n.name for n in NOTEBOOKS} >= {"store_daily.ipynb", "daily_review.ipynb",
                                           "evidence.ipynb"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_only_the_public_api(notebook: Path) -> None:
    inside = [module for source in code_cells(notebook) for module in imported_modules(source)
              if module.startswith("disputekit.")]
    assert not inside, (
        f"{notebook.name} imports {inside}: a notebook imports from `disputekit` only; "
        "export the name in disputekit/__init__.py (_EXPORTS, __all__) if it needs it"
    )


def test_imported_modules_sees_every_form_of_import() -> None:
    source = ("%matplotlib inline\nimport disputekit.ui.review as r\n"
              "if True:\n    from disputekit.services import queue\nfrom disputekit import x")
    assert sorted(imported_modules(source)) == ["disputekit", "disputekit.services",
                                                "disputekit.ui.review"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    run = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
           and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not run, f"{notebook.name}: cells {run} carry outputs; clear them before committing"


def test_docstring_examples_run_with_the_suite() -> None:
    pytest_options = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]
    options = pytest_options["ini_options"]
    assert "--doctest-modules" in options["addopts"].split()
    assert "src/disputekit" in options["testpaths"]
