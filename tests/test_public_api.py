"""The public API is small and pinned; the pure core imports no I/O library."""

from __future__ import annotations

import subprocess
import sys

import disputekit


def test_public_names_are_pinned() -> None:
    assert sorted(disputekit.__all__) == disputekit.__all__
    for name in disputekit.__all__:
        assert hasattr(disputekit, name), name
    assert {"run_store_day", "ReviewQueue", "Workspace", "Database", "DisputeKitError",
            "AliExpressClient", "sync_store", "response_deadline"} <= set(disputekit.__all__)


def test_errors_form_one_tree() -> None:
    errors = [getattr(disputekit, n) for n in disputekit.__all__ if n.endswith("Error")]
    assert all(issubclass(e, disputekit.DisputeKitError) for e in errors)


PURE = ["disputekit.domain.deadlines", "disputekit.wire.signing", "disputekit.domain.platform_time",
        "disputekit.domain.carriers", "disputekit.domain.privacy", "disputekit.wire.envelope",
        "disputekit.domain.tracking", "disputekit.domain.claims"]
IO = ["httpx", "sqlalchemy", "ipywidgets", "papermill", "starlette", "uvicorn", "pandas"]


def test_pure_modules_import_no_io_library() -> None:
    code = (f"import sys; import {', '.join(PURE)}; "
            f"print([m for m in {IO!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_every_export_resolves_lazily() -> None:
    assert set(disputekit._EXPORTS) | {"__version__"} == set(disputekit.__all__)
