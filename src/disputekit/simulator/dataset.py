"""Synthetic after-sales data for the demo stores the simulator serves.

For each demo store (by default the three of ``DEMO_STORES``; any number with ``make_stores``)
this builds a few hundred disputes (or a set number) from the last 90 days, the orders they
belong to and the parcels' tracking, all in the platform's wire shapes: the field names of
``aliexpress.issue.issuelist.get`` (``IssueRecord.summary``), ``aliexpress.issue.detail.get``
(``IssueRecord.detail``, lists as plain JSON arrays, i.e. the ``simplify=true`` shape),
``aliexpress.solution.order.info.get`` (``StoreDataset.orders``) and
``aliexpress.logistics.redefining.querytrackingresult`` (``StoreDataset.tracking``). Every time
is a US Pacific wall-clock string, as on the platform.

Each dispute is generated *as* one class of the taxonomy in ``shared/domain.md`` and keeps that
class in ``IssueRecord.truth`` (never served by the API), so a classifier can be scored against
it. The evidence a seller would look at is made to fit the class (tracking events and their
ages, the shipping service's kind, the buyer's words, attachments, signatures); the reason the
buyer picked is deliberately a weak hint, since real buyers mostly pick the generic
"not received" reason.

Generation is deterministic for ``(seed, now)``: every draw comes from a ``random.Random``
seeded with a string built from the seed; neither the global generator nor the clock is used,
and nothing depends on hash order.

    >>> from datetime import UTC, datetime
    >>> data = generate(seed=7, now=datetime(2026, 11, 28, 12, tzinfo=UTC))
    >>> sorted(data)
    ['bloom', 'spark', 'volt']

Facts marked [I] in ``reference/aliexpress-api.md`` (our inferences) are inferences here too:
the platform's ``issue_model`` values, ``order_end_reason`` for a returned item, and the
solution statuses left behind when a case closes. Only disputes waiting for the seller carry a
timer; one waiting for the buyer's answer to a counter-offer has none.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, TypeVar

from disputekit.domain.carriers import SERVICES, ServiceKind
from disputekit.domain.platform_time import PACIFIC, to_pacific_string

__all__ = [
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DEMO_STORES",
    "DemoStore",
    "IssueRecord",
    "StoreDataset",
    "generate",
    "make_stores",
    "plant_buyer_text",
]

# ---------------------------------------------------------------------------------------------
# Public interface
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStore:
    """One store the simulator serves: who sells, what, and the demo token that reaches it."""

    store_id: str  # "volt", "spark", "bloom"
    name: str
    seller_id: int
    category: str  # "electronics" | "tools" | "home"
    access_token: str  # the simulator's demo token for this store


DEMO_STORES: Final[tuple[DemoStore, ...]] = (
    DemoStore("volt", "Volt Electronics", 2671504388, "electronics", "demo-token-volt"),
    DemoStore("spark", "Spark Tools", 2671877012, "tools", "demo-token-spark"),
    DemoStore("bloom", "Bloom Home & Garden", 2672230596, "home", "demo-token-bloom"),
)

# The simulator's demo app credentials. Not real secrets: they only open the local simulator.
DEMO_APP_KEY: Final[str] = "34127856"
DEMO_APP_SECRET: Final[str] = "disputekit-demo-secret"


@dataclass
class IssueRecord:
    """One dispute as the platform serves it, plus the class it was generated as."""

    summary: dict[str, Any]  # one item of issuelist.get data_list (wire names)
    detail: dict[str, Any]  # detail.get result_object (wire names, plain JSON lists)
    truth: str  # taxonomy code this case was generated as; NOT served by the API


@dataclass
class StoreDataset:
    """Everything the simulator knows about one store."""

    store: DemoStore
    issues: list[IssueRecord]  # newest first by gmt_create, as the platform lists them
    orders: dict[int, dict[str, Any]]  # parent order id -> order.info.get result.data
    tracking: dict[str, list[dict[str, Any]]]  # logistics_no -> details[], oldest first


def generate(seed: int, now: datetime, stores: Sequence[DemoStore] = DEMO_STORES,
             disputes_per_store: int | None = None) -> dict[str, StoreDataset]:
    """The stores' data, keyed by store id in the order given; ``now`` is an aware datetime.

    Deterministic for ``(seed, now, stores, disputes_per_store)``. By default: the three demo
    stores with 240-320 disputes each. ``stores`` may be any stores whose ``category`` is one
    of "electronics", "tools" or "home" (see ``make_stores``); ``disputes_per_store`` sets each
    store's number of disputes instead (at least 42), keeping the class mix, the
    share of open disputes and the 90-day window. Ids and numbers are unique across all stores.

    Stores share one pool of buyers, so some buyers dispute in several stores and a few
    serial disputers have three or more disputes in all.
    """
    if now.tzinfo is None:
        raise ValueError("generate needs an aware datetime for now, e.g. datetime(..., tzinfo=UTC)")
    _check_stores(stores)
    if disputes_per_store is not None and disputes_per_store < _MIN_DISPUTES:
        raise ValueError(f"disputes_per_store must be at least {_MIN_DISPUTES} (3 per class), "
                         f"got {disputes_per_store}")
    now = now.astimezone(UTC).replace(microsecond=0)
    ids = _IdBook()
    expected = len(stores) * (disputes_per_store or _REFERENCE_DISPUTES)
    pool = _buyer_pool(random.Random(f"{seed}:buyers"), ids,
                       max(_POOL_SIZE, _BUYERS_PER_DISPUTE * expected))
    serial = _serial_plan(random.Random(f"{seed}:serial"), pool, stores)
    return {
        store.store_id: _generate_store(store, seed, now, pool, serial.get(store.store_id, []),
                                        ids, disputes_per_store)
        for store in stores
    }


def make_stores(count: int) -> tuple[DemoStore, ...]:
    """``count`` stores for ``generate``: ids store1..storeN, categories cycling.

    Tokens are ``demo-token-storeN``; seller ids are distinct from each other and from the
    demo stores'.

        >>> [f"{s.store_id}:{s.category}" for s in make_stores(4)]
        ['store1:electronics', 'store2:tools', 'store3:home', 'store4:electronics']
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    categories = tuple(_PROFILES)
    return tuple(
        DemoStore(f"store{n}", f"Store {n}", _MADE_SELLER_BASE + 7919 * n,
                  categories[(n - 1) % len(categories)], f"demo-token-store{n}")
        for n in range(1, count + 1)
    )


def _check_stores(stores: Sequence[DemoStore]) -> None:
    seen: set[str] = set()
    for store in stores:
        if store.category not in _PROFILES:
            raise ValueError(f"store {store.store_id!r} has category {store.category!r}; "
                             f"known categories: {', '.join(_PROFILES)}")
        if store.store_id in seen:
            raise ValueError(f"store id {store.store_id!r} appears more than once")
        seen.add(store.store_id)


# Scale of the default stores: 240-320 disputes each (the reference is the middle), about
# seven buyers in the shared pool per dispute so most buyers dispute once. A set number of
# disputes per store scales the open disputes by disputes / reference; the pool grows with
# the total but never below its default size, so the default output does not change.
_REFERENCE_DISPUTES: Final = 280
_BUYERS_PER_DISPUTE: Final = 7
_MIN_DISPUTES: Final = 42  # every class at least 3 times
_MADE_SELLER_BASE: Final = 2_680_000_000  # make_stores' seller ids: above the demo stores'


# ---------------------------------------------------------------------------------------------
# Reference tables: buyers' countries, money, stores, products, reasons
# ---------------------------------------------------------------------------------------------

_T = TypeVar("_T")


@dataclass(frozen=True)
class _City:
    name: str
    province: str
    zip_pattern: str  # "#" is a digit, "@" a capital letter


@dataclass(frozen=True)
class _Country:
    code: str
    name: str
    weight: float  # share of the stores' buyers
    language: str  # the language the buyer writes in: en ru es pt fr pl
    currency: str  # the buyer's currency (refund_money_max_local_currency)
    tax_id: str  # what customs ask the recipient for
    gateway: str  # where the line-haul lands and import customs sit
    post: str  # the buyer's post, used for return shipments
    phone: str
    cities: tuple[_City, ...]
    names: tuple[tuple[str, str], ...]
    streets: tuple[str, ...]


def _cities(*rows: tuple[str, str, str]) -> tuple[_City, ...]:
    return tuple(_City(*row) for row in rows)


# Buyers come mostly from the markets AliExpress is big in; the language column is what
# decides the words of their messages (KR and IL buyers mostly write English to sellers).
_COUNTRIES: Final[tuple[_Country, ...]] = (
    _Country("US", "United States", 12, "en", "USD", "ID number", "Los Angeles", "USPS", "+1",
             _cities(("Houston", "Texas", "770##"), ("Columbus", "Ohio", "432##"),
                     ("Phoenix", "Arizona", "850##"), ("Brooklyn", "New York", "112##"),
                     ("Tampa", "Florida", "336##")),
             (("James", "Smith"), ("Maria", "Garcia"), ("Robert", "Johnson"),
              ("Ashley", "Miller"), ("Michael", "Brown"), ("Jennifer", "Davis")),
             ("Oak St", "Maple Ave", "Sunset Blvd", "Pine Ridge Dr", "Elm Street")),
    _Country("GB", "United Kingdom", 5, "en", "GBP", "EORI or ID number", "London Heathrow",
             "Royal Mail", "+44",
             _cities(("Manchester", "England", "M1# #@@"), ("Leeds", "England", "LS# #@@"),
                     ("Glasgow", "Scotland", "G## #@@"), ("Bristol", "England", "BS# #@@")),
             (("Oliver", "Taylor"), ("Amelia", "Evans"), ("Harry", "Roberts"),
              ("Sophie", "Walker"), ("Jack", "Thomas")),
             ("High Street", "Church Road", "Victoria Road", "Station Road")),
    _Country("AU", "Australia", 3, "en", "AUD", "ID number", "Sydney", "Australia Post", "+61",
             _cities(("Sydney", "New South Wales", "2###"), ("Melbourne", "Victoria", "3###"),
                     ("Brisbane", "Queensland", "4###")),
             (("Liam", "Wilson"), ("Chloe", "Anderson"), ("Noah", "White"), ("Mia", "Martin")),
             ("George St", "Beach Rd", "Queen St")),
    _Country("CA", "Canada", 3, "en", "CAD", "ID number", "Vancouver", "Canada Post", "+1",
             _cities(("Toronto", "Ontario", "M#@ #@#"), ("Calgary", "Alberta", "T#@ #@#"),
                     ("Montreal", "Quebec", "H#@ #@#")),
             (("Ethan", "Tremblay"), ("Emma", "Roy"), ("Lucas", "Campbell"), ("Ava", "Scott")),
             ("Yonge St", "King St W", "Rue Sainte-Catherine")),
    _Country("IL", "Israel", 4, "en", "ILS", "ID (teudat zehut) number", "Tel Aviv", "Israel Post",
             "+972",
             _cities(("Tel Aviv", "Tel Aviv District", "6######"), ("Haifa", "Haifa District",
                     "3######"), ("Jerusalem", "Jerusalem District", "9######")),
             (("Noam", "Cohen"), ("Yael", "Levi"), ("Itai", "Mizrahi"), ("Tamar", "Peretz")),
             ("Dizengoff St", "Herzl St", "HaNassi Blvd")),
    _Country("KR", "Korea", 4, "en", "KRW", "personal customs clearance code (PCCC)", "Incheon",
             "Korea Post", "+82",
             _cities(("Seoul", "Seoul", "0####"), ("Busan", "Busan", "4####"),
                     ("Incheon", "Incheon", "2####")),
             (("Minjun", "Kim"), ("Seoyeon", "Lee"), ("Jiho", "Park"), ("Hayoon", "Choi")),
             ("Teheran-ro", "Gangnam-daero", "Haeundae-ro")),
    _Country("RU", "Russia", 16, "ru", "RUB", "passport details and INN", "Moscow", "Russian Post",
             "+7",
             _cities(("Moscow", "Moscow", "1#####"), ("Saint Petersburg", "Saint Petersburg",
                     "19####"), ("Novosibirsk", "Novosibirsk Oblast", "630###"),
                     ("Yekaterinburg", "Sverdlovsk Oblast", "620###"),
                     ("Kazan", "Tatarstan", "420###")),
             (("Dmitry", "Sokolov"), ("Olga", "Petrova"), ("Sergey", "Ivanov"),
              ("Anna", "Kuznetsova"), ("Alexey", "Smirnov"), ("Elena", "Volkova")),
             ("ul. Lenina", "Prospekt Mira", "ul. Sadovaya", "ul. Gagarina")),
    _Country("BY", "Belarus", 2, "ru", "USD", "passport details", "Minsk", "Belpochta", "+375",
             _cities(("Minsk", "Minsk", "220###"), ("Gomel", "Gomel Region", "246###")),
             (("Andrei", "Kovalenko"), ("Natalia", "Novik"), ("Pavel", "Moroz")),
             ("pr. Nezavisimosti", "ul. Surganova")),
    _Country("KZ", "Kazakhstan", 2, "ru", "KZT", "IIN", "Almaty", "Kazpost", "+7",
             _cities(("Almaty", "Almaty", "050###"), ("Astana", "Astana", "010###")),
             (("Aidar", "Nurlanov"), ("Aigerim", "Sadykova"), ("Ruslan", "Akhmetov")),
             ("pr. Abaya", "ul. Tole Bi")),
    _Country("ES", "Spain", 8, "es", "EUR", "DNI/NIE", "Madrid", "Correos", "+34",
             _cities(("Madrid", "Madrid", "280##"), ("Barcelona", "Barcelona", "080##"),
                     ("Valencia", "Valencia", "460##"), ("Sevilla", "Sevilla", "410##")),
             (("Javier", "Fernandez"), ("Lucia", "Martinez"), ("Carlos", "Lopez"),
              ("Marta", "Sanchez"), ("Pablo", "Gomez")),
             ("Calle Mayor", "Avenida de la Constitucion", "Calle del Sol")),
    _Country("MX", "Mexico", 6, "es", "MXN", "RFC", "Mexico City", "Correos de Mexico", "+52",
             _cities(("Ciudad de Mexico", "CDMX", "0####"), ("Guadalajara", "Jalisco", "44###"),
                     ("Monterrey", "Nuevo Leon", "64###"), ("Puebla", "Puebla", "72###")),
             (("Jose", "Hernandez"), ("Guadalupe", "Ramirez"), ("Luis", "Flores"),
              ("Fernanda", "Torres")),
             ("Av. Insurgentes", "Calle Juarez", "Av. Reforma")),
    _Country("CL", "Chile", 4, "es", "CLP", "RUT", "Santiago", "Correos de Chile", "+56",
             _cities(("Santiago", "Region Metropolitana", "83#####"),
                     ("Valparaiso", "Valparaiso", "23#####"), ("Concepcion", "Biobio", "40#####")),
             (("Matias", "Munoz"), ("Catalina", "Rojas"), ("Benjamin", "Diaz"),
              ("Antonia", "Soto")),
             ("Av. Providencia", "Calle Merced", "Av. Libertad")),
    _Country("BR", "Brazil", 14, "pt", "BRL", "CPF", "Curitiba", "Correios", "+55",
             _cities(("Sao Paulo", "SP", "0####-###"), ("Rio de Janeiro", "RJ", "2####-###"),
                     ("Belo Horizonte", "MG", "3####-###"), ("Curitiba", "PR", "8####-###"),
                     ("Recife", "PE", "5####-###")),
             (("Joao", "Silva"), ("Ana", "Santos"), ("Pedro", "Oliveira"), ("Juliana", "Souza"),
              ("Lucas", "Pereira"), ("Camila", "Costa")),
             ("Rua das Flores", "Av. Paulista", "Rua XV de Novembro", "Rua Sete de Setembro")),
    _Country("FR", "France", 7, "fr", "EUR", "numero fiscal", "Paris Roissy", "La Poste", "+33",
             _cities(("Paris", "Ile-de-France", "750##"), ("Lyon", "Auvergne-Rhone-Alpes", "690##"),
                     ("Marseille", "Provence-Alpes-Cote d'Azur", "130##"),
                     ("Toulouse", "Occitanie", "310##")),
             (("Lucas", "Martin"), ("Chloe", "Bernard"), ("Hugo", "Dubois"), ("Lea", "Moreau"),
              ("Thomas", "Laurent")),
             ("Rue de la Republique", "Avenue Jean Jaures", "Rue Victor Hugo")),
    _Country("BE", "Belgium", 2, "fr", "EUR", "numero national", "Liege", "bpost", "+32",
             _cities(("Liege", "Liege", "4###"), ("Bruxelles", "Bruxelles", "1###"),
                     ("Charleroi", "Hainaut", "6###")),
             (("Maxime", "Dupont"), ("Camille", "Lambert"), ("Nicolas", "Leroy")),
             ("Rue Neuve", "Chaussee de Louvain")),
    _Country("PL", "Poland", 7, "pl", "PLN", "PESEL", "Warsaw", "Poczta Polska", "+48",
             _cities(("Warszawa", "Mazowieckie", "0#-###"), ("Krakow", "Malopolskie", "3#-###"),
                     ("Wroclaw", "Dolnoslaskie", "5#-###"), ("Gdansk", "Pomorskie", "80-###")),
             (("Piotr", "Nowak"), ("Anna", "Kowalska"), ("Tomasz", "Wisniewski"),
              ("Katarzyna", "Wojcik"), ("Michal", "Kaminski")),
             ("ul. Marszalkowska", "ul. Dluga", "ul. Polna", "ul. Lipowa")),
)
_COUNTRY: Final[dict[str, _Country]] = {c.code: c for c in _COUNTRIES}

# Fixed FX (buyer currency per USD) and the decimals the currency is quoted with.
_FX: Final[dict[str, tuple[float, int]]] = {
    "USD": (1.0, 2), "EUR": (0.92, 2), "GBP": (0.79, 2), "PLN": (3.98, 2), "RUB": (92.5, 2),
    "BRL": (5.05, 2), "MXN": (17.2, 2), "CLP": (940.0, 0), "KRW": (1330.0, 0),
    "AUD": (1.52, 2), "CAD": (1.36, 2), "ILS": (3.71, 2), "KZT": (470.0, 2),
}


@dataclass(frozen=True)
class _Product:
    name: str
    item: str  # what a buyer calls it ("the multimeter")
    sku_code: str
    price_cents: int
    popularity: float  # relative share of the store's orders
    battery: bool  # batteries fail export security checks more often
    product_id: int


def _product(name: str, item: str, sku: str, price: float, popularity: float,
             battery: bool = False) -> _Product:
    # The id depends on the SKU only, so a product keeps its id whatever the seed.
    product_id = random.Random(f"product:{sku}").randrange(1005005000000000, 1005007999999999)
    return _Product(name, item, sku, round(price * 100), popularity, battery, product_id)


_PRODUCTS: Final[dict[str, tuple[_Product, ...]]] = {
    "electronics": (
        _product("Digital Multimeter DT830 Auto-Ranging", "multimeter", "VOLT-DMM830", 12.90, 5),
        _product("65W GaN USB-C Charger 3-Port", "charger", "VOLT-GAN65", 24.50, 6),
        _product("Bluetooth 5.3 Wireless Earbuds ANC", "earbuds", "VOLT-BTE53", 19.80, 8, True),
        _product("Wi-Fi Smart Plug 16A Energy Monitor", "smart plug", "VOLT-SPLUG16", 8.60, 7),
        _product("USB-C to USB-C Cable 100W 2m", "cable", "VOLT-CC100", 4.20, 6),
        _product("20000mAh Power Bank PD 22.5W", "power bank", "VOLT-PB20K", 27.90, 5, True),
        _product("Handheld Oscilloscope 2CH 100MHz", "oscilloscope", "VOLT-OSC2CH", 158.00, 1,
                 True),
        _product("Smart Watch 1.43in AMOLED", "smart watch", "VOLT-SW143", 36.40, 4, True),
        _product("1080P Mini Wi-Fi Security Camera", "camera", "VOLT-CAM1080", 21.70, 4),
        _product("Mechanical Keyboard 68 Keys Hot-Swap", "keyboard", "VOLT-KB68", 45.00, 2),
        _product("Car Bluetooth FM Transmitter QC3.0", "FM transmitter", "VOLT-FMT30", 9.90, 4),
    ),
    "tools": (
        _product("20V Cordless Drill Driver with 2 Batteries", "drill", "SPK-CD20V", 59.90, 4,
                 True),
        _product("Soldering Iron Kit 80W Adjustable Temperature", "soldering iron", "SPK-SI80",
                 14.80, 6),
        _product("Digital Caliper 150mm Stainless Steel", "caliper", "SPK-CAL150", 11.50, 6,
                 True),
        _product("Laser Distance Meter 50m", "laser meter", "SPK-LDM50", 23.60, 4, True),
        _product("Ratchet Screwdriver Set 38 in 1", "screwdriver set", "SPK-SD38", 9.40, 6),
        _product("Mini Angle Grinder 12V Brushless", "angle grinder", "SPK-AG12", 48.70, 2, True),
        _product("Heat Gun 2000W with 4 Nozzles", "heat gun", "SPK-HG2000", 26.30, 3),
        _product("Automatic Wire Stripper Crimping Tool", "wire stripper", "SPK-WS01", 7.90, 5),
        _product("Cordless Hot Glue Gun 60W", "glue gun", "SPK-GG60", 13.20, 4, True),
        _product("Rotary Tool Kit 180W Variable Speed", "rotary tool", "SPK-RT180", 34.90, 3),
        _product("Digital Torque Wrench 1/2in 340Nm", "torque wrench", "SPK-TW340", 129.00, 1,
                 True),
    ),
    "home": (
        _product("RGB LED Strip 10m Wi-Fi Music Sync", "LED strip", "BLM-LED10", 16.90, 8),
        _product("Self-Watering Planter Set of 3", "planter", "BLM-PLT3", 12.40, 5),
        _product("Blackout Curtains Thermal Insulated 2 Panels", "curtains", "BLM-CUR2", 28.50, 4),
        _product("Solar Garden Lights 8-Pack", "solar lights", "BLM-SGL8", 19.90, 5, True),
        _product("Bamboo Drawer Organizer Expandable", "organizer", "BLM-ORG5", 14.60, 3),
        _product("Ultrasonic Aroma Diffuser 500ml", "diffuser", "BLM-DIF500", 17.30, 4),
        _product("Garden Hose Spray Nozzle 10 Patterns", "hose nozzle", "BLM-HN10", 6.80, 5),
        _product("Memory Foam Bath Mat Non-Slip", "bath mat", "BLM-BM60", 9.70, 4),
        _product("Wi-Fi Robot Window Cleaner", "window robot", "BLM-RWC", 149.00, 1, True),
        _product("Macrame Plant Hanger 4-Pack", "plant hanger", "BLM-MAC4", 8.20, 3),
        _product("Ceramic Non-Stick Frying Pan 28cm", "frying pan", "BLM-PAN28", 31.50, 3),
        _product("Cordless Handheld Vacuum 8000Pa", "vacuum", "BLM-VAC8K", 42.00, 3, True),
    ),
}


@dataclass(frozen=True)
class _StoreProfile:
    origin: str  # the city the store ships from
    ports: tuple[str, ...]  # where its parcels leave China
    platform_share: float  # share of tracked parcels sent with the platform's own logistics
    class_mix: tuple[tuple[str, float], ...]  # multipliers on the class weights


# Stores differ the way real ones do: the tools store ships more unregistered post (so has
# more no-tracking disputes), electronics sees more "does not work", home goods travel slowly.
# Keyed by category: the demo stores are volt (electronics), spark (tools) and bloom (home),
# and any other store of a category gets that category's profile.
_PROFILES: Final[dict[str, _StoreProfile]] = {
    "electronics": _StoreProfile("Shenzhen", ("Shenzhen Bao'an Airport, CN", "Hong Kong, HK"),
                                 0.5, (("buyer_misuse", 1.3), ("genuine_defect", 1.2))),
    "tools": _StoreProfile("Yiwu", ("Hangzhou Xiaoshan Airport, CN", "Shanghai Pudong Airport, CN"),
                           0.35, (("no_tracking", 1.5), ("buyer_misuse", 1.15))),
    "home": _StoreProfile("Guangzhou", ("Guangzhou Baiyun Airport, CN", "Hong Kong, HK"), 0.45,
                          (("stalled_in_transit", 1.15), ("lost", 1.2), ("buyer_misuse", 0.75))),
}


@dataclass(frozen=True)
class _Reason:
    reason_id: int
    english: str
    chinese: str
    model: str  # order issue_info.issue_model [I: the platform's values are not published]


# No public id <-> text table exists; 115 is the one id seen on a real "not received" case.
_REASONS: Final[dict[str, _Reason]] = {
    "not_received": _Reason(115, "Package not received", "未收到货", "NOT_RECEIVED"),
    "in_transit": _Reason(116, "Shipment is still in transit", "物流仍在途中", "NOT_RECEIVED"),
    "no_tracking": _Reason(117, "No tracking information", "物流信息无法查询", "NOT_RECEIVED"),
    "returned": _Reason(118, "Package was returned to sender", "包裹被退回", "NOT_RECEIVED"),
    "customs": _Reason(119, "Package held by customs / customs tax", "海关扣关或需缴税",
                       "NOT_RECEIVED"),
    "delivered_not_received": _Reason(120, "Tracking shows delivered but not received",
                                      "物流显示已妥投但未收到", "NOT_RECEIVED"),
    "not_working": _Reason(201, "Item does not work", "货物不能正常使用", "NOT_AS_DESCRIBED"),
    "damaged": _Reason(202, "Item damaged", "货物破损", "NOT_AS_DESCRIBED"),
    "quality": _Reason(203, "Quality problem", "质量问题", "NOT_AS_DESCRIBED"),
    "not_as_described": _Reason(204, "Not as described", "与描述不符", "NOT_AS_DESCRIBED"),
    "no_longer_needed": _Reason(301, "I don't want it anymore", "不想要了", "PERSONAL_REASON"),
    "ordered_by_mistake": _Reason(302, "Ordered by mistake", "拍错了", "PERSONAL_REASON"),
}

# ---------------------------------------------------------------------------------------------
# The taxonomy as data: one row per class
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scenario:
    code: str
    family: str  # "logistics" | "product" | "personal"
    weight: float  # relative frequency in a store
    route: str  # tracking shape, see _route
    reasons: tuple[tuple[str, float], ...]  # what the buyer picks (weighted)
    anchor_days: tuple[float, float]  # last tracking event: days before the dispute opened
    outcomes: tuple[tuple[str, float], ...]  # how closed cases ended (weighted)
    anchor_age: tuple[float, float] | None = None  # ... and days before `now`
    max_age: float = 90.0  # oldest gmt_create, days before now
    country_bias: tuple[tuple[str, float], ...] = ()  # multiplies the buyers' country weights
    photos: float = 0.0  # share of openings with buyer photos
    video: float = 0.0  # share of openings with a buyer video
    consolidated: float = 0.03  # share of orders with a second, never-shipped tracking number


_CUSTOMS_COUNTRIES: Final = (("BR", 6.0), ("MX", 3.0), ("CL", 3.0), ("KR", 3.0), ("RU", 2.0),
                             ("IL", 2.0))

_SCENARIOS: Final[dict[str, _Scenario]] = {s.code: s for s in (
    # Unregistered post: nothing to show the buyer, so the highest dispute rate of all.
    _Scenario("no_tracking", "logistics", 0.07, "unregistered",
              (("no_tracking", 5), ("not_received", 4), ("in_transit", 1)), (20, 55),
              (("seller_accept", 3), ("arbitrated_refund", 2.5), ("cancel", 2),
               ("counter_accepted", 1), ("seller_timeout", 1), ("arbitrated_reject", 0.5))),
    # Rare: few fraudsters are that bold; the seller wins with the signature and weight record.
    # A consolidated order's extra, never-shipped number is the classic trap here.
    _Scenario("delivered_disputed", "logistics", 0.015, "delivered",
              (("delivered_not_received", 6), ("not_received", 4)), (1, 12),
              (("arbitrated_reject", 4.5), ("cancel", 2.5), ("arbitrated_refund", 1.5),
               ("counter_accepted", 1.5)), consolidated=0.5),
    # The commonest case. Stalled means the last scan is 12-40 days old *now*, so such disputes
    # are recent; an older dispute whose parcel stopped moving is, by now, a lost parcel.
    _Scenario("stalled_in_transit", "logistics", 0.19, "stalled",
              (("not_received", 5), ("in_transit", 4), ("no_tracking", 1)), (4, 25),
              (("cancel", 4), ("arbitrated_refund", 2), ("arbitrated_reject", 1),
               ("counter_accepted", 1), ("seller_accept", 1), ("seller_timeout", 0.5)),
              anchor_age=(12, 40), max_age=32),
    # Held at customs for a tax id or duty: strict-customs countries and dearer goods.
    _Scenario("customs_buyer_no_docs", "logistics", 0.04, "customs_docs",
              (("customs", 6), ("not_received", 4)), (1, 20),
              (("arbitrated_refund", 3), ("cancel", 2.5), ("seller_accept", 2),
               ("arbitrated_reject", 1.5), ("counter_accepted", 1)),
              country_bias=_CUSTOMS_COUNTRIES),
    _Scenario("customs_buyer_unreachable", "logistics", 0.03, "customs_unreachable",
              (("customs", 4), ("not_received", 6)), (1, 20),
              (("arbitrated_refund", 3.5), ("seller_accept", 2.5), ("cancel", 2),
               ("seller_timeout", 1), ("counter_accepted", 1)),
              country_bias=_CUSTOMS_COUNTRIES),
    _Scenario("returned_undelivered", "logistics", 0.025, "returned_undelivered",
              (("returned", 5), ("not_received", 5)), (0.3, 15),
              (("counter_accepted", 3), ("seller_accept", 3), ("cancel", 2),
               ("arbitrated_refund", 2))),
    _Scenario("returned_in_country", "logistics", 0.03, "returned_in_country",
              (("returned", 5), ("not_received", 5)), (0.3, 15),
              (("seller_accept", 3.5), ("counter_accepted", 2.5), ("cancel", 2),
               ("arbitrated_refund", 2))),
    _Scenario("returned_before_export", "logistics", 0.025, "returned_before_export",
              (("returned", 4), ("not_received", 4), ("in_transit", 2)), (0.3, 12),
              (("seller_accept", 4), ("cancel", 3), ("counter_accepted", 2),
               ("arbitrated_refund", 1))),
    _Scenario("lost", "logistics", 0.05, "lost",
              (("not_received", 7), ("in_transit", 3)), (10, 50),
              (("seller_accept", 4.5), ("counter_accepted", 2), ("arbitrated_refund", 2.5),
               ("seller_timeout", 1)),
              anchor_age=(35, 150)),
    _Scenario("genuine_defect", "product", 0.08, "delivered",
              (("damaged", 4), ("not_working", 4), ("quality", 2)), (0.5, 20),
              (("seller_accept", 4), ("counter_accepted", 3), ("return", 1.5), ("cancel", 1),
               ("arbitrated_refund", 0.5)),
              photos=1.0, video=0.15),
    # The commonest product case: the buyer cannot make it work; usually solved, then cancelled.
    _Scenario("buyer_misuse", "product", 0.17, "delivered",
              (("not_working", 6), ("quality", 2), ("not_as_described", 2)), (0.5, 20),
              (("cancel", 5), ("counter_accepted", 1.5), ("return", 1), ("seller_accept", 1),
               ("arbitrated_reject", 1), ("arbitrated_refund", 0.5)),
              photos=0.3, video=0.1),
    # Polished claims with a staged video on a product that works.
    _Scenario("deliberate_abuse", "product", 0.04, "delivered",
              (("not_working", 4), ("quality", 3), ("not_as_described", 3)), (0.5, 20),
              (("arbitrated_reject", 3), ("counter_accepted", 2.5), ("arbitrated_refund", 2),
               ("cancel", 1.5), ("return", 1)),
              photos=0.7, video=1.0),
    _Scenario("extortion", "product", 0.015, "delivered",
              (("quality", 4), ("not_as_described", 4), ("not_working", 2)), (0.5, 20),
              (("arbitrated_reject", 3.5), ("cancel", 3), ("counter_accepted", 2),
               ("arbitrated_refund", 1.5)),
              photos=0.3, video=0.1),
    # Not in the taxonomy's two families: the buyer simply no longer wants it.
    _Scenario("buyer_personal_reason", "personal", 0.06, "delivered",
              (("no_longer_needed", 5), ("ordered_by_mistake", 3), ("not_as_described", 2)),
              (0.5, 20),
              (("cancel", 3.5), ("return", 3.5), ("counter_accepted", 1.5),
               ("seller_accept", 1.5))),
)}

# Classes a serial disputer's disputes fall in (weighted): they know what pays. Customs
# classes are left out because those buyers are chosen by country.
_SERIAL_CLASSES: Final = (("extortion", 3.0), ("deliberate_abuse", 3.0),
                          ("delivered_disputed", 2.0), ("buyer_misuse", 2.0), ("no_tracking", 1.0),
                          ("lost", 1.0), ("buyer_personal_reason", 1.0))

# ---------------------------------------------------------------------------------------------
# How disputes unfold: scripts of process steps
# ---------------------------------------------------------------------------------------------

# Who submits each process action.
_MEMBER: Final[dict[str, str]] = {
    "initiate": "buyer", "cancel": "buyer", "buyer_accept": "buyer",
    "buyer_modify_solution": "buyer", "buyer_initiate_arbitration": "buyer",
    "seller_create_solution": "seller", "seller_accept": "seller", "seller_create_proof": "seller",
    "platform_force_reach": "platform", "perform_solution": "system",
}

# Closed cases: steps after `initiate`, each (action, min days, max days) after the previous.
_ARBITRATION: Final = (("seller_create_solution", 0.05, 3.5),
                       ("buyer_initiate_arbitration", 0.3, 5.0),
                       ("seller_create_proof", 0.1, 2.0), ("platform_force_reach", 1.0, 6.0),
                       ("perform_solution", 0.0, 0.5))
_CLOSED_SCRIPTS: Final[dict[str, tuple[tuple[str, float, float], ...]]] = {
    "cancel": (("seller_create_solution", 0.05, 3.0), ("cancel", 0.3, 9.0)),
    "cancel_early": (("cancel", 0.1, 3.0),),
    "seller_accept": (("seller_accept", 0.05, 4.0), ("perform_solution", 0.0, 0.2)),
    "counter_accepted": (("seller_create_solution", 0.05, 3.5), ("buyer_accept", 0.2, 4.0),
                         ("perform_solution", 0.0, 0.2)),
    # the buyer ships the item back, the seller confirms it; refund follows
    "return": (("seller_accept", 0.1, 3.0), ("perform_solution", 8.0, 20.0)),
    "arbitrated_refund": _ARBITRATION,
    "arbitrated_reject": _ARBITRATION,
    # the platform executes the buyer's plan when the seller's 5 days run out
    "seller_timeout": (("perform_solution", 5.0, 5.0),),
}

# (issue_status, reverse_detail_status) once closed. The enum has no "cancelled" value; a
# cancelled dispute is closed with no refund, which is what refund_reject means.
_CLOSED_STATUS: Final[dict[str, tuple[str, str]]] = {
    "cancel": ("canceled_issue", "refund_reject"),
    "seller_accept": ("finish", "refund_success"),
    "counter_accepted": ("finish", "refund_success"),
    "return": ("finish", "return_success"),
    "arbitrated_refund": ("finish", "refund_success"),
    "arbitrated_reject": ("finish", "refund_reject"),
    "seller_timeout": ("finish", "refund_success"),
}

_RESPONSE_WINDOW: Final = timedelta(days=5)  # seller's time to answer a buyer's plan

# ---------------------------------------------------------------------------------------------
# What buyers write, per class and language (the buyer's language follows their country)
# ---------------------------------------------------------------------------------------------

_Texts = dict[str, tuple[str, ...]]

_BUYER_OPEN: Final[dict[str, _Texts]] = {
    "no_tracking": {
        "en": ("tracking number not working, no information at all. where is my order??",
               "Its been 40 days and the tracking shows nothing. I want my money back",
               "track number invalid, 17track says not found"),
        "ru": ("трек номер вообще не отслеживается, где мой заказ?",
               "Прошло больше месяца, по треку никакой информации. Верните деньги"),
        "es": ("el numero de seguimiento no funciona, no hay informacion de mi pedido",
               "hace 5 semanas que compre y no hay ningun rastreo"),
        "pt": ("o código de rastreio não funciona, nenhuma informação",
               "comprei faz mais de um mes e o rastreamento nao mostra nada"),
        "fr": ("le numéro de suivi ne fonctionne pas, aucune information sur mon colis",
               "toujours rien, le suivi est vide depuis un mois"),
        "pl": ("numer śledzenia nie działa, brak jakichkolwiek informacji o paczce",
               "minął miesiąc a w śledzeniu dalej nic"),
    },
    "delivered_disputed": {
        "en": ("it says delivered but I never got it",
               "Tracking shows delivered but there is NOTHING in my mailbox!!",
               "I did not receive this package. Nobody signed anything here"),
        "ru": ("пишет что вручено, но я ничего не получал",
               "посылку мне не отдавали, подпись не моя"),
        "es": ("dice entregado pero nunca me llego nada",
               "el paquete figura como entregado y no lo recibí, nadie firmó"),
        "pt": ("diz que foi entregue mas eu não recebi nada",
               "consta entregue mas ninguém aqui recebeu o pacote"),
        "fr": ("le suivi indique livré mais je n'ai rien reçu",
               "colis marqué livré, personne ne l'a signé chez moi"),
        "pl": ("status dostarczona ale nic nie dostałem",
               "paczka niby doręczona, a w skrzynce nic nie ma"),
    },
    "stalled_in_transit": {
        "en": ("tracking has not updated for 3 weeks",
               "my package is stuck in the same place for almost a month, no update",
               "no movement on tracking since weeks, whats going on?"),
        "ru": ("трек не обновляется уже три недели",
               "посылка висит на одном месте почти месяц, никакого движения"),
        "es": ("el seguimiento no se actualiza hace 3 semanas",
               "mi paquete lleva un mes parado sin novedades"),
        "pt": ("rastreio parado há 3 semanas sem atualização",
               "meu pedido está parado no mesmo lugar faz quase um mês"),
        "fr": ("le suivi n'a pas bougé depuis 3 semaines",
               "mon colis est bloqué au même endroit depuis presque un mois"),
        "pl": ("śledzenie nie aktualizuje się od 3 tygodni",
               "paczka stoi w miejscu od miesiąca, zero aktualizacji"),
    },
    "customs_buyer_no_docs": {
        "en": ("customs ask me to pay tax, I will not pay this, not my problem",
               "Customs want my {tax_id}?? Seller should handle this",
               "they want import duty + handling fee, more than the item cost. refund please"),
        "ru": ("таможня требует паспортные данные, я ничего отправлять не буду",
               "с меня хотят пошлину, платить не буду, верните деньги"),
        "es": ("la aduana me pide mi {tax_id} y pagar impuestos, no voy a pagar",
               "aduana retiene el paquete y quieren que pague un impuesto, reembolso"),
        "pt": ("a receita federal está pedindo meu CPF e taxa, não vou pagar",
               "pacote retido na alfândega pedindo CPF, quero reembolso"),
        "fr": ("la douane me demande de payer la TVA et des frais, je refuse",
               "on me demande des documents pour la douane, c'est au vendeur de gérer"),
        "pl": ("urząd celny chce ode mnie cło i dokumenty, nie zapłacę",
               "paczka zatrzymana w urzędzie celnym, każą płacić podatek"),
    },
    "customs_buyer_unreachable": {
        "en": ("where is my package? tracking says customs exception, nobody contacted me",
               "I changed my phone number, did not get any message from customs. Where is it?",
               "parcel held at customs?? I was travelling, no one called me"),
        "ru": ("трек пишет проблема на таможне, со мной никто не связывался",
               "я был в отъезде, что с посылкой? на таможне?"),
        "es": ("dice problema en aduana pero nadie me contactó",
               "cambié de teléfono y no recibí ningún aviso de la aduana, dónde está mi pedido"),
        "pt": ("rastreio diz problema na alfândega mas ninguém entrou em contato comigo",
               "troquei de número, não recebi aviso nenhum, cadê meu pedido"),
        "fr": ("le suivi indique un problème de douane, personne ne m'a contacté",
               "j'étais en voyage, je n'ai reçu aucun avis, où est mon colis ?"),
        "pl": ("w śledzeniu problem z cłem, nikt się ze mną nie kontaktował",
               "zmieniłem numer telefonu, nie dostałem żadnego powiadomienia, gdzie paczka?"),
    },
    "returned_undelivered": {
        "en": ("tracking says returned to sender?? I never got a notice",
               "package went back, I was not home to pick it up. send it again or refund",
               "the post office returned my parcel, I didnt know it was waiting"),
        "ru": ("посылка ушла обратно отправителю, извещения не было",
               "не успел забрать с почты, её вернули. отправьте снова"),
        "es": ("dice devuelto al remitente, nunca me dejaron aviso",
               "no pude recogerlo a tiempo en la oficina y lo devolvieron"),
        "pt": ("voltou para o remetente, não recebi aviso nenhum dos correios",
               "não consegui retirar na agência e devolveram, reenviem por favor"),
        "fr": ("le colis est retourné à l'expéditeur, je n'ai jamais eu d'avis de passage",
               "je n'ai pas pu le récupérer au point relais, renvoyez-le"),
        "pl": ("paczka wróciła do nadawcy, nie dostałem awizo",
               "nie zdążyłem odebrać z paczkomatu i odesłali"),
    },
    "returned_in_country": {
        "en": ("tracking shows return to sender after it arrived in my country, why?",
               "It arrived in my country and then got sent back. I want a refund",
               "package returned after customs check?? I did nothing wrong"),
        "ru": ("посылка пришла в страну и поехала обратно, почему?",
               "трек: возврат отправителю после таможни. Где мой товар"),
        "es": ("llegó a mi país y luego lo devolvieron, por qué?",
               "figura devolución al remitente después de aduana"),
        "pt": ("chegou no Brasil e depois voltou pro remetente, porque?",
               "o pacote foi devolvido depois da fiscalização, quero meu dinheiro"),
        "fr": ("le colis est arrivé dans mon pays puis renvoyé, pourquoi ?",
               "retour à l'expéditeur après le contrôle, je veux être remboursé"),
        "pl": ("paczka dotarła do kraju i wróciła do nadawcy, dlaczego?",
               "zwrot do nadawcy po kontroli, chcę zwrot pieniędzy"),
    },
    "returned_before_export": {
        "en": ("order never left china, tracking says returned",
               "why is my parcel returned to sender? it didnt even ship out",
               "tracking: export failed, returned. refund me"),
        "ru": ("посылка даже не вылетела из Китая, возврат",
               "трек показывает возврат, заказ так и не отправили"),
        "es": ("el paquete nunca salió de China, dice devuelto",
               "mi pedido fue devuelto antes de salir, quiero el reembolso"),
        "pt": ("o pedido nem saiu da China e já foi devolvido",
               "rastreio mostra devolvido na origem, cadê meu produto"),
        "fr": ("le colis n'a jamais quitté la Chine, il est retourné",
               "retourné avant même l'export ? remboursez-moi"),
        "pl": ("paczka nawet nie wyjechała z Chin, zwrot",
               "przesyłka zwrócona jeszcze w Chinach, proszę o zwrot pieniędzy"),
    },
    "lost": {
        "en": ("Package not received after 2 months, tracking dead",
               "I think my parcel is lost, no news for over a month",
               "not receive good"),
        "ru": ("заказ так и не пришёл, посылка потерялась",
               "два месяца жду, трек мёртвый"),
        "es": ("no recibí el pedido, creo que se perdió",
               "más de dos meses esperando, el seguimiento no cambia"),
        "pt": ("não recebi, acho que o pacote foi extraviado",
               "já faz 2 meses e nada, pacote perdido"),
        "fr": ("colis perdu, rien depuis plus d'un mois",
               "je n'ai jamais reçu ma commande"),
        "pl": ("paczka zaginęła, od ponad miesiąca nic",
               "nie otrzymałem zamówienia, ponad 2 miesiące czekam"),
    },
    "genuine_defect": {
        "en": ("arrived broken, see photo",
               "the {item} came with a cracked case and does not turn on. photos attached",
               "Box was crushed and the {item} inside is damaged. Pictures attached"),
        "ru": ("пришло сломанным, фото прилагаю",
               "корпус треснутый, не включается, смотрите фото"),
        "es": ("llegó roto, ver foto",
               "vino con la carcasa partida y no enciende, adjunto fotos"),
        "pt": ("chegou quebrado, veja as fotos",
               "veio com a peça rachada e não liga, mandei foto"),
        "fr": ("arrivé cassé, voir photo",
               "boîtier fissuré à la réception, ne s'allume pas"),
        "pl": ("przyszło uszkodzone, zdjęcia w załączniku",
               "obudowa pęknięta, nie włącza się, zobacz zdjęcia"),
    },
    "buyer_misuse": {
        "en": ("how do I use this? it does not work",
               "the {item} doesnt work, I tried everything",
               "no instructions in english, cant make it work",
               "not working when i connect it"),
        "ru": ("не работает, как его включить?",
               "инструкции нет, не понимаю как пользоваться"),
        "es": ("no funciona, como se usa?",
               "no viene manual y no logro que funcione"),
        "pt": ("não funciona, como faz pra usar?",
               "não consigo fazer funcionar, não veio manual em português"),
        "fr": ("ça ne marche pas, comment on l'utilise ?",
               "pas de notice en français, impossible de le faire fonctionner"),
        "pl": ("nie działa, jak to włączyć?",
               "brak instrukcji po polsku, nie umiem tego uruchomić"),
    },
    "deliberate_abuse": {
        "en": ("The item is defective. As shown in the attached video, the device fails to "
               "power on under normal operating conditions. I request a full refund.",
               "Product malfunction: intermittent failure documented in the video evidence. "
               "The item does not match the advertised specifications.",
               "Video attached demonstrating the defect. Under buyer protection I am entitled "
               "to a full refund without return."),
        "ru": ("Товар неисправен. На приложенном видео видно, что устройство не работает при "
               "штатном использовании. Требую полный возврат средств.",
               "Дефект зафиксирован на видео, товар не соответствует заявленным характеристикам."),
        "es": ("El producto es defectuoso, como se demuestra en el video adjunto. Solicito el "
               "reembolso completo.",
               "Adjunto video que demuestra la falla. El artículo no cumple con las "
               "especificaciones anunciadas."),
        "pt": ("O produto apresenta defeito conforme vídeo anexado. Solicito reembolso integral.",
               "Segue vídeo comprovando o defeito de fabricação. Produto não corresponde ao "
               "anunciado."),
        "fr": ("Le produit est défectueux, comme le montre la vidéo jointe. Je demande un "
               "remboursement intégral.",
               "Vidéo à l'appui : l'appareil ne fonctionne pas dans des conditions normales "
               "d'utilisation."),
        "pl": ("Produkt jest wadliwy, co widać na załączonym filmie. Proszę o pełny zwrot "
               "pieniędzy.",
               "Wada udokumentowana na nagraniu wideo, towar niezgodny z opisem."),
    },
    "extortion": {
        "en": ("give me 30% back and I cancel the dispute",
               "refund 50% now or I leave 1 star and keep the dispute open",
               "partial refund $15 and I close this. otherwise full refund"),
        "ru": ("верните 30% и я закрою спор",
               "компенсируйте половину стоимости, тогда отменю спор и поставлю 5 звезд"),
        "es": ("devuélveme el 40% y cancelo",
               "si me devuelves la mitad cierro la disputa, si no pido todo"),
        "pt": ("me devolve 30% que eu cancelo a disputa",
               "faz um reembolso parcial de 50% e eu fecho a reclamação"),
        "fr": ("remboursez-moi 30 % et j'annule le litige",
               "donnez-moi la moitié et je ferme la réclamation, sinon avis négatif"),
        "pl": ("oddajcie 30% to anuluję spór",
               "zwrot połowy kwoty i zamykam dyskusję, inaczej negatywny komentarz"),
    },
    "buyer_personal_reason": {
        "en": ("I dont need it anymore, ordered by mistake",
               "found it cheaper locally, please refund",
               "wrong size ordered, i want to return"),
        "ru": ("больше не нужно, заказал по ошибке", "передумал, хочу вернуть"),
        "es": ("ya no lo necesito, lo pedí por error",
               "me arrepentí de la compra, quiero devolverlo"),
        "pt": ("não preciso mais, comprei errado", "desisti da compra, quero devolver"),
        "fr": ("je n'en ai plus besoin, commandé par erreur",
               "j'ai changé d'avis, je veux le retourner"),
        "pl": ("już nie potrzebuję, zamówiłem przez pomyłkę", "rozmyśliłem się, chcę zwrócić"),
    },
}

# Later buyer messages, whatever the class.
_BUYER_REFUSE: Final[_Texts] = {
    "en": ("I don't accept. I want full refund", "no. refund me now", "this is not a solution"),
    "ru": ("не согласен, верните деньги полностью", "нет, мне нужен возврат"),
    "es": ("no acepto, quiero el reembolso completo", "no, devuélvanme el dinero"),
    "pt": ("não aceito, quero reembolso total", "não, quero meu dinheiro de volta"),
    "fr": ("je refuse, je veux un remboursement complet", "non, remboursez-moi"),
    "pl": ("nie zgadzam się, chcę pełny zwrot", "nie, proszę o zwrot pieniędzy"),
}
_BUYER_ESCALATE: Final[_Texts] = {
    "en": ("seller is not helping, I ask AliExpress to decide", "I want aliexpress to check this"),
    "ru": ("продавец не помогает, прошу арбитраж",),
    "es": ("el vendedor no ayuda, pido intervención de AliExpress",),
    "pt": ("o vendedor não resolve, peço mediação do AliExpress",),
    "fr": ("le vendeur ne fait rien, je demande l'intervention d'AliExpress",),
    "pl": ("sprzedawca nie pomaga, proszę AliExpress o rozstrzygnięcie",),
}
_BUYER_CANCEL: Final[dict[str, _Texts]] = {
    "logistics": {
        "en": ("received today, thanks", "ok I will wait more", "package arrived, closing"),
        "ru": ("получил, спасибо", "хорошо, подожду ещё"),
        "es": ("ya llegó, gracias", "ok, espero un poco más"),
        "pt": ("chegou, obrigado", "ok, vou esperar mais um pouco"),
        "fr": ("reçu aujourd'hui, merci", "d'accord, j'attends encore"),
        "pl": ("doszło, dziękuję", "ok, poczekam jeszcze"),
    },
    "product": {
        "en": ("ok it works now, thank you", "problem solved"),
        "ru": ("разобрался, работает, спасибо",),
        "es": ("ya funciona, gracias",),
        "pt": ("consegui, está funcionando, obrigado",),
        "fr": ("ça marche maintenant, merci",),
        "pl": ("już działa, dzięki",),
    },
    "personal": {
        "en": ("ok I keep it",), "ru": ("ладно, оставлю себе",), "es": ("vale, me lo quedo",),
        "pt": ("tudo bem, vou ficar com ele",), "fr": ("bon, je le garde",),
        "pl": ("dobra, zostawiam",),
    },
}
_BUYER_ACCEPT: Final[_Texts] = {
    "en": ("ok", "ok agree"), "ru": ("ок, согласен",), "es": ("de acuerdo",),
    "pt": ("ok, aceito",), "fr": ("d'accord",), "pl": ("ok, zgoda",),
}

# What the seller writes (always English). Placeholders come from _Case.words().
_SELLER_COUNTER: Final[dict[str, tuple[str, ...]]] = {
    "no_tracking": (
        "Hello friend, your order was sent by economy air mail, which is only tracked inside "
        "China. It normally takes 30-60 days to reach {country_name}. We have extended your "
        "purchase protection, please wait a little longer.",
        "Dear customer, sorry for the wait. This shipping method has no tracking after it leaves "
        "China, but the parcel is on its way. We extended the protection time for you.",
    ),
    "delivered_disputed": (
        "Hello, the carrier's record shows your parcel was delivered in {location} on "
        "{last_update}, signed for by \"{signed_name}\". Please check with your family, "
        "neighbours and the local post office. We attached the delivery record and our shipping "
        "weight record.",
        "Dear friend, according to the tracking the parcel was delivered and signed "
        "({signed_name}) on {last_update}. Could you please ask at your post office?",
    ),
    "stalled_in_transit": (
        "Dear friend, we are sorry for the trouble the delivery has caused you. We have extended "
        "your purchase protection. Your parcel is now in {location}; its last update was on "
        "{last_update}. We have contacted the carrier and will get back to you soon.",
        "Hello, sorry for the wait. Buyer protection has been extended for you. The parcel was "
        "last scanned in {location} on {last_update}. We are checking with the logistics company "
        "and will update you.",
        "Dear customer, we understand your worry. We extended the protection time. The parcel is "
        "in {location} since {last_update}; we asked the carrier why and will tell you what "
        "they say.",
    ),
    "customs_buyer_no_docs": (
        "Hello, your parcel is held by customs in {location}. Customs need your {tax_id} to "
        "release it. Please give it to the carrier or the customs office and it will be delivered.",
        "Dear customer, customs in {location} are waiting for your {tax_id} and the import duty. "
        "We cannot provide this for you; once you send it, the parcel continues to you.",
    ),
    "customs_buyer_unreachable": (
        "Hello, customs in {location} tried to contact you about your parcel {logistics_no}. "
        "Please contact your local post or customs office as soon as possible with this number.",
        "Dear friend, your parcel is waiting at customs because they could not reach you. Please "
        "call the local post office with tracking number {logistics_no} and confirm your phone.",
    ),
    "returned_undelivered": (
        "Hello, we are sorry: the parcel was not collected in time and is being returned to us. "
        "When it is back we will contact you; we can resend it at once.",
        "Dear friend, the post office returned the parcel because it was not picked up. We will "
        "write to you as soon as it is back with us.",
    ),
    "returned_in_country": (
        "Hello, sorry for this: the parcel reached {country_name} but was sent back after the "
        "customs check. When it is back we will contact you and find a solution together.",
        "Dear customer, the parcel was returned from {location}. We will contact you when it "
        "arrives back and resend it by another line.",
    ),
    "returned_before_export": (
        "Hello, we are sorry: the parcel did not pass the export check in China and is coming "
        "back to us. We will contact you as soon as it is back and ship it again by another line.",
        "Dear friend, the parcel was stopped at export ({location}) and returned to our warehouse. "
        "We will contact you to arrange a new shipment.",
    ),
    "lost": (
        "Dear friend, we are sorry for the trouble. We have extended your purchase protection. "
        "The parcel's last update was in {location} on {last_update}; we asked the carrier to "
        "investigate. If it is not found we will resend it or refund you.",
        "Hello, sorry for the long wait. The carrier has had no news of the parcel since "
        "{last_update}. We opened an investigation and will come back to you.",
    ),
    "genuine_defect": (
        "We are very sorry that the {item} arrived damaged. We can refund {amount} USD or send "
        "you a new one, as you prefer.",
        "Sorry for this! The photo shows the {item} was damaged in transport. We offer a partial "
        "refund of {amount} USD, or a free replacement.",
    ),
    "buyer_misuse": (
        "Hello, sorry to hear that. Could you send us a short video showing how you use the "
        "{item}? Usually it is a setting and we can help you make it work.",
        "Dear friend, every {item} is tested before shipping. Please check the manual and make "
        "sure it is charged and set to the right mode. If it still does not work, send us a video.",
        "Hello, please send a photo or video of the {item} when you turn it on; we will guide "
        "you step by step.",
    ),
    "deliberate_abuse": (
        "Hello, every {item} is tested before shipping; our test video is attached. In your video "
        "the {item} is not used as described in the manual, so we cannot accept a refund.",
        "Dear customer, we checked your video carefully. The {item} shows no defect; the result "
        "comes from wrong operation. Please follow the manual. Our own video is attached.",
    ),
    "extortion": (
        "Hello, we cannot accept this. The {item} works as described and we have kept a record "
        "of this conversation.",
        "Dear customer, please tell us what is wrong with the {item}. A refund to cancel the "
        "dispute is not something we can offer.",
    ),
    "buyer_personal_reason": (
        "Hello, we understand. The {item} has no defect, so you can return it at your own cost "
        "and we will refund you after we receive it.",
        "Dear friend, no problem. Please return the {item} in its original package; we refund "
        "as soon as it arrives.",
    ),
}
_SELLER_ACCEPT: Final = ("We accept the refund. Sorry for the inconvenience.",
                         "Refund accepted. We are sorry for the trouble.",
                         "OK, we agree. Please send the item back to the address provided.")
_SELLER_PROOF: Final[dict[str, str]] = {
    "delivered_disputed": "Attached: the carrier's delivery record with the signature, and our "
                          "shipping weight and postage deduction record.",
    "logistics": "Attached: the tracking record; the last scan was in {location} on {last_update}.",
    "product": "Attached: our test video and photos of the {item} taken before shipping.",
    "personal": "Attached: photos of the {item} before shipping; the buyer reports no defect.",
}
_PLATFORM_RULING: Final = (
    "After reviewing the evidence of both parties, the platform decided to refund {amount} USD "
    "to the buyer.",
    "After reviewing the evidence of both parties, the platform found the seller not "
    "responsible. The dispute is closed without a refund.",
)
_SYSTEM_PERFORM: Final[dict[str, str]] = {
    "refund": "Refund executed.",
    "return": "The seller confirmed receipt of the returned item. Refund executed.",
    "timeout": "The seller did not respond in time. The buyer's plan was executed automatically.",
}

# ---------------------------------------------------------------------------------------------
# Tracking: route legs and carrier wording
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leg:
    action: str  # Cainiao action code
    place: str  # origin | sorting | port | gateway | hub | city
    gap: tuple[float, float]  # days after the previous event
    text: str = ""  # key into _EVENT_TEXT when the action code alone does not say it


_PICKUP: Final = (
    _Leg("CONSIGN", "origin", (0.0, 0.0)),
    _Leg("PU_PICKUP_SUCCESS", "origin", (0.1, 1.0)),
    _Leg("SC_INBOUND_SUCCESS", "sorting", (0.2, 1.5)),
    _Leg("SC_OUTBOUND_SUCCESS", "sorting", (0.1, 1.0)),
)
_EXPORT: Final = (
    _Leg("CC_EX_START", "port", (0.3, 2.0)),
    _Leg("CC_EX_SUCCESS", "port", (0.1, 1.0)),
    _Leg("LH_DEPART", "port", (0.3, 3.0)),
)
_ARRIVAL: Final = (
    _Leg("LH_ARRIVE", "gateway", (1.0, 4.0)),
    _Leg("CC_IM_START", "gateway", (0.2, 2.0)),
)
_CLEARED: Final = (_Leg("CC_IM_SUCCESS", "gateway", (0.5, 5.0)),)
_LAST_MILE: Final = (
    _Leg("GTMS_ACCEPT", "hub", (0.3, 3.0)),
    _Leg("GTMS_DELIVERING", "city", (0.5, 4.0)),
)
_TO_DOOR: Final = _PICKUP + _EXPORT + _ARRIVAL + _CLEARED + _LAST_MILE
_SIGNED: Final = (_Leg("GTMS_SIGNED", "city", (0.05, 0.6)),)
_BACK_HOME: Final = (
    _Leg("RT_OUTBOUND", "gateway", (1.0, 4.0)),
    _Leg("RETURNED", "origin", (3.0, 9.0)),
)

# Where a stalled or lost parcel stopped: (last action, weight). Stalled parcels mostly sit
# after arrival or in import customs; lost ones vanish anywhere after leaving the sorting centre.
_STALL_POINTS: Final = (("LH_DEPART", 2.0), ("LH_ARRIVE", 3.0), ("CC_IM_START", 3.0),
                        ("CC_IM_SUCCESS", 1.5), ("GTMS_ACCEPT", 1.5))
_LOST_POINTS: Final = (("SC_OUTBOUND_SUCCESS", 1.5), ("LH_DEPART", 2.0), ("LH_ARRIVE", 2.0),
                       ("CC_IM_SUCCESS", 1.0), ("GTMS_ACCEPT", 1.5))

_EVENT_TEXT: Final[dict[str, tuple[str, ...]]] = {
    "CONSIGN": ("Shipment information received", "Order received by logistics company"),
    "acceptance": ("Acceptance", "Posting/Collection"),
    "PU_PICKUP_SUCCESS": ("Picked up by carrier", "Parcel picked up"),
    "SC_INBOUND_SUCCESS": ("Arrived at sorting center", "Received at sorting center"),
    "SC_OUTBOUND_SUCCESS": ("Departed from sorting center", "Left sorting center"),
    "CC_EX_START": ("Export customs clearance started", "Handed over to export customs"),
    "CC_EX_SUCCESS": ("Export customs clearance complete", "Export clearance success"),
    "LH_DEPART": ("Departed from departure country/region", "Flight departed"),
    "LH_ARRIVE": ("Arrived at destination country/region", "Arrived at linehaul office"),
    "CC_IM_START": ("Import customs clearance started", "Received by import customs"),
    "CC_IM_SUCCESS": ("Import customs clearance complete", "Released by customs"),
    "GTMS_ACCEPT": ("Received by local delivery company", "Arrived at local delivery facility"),
    "GTMS_DELIVERING": ("Out for delivery", "Delivery in progress"),
    "GTMS_SIGNED": ("Delivered", "Package delivered", "Delivered, signed by recipient"),
    "GTMS_DEL_FAILURE": ("Delivery attempt failed: recipient not available",
                         "Unsuccessful delivery attempt, notice left"),
    "GTMS_WAIT_SELF_PICK": ("Awaiting collection at pickup point",
                            "Available for pickup at post office"),
    "export_battery": ("Export security check failed: item contains battery",
                       "Held at export security screening: lithium battery"),
    "export_failed": ("Export customs inspection failed: declaration mismatch",
                      "Held by export customs: restricted item"),
    "import_refused": ("Import customs refused entry: restricted goods",
                       "Failed security screening at destination"),
    "tax_id_wait": ("Awaiting tax ID from recipient", "Awaiting {tax_id} from recipient"),
    "docs_missing": ("Import clearance exception: recipient {tax_id} required",
                     "Customs clearance on hold: awaiting documents from recipient"),
    "duty_notice": ("Import duty assessed, awaiting payment by recipient",
                    "Customs duty notice sent to recipient"),
    "unreachable": ("Customs clearance suspended: recipient could not be contacted",
                    "Recipient unreachable, held at customs"),
    "return_origin": ("Return parcel received at origin sorting center", "Return processing"),
    "return_start": ("Return processing started at destination", "Returning to sender"),
    "not_collected": ("Not collected within the retention period, returning to sender",
                      "Storage period expired, parcel returned"),
    "RT_OUTBOUND": ("Return parcel departed", "Returned parcel dispatched to origin"),
    "RETURNED": ("Returned to sender", "Parcel returned and signed for by sender"),
}

# Who "signed" for a parcel the buyer says never came: bold fraudsters sign themselves.
_DISPUTED_SIGNERS: Final = (("mailbox", 3.0), ("front door", 1.0), ("neighbour", 2.5),
                            ("reception", 1.0), ("parcel locker", 1.0), ("buyer", 2.0))

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _pick(rng: random.Random, table: Sequence[tuple[_T, float]]) -> _T:
    """One value of a (value, weight) table."""
    return rng.choices([value for value, _ in table], weights=[w for _, w in table])[0]


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def _whole(moment: datetime) -> datetime:
    """Drop sub-seconds: the wire format has none, so a round trip gives back the same instant."""
    return moment.replace(microsecond=0)


def _wire(moment: datetime) -> str:
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


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(count))


def _fill(rng: random.Random, pattern: str) -> str:
    return "".join(rng.choice(string.digits) if ch == "#"
                   else rng.choice(string.ascii_uppercase) if ch == "@" else ch
                   for ch in pattern)


def _usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _local(cents: int, currency: str) -> str:
    rate, decimals = _FX[currency]
    return f"{cents * rate / 100:.{decimals}f}"


def _money(cents: int) -> dict[str, str]:
    return {"amount": _usd(cents), "currency_code": "USD"}


def _s10(rng: random.Random, prefix: str, country: str) -> str:
    """A UPU S10 item number (two letters, 8 digits, check digit, country), like RB123456785CN."""
    body = _digits(rng, 8)
    total = sum(int(d) * w for d, w in zip(body, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{prefix}{body}{check}{country}"


def _image_url(rng: random.Random) -> str:
    return f"https://ae01.alicdn.com/kf/S{rng.getrandbits(128):032x}.jpg"


class _IdBook:
    """Hands out ids and numbers that are unique across the three stores."""

    def __init__(self) -> None:
        self._used: set[object] = set()

    def take(self, rng: random.Random, make: Callable[[random.Random], _T]) -> _T:
        while True:
            value = make(rng)
            if value not in self._used:
                self._used.add(value)
                return value

    def number(self, rng: random.Random, low: int, high: int) -> int:
        return self.take(rng, lambda r: r.randrange(low, high))


# Number shapes per service: UPU S10 (first letter, country) or (prefix, digits, suffix).
_S10_NUMBERS: Final[dict[str, tuple[str, str]]] = {
    "CPAM": ("R", "CN"), "EMS": ("E", "CN"), "CPAP": ("U", "CN"), "4PX_RM": ("R", "SG"),
}
_PLAIN_NUMBERS: Final[dict[str, tuple[str, int, str]]] = {
    "YANWEN_JYT": ("UG", 9, "YP"), "YANWEN_AM": ("UH", 9, "YP"), "YUNEXPRESS": ("YT", 16, ""),
    "SUNYOU_ECONOMY": ("SYAE", 12, ""),
}


def _tracking_number(rng: random.Random, service: str) -> str:
    """A number in the shape each service uses (Cainiao LP..., China Post S10, Yanwen ...YP)."""
    if service.startswith(("CAINIAO", "AE_")):
        return "LP" + _digits(rng, 14)
    if service in _PLAIN_NUMBERS:
        prefix, digits, suffix = _PLAIN_NUMBERS[service]
        return prefix + _digits(rng, digits) + suffix
    first, country = _S10_NUMBERS.get(service, ("L", "CN"))
    return _s10(rng, first + rng.choice("ABCDEFGHJKLMNOPQRSTUVWXYZ"), country)


# ---------------------------------------------------------------------------------------------
# Buyers: one pool shared by the three stores
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Buyer:
    login_id: str
    country: _Country
    first_name: str
    last_name: str
    city: _City
    address: str
    zip: str
    mobile: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


_POOL_SIZE: Final = 6000  # default pool: large enough that most buyers dispute once


def _login_id(rng: random.Random, country: str) -> str:
    # Platform logins look like "br1429846753xkqae" or "ru12345678abcd".
    prefix = country.lower()
    style = rng.random()
    if style < 0.5:
        return prefix + _digits(rng, 10) + _letters(rng, 5)
    if style < 0.85:
        return prefix + _digits(rng, 8) + _letters(rng, 4)
    return prefix + _digits(rng, rng.randint(7, 11)) + _letters(rng, rng.randint(3, 5))


def _buyer_pool(rng: random.Random, ids: _IdBook, size: int) -> dict[str, list[_Buyer]]:
    """``size`` buyers by country code, in a fixed order."""
    pool: dict[str, list[_Buyer]] = {c.code: [] for c in _COUNTRIES}
    weights = [c.weight for c in _COUNTRIES]
    for country in rng.choices(_COUNTRIES, weights=weights, k=size):
        first, last = rng.choice(country.names)
        city = rng.choice(country.cities)
        pool[country.code].append(_Buyer(
            login_id=ids.take(rng, partial(_login_id, country=country.code)),
            country=country,
            first_name=first,
            last_name=last,
            city=city,
            address=f"{rng.randint(1, 480)} {rng.choice(country.streets)}",
            zip=_fill(rng, city.zip_pattern),
            mobile=f"{country.phone} {_digits(rng, 9)}",
        ))
    return pool


def _serial_plan(rng: random.Random, pool: dict[str, list[_Buyer]],
                 stores: Sequence[DemoStore]) -> dict[str, list[_Buyer]]:
    """A few serial disputers, each with 3-6 disputes spread over two or three stores.

    With fewer stores than that, over all of them (with one store, serial in that store).
    """
    store_ids = [store.store_id for store in stores]
    plan: dict[str, list[_Buyer]] = {store_id: [] for store_id in store_ids}
    if not store_ids:
        return plan
    everyone = [buyer for buyers in pool.values() for buyer in buyers]
    for buyer in rng.sample(everyone, rng.randint(5, 8)):
        total = rng.randint(3, 6)
        spread = rng.randint(2, 3)
        stores_hit = rng.sample(store_ids, min(spread, len(store_ids)))
        slots = stores_hit + [rng.choice(stores_hit) for _ in range(total - len(stores_hit))]
        for store_id in slots:
            plan[store_id].append(buyer)
    return plan


# ---------------------------------------------------------------------------------------------
# One dispute
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenPlan:
    """How an open dispute stands at ``now``."""

    state: str  # new | reopened (both wait for the seller) | countered | escalated
    remaining: timedelta  # seller-waiting: time left of the 5-day window
    blank_timer: bool  # serve timeout_trigger_time "" so clients fall back to their own rule


@dataclass
class _Step:
    at: datetime
    action: str
    content: str = ""
    attachments: int = 0
    buyer_video: bool = False
    seller_video: bool = False

    @property
    def member(self) -> str:
        return _MEMBER[self.action]


@dataclass
class _Shipment:
    service: str
    logistics_no: str
    shipped: datetime
    paid: datetime
    placed: datetime
    events: list[dict[str, Any]]
    last: tuple[datetime, str] | None  # time and place of the last event
    delivered: datetime | None
    signed_name: str
    extra_no: str = ""  # consolidated order: a second number that never shipped


@dataclass
class _Line:
    child_id: int
    product: _Product
    count: int


@dataclass
class _Case:
    """Everything about one dispute while it is being built."""

    scenario: _Scenario
    buyer: _Buyer
    reason: _Reason
    issue_id: int
    parent_id: int
    lines: list[_Line]
    freight_cents: int
    steps: list[_Step]
    outcome: str  # closed: a _CLOSED_STATUS key; open: the _OpenPlan state
    open_plan: _OpenPlan | None
    shipment: _Shipment | None = None
    solution_ids: list[int] = field(default_factory=list)
    after_sale_warranty: bool = False

    @property
    def line(self) -> _Line:
        return self.lines[0]  # the disputed line comes first

    @property
    def created(self) -> datetime:
        return self.steps[0].at

    @property
    def modified(self) -> datetime:
        return self.steps[-1].at

    @property
    def max_cents(self) -> int:
        line = self.line.product.price_cents * self.line.count
        return line + (self.freight_cents if len(self.lines) == 1 else 0)

    @property
    def language(self) -> str:
        return self.buyer.country.language

    def words(self, amount_cents: int = 0) -> dict[str, str]:
        """Values for the placeholders of buyer, seller and carrier texts."""
        shipment = self.shipment
        last = shipment.last if shipment else None
        return {
            "item": self.line.product.item,
            "tax_id": self.buyer.country.tax_id,
            "country_name": self.buyer.country.name,
            "location": last[1] if last else "China",
            "last_update": f"{last[0].astimezone(PACIFIC):%d %b %Y}" if last else "",
            "signed_name": shipment.signed_name if shipment else "",
            "logistics_no": shipment.logistics_no if shipment else "",
            "amount": _usd(amount_cents),
        }


def _closed_steps(rng: random.Random, scenario: _Scenario, outcome: str,
                  now: datetime) -> list[_Step]:
    """Steps of a closed case, placed so that the last one is in the past."""
    script = _CLOSED_SCRIPTS["cancel_early" if outcome == "cancel" and rng.random() < 0.3
                             else outcome]
    offsets = [0.0]
    for _, low, high in script:
        offsets.append(offsets[-1] + rng.uniform(low, high))
    span = offsets[-1]
    oldest = scenario.max_age
    if span + 0.05 > oldest:  # cannot fit: squeeze the script (never happens with the tables)
        offsets = [o * (oldest - 0.1) / span for o in offsets]
        span = offsets[-1]
    created = now - timedelta(days=rng.uniform(span + 0.05, oldest))
    actions = ["initiate"] + [action for action, _, _ in script]
    return [_Step(_whole(created + timedelta(days=o)), a)
            for o, a in zip(offsets, actions, strict=True)]


def _open_steps(rng: random.Random, plan: _OpenPlan, now: datetime) -> list[_Step]:
    """Steps of an open case, built backwards from ``now`` so the state is still pending."""
    if plan.state in ("new", "reopened"):
        # The seller's 5-day window runs from the buyer's last change.
        last_buyer = now - (_RESPONSE_WINDOW - plan.remaining)
        if plan.state == "new":
            return [_Step(_whole(last_buyer), "initiate")]
        countered = last_buyer - _days(rng, 0.3, 4.5)
        created = countered - _days(rng, 0.05, 4.5)
        return [_Step(_whole(created), "initiate"),
                _Step(_whole(countered), "seller_create_solution"),
                _Step(_whole(last_buyer), "buyer_modify_solution")]
    if plan.state == "countered":
        countered = now - _days(rng, 0.05, 6.5)
        created = countered - _days(rng, 0.05, 4.5)
        return [_Step(_whole(created), "initiate"),
                _Step(_whole(countered), "seller_create_solution")]
    escalated = now - _days(rng, 0.3, 8.0)
    countered = escalated - _days(rng, 0.3, 5.0)
    created = countered - _days(rng, 0.05, 4.0)
    steps = [_Step(_whole(created), "initiate"),
             _Step(_whole(countered), "seller_create_solution"),
             _Step(_whole(escalated), "buyer_initiate_arbitration")]
    if rng.random() < 0.5:
        proof = escalated + (now - escalated) * rng.uniform(0.1, 0.9)
        steps.append(_Step(_whole(proof), "seller_create_proof"))
    return steps


# -- tracking --------------------------------------------------------------------------------


def _cut_after(legs: tuple[_Leg, ...], action: str) -> tuple[_Leg, ...]:
    index = [leg.action for leg in legs].index(action)
    return legs[: index + 1]


def _route(rng: random.Random, scenario: _Scenario, product: _Product) -> tuple[_Leg, ...]:
    """The legs a parcel of this class went through, oldest first."""
    kind = scenario.route
    if kind == "unregistered":
        # Unregistered post: no tracking at all, or a single acceptance scan in China.
        return () if rng.random() < 0.5 else (_Leg("CONSIGN", "origin", (0, 0), "acceptance"),)
    if kind == "delivered":
        return _TO_DOOR + _SIGNED
    if kind == "stalled":
        return _cut_after(_TO_DOOR, _pick(rng, _STALL_POINTS))
    if kind == "lost":
        return _cut_after(_TO_DOOR, _pick(rng, _LOST_POINTS))
    if kind == "customs_docs":
        hold: tuple[_Leg, ...] = (_Leg("CUS_TAX", "gateway", (0.5, 3.0), "tax_id_wait"),)
        if rng.random() < 0.6:
            hold += (_Leg("CC_IM_FAILURE", "gateway", (1.0, 5.0), "docs_missing"),)
        return _PICKUP + _EXPORT + _ARRIVAL + hold
    if kind == "customs_unreachable":
        return _PICKUP + _EXPORT + _ARRIVAL + (
            _Leg("CUS_TAX", "gateway", (0.5, 3.0), "duty_notice"),
            _Leg("CC_IM_FAILURE", "gateway", (3.0, 10.0), "unreachable"))
    if kind == "returned_before_export":
        failure = "export_battery" if product.battery and rng.random() < 0.8 else "export_failed"
        return _PICKUP + (
            _Leg("CC_EX_START", "port", (0.3, 2.0)),
            _Leg("CC_EX_FAILURE", "port", (0.2, 2.0), failure),
            _Leg("RT_INBOUND", "sorting", (1.0, 4.0), "return_origin"),
            _Leg("RETURNED", "origin", (0.5, 3.0)))
    if kind == "returned_in_country":
        return _PICKUP + _EXPORT + _ARRIVAL + (
            _Leg("CC_IM_FAILURE", "gateway", (0.5, 4.0), "import_refused"),
            _Leg("RT_INBOUND", "gateway", (1.0, 5.0), "return_start")) + _BACK_HOME
    if kind == "returned_undelivered":
        return _TO_DOOR + (
            _Leg("GTMS_DEL_FAILURE", "city", (0.05, 0.5)),
            _Leg("GTMS_WAIT_SELF_PICK", "city", (0.1, 1.5)),
            _Leg("RT_INBOUND", "city", (7.0, 14.0), "not_collected")) + _BACK_HOME
    raise ValueError(f"unknown route kind {kind!r}")


def _schedule(rng: random.Random, legs: tuple[_Leg, ...], scenario: _Scenario, created: datetime,
              now: datetime) -> tuple[list[datetime], datetime, datetime, datetime]:
    """Event times, ship, pay and order times fitting the class and the order-age rule.

    The last event is placed in the class's window (days before the dispute, and for stalled
    and lost parcels days before ``now``); the order must have been placed 10-60 days before the
    dispute and shipped 1-4 days after payment. Draws that cannot satisfy all of it are redrawn.
    """
    anchor_low, anchor_high = scenario.anchor_days
    best: tuple[list[float], float, float, datetime] | None = None
    for _ in range(60):
        gaps = [rng.uniform(*leg.gap) for leg in legs]
        offsets = [sum(gaps[: i + 1]) for i in range(len(gaps))] or [0.0]
        ship_to_pay, pay_to_order = rng.uniform(1.0, 4.0), rng.uniform(0.003, 0.1)
        lead = offsets[-1] + ship_to_pay + pay_to_order  # order placed -> last event
        low = max(created - timedelta(days=anchor_high), created - timedelta(days=60 - lead))
        high = min(created - timedelta(days=anchor_low), created - timedelta(days=10 - lead))
        if scenario.anchor_age is not None:
            low = max(low, now - timedelta(days=scenario.anchor_age[1]))
            high = min(high, now - timedelta(days=scenario.anchor_age[0]))
        if low <= high:
            best = (offsets, ship_to_pay, pay_to_order, low + (high - low) * rng.random())
            break
        if best is None:  # keep a class-valid fallback; the order-age rule may then be off
            fallback = created - timedelta(days=rng.uniform(anchor_low, anchor_high))
            best = (offsets, ship_to_pay, pay_to_order, fallback)
    assert best is not None
    offsets, ship_to_pay, pay_to_order, last = best
    shipped = last - timedelta(days=offsets[-1])
    times = [_whole(shipped + timedelta(days=o)) for o in offsets[: len(legs)]]
    paid = shipped - timedelta(days=ship_to_pay)
    return times, _whole(shipped), _whole(paid), _whole(paid - timedelta(days=pay_to_order))


def _signer(rng: random.Random, scenario: _Scenario, buyer: _Buyer) -> str:
    if scenario.code == "delivered_disputed":
        who = _pick(rng, _DISPUTED_SIGNERS)
        if who == "neighbour":
            first, last = rng.choice(buyer.country.names)
            return f"{first} {last}"
        return buyer.full_name if who == "buyer" else who
    style = rng.random()
    if style < 0.6:
        return buyer.full_name
    if style < 0.8:
        return buyer.last_name.upper()
    return buyer.first_name


def _ship(rng: random.Random, ids: _IdBook, case: _Case, profile: _StoreProfile,
          now: datetime) -> _Shipment:
    scenario, buyer = case.scenario, case.buyer
    service = _pick_service(rng, scenario, profile)
    legs = _route(rng, scenario, case.line.product)
    times, shipped, paid, placed = _schedule(rng, legs, scenario, case.created, now)
    country = buyer.country
    places = {
        "origin": f"{profile.origin}, CN",
        "sorting": f"{profile.origin} Sorting Center, CN",
        "port": rng.choice(profile.ports),
        "gateway": f"{country.gateway}, {country.code}",
        "hub": f"{buyer.city.province}, {country.code}",
        "city": f"{buyer.city.name}, {country.code}",
    }
    signed_name = _signer(rng, scenario, buyer) if legs and legs[-1].action == "GTMS_SIGNED" else ""
    events: list[dict[str, Any]] = []
    for leg, at in zip(legs, times, strict=True):
        desc = rng.choice(_EVENT_TEXT[leg.text or leg.action]).format(tax_id=country.tax_id)
        signed = signed_name if leg.action == "GTMS_SIGNED" else ""
        if signed in ("mailbox", "front door", "reception", "parcel locker"):
            desc = f"Delivered to {signed}"
        events.append({"event_date": _wire(at), "event_desc": desc, "address": places[leg.place],
                       "signed_name": signed, "action_code": leg.action})
    delivered = times[-1] if legs and legs[-1].action == "GTMS_SIGNED" else None
    last = (times[-1], places[legs[-1].place]) if legs else None
    extra = ""
    if scenario.route != "unregistered" and rng.random() < scenario.consolidated:
        extra = ids.take(rng, lambda r: _tracking_number(r, service))
    return _Shipment(service, ids.take(rng, lambda r: _tracking_number(r, service)), shipped,
                     paid, placed, events, last, delivered, signed_name, extra)


def _pick_service(rng: random.Random, scenario: _Scenario, profile: _StoreProfile) -> str:
    """A service code from carriers.SERVICES whose kind fits the class."""
    def codes(kind: ServiceKind) -> list[str]:
        return [code for code, service in SERVICES.items() if service.kind is kind]

    if scenario.route == "unregistered":
        return rng.choice(codes(ServiceKind.UNREGISTERED))
    kind = ServiceKind.PLATFORM if rng.random() < profile.platform_share else ServiceKind.REGISTERED
    return rng.choice(codes(kind))


# -- texts -----------------------------------------------------------------------------------


def _buyer_says(rng: random.Random, table: _Texts, case: _Case) -> str:
    return rng.choice(table[case.language]).format(**case.words())


def _write_steps(rng: random.Random, case: _Case, amounts: dict[str, int]) -> None:
    """Fill in each step's words, attachments and video flags."""
    scenario = case.scenario
    family = scenario.family
    for step in case.steps:
        action = step.action
        if action == "initiate":
            step.content = _buyer_says(rng, _BUYER_OPEN[scenario.code], case)
            if rng.random() < scenario.photos:
                step.attachments = rng.randint(1, 4)
            step.buyer_video = rng.random() < scenario.video
        elif action == "seller_create_solution":
            text = rng.choice(_SELLER_COUNTER[scenario.code])
            step.content = text.format(**case.words(amounts["seller"]))
        elif action == "buyer_modify_solution":
            table = _BUYER_OPEN["extortion"] if scenario.code == "extortion" else _BUYER_REFUSE
            step.content = _buyer_says(rng, table, case)
        elif action == "buyer_initiate_arbitration":
            step.content = _buyer_says(rng, _BUYER_ESCALATE, case)
        elif action == "cancel":
            step.content = _buyer_says(rng, _BUYER_CANCEL[family], case)
        elif action == "buyer_accept":
            step.content = _buyer_says(rng, _BUYER_ACCEPT, case)
        elif action == "seller_accept":
            step.content = _SELLER_ACCEPT[2 if case.outcome == "return" else rng.randint(0, 1)]
        elif action == "seller_create_proof":
            key = scenario.code if scenario.code == "delivered_disputed" else family
            step.content = _SELLER_PROOF[key].format(**case.words())
            step.attachments = rng.randint(1, 3)
            step.seller_video = family == "product" and rng.random() < 0.7
        elif action == "platform_force_reach":
            ruling = _PLATFORM_RULING[0 if amounts["platform"] else 1]
            step.content = ruling.format(**case.words(amounts["platform"]))
        elif action == "perform_solution":
            key = {"seller_timeout": "timeout", "return": "return"}.get(case.outcome, "refund")
            step.content = _SYSTEM_PERFORM[key]


# -- money and solutions ---------------------------------------------------------------------


def _amounts(rng: random.Random, case: _Case) -> dict[str, int]:
    """Refund amounts (USD cents) the buyer asks, the seller offers and the platform decides."""
    top = case.max_cents
    family, code = case.scenario.family, case.scenario.code

    def share(low: float, high: float) -> int:
        return max(1, round(top * rng.uniform(low, high)))

    buyer = top if family != "product" or rng.random() < 0.75 else share(0.4, 0.8)
    if case.outcome == "counter_accepted":
        seller = share(0.15, 0.6)
    elif code == "genuine_defect":
        seller = share(0.3, 0.6)
    elif code == "buyer_personal_reason":
        seller = top  # refund in full once the item is back
    else:
        seller = 0  # refuse: extend protection, explain, ask for evidence
    if case.outcome == "arbitrated_reject":
        platform = 0
    elif case.outcome == "arbitrated_refund" or rng.random() < 0.6:
        platform = top if rng.random() < 0.7 else share(0.3, 0.7)
    else:
        platform = 0
    return {"buyer": buyer, "seller": seller, "platform": platform}


def _solution(case: _Case, solution_id: int, owner: str, kind: str, cents: int, content: str,
              created: datetime, **extra: Any) -> dict[str, Any]:
    currency = case.buyer.country.currency
    returning = kind == "return_and_refund"
    solution: dict[str, Any] = {
        "id": solution_id,
        "issue_id": case.issue_id,
        "order_id": case.line.child_id,
        "solution_owner": owner,
        "solution_type": kind,
        "status": "",
        "is_default": owner == "buyer",
        "content": content,
        "refund_money": _local(cents, currency),
        "refund_money_currency": currency,
        "refund_money_post": _usd(cents),
        "refund_money_post_currency": "USD",
        "logistics_fee_amount": _usd(650 if returning else 0),
        "logistics_fee_amount_currency": "USD",
        # who pays the return postage; nothing travels back on a refund-only plan
        "logistics_fee_bear_role": ("buyer" if case.scenario.family == "personal" else "seller")
        if returning else "",
        "reached_type": "",
        "reached_time": "",
        "buyer_accept_time": "",
        "seller_accept_time": "",
        "gmt_create": _wire(created),
        "gmt_modified": _wire(created),
        "version": 1,
    }
    solution.update(extra)
    return solution


def _reach(solution: dict[str, Any], how: str, when: datetime, *, buyer: datetime | None,
           seller: datetime | None) -> None:
    solution.update(status="reached", reached_type=how, reached_time=_wire(when),
                    buyer_accept_time=_wire(buyer) if buyer else "",
                    seller_accept_time=_wire(seller) if seller else "",
                    gmt_modified=_wire(when))


def _solutions(rng: random.Random, ids: _IdBook, case: _Case, amounts: dict[str, int],
               now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                       list[dict[str, Any]]]:
    """The buyer's, seller's and platform's plans, with statuses that fit the case's state."""
    steps = {step.action: step for step in case.steps}
    opening = case.steps[0]
    family = case.scenario.family
    buyer_kind = "return_and_refund" if case.outcome == "return" or (
        family == "personal" and rng.random() < 0.5) else "refund"

    def new_id() -> int:
        return ids.number(rng, 30_000_000_000, 39_999_999_999)

    buyer = _solution(case, new_id(), "buyer", buyer_kind, amounts["buyer"], opening.content,
                      opening.at, status="wait_seller_accept")
    sellers: list[dict[str, Any]] = []
    platforms: list[dict[str, Any]] = []
    counter = steps.get("seller_create_solution")
    if counter:
        seller_kind = "return_and_refund" if family == "personal" else "refund"
        sellers.append(_solution(case, new_id(), "seller", seller_kind, amounts["seller"],
                                 counter.content, counter.at, status="wait_buyer_accept"))
    modify = steps.get("buyer_modify_solution")
    if modify:  # the buyer refused the counter-offer and restated their own plan
        sellers[0]["status"] = "buyer_refused"
        buyer.update(content=modify.content, gmt_modified=_wire(modify.at), version=2)
    escalation = steps.get("buyer_initiate_arbitration")
    if escalation:
        if sellers:
            sellers[0].update(status="buyer_refused", gmt_modified=_wire(escalation.at))
        end = steps.get("platform_force_reach")
        posted = escalation.at + ((end.at if end else now) - escalation.at) * rng.uniform(0.2, 0.8)
        cents = amounts["platform"]
        proposal = (f"Platform proposal: refund {_usd(cents)} USD to the buyer." if cents
                    else "Platform proposal: no refund; the seller is not responsible.")
        # In the one real sample the platform's plan carries id -2.
        platforms.append(_solution(case, -2, "platform", "refund", cents, proposal,
                                   _whole(posted), status="wait_buyer_and_seller_accept"))
    _close_solutions(case, steps, buyer, sellers, platforms)
    return [buyer], sellers, platforms


def _close_solutions(case: _Case, steps: dict[str, _Step], buyer: dict[str, Any],
                     sellers: list[dict[str, Any]], platforms: list[dict[str, Any]]) -> None:
    """Mark the plan that settled a closed case as reached."""
    outcome, created = case.outcome, case.created
    if outcome in ("seller_accept", "return"):
        accepted = steps["seller_accept"].at
        _reach(buyer, "negotiation_consensus", accepted, buyer=created, seller=accepted)
    elif outcome == "counter_accepted":
        agreed = steps["buyer_accept"].at
        _reach(sellers[0], "negotiation_consensus", agreed, buyer=agreed,
               seller=steps["seller_create_solution"].at)
    elif outcome == "seller_timeout":
        _reach(buyer, "seller_reponse_timeout", created + _RESPONSE_WINDOW, buyer=created,
               seller=None)
    elif outcome in ("arbitrated_refund", "arbitrated_reject"):
        _reach(platforms[0], "platform_arbitrate", steps["platform_force_reach"].at, buyer=None,
               seller=None)
        buyer["status"] = "reach_cancle"  # sic: voided by the ruling [I]


# -- the detail, the summary and the order ----------------------------------------------------


def _timer(case: _Case) -> tuple[str, str]:
    """(timeout_type, timeout_trigger_time) of the case at ``now``.

    Only a case waiting for the seller has a timer. While the buyer considers a counter-offer
    ("countered") the seller is not on the clock, so no trigger time is served: one would show
    the operator a deadline that is not theirs.
    """
    plan = case.open_plan
    if plan is None or plan.blank_timer or plan.state in ("escalated", "countered"):
        return "", ""  # closed, deliberately blank, the platform's or the buyer's turn
    return "WAIT_SOLUTION_TIMEOUT", _wire(case.modified + _RESPONSE_WINDOW)


def _reverse_status(case: _Case) -> tuple[str, str]:
    if case.open_plan is None:
        return _CLOSED_STATUS[case.outcome]
    return "processing", {
        "new": "wait_for_seller_response", "reopened": "wait_for_seller_response",
        "countered": "wait_for_buyer_response", "escalated": "wait_for_AE_feedback",
    }[case.open_plan.state]


def _processes(rng: random.Random, ids: _IdBook, case: _Case) -> list[dict[str, Any]]:
    processes = []
    for step in case.steps:
        process_id = ids.number(rng, 100_000_000_000, 999_999_999_999)
        at = _wire(step.at)
        processes.append({
            "action_type": step.action,
            "submit_member_type": step.member,
            "content": step.content,
            "receive_goods": case.scenario.family != "logistics",
            "attachments": [
                {"file_path": _image_url(rng), "owner": step.member, "issue_id": case.issue_id,
                 "issue_process_id": process_id, "gmt_create": at}
                for _ in range(step.attachments)
            ],
            "has_buyer_video": step.buyer_video,
            "has_seller_video": step.seller_video,
            "gmt_create": at,
            "issue_id": case.issue_id,
        })
    return processes


def _detail(rng: random.Random, ids: _IdBook, case: _Case, now: datetime) -> dict[str, Any]:
    amounts = _amounts(rng, case)
    _write_steps(rng, case, amounts)
    buyers, sellers, platforms = _solutions(rng, ids, case, amounts, now)
    issue_status, reverse = _reverse_status(case)
    timeout_type, trigger = _timer(case)
    currency = case.buyer.country.currency
    product = case.line.product
    returned = case.outcome == "return"
    return {
        "id": case.issue_id,
        "order_id": case.line.child_id,
        "parent_order_id": case.parent_id,
        "product_id": product.product_id,
        "product_name": product.name,
        "product_price": _usd(product.price_cents),
        "product_price_currency": "USD",
        "buyer_login_id": case.buyer.login_id,
        "issue_status": issue_status,
        "reverse_detail_status": reverse,
        "issue_reason": case.reason.english,
        "issue_reason_id": case.reason.reason_id,
        "refund_money_max": _usd(case.max_cents),
        "refund_money_max_currency": "USD",
        "refund_money_max_local": _local(case.max_cents, currency),
        "refund_money_max_local_currency": currency,
        "after_sale_warranty": case.after_sale_warranty,
        "buyer_return_no": _s10(rng, "C" + rng.choice("ABCDEFGHJ"), case.buyer.country.code)
        if returned else "",
        "buyer_return_logistics_company": case.buyer.country.post if returned else "",
        "buyer_return_logistics_lp_no": "LP" + _digits(rng, 14) if returned else "",
        "timeout_type": timeout_type,
        "timeout_trigger_time": trigger,
        "gmt_create": _wire(case.created),
        "buyer_solution_list": buyers,
        "seller_solution_list": sellers,
        "platform_solution_list": platforms,
        "process_dto_list": _processes(rng, ids, case),
    }


def _summary(case: _Case, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "issue_id": case.issue_id,
        "order_id": case.line.child_id,
        "parent_order_id": case.parent_id,
        "buyer_login_id": case.buyer.login_id,
        "issue_status": detail["issue_status"],
        "reason_chinese": case.reason.chinese,
        "reason_english": case.reason.english,
        "gmt_create": detail["gmt_create"],
        "gmt_modified": _wire(case.modified),
    }


def _order_state(case: _Case, now: datetime) -> tuple[str, str]:
    """(order_status, order_end_reason); end reasons as the platform spells them."""
    if case.open_plan is not None:
        return "IN_ISSUE", ""
    _, reverse = _CLOSED_STATUS[case.outcome]
    if case.outcome == "seller_timeout":
        return "FINISH", "seller_response_issue_timeout"
    if case.outcome == "return":
        return "FINISH", "seller_accept_issue_goods_return"  # [I] by analogy with the next one
    if reverse == "refund_success":
        return "FINISH", "seller_accept_issue_no_goods_return"
    shipment = case.shipment
    if shipment is not None and shipment.delivered is not None:
        return "FINISH", "buyer_accept_goods"
    if now - case.created < timedelta(days=45):
        return "WAIT_BUYER_ACCEPT_GOODS", ""  # still inside buyer protection
    return "FINISH", "buyer_accept_goods_timeout"


def _receipt(case: _Case) -> tuple[str, str]:
    """(receive_status, recv_status_desc) of the shipped parcel."""
    code = case.scenario.code
    if code == "delivered_disputed":
        return "suspected_received", "Carrier reports delivered; buyer disputes receipt"
    if case.scenario.family != "logistics":
        return "received", "Buyer received the goods"
    if code == "no_tracking":
        return "default", ""
    return "not_received", "Buyer has not received the goods"


def _logistics(case: _Case) -> list[dict[str, Any]]:
    shipment = case.shipment
    assert shipment is not None
    service = SERVICES[shipment.service]
    receive_status, receive_desc = _receipt(case)
    entries = [{
        "logistics_no": shipment.logistics_no,
        "logistics_service_name": service.name,
        "logistics_type_code": shipment.service,
        "gmt_send": _wire(shipment.shipped),
        "gmt_received": _wire(shipment.delivered) if shipment.delivered else "",
        "receive_status": receive_status,
        "recv_status_desc": receive_desc,
        # unregistered post: an acceptance scan at most, which is not tracking worth the name
        "have_tracking_info": bool(shipment.events)
        and service.kind is not ServiceKind.UNREGISTERED,
    }]
    if shipment.extra_no:  # declared on the consolidated order, never actually sent
        entries.append({
            "logistics_no": shipment.extra_no,
            "logistics_service_name": service.name,
            "logistics_type_code": shipment.service,
            "gmt_send": _wire(shipment.shipped),
            "gmt_received": "",
            "receive_status": "default",
            "recv_status_desc": "",
            "have_tracking_info": False,
        })
    return entries


def _order(case: _Case, detail: dict[str, Any], now: datetime) -> dict[str, Any]:
    shipment = case.shipment
    assert shipment is not None
    status, end_reason = _order_state(case, now)
    issue_state = "IN_ISSUE" if case.open_plan is not None else "END_ISSUE"
    total = sum(line.product.price_cents * line.count for line in case.lines) + case.freight_cents
    buyer = case.buyer
    refund_info: dict[str, Any] = {}
    if detail["reverse_detail_status"] in ("refund_success", "return_success"):
        reached = [s for key in ("buyer_solution_list", "seller_solution_list",
                                 "platform_solution_list") for s in detail[key]
                   if s["status"] == "reached"]
        refund_info = {
            "refund_status": "refund_ok",
            "refund_type": "issue_refund",
            "refund_reason": case.reason.english,
            "refund_cash_amt": {"amount": reached[0]["refund_money_post"], "currency_code": "USD"},
            "refund_coupon_amt": _money(0),
            "refund_time": _wire(case.modified),
        }
    children = [{
        "child_order_id": line.child_id,
        "product_id": line.product.product_id,
        "product_name": line.product.name,
        "product_count": line.count,
        "product_price": _money(line.product.price_cents),
        "sku_code": line.product.sku_code,
        "issue_status": issue_state if line is case.line else "NO_ISSUE",
        "order_status": status,
    } for line in case.lines]
    return {
        "id": case.parent_id,
        "order_status": status,
        "order_end_reason": end_reason,
        "issue_status": issue_state,
        "issue_info": {"issue_model": case.reason.model, "issue_status": issue_state,
                       "issue_time": _wire(case.created)},
        "logistic_info_list": _logistics(case),
        "order_amount": _money(total),
        "logistics_amount": _money(case.freight_cents),
        "pay_amount_by_settlement_cur": _usd(total),
        "refund_info": refund_info,
        "buyer_info": {"login_id": buyer.login_id, "first_name": buyer.first_name,
                       "last_name": buyer.last_name, "country": buyer.country.code},
        "receipt_address": {
            "contact_person": buyer.full_name, "country": buyer.country.code,
            "province": buyer.city.province, "city": buyer.city.name,
            "address": buyer.address, "zip": buyer.zip, "mobile_no": buyer.mobile,
        },
        "child_order_list": children,
        "gmt_create": _wire(shipment.placed),
        "gmt_modified": _wire(case.modified),
        "gmt_pay_success": _wire(shipment.paid),
    }


# ---------------------------------------------------------------------------------------------
# One store
# ---------------------------------------------------------------------------------------------


def _class_plan(rng: random.Random, profile: _StoreProfile, total: int | None) -> list[str]:
    """Truth codes of ``total`` disputes (default 240-320): every class at least 3 times, the
    rest by weight.

    Counts are the expected share jittered by +-15 % rather than drawn one by one, so the
    store keeps the shape sellers know (stalled parcels the commonest logistics case, misuse
    the commonest product case) whatever the seed.
    """
    mix = dict(profile.class_mix)
    codes = list(_SCENARIOS)
    weights = [_SCENARIOS[code].weight * mix.get(code, 1.0) for code in codes]
    size = rng.randint(240, 320)  # drawn even when the size is given: same draws after it
    rest = (size if total is None else total) - 3 * len(codes)
    counts = [round(rest * w / sum(weights) * rng.uniform(0.85, 1.15)) for w in weights]
    while sum(counts) != rest:  # settle rounding and jitter on randomly chosen classes
        i = rng.choices(range(len(codes)), weights=weights)[0]
        if sum(counts) < rest:
            counts[i] += 1
        elif counts[i] > 0:
            counts[i] -= 1
    plan = [code for code, n in zip(codes, counts, strict=True) for _ in range(3 + n)]
    rng.shuffle(plan)
    return plan


def _open_plans(rng: random.Random, count: int, scale: float) -> dict[int, _OpenPlan]:
    """Which disputes are open at ``now`` and how they stand.

    Most wait for the seller; a handful of those are due within 24 h and within 48 h, and a few
    come with a blank timer so clients must fall back to "last buyer change + 5 days". The
    counts are for a store of the reference size, multiplied by ``scale`` (1.0 by default, so
    nothing changes then), each at least one.
    """

    def scaled(n: int) -> int:
        return max(1, round(n * scale))

    n_open = scaled(rng.randint(38, 55))
    n_escalated = scaled(rng.randint(3, 5))
    n_countered = round(n_open * rng.uniform(0.18, 0.26))
    n_seller = n_open - n_escalated - n_countered
    due_24, due_48 = scaled(rng.randint(3, 5)), scaled(rng.randint(3, 5))
    due_24 = min(due_24, n_seller)  # only ever binds for the smallest stores
    due_48 = min(due_48, n_seller - due_24)
    n_blank = max(min(3, scaled(3)), round(n_seller / 10))
    remaining = ([rng.uniform(0.5, 23.5) for _ in range(due_24)]
                 + [rng.uniform(24.5, 47.5) for _ in range(due_48)]
                 + [rng.uniform(48.5, 119.0) for _ in range(n_seller - due_24 - due_48)])
    plans = [
        _OpenPlan("reopened" if rng.random() < 0.3 else "new", timedelta(hours=hours),
                  blank_timer=i >= len(remaining) - n_blank)
        for i, hours in enumerate(remaining)
    ]
    plans += [_OpenPlan("countered", timedelta(0), False) for _ in range(n_countered)]
    plans += [_OpenPlan("escalated", timedelta(0), False) for _ in range(n_escalated)]
    rng.shuffle(plans)
    return dict(zip(rng.sample(range(count), n_open), plans, strict=True))


def _assign_buyers(rng: random.Random, plan: list[str], pool: dict[str, list[_Buyer]],
                   serial: list[_Buyer]) -> list[_Buyer]:
    """A buyer per dispute: serial disputers on the suspicious classes, others by country."""
    chosen: dict[int, _Buyer] = {}
    for buyer in serial:
        code = _pick(rng, _SERIAL_CLASSES)
        free = [i for i, c in enumerate(plan) if c == code and i not in chosen]
        free = free or [i for i, c in enumerate(plan)
                        if i not in chosen and not _SCENARIOS[c].country_bias]
        chosen[rng.choice(free)] = buyer
    codes = [c.code for c in _COUNTRIES]
    buyers = []
    for index, code in enumerate(plan):
        if index in chosen:
            buyers.append(chosen[index])
            continue
        bias = dict(_SCENARIOS[code].country_bias)
        weights = [_COUNTRY[cc].weight * bias.get(cc, 1.0 if not bias else 0.3) for cc in codes]
        country = rng.choices(codes, weights=weights)[0]
        buyers.append(rng.choice(pool[country]))
    return buyers


def _pick_product(rng: random.Random, scenario: _Scenario,
                  products: tuple[_Product, ...]) -> _Product:
    def weight(product: _Product) -> float:
        w = product.popularity
        if scenario.route.startswith("customs"):
            w *= product.price_cents / 1000  # customs stop the dearer parcels
        if scenario.route == "returned_before_export" and product.battery:
            w *= 4  # batteries fail the export security check
        return w

    return rng.choices(products, weights=[weight(p) for p in products])[0]


def _parent_id(rng: random.Random) -> int:
    return int(rng.choice(("30", "81")) + _digits(rng, 14))


def _build_case(rng: random.Random, ids: _IdBook, store: DemoStore, code: str, buyer: _Buyer,
                open_plan: _OpenPlan | None, now: datetime) -> _Case:
    scenario = _SCENARIOS[code]
    products = _PRODUCTS[store.category]
    disputed = _pick_product(rng, scenario, products)
    others = rng.choices(products, k=_pick(rng, ((0, 75.0), (1, 20.0), (2, 5.0))))
    parent = ids.take(rng, _parent_id)
    lines = [_Line(ids.number(rng, parent + 1, parent + 90_000), product,
                   _pick(rng, ((1, 85.0), (2, 11.0), (3, 4.0))))
             for product in [disputed, *others]]
    if open_plan is not None:
        outcome, steps = open_plan.state, _open_steps(rng, open_plan, now)
    else:
        outcome = _pick(rng, scenario.outcomes)
        steps = _closed_steps(rng, scenario, outcome, now)
    return _Case(
        scenario=scenario,
        buyer=buyer,
        reason=_REASONS[_pick(rng, scenario.reasons)],
        issue_id=ids.number(rng, 800_000_000_000_000, 2_000_000_000_000_000),
        parent_id=parent,
        lines=lines,
        freight_cents=0 if rng.random() < 0.6 else rng.randint(99, 899),
        steps=steps,
        outcome=outcome,
        open_plan=open_plan,
        after_sale_warranty=scenario.family == "product" and rng.random() < 0.08,
    )


def _generate_store(store: DemoStore, seed: int, now: datetime, pool: dict[str, list[_Buyer]],
                    serial: list[_Buyer], ids: _IdBook, total: int | None) -> StoreDataset:
    rng = random.Random(f"{seed}:store:{store.store_id}")
    profile = _PROFILES[store.category]
    plan = _class_plan(rng, profile, total)
    scale = 1.0 if total is None else total / _REFERENCE_DISPUTES
    open_plans = _open_plans(rng, len(plan), scale)
    buyers = _assign_buyers(rng, plan, pool, serial)
    issues: list[IssueRecord] = []
    orders: dict[int, dict[str, Any]] = {}
    tracking: dict[str, list[dict[str, Any]]] = {}
    for index, (code, buyer) in enumerate(zip(plan, buyers, strict=True)):
        case = _build_case(rng, ids, store, code, buyer, open_plans.get(index), now)
        case.shipment = _ship(rng, ids, case, profile, now)
        detail = _detail(rng, ids, case, now)
        issues.append(IssueRecord(_summary(case, detail), detail, code))
        orders[case.parent_id] = _order(case, detail, now)
        tracking[case.shipment.logistics_no] = case.shipment.events
        if case.shipment.extra_no:
            tracking[case.shipment.extra_no] = []
    issues.sort(key=lambda record: (record.summary["gmt_create"], record.summary["issue_id"]),
                reverse=True)
    return StoreDataset(store, issues, orders, tracking)


# ---------------------------------------------------------------------------------------------
# Hostile text (tests only)
# ---------------------------------------------------------------------------------------------

# Where text the platform passes on from buyers (and carriers) lives in the wire shapes. Only
# string values change, so every answer keeps the shape reference/aliexpress-api.md gives.
BUYER_TEXT_FIELDS: Final[tuple[str, ...]] = (
    "buyer", "name", "message", "reason", "product", "carrier", "country", "attachment",
    "tracking",
)


def plant_buyer_text(dataset: StoreDataset, texts: Mapping[str, str], count: int = 3
                     ) -> list[int]:
    """Put ``texts`` (field -> text, fields from ``BUYER_TEXT_FIELDS``) into the ``count``
    newest open disputes of ``dataset``, in place; returns their issue ids.

    For tests that prove buyer-supplied text is shown as text: the buyer's login id, name
    and address, the opening message, the reason, the product title, the shipping service's
    name, the country, an attachment's URL and the parcel's tracking descriptions. Call it
    before the first sync (``gmt_modified`` is left alone, as a buyer's edit would not be).
    """
    unknown = set(texts) - set(BUYER_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown buyer text field(s) {sorted(unknown)}; known: "
                         f"{list(BUYER_TEXT_FIELDS)}")
    chosen = [r for r in dataset.issues if r.summary["issue_status"] == "processing"][:count]
    for record in chosen:
        detail, summary = record.detail, record.summary
        order = dataset.orders.get(detail["parent_order_id"])
        if "buyer" in texts:
            summary["buyer_login_id"] = detail["buyer_login_id"] = texts["buyer"]
            if order is not None:
                order["buyer_info"]["login_id"] = texts["buyer"]
        if "reason" in texts:
            summary["reason_english"] = detail["issue_reason"] = texts["reason"]
        if "product" in texts:
            detail["product_name"] = texts["product"]
        buyer_steps = [p for p in detail["process_dto_list"]
                       if p["submit_member_type"] == "buyer"]
        if "message" in texts:
            for process in buyer_steps[:1]:
                process["content"] = texts["message"]
        if "attachment" in texts:
            for process in buyer_steps[:1]:
                process["attachments"] = [*process["attachments"], {
                    "file_path": "https://ae01.alicdn.com/kf/" + texts["attachment"],
                    "owner": "buyer", "issue_id": detail["id"],
                    "issue_process_id": 100_000_000_001, "gmt_create": process["gmt_create"]}]
        if order is None:
            continue
        if "name" in texts:
            order["buyer_info"]["first_name"] = texts["name"]
            order["receipt_address"]["contact_person"] = texts["name"]
            order["receipt_address"]["address"] = texts["name"]
        if "country" in texts:
            order["buyer_info"]["country"] = texts["country"]
            order["receipt_address"]["country"] = texts["country"]
        for child in order["child_order_list"]:
            if "product" in texts and child["child_order_id"] == detail["order_id"]:
                child["product_name"] = texts["product"]
        for parcel in order["logistic_info_list"]:
            if "carrier" in texts:
                parcel["logistics_service_name"] = texts["carrier"]
            if "tracking" in texts:
                for event in dataset.tracking.get(parcel["logistics_no"], []):
                    event["event_desc"] = event["address"] = texts["tracking"]
    return [int(r.summary["issue_id"]) for r in chosen]
