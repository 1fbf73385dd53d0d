"""The words the simulator's synthetic data is made of, read from the JSON files beside this.

- ``buyer/<language>.json``: what buyers write, one file per language (en ru es pt fr pl ko uk):
  the opening message per class, then refusing a counter-offer, escalating, cancelling (per
  family: logistics, product, personal) and accepting.
- ``seller.json``: what the seller writes (always English): counter-offers per class, accepting
  the buyer's plan (a refund, or a return), proof per class or family.
- ``platform.json``: the platform's ruling (with or without a refund) and the system's notes
  when a plan is executed.
- ``carrier.json``: tracking event descriptions, by Cainiao action code or by the key a route's
  leg names when the code alone does not say it (see ``parcels``).
- ``countries.json``: where buyers live: names, cities, streets, currency, customs and post.
- ``products.json``: each store category's products.
- ``reasons.json``: the reasons a buyer picks when opening a dispute.

Braces in texts (``{item}``, ``{tax_id}``...) are filled from ``Case.words``. Order matters:
the generator draws from these lists by position, so reordering or adding an entry changes
every seed's data (tests/test_dataset.py pins the demo data's digest).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final

__all__ = [
    "BUYER_ACCEPT",
    "BUYER_CANCEL",
    "BUYER_ESCALATE",
    "BUYER_OPEN",
    "BUYER_REFUSE",
    "COUNTRIES",
    "COUNTRY",
    "EVENT_TEXT",
    "LANGUAGES",
    "PLATFORM_RULING",
    "PRODUCTS",
    "REASONS",
    "SELLER_ACCEPT_REFUND",
    "SELLER_ACCEPT_RETURN",
    "SELLER_COUNTER",
    "SELLER_PROOF",
    "SYSTEM_PERFORM",
    "City",
    "Country",
    "Product",
    "Reason",
    "Texts",
]

Texts = dict[str, tuple[str, ...]]  # language (or class, or family) -> texts to draw from

# The languages buyers write in; each has a buyer/<language>.json.
LANGUAGES: Final = ("en", "ru", "es", "pt", "fr", "pl", "ko", "uk")


@dataclass(frozen=True)
class City:
    name: str
    province: str
    zip_pattern: str  # "#" is a digit, "@" a capital letter


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    weight: float  # share of the stores' buyers
    language: str  # the language the buyer writes in: one of LANGUAGES
    currency: str  # the buyer's currency (refund_money_max_local_currency)
    tax_id: str  # what customs ask the recipient for
    gateway: str  # where the line-haul lands and import customs sit
    post: str  # the buyer's post, used for return shipments
    phone: str
    cities: tuple[City, ...]
    names: tuple[tuple[str, str], ...]
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    name: str
    item: str  # what a buyer calls it ("the multimeter")
    sku_code: str
    price_cents: int
    popularity: float  # relative share of the store's orders
    battery: bool  # batteries fail export security checks more often
    product_id: int


@dataclass(frozen=True)
class Reason:
    reason_id: int  # no public id <-> text table exists; 115 is the one seen on a real case
    english: str
    chinese: str
    model: str  # order issue_info.issue_model [I: the platform's values are not published]


# -- reading the files -----------------------------------------------------------------------


def _read(*path: str) -> Any:
    resource = files(__name__)
    for part in path:
        resource = resource.joinpath(part)
    return json.loads(resource.read_text(encoding="utf-8"))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"simulator corpus {where}: expected a JSON object; fix the file")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"simulator corpus {where}: expected a non-empty JSON array; "
                         "fix the file")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"simulator corpus {where}: expected a non-empty string; fix the file")
    return value


def _texts(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_text(item, f"{where}[{i}]") for i, item in enumerate(_list(value, where)))


def _texts_by_key(value: Any, where: str) -> Texts:
    return {key: _texts(texts, f"{where}.{key}") for key, texts in _object(value, where).items()}


def _strings_by_key(value: Any, where: str) -> dict[str, str]:
    return {key: _text(text, f"{where}.{key}") for key, text in _object(value, where).items()}


def _transposed(by_language: dict[str, Texts]) -> dict[str, Texts]:
    """{language: {key: texts}} as {key: {language: texts}}, keys in the first file's order."""
    first = by_language[LANGUAGES[0]]
    table: dict[str, Texts] = {key: {} for key in first}
    for language, texts in by_language.items():
        if set(texts) != set(first):
            raise ValueError(f"simulator corpus buyer/{language}.json: has keys "
                             f"{sorted(texts)}, buyer/{LANGUAGES[0]}.json has {sorted(first)}; "
                             "every language needs the same keys")
        for key, value in texts.items():
            table[key][language] = value
    return table


def _country(row: Any, where: str) -> Country:
    row = _object(row, where)
    return Country(
        code=row["code"], name=row["name"], weight=row["weight"], language=row["language"],
        currency=row["currency"], tax_id=row["tax_id"], gateway=row["gateway"],
        post=row["post"], phone=row["phone"],
        cities=tuple(City(city["name"], city["province"], city["zip_pattern"])
                     for city in _list(row["cities"], f"{where}.cities")),
        names=tuple((first, last) for first, last in _list(row["names"], f"{where}.names")),
        streets=_texts(row["streets"], f"{where}.streets"),
    )


def _product(row: Any, where: str) -> Product:
    row = _object(row, where)
    sku = _text(row["sku"], f"{where}.sku")
    # The id depends on the SKU only, so a product keeps its id whatever the seed.
    product_id = random.Random(f"product:{sku}").randrange(1005005000000000, 1005007999999999)
    return Product(row["name"], row["item"], sku, row["price_cents"], row["popularity"],
                   row["battery"], product_id)


def _countries(rows: Any) -> tuple[Country, ...]:
    countries = tuple(_country(row, f"countries.json[{i}]")
                      for i, row in enumerate(_list(rows, "countries.json")))
    for country in countries:
        if country.language not in LANGUAGES:
            raise ValueError(f"simulator corpus countries.json: {country.code} buyers write "
                             f"{country.language!r}, which has no buyer/<language>.json; use "
                             f"one of {', '.join(LANGUAGES)}")
    return countries


def _reason(row: Any, where: str) -> Reason:
    row = _object(row, where)
    return Reason(row["id"], row["english"], row["chinese"], row["model"])


# -- buyers, sellers, the platform and carriers ----------------------------------------------

_BUYER: Final = {language: _object(_read("buyer", f"{language}.json"), f"buyer/{language}.json")
                 for language in LANGUAGES}

# class -> language -> texts
BUYER_OPEN: Final[dict[str, Texts]] = _transposed(
    {language: _texts_by_key(texts["open"], f"buyer/{language}.json open")
     for language, texts in _BUYER.items()})
# Later buyer messages, whatever the class: language -> texts.
BUYER_REFUSE: Final[Texts] = {
    language: _texts(texts["refuse"], f"buyer/{language}.json refuse")
    for language, texts in _BUYER.items()}
BUYER_ESCALATE: Final[Texts] = {
    language: _texts(texts["escalate"], f"buyer/{language}.json escalate")
    for language, texts in _BUYER.items()}
# family -> language -> texts
BUYER_CANCEL: Final[dict[str, Texts]] = _transposed(
    {language: _texts_by_key(texts["cancel"], f"buyer/{language}.json cancel")
     for language, texts in _BUYER.items()})
BUYER_ACCEPT: Final[Texts] = {
    language: _texts(texts["accept"], f"buyer/{language}.json accept")
    for language, texts in _BUYER.items()}

_SELLER: Final = _object(_read("seller.json"), "seller.json")
SELLER_COUNTER: Final[Texts] = _texts_by_key(_SELLER["counter"], "seller.json counter")
_ACCEPT: Final = _object(_SELLER["accept"], "seller.json accept")
SELLER_ACCEPT_REFUND: Final = _texts(_ACCEPT["refund"], "seller.json accept.refund")
SELLER_ACCEPT_RETURN: Final = _text(_ACCEPT["return"], "seller.json accept.return")  # item back
# class (delivered_disputed) or family -> text
SELLER_PROOF: Final[dict[str, str]] = _strings_by_key(_SELLER["proof"], "seller.json proof")

_PLATFORM: Final = _object(_read("platform.json"), "platform.json")
# "refund" | "no_refund" -> text
PLATFORM_RULING: Final[dict[str, str]] = _strings_by_key(_PLATFORM["ruling"],
                                                         "platform.json ruling")
# "refund" | "return" | "timeout" -> text
SYSTEM_PERFORM: Final[dict[str, str]] = _strings_by_key(_PLATFORM["perform"],
                                                        "platform.json perform")

EVENT_TEXT: Final[Texts] = _texts_by_key(_read("carrier.json"), "carrier.json")

# -- the buyers' countries, the stores' products, the dispute reasons -------------------------

# Buyers come mostly from the markets AliExpress is big in; a country's language decides the
# words of their messages (IL buyers mostly write English to sellers; KR buyers Korean).
COUNTRIES: Final[tuple[Country, ...]] = _countries(_read("countries.json"))
COUNTRY: Final[dict[str, Country]] = {c.code: c for c in COUNTRIES}

# category -> products
PRODUCTS: Final[dict[str, tuple[Product, ...]]] = {
    category: tuple(_product(row, f"products.json {category}[{i}]")
                    for i, row in enumerate(_list(rows, f"products.json {category}")))
    for category, rows in _object(_read("products.json"), "products.json").items()}

# key (used by the scenarios) -> reason
REASONS: Final[dict[str, Reason]] = {
    key: _reason(row, f"reasons.json {key}")
    for key, row in _object(_read("reasons.json"), "reasons.json").items()}
