"""17TRACK Tracking API v2.2 client (httpx) and webhook receiver.

Reference: reference/tracking-api.md §1. Every endpoint is a JSON ``POST`` with the
``17token`` header; batch endpoints take at most 40 numbers, so this client splits longer
lists. A request-level failure (non-zero top-level ``code``, HTTP 401/404/429/5xx) raises a
``TrackingError``; per-number failures come back as ``Rejection`` values in the result,
each with what the code means and how to fix it.

Registration is the only call that costs quota (1 per number + carrier), so a
``RegistrationLedger`` remembers what was registered and ``register`` never sends the same
pair twice; after a registration the client reads the quota and warns (log + result) when it
runs low::

    client = SeventeenTrackClient(os.environ["DISPUTEKIT_17TRACK_KEY"])
    result = client.register(["LP00012345678901", "RR123456789CN"])
    timelines, rejected = client.timelines(result.numbers)

Pushes: ``webhook_endpoint(key, on_event)`` is a Starlette endpoint to mount at the URL set
in the 17TRACK dashboard; it checks the ``sign`` header (``sha256(body + "/" + key)``, §1.6).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from disputekit.domain.tracking import Timeline, from_17track
from disputekit.errors import (
    MalformedPayloadError,
    TrackingAuthError,
    TrackingError,
    TrackingRateLimitedError,
    TrackingRequestError,
    TrackingUnavailableError,
    WebhookSignatureError,
)
from disputekit.wire import decoding

__all__ = [
    "DEFAULT_BASE_URL",
    "ERROR_CODES",
    "MAX_BATCH",
    "BatchResult",
    "ErrorCode",
    "InMemoryLedger",
    "Quota",
    "RegisterResult",
    "RegistrationLedger",
    "Rejection",
    "RetryPolicy",
    "SeventeenTrackClient",
    "describe",
    "verify_webhook",
    "webhook_endpoint",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.17track.net/track/v2.2"
MAX_BATCH: Final = 40  # numbers per call on every batch endpoint (§1.1, V)

TrackItem = str | Mapping[str, Any]

# ---------------------------------------------------------------------------------------------
# Error codes (§1.7): what each means and what to do about it
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCode:
    meaning: str
    fix: str
    retry: bool = False  # worth sending again unchanged, later


_CARRIER_FIX: Final = "check the carrier keys against 17TRACK's carrier list (apicarrier.all.json)"

ERROR_CODES: Final[dict[int, ErrorCode]] = {
    -18010001: ErrorCode("this IP address is not in the key's whitelist",
                         "add this machine's public IP in the 17TRACK API dashboard, or clear "
                         "the whitelist"),
    -18010002: ErrorCode("invalid security key",
                         "copy the key again from the 17TRACK API dashboard (a rotated key "
                         "replaces the old one within 5 minutes)"),
    -18010003: ErrorCode("17TRACK internal service error", "retry later", retry=True),
    -18010004: ErrorCode("the 17TRACK account is disabled", "contact 17TRACK support"),
    -18010005: ErrorCode("unauthorized access", "check the key and that the account has "
                         "access to this API"),
    -18010010: ErrorCode("a required field is missing", "send the field the message names"),
    -18010011: ErrorCode("a field's value is invalid", "correct the value the message names"),
    -18010012: ErrorCode("the format of the tracking number is invalid",
                         "check the number (5-50 letters and digits) for typos or spaces"),
    -18010013: ErrorCode("the submitted data is invalid",
                         "send a JSON array of items (an object for getquota)"),
    -18010014: ErrorCode("more than 40 numbers in one call",
                         "split the list into batches of at most 40"),
    -18010015: ErrorCode("a field's value is invalid", "correct the value the message names"),
    -18010016: ErrorCode("a last-mile carrier can only be set for postal services",
                         "drop final_carrier, or register with the postal carrier"),
    -18010018: ErrorCode("this carrier needs the destination country and postal code",
                         "register again with param set to 'CC-postcode'"),
    -18010019: ErrorCode("this carrier needs the recipient's postal code",
                         "register again with param set to the postal code"),
    -18010020: ErrorCode("this carrier needs the recipient's phone number",
                         "register again with param set to the phone number"),
    -18010022: ErrorCode("this carrier needs additional information",
                         "register again with param set to what the message asks for"),
    -18010201: ErrorCode("a webhook URL is required", "set the WebHook URL in the dashboard"),
    -18010202: ErrorCode("the webhook URL format is wrong",
                         "use a full https:// URL in the dashboard settings"),
    -18010203: ErrorCode("the webhook test failed",
                         "make the endpoint answer 200 to a signed POST, then test again"),
    -18010204: ErrorCode("no webhook URL is set, so nothing can be pushed",
                         "set the WebHook URL in the dashboard, or poll gettrackinfo"),
    -18010205: ErrorCode("incorrect IP format", "fix the whitelist entry in the dashboard"),
    -18010206: ErrorCode("the push failed", "retry the push later", retry=True),
    -18019801: ErrorCode("the old carrier is required", "send carrier_old with the change"),
    -18019802: ErrorCode("the new carrier is incorrect", _CARRIER_FIX),
    -18019803: ErrorCode("the new carrier is the same as the old one",
                         "nothing to change; pick a different carrier_new"),
    -18019804: ErrorCode("the new carrier is required", "send carrier_new with the change"),
    -18019805: ErrorCode("the old carrier does not match the registration",
                         "send the carrier the number is registered with as carrier_old"),
    -18019806: ErrorCode("the carrier of a stopped number cannot be changed",
                         "retrack the number first, then change its carrier"),
    -18019807: ErrorCode("the carrier was already changed 5 times",
                         "delete and register the number again (costs 1 quota)"),
    -18019808: ErrorCode("a previous carrier change is still being processed",
                         "wait a few minutes, then try again", retry=True),
    -18019809: ErrorCode("the same change was already requested", "nothing to do"),
    -18019810: ErrorCode("the update matches more than one registration",
                         "add the carrier to say which registration to update"),
    -18019811: ErrorCode("the update data is invalid", "correct the fields sent in items"),
    -18019815: ErrorCode("real-time query: the carrier timed out", "retry later", retry=True),
    -18019816: ErrorCode("real-time query: the carrier answered with an error",
                         "retry later", retry=True),
    -18019817: ErrorCode("real-time query: the charge was not processed",
                         "check the account balance, then retry"),
    -18019818: ErrorCode("real-time query: this carrier is not supported",
                         "use register + gettrackinfo for this carrier"),
    -18019901: ErrorCode("the number is already registered",
                         "nothing to do: read it with gettrackinfo"),
    -18019902: ErrorCode("the number is not registered", "register it first"),
    -18019903: ErrorCode("the carrier cannot be detected from the number",
                         "register again with the carrier's 17TRACK key"),
    -18019904: ErrorCode("only stopped numbers can be retracked",
                         "nothing to do: the number is still being tracked"),
    -18019905: ErrorCode("a number can be retracked only once",
                         "delete and register the number again (costs 1 quota)"),
    -18019906: ErrorCode("only numbers being tracked can be stopped",
                         "nothing to do: the number is already stopped"),
    -18019907: ErrorCode("the daily registration limit (max_track_daily) is reached",
                         "register the rest tomorrow, or raise the limit in the dashboard",
                         retry=True),
    -18019908: ErrorCode("the tracking quota is used up",
                         "buy more quota, or wait for the monthly reset on the 1st"),
    -18019909: ErrorCode("no tracking information yet",
                         "ask again later; 17TRACK polls the carrier every 6-12 hours",
                         retry=True),
    -18019910: ErrorCode("incorrect carrier code", _CARRIER_FIX),
    -18019911: ErrorCode("this carrier cannot be registered",
                         "track the number with its last-mile carrier, or another source"),
    -18019912: ErrorCode("no permission for the real-time API",
                         "use register + gettrackinfo, or upgrade the plan"),
}
_UNKNOWN_CODE: Final = ErrorCode("an error code this client does not know",
                                 "see 17TRACK's error table (help.17track.net, Error Codes)")
_AUTH_CODES: Final = frozenset({-18010001, -18010002, -18010004, -18010005})
_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})


def describe(code: int) -> ErrorCode:
    return ERROR_CODES.get(code, _UNKNOWN_CODE)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """One number 17TRACK turned down, with its code; ``fix`` says what to do."""

    number: str
    carrier: int | None
    code: int
    message: str
    tag: str = ""

    @property
    def meaning(self) -> str:
        return describe(self.code).meaning

    @property
    def fix(self) -> str:
        return describe(self.code).fix

    @property
    def retryable(self) -> bool:
        return describe(self.code).retry

    def __str__(self) -> str:
        return f"{self.number}: 17TRACK {self.code} ({self.message or self.meaning}); {self.fix}"


@dataclass(frozen=True)
class BatchResult:
    """Everything the batches of one call accepted and rejected, in request order."""

    accepted: tuple[dict[str, Any], ...] = ()
    rejected: tuple[Rejection, ...] = ()
    calls: int = 0  # HTTP requests that reached 17TRACK (one per batch, plus retries)

    @property
    def numbers(self) -> list[str]:
        return [str(item.get("number", "")) for item in self.accepted]


@dataclass(frozen=True)
class Quota:
    total: int
    used: int
    remain: int
    today_used: int
    max_track_daily: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Quota:
        def number(key: str) -> int:
            value = data.get(key, data.get(f"{key} "))  # doc examples carry trailing spaces
            try:
                return int(value or 0)
            except (TypeError, ValueError, OverflowError) as exc:  # inf is a JSON float too
                raise MalformedPayloadError(
                    f"getquota field {key!r} should be a number, got {value!r}") from exc

        return cls(number("quota_total"), number("quota_used"), number("quota_remain"),
                   number("today_used"), number("max_track_daily"))


@dataclass(frozen=True)
class RegisterResult(BatchResult):
    skipped: tuple[str, ...] = ()  # already registered per the ledger: not sent, no quota spent
    quota: Quota | None = None  # read after registering
    quota_low: bool = False

    @property
    def already_registered(self) -> tuple[Rejection, ...]:
        return tuple(r for r in self.rejected if r.code == -18019901)


# ---------------------------------------------------------------------------------------------
# Registration ledger
# ---------------------------------------------------------------------------------------------

UNKNOWN_CARRIER: Final = 0  # a registration whose carrier 17TRACK did not tell us


class RegistrationLedger(Protocol):
    """What has been registered with 17TRACK, so no (number, carrier) is paid for twice."""

    def carriers(self, number: str) -> set[int]:
        """Carrier keys ``number`` is registered with (0 = registered, carrier unknown)."""
        ...

    def record(self, number: str, carrier: int) -> None: ...

    def forget(self, number: str, carrier: int) -> None: ...


@dataclass
class InMemoryLedger:
    """The default ledger: forgets everything when the process ends."""

    entries: dict[str, set[int]] = field(default_factory=dict)

    def carriers(self, number: str) -> set[int]:
        return set(self.entries.get(number, ()))

    def record(self, number: str, carrier: int) -> None:
        self.entries.setdefault(number, set()).add(carrier)

    def forget(self, number: str, carrier: int) -> None:
        self.entries.get(number, set()).discard(carrier)


# ---------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off for HTTP 429/5xx, ``-18010003`` and network failures; never for 401.

    Exponential (1, 2, 4, 8 s...) because the limit is per second (about 3 requests a second
    per key, §1.1) and 17TRACK's own advice is "retry with backoff" (§7); a ``Retry-After``
    header, when 17TRACK sends one, is honoured if longer.
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        wait = self.base_delay * 2.0 ** (attempt - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _chunks(items: Sequence[dict[str, Any]], size: int = MAX_BATCH
            ) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _carrier_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


class SeventeenTrackClient:
    """A 17TRACK v2.2 API key's connection.

    ``http`` lets callers pass their own ``httpx.Client`` (proxy, tests); ``sleep`` and
    ``clock`` exist so tests can run back-off and pacing without waiting. ``rate_per_second``
    paces requests below 17TRACK's limit (None: no pacing, 429s are handled by back-off).
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.Client | None = None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rate_per_second: float | None = 3.0,
        ledger: RegistrationLedger | None = None,
        quota_warning_at: int = 10,
        timeout: float = 30.0,
    ) -> None:
        if not api_key:
            raise TrackingAuthError(
                "no 17TRACK API key given; copy it from the 17TRACK API dashboard into the "
                "environment variable your parameters name, and pass it here")
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self._last_request: float | None = None
        self.ledger: RegistrationLedger = ledger if ledger is not None else InMemoryLedger()
        self.quota_warning_at = quota_warning_at

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SeventeenTrackClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- endpoints ---------------------------------------------------------------------------

    def register(self, items: Iterable[TrackItem], *, carrier: int | None = None,
                 ) -> RegisterResult:
        """Register numbers for tracking (1 quota each); never the same (number, carrier) twice.

        A number given without a carrier is skipped when the ledger has it under any carrier
        (17TRACK would detect the same one). ``-18019901`` rejections are recorded in the
        ledger too: the number *is* registered, just not by us.
        """
        wanted: list[dict[str, Any]] = []
        skipped: list[str] = []
        planned: set[tuple[str, int | None]] = set()
        for item in self._items(items, carrier):
            number, item_carrier = item["number"], _carrier_of(item.get("carrier"))
            known = self.ledger.carriers(number)
            if ((item_carrier is None and known) or item_carrier in known
                    or (number, item_carrier) in planned):
                skipped.append(number)
                continue
            planned.add((number, item_carrier))
            wanted.append(item)
        batch = self._batched("register", wanted)
        asked = {item["number"]: _carrier_of(item.get("carrier")) for item in wanted}
        for accepted in batch.accepted:
            number = str(accepted.get("number", ""))
            self.ledger.record(number, _carrier_of(accepted.get("carrier"))
                               or asked.get(number) or UNKNOWN_CARRIER)
        for rejection in batch.rejected:
            if rejection.code == -18019901:
                carrier_key = rejection.carrier or asked.get(rejection.number)
                self.ledger.record(rejection.number, carrier_key or UNKNOWN_CARRIER)
        quota: Quota | None = None
        spent = batch.accepted or any(r.code in (-18019907, -18019908) for r in batch.rejected)
        if spent:
            quota = self.getquota()
        return RegisterResult(accepted=batch.accepted, rejected=batch.rejected,
                              calls=batch.calls + (1 if spent else 0), skipped=tuple(skipped),
                              quota=quota, quota_low=quota is not None and self._low(quota))

    def gettrackinfo(self, items: Iterable[TrackItem], *, carrier: int | None = None
                     ) -> BatchResult:
        """Tracking of registered numbers (free; only the rate limit applies)."""
        return self._batched("gettrackinfo", self._items(items, carrier))

    def timelines(self, items: Iterable[TrackItem], *, carrier: int | None = None
                  ) -> tuple[dict[str, Timeline], tuple[Rejection, ...]]:
        """``gettrackinfo`` read into one ``Timeline`` per accepted number."""
        result = self.gettrackinfo(items, carrier=carrier)
        timelines = {str(item.get("number", "")): from_17track(item) for item in result.accepted}
        return timelines, result.rejected

    def stoptrack(self, items: Iterable[TrackItem], *, carrier: int | None = None
                  ) -> BatchResult:
        return self._batched("stoptrack", self._items(items, carrier))

    def retrack(self, items: Iterable[TrackItem], *, carrier: int | None = None) -> BatchResult:
        """Restart a stopped number (the first retrack is free; a second is refused)."""
        return self._batched("retrack", self._items(items, carrier))

    def deletetrack(self, items: Iterable[TrackItem], *, carrier: int | None = None
                    ) -> BatchResult:
        """Delete registrations; registering the number again costs quota again."""
        asked = self._items(items, carrier)
        result = self._batched("deletetrack", asked)
        for accepted in result.accepted:
            number = str(accepted.get("number", ""))
            for key in self.ledger.carriers(number):
                wanted = _carrier_of(accepted.get("carrier"))
                if wanted is None or key in (wanted, UNKNOWN_CARRIER):
                    self.ledger.forget(number, key)
        return result

    def changecarrier(self, changes: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Correct a registration's carrier: items ``{number, carrier_old, carrier_new}``.

        Up to 5 changes per number are free (§1.3); the ledger follows accepted changes.
        """
        items = [dict(change) for change in changes]
        for item in items:
            if not str(item.get("number", "")).strip():
                raise TrackingRequestError(
                    "every carrier change needs a number, carrier_old and carrier_new",
                    endpoint="changecarrier")
        result = self._batched("changecarrier", items)
        asked = {str(item["number"]).strip(): item for item in items}
        for accepted in result.accepted:
            number = str(accepted.get("number", ""))
            item = asked.get(number, {})
            old, new = _carrier_of(item.get("carrier_old")), _carrier_of(item.get("carrier_new"))
            if old is not None:
                self.ledger.forget(number, old)
            if new is not None:
                self.ledger.record(number, new)
        return result

    def getquota(self) -> Quota:
        """The key's quota; logs a warning when fewer than ``quota_warning_at`` remain."""
        data = self._post("getquota", {})
        quota = Quota.from_wire(data)
        self._low(quota)
        return quota

    # -- plumbing ----------------------------------------------------------------------------

    def _low(self, quota: Quota) -> bool:
        low = quota.remain <= self.quota_warning_at
        if low:
            log.warning(
                "17TRACK quota is running low: %d of %d left (%d used today); each new number "
                "costs 1. Buy more quota or wait for the monthly reset on the 1st.",
                quota.remain, quota.total, quota.today_used)
        return low

    @staticmethod
    def _items(items: Iterable[TrackItem], carrier: int | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in items:
            entry: dict[str, Any] = {"number": item} if isinstance(item, str) else dict(item)
            entry["number"] = str(entry.get("number", "")).strip()
            if carrier is not None and "carrier" not in entry:
                entry["carrier"] = carrier
            out.append(entry)
        return out

    def _batched(self, endpoint: str, items: Sequence[dict[str, Any]]) -> BatchResult:
        accepted: list[dict[str, Any]] = []
        rejected: list[Rejection] = []
        calls = 0
        for chunk in _chunks(items):
            data = self._post(endpoint, chunk)
            calls += 1
            for key in ("accepted", "rejected"):
                if not isinstance(data.get(key) or [], list):
                    raise MalformedPayloadError(
                        f"17TRACK's answer to {endpoint}: data.{key} is not a list "
                        f"({str(data.get(key))[:80]}); if this persists, report it")
            accepted.extend(dict(a) for a in data.get("accepted") or [] if isinstance(a, Mapping))
            rejected.extend(self._rejection(r) for r in data.get("rejected") or []
                            if isinstance(r, Mapping))
        return BatchResult(tuple(accepted), tuple(rejected), calls)

    @staticmethod
    def _rejection(raw: Mapping[str, Any]) -> Rejection:
        error = raw.get("error")
        if not isinstance(error, Mapping):
            error = {}
        try:
            code = int(error.get("code", 0))
        except (TypeError, ValueError, OverflowError):  # inf parses from JSON
            code = 0
        return Rejection(number=str(raw.get("number", "")), carrier=_carrier_of(raw.get("carrier")),
                         code=code, message=decoding.printable(error.get("message") or ""),
                         tag=str(raw.get("tag") or ""))

    def _pace(self) -> None:
        if self._interval and self._last_request is not None:
            wait = self._last_request + self._interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request = self._clock()

    def _post(self, endpoint: str, body: Any) -> dict[str, Any]:
        """One request with back-off; returns the envelope's ``data`` or raises."""
        attempts = max(1, self._retry.attempts)
        for attempt in range(1, attempts + 1):
            self._pace()
            try:
                response = self._http.post(
                    f"{self._base}/{endpoint}", json=body,
                    headers={"17token": self._key, "Content-Type": "application/json"})
            except httpx.TransportError as exc:
                failure: TrackingError = TrackingUnavailableError(
                    f"17TRACK could not be reached at {self._base} ({exc.__class__.__name__}); "
                    "check the network and base_url, then retry", endpoint=endpoint)
                retry_after = None
            else:
                outcome = self._read(endpoint, response)
                if isinstance(outcome, dict):
                    return outcome
                failure, retry_after = outcome, _retry_after(response)
            if not failure.transient or attempt == attempts:
                raise failure
            wait = self._retry.delay(attempt, retry_after)
            log.info("17TRACK %s: %s; retrying in %.1f s", endpoint, failure, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, endpoint: str, response: httpx.Response) -> dict[str, Any] | TrackingError:
        status = response.status_code
        envelope: Any
        try:
            envelope = decoding.loads(response.content, f"17TRACK {endpoint}")
        except (ValueError, MalformedPayloadError):  # not JSON, too deep, a number too long
            envelope = None
        code, message = _envelope_error(envelope)
        if status == 401 or code in _AUTH_CODES:
            info = describe(code if code in _AUTH_CODES else -18010002)
            return TrackingAuthError(f"17TRACK refused the key ({info.meaning}); {info.fix}",
                                     code=code, status=status, endpoint=endpoint)
        if status == 429:
            return TrackingRateLimitedError(
                f"17TRACK answered HTTP 429 to {endpoint} on every retry: more than its limit "
                "(about 3 requests a second per key); lower rate_per_second or try later",
                code=code, status=status, endpoint=endpoint)
        if status in _RETRY_STATUSES or code == -18010003:
            return TrackingUnavailableError(
                f"17TRACK failed on its side (HTTP {status}, code {code}); retry later",
                code=code, status=status, endpoint=endpoint)
        if status == 404:
            return TrackingRequestError(
                f"17TRACK has no endpoint {response.request.url}; base_url should end in "
                "/track/v2.2", status=status, endpoint=endpoint)
        if status != 200 or not isinstance(envelope, Mapping):
            return TrackingRequestError(
                f"17TRACK answered HTTP {status} to {endpoint} without a JSON envelope; "
                "check base_url", status=status, endpoint=endpoint)
        if code:
            info = describe(code)
            return TrackingRequestError(
                f"17TRACK refused {endpoint}: {code} ({message or info.meaning}); {info.fix}",
                code=code, status=status, endpoint=endpoint)
        data = envelope.get("data")
        if not isinstance(data, Mapping):
            raise MalformedPayloadError(
                f"17TRACK's answer to {endpoint} has no 'data' object: {str(envelope)[:200]}")
        return dict(data)


def _envelope_error(envelope: Any) -> tuple[int, str]:
    """(code, message) of a request-level failure; (0, "") when the request was processed."""
    if not isinstance(envelope, Mapping):
        return 0, ""
    try:
        code = int(envelope.get("code") or 0)
    except (TypeError, ValueError, OverflowError):  # inf parses from JSON
        code = 0
    data = envelope.get("data")
    errors = data.get("errors") if isinstance(data, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else {}
    if isinstance(first, Mapping):
        if not code:
            try:
                code = int(first.get("code") or 0)
            except (TypeError, ValueError, OverflowError):
                code = 0
        return code, decoding.printable(first.get("message") or "")
    return code, ""


# ---------------------------------------------------------------------------------------------
# Webhook
# ---------------------------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify_webhook(body: bytes, headers: Mapping[str, str], api_key: str) -> dict[str, Any]:
    """The push's JSON if its ``sign`` header is ``sha256(body + "/" + key)`` (hex), else raise.

    Check the raw bytes as received: re-serialised JSON would not hash the same.
    """
    sign = _header(headers, "sign")
    if not sign:
        raise WebhookSignatureError(
            "17TRACK push without a 'sign' header; only accept pushes from 17TRACK, and "
            "check that no proxy strips headers", endpoint="webhook")
    expected = hashlib.sha256(body + b"/" + api_key.encode()).hexdigest()
    if not hmac.compare_digest(expected, sign.strip().lower()):
        raise WebhookSignatureError(
            "17TRACK push whose 'sign' does not match its body: either it was not sent by "
            "17TRACK, the body was changed on the way, or the API key here is not the key of "
            "the account that pushed it", endpoint="webhook")
    try:
        payload = decoding.loads(body, "17TRACK push")
    except ValueError as exc:
        raise MalformedPayloadError("17TRACK push body is not JSON") from exc
    if not isinstance(payload, dict) or "event" not in payload or "data" not in payload:
        raise MalformedPayloadError(
            "17TRACK push should be {'event': ..., 'data': {...}} (reference §1.6)")
    return payload


def webhook_endpoint(api_key: str, on_event: Callable[[dict[str, Any]], None]
                     ) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint for 17TRACK pushes; mount it at the dashboard's WebHook URL::

        Route("/17track/push", webhook_endpoint(key, handle), methods=["POST"])

    Answers 401 to an unsigned or mis-signed push and 400 to a malformed one, without calling
    ``on_event``. An exception in ``on_event`` propagates (HTTP 500), so 17TRACK sees the push
    as failed rather than as delivered.
    """

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        try:
            payload = verify_webhook(body, request.headers, api_key)
        except WebhookSignatureError as exc:
            return JSONResponse({"code": 401, "message": str(exc)}, status_code=401)
        except MalformedPayloadError as exc:
            return JSONResponse({"code": 400, "message": str(exc)}, status_code=400)
        on_event(payload)
        return JSONResponse({"code": 0})

    return endpoint
