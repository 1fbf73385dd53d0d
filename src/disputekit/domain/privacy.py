"""Masking buyer personal data for anything shared beyond the operator (pure)."""

from __future__ import annotations


def mask_login(login: str) -> str:
    """Keep enough to recognise a buyer in a list, not enough to find them.

    >>> mask_login("br1429846753xkqae")
    'br14…qae'
    """
    login = login.strip()
    if len(login) <= 4:
        return "…" if login else ""
    if len(login) <= 8:
        return f"{login[:2]}…"
    return f"{login[:4]}…{login[-3:]}"


def mask_name(name: str) -> str:
    """``"Lucia Fernández"`` -> ``"L. F."``."""
    parts = [p for p in name.split() if p]
    return " ".join(f"{p[0]}." for p in parts)
