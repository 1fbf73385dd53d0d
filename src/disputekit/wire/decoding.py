"""JSON from outside (a gateway's answer, a triage line, a push), decoded within bounds.

``json.loads`` lets two hostile inputs through as raw exceptions: nesting deeper than the
interpreter's recursion limit raises ``RecursionError``, and an integer of more than 4,300
digits raises a plain ``ValueError`` (CPython's int-conversion limit). A value nested far
deeper than any platform answer would later exhaust every recursive walk (unwrapping,
validation, storing as JSON) too. Here each of these becomes a ``MalformedPayloadError``
naming what was being read, so the caller refuses that one answer or line and goes on.

A body that is not JSON at all (cut off, an HTML page) still raises
``json.JSONDecodeError`` or ``UnicodeDecodeError``: callers treat it as they did (a
truncated answer is retried).
"""

from __future__ import annotations

import json
import re
from typing import Any

from disputekit.errors import MalformedPayloadError

# The platform's deepest answer (an issue detail: envelope, result, process list, its
# wrapper, a step, its attachments' wrapper, one attachment) is about ten levels; 17TRACK's
# and a triage line's are no deeper. Far above that is hostile or broken.
MAX_DEPTH = 64

# Terminal escapes a platform's message could carry: CSI (colours, cursor moves, clearing the
# screen), OSC (a window title, a hyperlink, the clipboard), and the one-byte forms; removed
# whole, so no "[31m" residue is left. Then every other control character, and the Unicode
# bidi overrides that make a line read other than it is.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?"
                      r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]?")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")


def printable(text: object) -> str:
    """``text`` (a platform's error message, code or id) as one plain line: terminal escape
    sequences and control characters removed, line breaks and tabs made spaces. Applied
    where such text enters a typed error, so neither the operator's terminal nor the
    database (``sync_runs.error``) ever receives an escape from outside."""
    plain = _ESCAPES.sub("", str(text))
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", plain))


def loads(text: str | bytes, what: str) -> Any:
    """``json.loads(text)``, refusing what cannot be read safely with a typed error.

    >>> loads('{"a": [1, 2]}', "test")
    {'a': [1, 2]}
    >>> loads("[" * 100 + "]" * 100, "test")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    disputekit.errors.MalformedPayloadError: test: JSON nested deeper than 64 levels...
    """
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except RecursionError:
        raise _too_deep(what) from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise MalformedPayloadError(
            f"{what}: a number too long to read ({str(exc)[:80]}); no field the platform "
            "documents holds more than 20 digits") from None
    if nested_deeper_than(value, MAX_DEPTH):
        raise _too_deep(what)
    return value


def _too_deep(what: str) -> MalformedPayloadError:
    return MalformedPayloadError(
        f"{what}: JSON nested deeper than {MAX_DEPTH} levels; the documented answers are "
        "about ten deep, so this one is refused")


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` has lists or objects nested more than ``limit`` deep (no recursion:
    it must not fail on the very input it checks)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
