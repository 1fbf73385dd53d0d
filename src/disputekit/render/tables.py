"""Long tables sortable and filterable in a report opened offline.

The script lives in the nbconvert template folder (the store reports include it from there)
and is read here once for the pages disputekit writes itself (the portfolio page): one
script, plain HTML tables underneath, readable with scripts off.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SORTABLE_SCRIPT"]

SORTABLE_SCRIPT = (Path(__file__).parent / "templates" / "nbconvert" / "report"
                   / "sortable.js").read_text(encoding="utf-8")
