"""Which language to answer a buyer in, and the locale to write dates and money for them (pure).

Replies are written in ``LANGUAGES``. The buyer's own words decide when they clearly are one
of them; else the country's language (each language's ``countries`` in
``lexicon/<language>.toml``); else English. The operator can always switch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from babel import localedata

from disputekit.domain.language import CUE_LANGUAGES, lexicon
from disputekit.domain.language.cues import guess_language

__all__ = [
    "COUNTRY_LANGUAGE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "buyer_locale",
    "infer_language",
]

LANGUAGES: Final[tuple[str, ...]] = ("en", "ru", "es", "pt_BR", "fr", "pl", "de", "it", "tr")
DEFAULT_LANGUAGE: Final = "en"
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "en": "English", "ru": "Русский", "es": "Español", "pt_BR": "Português (Brasil)",
    "fr": "Français", "pl": "Polski",
    "de": "Deutsch", "it": "Italiano", "tr": "Türkçe",
}

# cues.guess_language answers in its own codes; Portuguese replies are written for Brazil.
_FROM_CUES: Final[dict[str, str]] = {"en": "en", "ru": "ru", "es": "es", "pt": "pt_BR",
                                     "fr": "fr", "pl": "pl",
                                     "de": "de", "it": "it", "tr": "tr"}

# The language a buyer in that country most likely reads; anything else gets English. The
# buyer's own words override it (``infer_language``), and the operator can always switch.
COUNTRY_LANGUAGE: Final[dict[str, str]] = {
    country: _FROM_CUES[language]
    for language in CUE_LANGUAGES
    for country in lexicon(language).get("countries", "").split()
}


def infer_language(country: str, buyer_texts: Iterable[str] = ()) -> str:
    """The language to reply in: the buyer's own words when they clearly are one of
    ``LANGUAGES``, else the country's language, else English.

    >>> infer_language("RU", [])
    'ru'
    >>> infer_language("US", ["Hola, todavía no he recibido mi paquete"])
    'es'
    >>> infer_language("", [])
    'en'
    """
    said = _FROM_CUES.get(guess_language(buyer_texts), "")
    if said:
        return said
    return COUNTRY_LANGUAGE.get(country.strip().upper(), DEFAULT_LANGUAGE)


def buyer_locale(lang: str, country: str | None) -> str:
    """The Babel locale for dates and money: the reply's language as spoken in the buyer's
    country when CLDR has that pair, else the language itself.

    >>> buyer_locale("pt_BR", "BR"), buyer_locale("es", "CL"), buyer_locale("en", "KR")
    ('pt_BR', 'es_CL', 'en')
    """
    base = lang.split("_")[0]
    code = (country or "").strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code) and localedata.exists(f"{base}_{code}"):
        return f"{base}_{code}"
    return lang
