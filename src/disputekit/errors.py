"""Every error disputekit raises, in one tree.

::

    DisputeKitError
    ├── ConfigError                  a parameters file or the environment is wrong
    │   ├── ParametersError          parameters/<store>.yaml is invalid
    │   ├── UnknownStoreError        no parameters/<store>.yaml for that store id
    │   ├── MissingCredentialError   an environment variable named by a store is unset
    │   ├── TemplateError            a reply template or a store's override of one is wrong
    │   └── PolicyError              a what-if policy file is invalid (class, action, share)
    ├── PlatformError                the AliExpress gateway answered with ``error_response``
    │   ├── SignatureError           IncompleteSignature / code 25: wrong app secret or signing
    │   ├── AccessTokenError         IllegalAccessToken / codes 26-27: token missing or expired
    │   ├── RateLimitedError         ApiCallLimit / code 7: too many calls, retry later
    │   ├── PlatformUnavailableError code 10, 15 with isp.*, UnknownRuntimeException: retry later
    │   └── InvalidRequestError      any other caller-side code (bad arguments, method, app key)
    ├── PlatformUnreachableError     no answer at all: connection refused, timeout, DNS
    ├── MalformedPayloadError        an answer that does not have the documented shape
    │   └── TruncatedResponseError   not even complete JSON: retried as transient
    ├── ActionError                  an operator action refused before sending, or unsettled
    ├── TriageInputError             a triage input line is not in the documented format
    ├── RunError                     a scheduled store run failed
    ├── TrackingError                17TRACK refused a request, or a push was not genuine
    │   ├── TrackingAuthError        HTTP 401 / -18010001/2/4/5: wrong key, IP whitelist, account
    │   ├── TrackingRateLimitedError HTTP 429 on every retry: more than ~3 requests a second
    │   ├── TrackingUnavailableError HTTP 500/503, -18010003 or no answer: retry later
    │   ├── TrackingRequestError     any other request-level code (bad body, >40 numbers, URL)
    │   └── WebhookSignatureError    a push whose ``sign`` header does not match its body
    ├── ClaimError                   an illegal carrier-claim step (third attempt, late appeal)
    ├── EvidenceError                an evidence file refused (type, size, name) or unreadable
    ├── FileWriteError               a report, notebook, page or output file could not be
    │                                written (disk full, no permission); the previous kept
    └── StorageError                 the database refused a read or write (locked past the
                                     busy timeout, unreachable, disk full); nothing half-written

Notebooks and the CLI catch ``DisputeKitError`` only; each message says how to fix the problem.
"""

from __future__ import annotations


class DisputeKitError(Exception):
    """Base class of every error disputekit raises on purpose."""


class ConfigError(DisputeKitError):
    """The configuration (parameters files or environment) is wrong."""


class ParametersError(ConfigError):
    """A ``parameters/<store>.yaml`` file is missing a field, has an unknown key or a bad value."""


class UnknownStoreError(ConfigError):
    """A store id was asked for that has no parameters file."""


class MissingCredentialError(ConfigError):
    """An environment variable that a store's parameters name is not set."""


class PolicyError(ConfigError):
    """A what-if policy file (``disputekit whatif --policy``) has an unknown class or action,
    or a share outside 0..1."""


class PlatformError(DisputeKitError):
    """The platform answered with an ``error_response``.

    Carries the platform's own fields so an operator (or a support ticket) can quote them.
    """

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str,
        code: str,
        msg: str = "",
        sub_code: str = "",
        sub_msg: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.method = method
        self.code = code
        self.msg = msg
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        self.request_id = request_id


class SignatureError(PlatformError):
    """The gateway rejected the request signature."""


class AccessTokenError(PlatformError):
    """The store's access token is missing, invalid or expired."""


class RateLimitedError(PlatformError):
    """The app or the API hit a call limit; ``retry_after`` says for how long (seconds)."""

    transient = True

    def __init__(
        self, message: str, *, retry_after: float = 1.0, **fields: str
    ) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class PlatformUnavailableError(PlatformError):
    """A platform-side fault that is worth retrying later."""

    transient = True


class InvalidRequestError(PlatformError):
    """The request itself is wrong (arguments, method, app key); retrying will not help."""


class PlatformUnreachableError(DisputeKitError):
    """The gateway could not be reached or did not answer in time.

    ``maybe_sent`` is False only when the request surely never arrived (connection
    refused), which is what makes resending a change safe.
    """

    transient = True

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class MalformedPayloadError(DisputeKitError):
    """A payload did not have the shape the reference documents."""


class TruncatedResponseError(MalformedPayloadError):
    """The body was not complete JSON (cut off in transit, or an HTML error page)."""

    transient = True


class ActionError(DisputeKitError):
    """An operator action was refused before anything was sent (wrong amount, closed
    dispute, unknown plan), or its outcome could not be settled."""


class TriageInputError(DisputeKitError):
    """A ``disputekit triage`` input line lacks a field or has a wrong one.

    ``field`` is the dotted path of the offending field (``dispute.gmt_create``), so the
    message and the error line in the output can name it.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class RunError(DisputeKitError):
    """A scheduled store run failed."""


class TrackingError(DisputeKitError):
    """17TRACK answered with a request-level error (not a per-number rejection).

    ``code`` is 17TRACK's own code (``-18010002``...) or ``None``; ``status`` the HTTP status.
    """

    transient: bool = False

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 endpoint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.endpoint = endpoint


class TrackingAuthError(TrackingError):
    """The 17TRACK key is wrong, disabled, or this machine's IP is not whitelisted."""


class TrackingRateLimitedError(TrackingError):
    """17TRACK kept answering HTTP 429 after every retry."""

    transient = True


class TrackingUnavailableError(TrackingError):
    """17TRACK failed on its side or could not be reached; worth retrying later."""

    transient = True


class TrackingRequestError(TrackingError):
    """The request itself is wrong (body, batch size, URL); retrying will not help."""


class WebhookSignatureError(TrackingError):
    """A 17TRACK push whose ``sign`` header is missing or does not match body and key."""


class ClaimError(DisputeKitError):
    """A carrier-claim step the rules do not allow (third attempt, appeal after the window...)."""


class TemplateError(ConfigError):
    """A reply template (shipped, or a store's override) is missing, malformed, uses an
    unknown variable, or lacks a language; the message names the file and the fix."""


class EvidenceError(DisputeKitError):
    """An evidence file was refused before anything was written (a type that is not allowed,
    too large, a hostile name), or a stored one is missing or altered; the message says which
    rule and what to do instead."""


class FileWriteError(DisputeKitError):
    """A file disputekit publishes (a report, an executed notebook, the portfolio page, the
    triage output) could not be written whole: the disk is full, the folder is read-only.
    Nothing half-written replaced anything: the previous version, if any, is still there, and
    the message (one line) says so and names the file."""


class StorageError(DisputeKitError):
    """The database could not be read or written: another program held its write lock for
    longer than the busy timeout, the server could not be reached, the disk is full. The
    unit of work that met it was rolled back whole; the message names the database."""
