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
    "EUROPEAN_PORTUGUESE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "buyer_locale",
    "infer_language",
]

LANGUAGES: Final[tuple[str, ...]] = ("en", "ru", "es", "pt_BR", "fr", "pl", "ko", "uk",
                                     "pt_PT")
DEFAULT_LANGUAGE: Final = "en"
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "en": "English", "ru": "Русский", "es": "Español", "pt_BR": "Português (Brasil)",
    "fr": "Français", "pl": "Polski",
    "ko": "한국어", "uk": "Українська", "pt_PT": "Português (Portugal)",
}

# cues.guess_language answers in its own codes; Portuguese ("pt") is one language in the
# buyer's words, and which Portuguese to write comes from the country (``_reply_language``).
_FROM_CUES: Final[dict[str, str]] = {"en": "en", "ru": "ru", "es": "es", "pt": "pt_BR",
                                     "fr": "fr", "pl": "pl",
                                     "ko": "ko", "uk": "uk"}

# Where Portuguese is written the European way ("encomenda", "telemóvel", "estamos a
# verificar"): Portugal, and the African countries whose schools, press and administration
# follow the European norm (Angola, Mozambique, Cape Verde, Guinea-Bissau, São Tomé and
# Príncipe). Brazil, and a Portuguese-writing buyer anywhere else (mostly Brazilians abroad),
# get Brazilian Portuguese. Timor-Leste and Macau also follow the European norm, but their
# buyers write Tetum, Chinese or English; add them here if that changes.
EUROPEAN_PORTUGUESE: Final[frozenset[str]] = frozenset({"PT", "AO", "MZ", "CV", "GW", "ST"})


def _reply_language(said: str, country: str) -> str:
    """The reply language for a language read in the buyer's words (``cues`` codes), in
    their country: the only one that depends on the country is Portuguese."""
    if said == "pt":
        return "pt_PT" if country in EUROPEAN_PORTUGUESE else "pt_BR"
    return _FROM_CUES.get(said, "")


# The language a buyer in that country most likely reads; anything else gets English. The
# buyer's own words override it (``infer_language``), and the operator can always switch.
COUNTRY_LANGUAGE: Final[dict[str, str]] = {
    country: _reply_language(language, country)
    for language in CUE_LANGUAGES
    for country in lexicon(language).get("countries", "").split()
}


def infer_language(country: str, buyer_texts: Iterable[str] = ()) -> str:
    """The language to reply in: the buyer's own words when they clearly are one of
    ``LANGUAGES``, else the country's language, else English. Portuguese words are answered
    in the country's Portuguese (``EUROPEAN_PORTUGUESE``, else Brazilian).

    >>> infer_language("RU", [])
    'ru'
    >>> infer_language("US", ["Hola, todavía no he recibido mi paquete"])
    'es'
    >>> infer_language("PT", ["Ainda não recebi a minha encomenda"])
    'pt_PT'
    >>> infer_language("", [])
    'en'
    """
    code = country.strip().upper()
    said = _reply_language(guess_language(buyer_texts), code)
    if said:
        return said
    return COUNTRY_LANGUAGE.get(code, DEFAULT_LANGUAGE)


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
