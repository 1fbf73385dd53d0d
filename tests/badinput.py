"""Hypothesis strategies that spoil a valid JSON-like document in one place.

A mutation picks one node of a valid document (a platform payload, a parameters file, a
triage line) and deletes it, replaces it with a value of the wrong kind, a huge string, a
badly formatted time, or adds an unknown key beside it. The path of the spoiled node comes
back with the document, so a test can check that the error names what is wrong.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from disputekit.simulator.dataset import generate, make_stores
from disputekit.simulator.generator import MIN_DISPUTES

Path = tuple[str | int, ...]

# Values of the wrong kind for almost any field: types, sizes and formats the platform (or a
# person editing YAML) might send by mistake.
BAD_TIMES = ["2026-13-01 09:00:00", "2026-02-30 10:00:00", "2026-11-28T09:00:00Z",
             "28/11/2026 09:00", "1732780800", "yesterday", "2026-11-28 25:61:61", " ",
             "0000-00-00 00:00:00"]
WRONG_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 10**30]),  # past a 64-bit column
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NaN", "Infinity", "-1e400", "1e400", "12,50", "", "null", "0x1F"]),
    st.text(max_size=30),
    st.sampled_from(BAD_TIMES),
    st.just("x" * 100_000),  # a huge string
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@dataclass(frozen=True)
class Mutation:
    kind: str  # "delete", "replace", "add"
    path: Path  # where: the deleted or replaced node, or the added key
    value: Any = None

    def describe(self) -> str:
        return f"{self.kind} {'.'.join(str(p) for p in self.path)} = {self.value!r:.60}"


def paths(doc: Any, prefix: Path = ()) -> list[Path]:
    """Every node below the root, parents before children."""
    found: list[Path] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.append((*prefix, key))
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found.append((*prefix, i))
            found.extend(paths(value, (*prefix, i)))
    return found


def apply(doc: Any, mutation: Mutation) -> Any:
    """A spoiled deep copy of ``doc``."""
    out = copy.deepcopy(doc)
    *parents, last = mutation.path
    node = out
    for step in parents:
        node = node[step]
    if mutation.kind == "delete":
        del node[last]
    elif mutation.kind == "replace":
        node[last] = mutation.value
    else:
        node[last] = mutation.value
    return out


@st.composite
def mutations(draw: st.DrawFn, doc: Any) -> Mutation:
    """One spoiling of ``doc``: delete a node, give it a wrong value, or add a stray key."""
    where = paths(doc)
    path = draw(st.sampled_from(where))
    kind = draw(st.sampled_from(["delete", "replace", "replace", "add"]))
    if kind == "add":
        parent_path = path[:-1]
        parent = doc
        for step in parent_path:
            parent = parent[step]
        if not isinstance(parent, dict):
            kind = "replace"
        else:
            key = draw(st.sampled_from(["unexpected_field", "gmt_xyz", "Issue_ID", "sign"]))
            return Mutation("add", (*parent_path, key), draw(WRONG_VALUES))
    return Mutation(kind, path, draw(WRONG_VALUES) if kind == "replace" else None)


@st.composite
def spoiled(draw: st.DrawFn, doc: Any) -> tuple[Any, Mutation]:
    mutation = draw(mutations(doc))
    return apply(doc, mutation), mutation


def names_a_prefix(message: str, path: Path) -> bool:
    """Whether ``message`` names the spoiled node or one of its parents (dotted path)."""
    names = [".".join(str(p) for p in path[:n]) for n in range(len(path), 0, -1)]
    return any(name in message for name in names)


# Valid documents to spoil: a small deterministic dataset from the simulator.
ANCHOR = datetime(2026, 11, 28, 12, tzinfo=UTC)
_DATASET = next(iter(generate(11, ANCHOR, stores=make_stores(1),
                              disputes_per_store=MIN_DISPUTES).values()))
ISSUES = _DATASET.issues
ORDERS = list(_DATASET.orders.values())
TRACKING = [events for events in _DATASET.tracking.values() if events]
