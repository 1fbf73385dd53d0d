"""Shipping services and what kind of logistics each one is.

The kind decides a lot in a logistics dispute: unregistered post has no tracking worth the
name, registered post has tracking but the seller carries the risk, and the platform's own
online logistics has its logistics disputes handled (and exempted) by AliExpress.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ServiceKind(StrEnum):
    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    PLATFORM = "platform"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ShippingService:
    code: str  # the platform's logistics service key (``logistics_type_code``)
    name: str  # what the seller sees (``logistics_service_name``)
    carrier: str  # who actually moves the parcel
    kind: ServiceKind


SERVICES: dict[str, ShippingService] = {
    s.code: s
    for s in (
        ShippingService(
            "CAINIAO_STANDARD", "AliExpress Standard Shipping", "Cainiao", ServiceKind.PLATFORM
        ),
        ShippingService(
            "CAINIAO_ECONOMY", "Cainiao Super Economy Global", "Cainiao", ServiceKind.PLATFORM
        ),
        ShippingService(
            "AE_SELECTION_STANDARD", "AliExpress Selection Standard", "Cainiao",
            ServiceKind.PLATFORM,
        ),
        ShippingService("CPAM", "China Post Registered Air Mail", "China Post",
                        ServiceKind.REGISTERED),
        ShippingService("YANWEN_JYT", "Yanwen Special Line-YW", "Yanwen", ServiceKind.REGISTERED),
        ShippingService("YUNEXPRESS", "YunExpress Global Direct line", "YunExpress",
                        ServiceKind.REGISTERED),
        ShippingService("4PX_RM", "4PX Singapore Post OM Pro", "4PX", ServiceKind.REGISTERED),
        ShippingService("EMS", "EMS", "China Post EMS", ServiceKind.REGISTERED),
        ShippingService("CPAP", "China Post Ordinary Small Packet Plus", "China Post",
                        ServiceKind.UNREGISTERED),
        ShippingService("YANWEN_AM", "Yanwen Economic Air Mail", "Yanwen",
                        ServiceKind.UNREGISTERED),
        ShippingService("SUNYOU_ECONOMY", "SunYou Economic Air Mail", "SunYou",
                        ServiceKind.UNREGISTERED),
    )
}


def service_for(code: str | None, name: str | None = None) -> ShippingService:
    """Look a service up by its key, else by its display name; unknown services are kept.

    A service disputekit has never heard of is not an error: the seller may use a new line.
    It is reported as ``ServiceKind.UNKNOWN`` so reports show it rather than guess.

    >>> service_for("CPAM").kind, service_for(None, "yanwen economic air mail").code
    (<ServiceKind.REGISTERED: 'registered'>, 'YANWEN_AM')
    >>> service_for("NEW_LINE_2027").kind
    <ServiceKind.UNKNOWN: 'unknown'>
    """
    if code and code in SERVICES:
        return SERVICES[code]
    if name:
        for service in SERVICES.values():
            if service.name.lower() == name.strip().lower():
                return service
    return ShippingService(code or "", name or code or "unknown", name or code or "unknown",
                           ServiceKind.UNKNOWN)
