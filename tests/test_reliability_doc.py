"""docs/reliability.md names real tests: a promise whose test was renamed or removed fails here."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def referenced_tests() -> list[tuple[str, str]]:
    """Every ``tests/file.py::name`` in the document; ``::name`` alone means the same file."""
    refs: list[tuple[str, str]] = []
    for line in (REPO / "docs" / "reliability.md").read_text().splitlines():
        current = ""
        for file, name in re.findall(r"`(tests/[\w/]+\.py)?::(\w+)`", line):
            current = file or current
            assert current, f"{name!r} in docs/reliability.md has no file before it: {line}"
            refs.append((current, name))
    return refs


def test_every_test_named_in_the_reliability_doc_exists() -> None:
    refs = referenced_tests()
    assert len(refs) > 40
    missing = [f"{file}::{name}" for file, name in refs
               if not re.search(rf"^(async )?def {name}\(", (REPO / file).read_text(), re.M)]
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
