"""What the carrier said about a late parcel, as a reason every reply language can say (pure).

The words are data, one file per reply language (``delay_reasons/<lang>.toml``), read once;
each completes "the carrier told us that …" as a reply's ``carrier_explanation``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from importlib import resources

from disputekit.errors import TemplateError

__all__ = ["DelayReason", "delay_words"]


class DelayReason(StrEnum):
    """What the carrier said, as a reason the templates can say in every language."""

    CUSTOMS_CHECK = "customs_check"
    FLIGHT_TRANSFER = "flight_transfer"
    HIGH_SEASON = "high_season"
    WEATHER = "weather"
    STRIKE = "strike"
    SORTING_CENTRE = "sorting_centre"
    LOCAL_HANDOVER = "local_handover"


@cache
def _words(lang: str) -> Mapping[str, str]:
    source = resources.files("disputekit.domain.replies").joinpath("delay_reasons", f"{lang}.toml")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"no delay reasons in {lang!r} ({source}): add that file, or "
                            "reinstall disputekit (pip install -e .)") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"the delay reasons {source} are not valid TOML ({exc}); fix "
                            "that line") from exc


def delay_words(reason: DelayReason, lang: str) -> str:
    """The reason in ``lang``, completing "the carrier told us that …" (no final full stop).

    >>> delay_words(DelayReason.STRIKE, "es")
    'una huelga del servicio postal ha retrasado la clasificación y la entrega'
    """
    try:
        return _words(lang)[reason.value]
    except KeyError:
        raise TemplateError(f"delay_reasons/{lang}.toml lacks {reason.value!r}: add its "
                            "words in that language") from None
