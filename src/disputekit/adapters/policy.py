"""A what-if policy file (``disputekit whatif --policy FILE``), validated.

Per class, what the seller would do instead: an action (``decisions.Action``: refuse,
usage_help, partial_refund, full_refund, resend, resend_with_gift, return_and_refund), and
for a partial refund its share of the refund asked or a fixed counter-offer in USD. Classes
left out keep what the seller did. Example::

    name: settle stalled parcels     # optional; default: the file's name
    classes:
      stalled_in_transit:
        action: partial_refund
        share: 0.3                   # 30 % of the refund asked (default: the store's
                                     # triage.costs.partial_share, else the cost model's)
      no_tracking:
        action: partial_refund
        counter_offer: 5.00          # USD, instead of a share
      delivered_disputed: refuse     # an action alone

Every mistake is a ``PolicyError`` naming the file, the class and the fix, as the
parameters files' are (``adapters.parameters``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from disputekit.domain.decisions import Action
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.whatif import REPLAYABLE, Choice, Policy
from disputekit.errors import PolicyError

__all__ = ["load_policy", "parse_policy"]

_CLASSES = {str(c) for c in DisputeClass}
_ACTIONS = {str(a) for a in REPLAYABLE}
_KEYS = ("action", "share", "counter_offer")


def load_policy(path: Path) -> Policy:
    """The policy in ``path``; ``PolicyError`` says what is wrong and how to fix it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file; give the path of a YAML file "
                          "(see `disputekit whatif --help`)") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text (byte {exc.start} cannot be read); save "
                          "the file as UTF-8 in your editor") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML ({exc})") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        raise PolicyError(f"{path}: a value cannot be read ({exc})") from None
    return parse_policy(data, str(path), default_name=path.stem)


def parse_policy(data: Any, source: str, *, default_name: str = "alternative") -> Policy:
    """A policy from the YAML's data; errors name ``source``."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: expected a mapping with 'classes' (and optionally "
                          f"'name'), got {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in ("name", "classes"))
    if unknown:
        raise PolicyError(f"{source}: unknown key(s) {', '.join(unknown)}; a policy has "
                          "'classes' and optionally 'name'")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{source}: name must be a text, got {name!r:.60}")
    classes = data.get("classes")
    if not isinstance(classes, Mapping) or not classes:
        raise PolicyError(f"{source}: 'classes' must map at least one class to what the "
                          f"seller does, e.g. 'stalled_in_transit: {{action: partial_refund, "
                          f"share: 0.3}}'; known classes: {', '.join(sorted(_CLASSES))}")
    choices: dict[DisputeClass, Choice] = {}
    for key, value in classes.items():
        code = str(key)
        if code not in _CLASSES:
            raise PolicyError(f"{source}: unknown class {code!r:.60}; known: "
                              f"{', '.join(sorted(_CLASSES))}")
        choices[DisputeClass(code)] = _choice(value, f"{source}: classes.{code}")
    return Policy(choices, name.strip())


def _choice(value: Any, where: str) -> Choice:
    if isinstance(value, str):
        value = {"action": value}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected an action or a mapping with 'action' (and "
                          f"'share' or 'counter_offer'), got {value!r:.60}")
    unknown = sorted(str(k) for k in value if k not in _KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}; known: "
                          f"{', '.join(_KEYS)}")
    action = value.get("action")
    if action is None:
        raise PolicyError(f"{where}: missing 'action'; one of {', '.join(sorted(_ACTIONS))}")
    if str(action) not in _ACTIONS:
        hint = " (it goes along with an answer, it is not one)" \
            if str(action) in {str(a) for a in Action} else ""
        raise PolicyError(f"{where}: unknown action {str(action)!r:.60}{hint}; one of "
                          f"{', '.join(sorted(_ACTIONS))}")
    share = _number(value.get("share"), f"{where}.share")
    if share is not None and not 0 < share < 1:
        raise PolicyError(f"{where}.share must be between 0 and 1 (a part of the refund "
                          f"asked: 0.3 for 30 %), got {share:g}")
    counter = _number(value.get("counter_offer"), f"{where}.counter_offer")
    try:
        return Choice(Action(str(action)), share=share, counter_offer=counter)
    except ValueError as exc:
        raise PolicyError(f"{where}: {exc}") from None


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise PolicyError(f"{where} must be a number, got {value!r:.60}")
    return float(value)
