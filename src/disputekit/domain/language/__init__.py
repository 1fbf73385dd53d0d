"""The buyer's language: what their words say (``cues``) and which language to answer in
(``detect``).

Each language's words are data, not code: one TOML file per language in ``lexicon/``
(``en.toml``, ``ru.toml``...: the cue patterns, function words, money words and the countries
where it is read), plus ``neutral.toml`` (patterns in no language: tax ids) and
``carrier.toml`` (carriers' event wording). Adding a pattern is an edit of that file only.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

from disputekit.errors import ConfigError

__all__ = ["CUE_LANGUAGES", "lexicon"]

#: The languages buyers' words are read in, in the order their patterns are tried (the
#: cues' own codes: ``pt`` is any Portuguese; replies write ``pt_BR`` or ``pt_PT`` by the
#: buyer's country, ``detect.EUROPEAN_PORTUGUESE``).
CUE_LANGUAGES: Final[tuple[str, ...]] = ("en", "ru", "es", "pt", "fr", "pl", "ko", "uk")


@cache
def lexicon(name: str) -> Mapping[str, Any]:
    """One file of ``lexicon/`` (``en``, ``ru``..., ``neutral`` or ``carrier``), read once.

    >>> lexicon("pl")["countries"]
    'PL'
    """
    source = resources.files(__name__).joinpath("lexicon", f"{name}.toml")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no word list {source}: the package data is missing; reinstall "
                          "disputekit (pip install -e .)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the word list {source} is not valid TOML ({exc}); fix that "
                          "line") from exc
