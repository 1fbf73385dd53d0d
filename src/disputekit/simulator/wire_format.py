"""How the simulator writes times and money the way the platform does.

Times are US Pacific wall-clock strings without sub-seconds; amounts are decimal strings, in
USD or in the buyer's currency at a fixed rate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from disputekit.domain.platform_time import PACIFIC, to_pacific_string

__all__ = ["FX", "local_money", "money", "usd", "whole", "wire_time"]

# Fixed FX (buyer currency per USD) and the decimals the currency is quoted with.
FX: Final[dict[str, tuple[float, int]]] = {
    "USD": (1.0, 2), "EUR": (0.92, 2), "GBP": (0.79, 2), "PLN": (3.98, 2), "RUB": (92.5, 2),
    "BRL": (5.05, 2), "MXN": (17.2, 2), "CLP": (940.0, 0), "KRW": (1330.0, 0),
    "AUD": (1.52, 2), "CAD": (1.36, 2), "ILS": (3.71, 2), "KZT": (470.0, 2),
    "UAH": (41.0, 2),
}


def whole(moment: datetime) -> datetime:
    """Drop sub-seconds: the wire format has none, so a round trip gives back the same instant."""
    return moment.replace(microsecond=0)


def wire_time(moment: datetime) -> str:
    """The platform's Pacific string for ``moment``, kept in order across the autumn change.

    When clocks fall back, 01:00-01:59 happens twice and the wire format cannot say which
    time it means; readers take the first (``parse_pacific``). Written plainly, a time in the
    repeated hour would read back an hour early and could sort before the step that came
    just before it. So times in the repeated hour are written as the first hour's last
    second: order survives a round trip, and such a time is off by at most an hour.
    """
    local = moment.astimezone(PACIFIC)
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        last_second = local.replace(minute=59, second=59, microsecond=0, fold=0)
        return to_pacific_string(last_second)
    return to_pacific_string(moment)


def usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def local_money(cents: int, currency: str) -> str:
    """``cents`` USD in ``currency`` (a key of ``FX``), as the platform quotes it."""
    rate, decimals = FX[currency]
    return f"{cents * rate / 100:.{decimals}f}"


def money(cents: int) -> dict[str, str]:
    return {"amount": usd(cents), "currency_code": "USD"}
