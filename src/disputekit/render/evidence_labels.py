"""The words on evidence images and summaries, in English or the buyer's language.

Labels are data, one file a language (``render/labels/<lang>.json``: en, ru, es, pt_BR,
fr, pl, de, it, tr); a translator edits a file, not code. English is complete and is the
fallback for a missing language or key. Carriers' event texts are never translated (they stay as the
carrier wrote them); dates are UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from disputekit.domain.evidence import CaseFacts, DecidingFact
from disputekit.errors import EvidenceError

__all__ = ["LABELS", "LABELS_DIR", "day", "fact_text", "kind_text", "label", "language",
           "money", "service_text", "when"]

LABELS_DIR: Final = Path(__file__).parent / "labels"


def _load(folder: Path) -> dict[str, dict[str, str]]:
    """Every ``<lang>.json`` of ``folder``; each must hold exactly English's keys."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EvidenceError(f"label file {path} cannot be read ({exc}); restore it from "
                                "the package") from None
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            raise EvidenceError(f"label file {path} must be one JSON object of strings")
        out[path.stem] = table
    if "en" not in out:
        raise EvidenceError(f"no English labels (en.json) in {folder}; reinstall disputekit")
    return out


LABELS: Final[dict[str, dict[str, str]]] = _load(LABELS_DIR)
_EN: Final = LABELS["en"]


def label(lang: str, key: str, **values: Any) -> str:
    """A label in ``lang`` (English when the language or the key is not there).

    >>> label("fr", "carrier")
    'Transporteur'
    >>> label("xx", "carrier")
    'Carrier'
    """
    text = LABELS.get(lang, _EN).get(key) or _EN[key]
    return text.format(**values) if values else text


def language(lang: str | None) -> str:
    """``lang`` when there are labels in it, else English."""
    return lang if lang is not None and lang in LABELS else "en"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "?"


def money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:.2f} {currency}".strip() if amount is not None else "?"


def fact_text(fact: DecidingFact, lang: str = "en") -> str:
    """The deciding fact as one sentence in ``lang``."""
    return label(language(lang), f"fact_{fact.code.value}", date=when(fact.at),
                 place=fact.place or "?", name=fact.name or "?",
                 days=fact.days if fact.days is not None else "?",
                 detail=fact.detail or "?")


def kind_text(service_kind: str, lang: str) -> str:
    """A service kind (``tracked``...) in words; an unknown kind as it is."""
    key = f"kind_{service_kind}"
    return label(lang, key) if key in _EN else service_kind


def service_text(facts: CaseFacts, lang: str) -> str:
    kind = kind_text(facts.service_kind, lang) if facts.service_kind else ""
    return f"{facts.service or '?'}" + (f" · {kind}" if kind else "")
