"""AliExpress wall-clock times.

Every ``gmt_*`` and ``timeout_trigger_time`` field on the platform is a US Pacific
wall-clock string (``yyyy-MM-dd HH:mm:ss``, no offset). Inside disputekit every instant is
a timezone-aware UTC ``datetime``; this module is the only place that converts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from disputekit.errors import MalformedPayloadError

PACIFIC = ZoneInfo("America/Los_Angeles")
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_pacific(text: str | None) -> datetime | None:
    """Parse a platform time string into an aware UTC datetime; ``""``/``None`` give ``None``.

    Wall-clock times that occur twice when clocks fall back are read as the first
    occurrence (``fold=0``), and times skipped when clocks spring forward are read with
    the offset in force before the change, which is what ``zoneinfo`` does.

    >>> parse_pacific("2026-07-01 09:00:00").isoformat()
    '2026-07-01T16:00:00+00:00'
    """
    if text is None or text == "":
        return None
    try:
        naive = datetime.strptime(text.strip(), WIRE_FORMAT)
    except ValueError as exc:
        raise MalformedPayloadError(
            f"expected a platform time like '2026-03-01 09:30:00' (US Pacific), got "
            f"{_shown(text)}"
        ) from exc
    return naive.replace(tzinfo=PACIFIC).astimezone(UTC)


def _shown(text: object) -> str:
    """A value quoted in a message, cut short: a huge one must not flood a log."""
    shown = repr(text)
    return shown if len(shown) <= 60 else f"{shown[:60]}… ({len(str(text)):,} characters)"


def to_pacific_string(moment: datetime) -> str:
    """Format an aware datetime the way the platform does (US Pacific wall clock)."""
    if moment.tzinfo is None:
        raise ValueError("to_pacific_string needs an aware datetime; naive times are ambiguous")
    return moment.astimezone(PACIFIC).strftime(WIRE_FORMAT)


def utc_now() -> datetime:
    return datetime.now(UTC)
