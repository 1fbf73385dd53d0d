"""Request signing for the AliExpress Open Platform (pure functions, no I/O).

Two families, both accepted on ``/sync`` (reference §2):

* IOP (current): ``HMAC-SHA256(app_secret, [api_path] + k1v1k2v2...)``, upper-case hex,
  ``sign_method=sha256``. The API path is prefixed only for path-style APIs such as
  ``/auth/token/refresh``; dotted ``/sync`` methods are signed without a prefix.
* TOP (classic): ``md5`` = ``MD5(secret + k1v1... + secret)``; ``hmac`` = HMAC-MD5;
  ``hmac-sha256`` = HMAC-SHA256; never any path prefix.

Parameters are sorted by byte order, values are not URL-encoded, ``sign`` itself and file
parameters are left out, and empty values are dropped (the Java SDK's ``areNotEmpty``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum


class SignMethod(StrEnum):
    SHA256 = "sha256"  # IOP, the SDK default today
    MD5 = "md5"  # TOP
    HMAC = "hmac"  # TOP, HMAC-MD5
    HMAC_SHA256 = "hmac-sha256"  # TOP


# Spellings the Java SDK also knows; the gateway treats them as their canonical method.
_ALIASES = {"hmacsha256": SignMethod.SHA256, "hmacmd5": SignMethod.HMAC}

# Never part of the signed string.
UNSIGNED_PARAMS = frozenset({"sign", "image_bytes"})


def sign_method_from(value: str) -> SignMethod:
    """Map a ``sign_method`` value from the wire to a ``SignMethod``; ``ValueError`` if unknown."""
    lowered = value.strip().lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    return SignMethod(lowered)


def canonical_string(params: Mapping[str, object], api_path: str = "") -> str:
    """The string that gets signed: optional API path, then sorted ``keyvalue`` pairs."""
    pairs = sorted(
        (key, str(value))
        for key, value in params.items()
        if key not in UNSIGNED_PARAMS and value is not None and str(value) != ""
    )
    return api_path + "".join(f"{key}{value}" for key, value in pairs)


def sign(
    params: Mapping[str, object],
    secret: str,
    method: SignMethod | str = SignMethod.SHA256,
    api_name: str = "",
) -> str:
    """Sign ``params`` with ``secret``; ``api_name`` matters only for path-style IOP APIs.

    >>> sign({"access_token": "test", "app_key": "123456", "order_id": "1234",
    ...       "sign_method": "sha256", "timestamp": "1517820392000"},
    ...      "helloworld", "sha256", api_name="/order/get")[:16]
    '4190D32361CFB958'
    """
    method = sign_method_from(str(method))
    key = secret.encode("utf-8")
    if method is SignMethod.SHA256:
        prefix = api_name if "/" in api_name else ""
        message = canonical_string(params, prefix).encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).hexdigest().upper()
    message = canonical_string(params).encode("utf-8")
    if method is SignMethod.MD5:
        return hashlib.md5(key + message + key).hexdigest().upper()
    if method is SignMethod.HMAC:
        return hmac.new(key, message, hashlib.md5).hexdigest().upper()
    return hmac.new(key, message, hashlib.sha256).hexdigest().upper()


def verify(
    params: Mapping[str, object], secret: str, api_name: str = ""
) -> bool:
    """True when ``params['sign']`` matches, using the ``sign_method`` the caller declared."""
    given = str(params.get("sign", ""))
    try:
        method = sign_method_from(str(params.get("sign_method", "")))
    except ValueError:
        return False
    expected = sign(params, secret, method, api_name)
    return hmac.compare_digest(given.upper(), expected)
