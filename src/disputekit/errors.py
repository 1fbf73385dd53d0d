"""Every error disputekit raises, in one tree.

::

    DisputeKitError
    ├── ConfigError                  a parameters file or the environment is wrong
    │   ├── ParametersError          parameters/<store>.yaml is invalid
    │   ├── UnknownStoreError        no parameters/<store>.yaml for that store id
    │   └── MissingCredentialError   an environment variable named by a store is unset
    ├── PlatformError                the AliExpress gateway answered with ``error_response``
    │   ├── SignatureError           IncompleteSignature / code 25: wrong app secret or signing
    │   ├── AccessTokenError         IllegalAccessToken / codes 26-27: token missing or expired
    │   ├── RateLimitedError         ApiCallLimit / code 7: too many calls, retry later
    │   ├── PlatformUnavailableError code 10, 15 with isp.*, UnknownRuntimeException: retry later
    │   └── InvalidRequestError      any other caller-side code (bad arguments, method, app key)
    ├── PlatformUnreachableError     no answer at all: connection refused, timeout, DNS
    ├── MalformedPayloadError        an answer that does not have the documented shape
    └── RunError                     a scheduled store run failed

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
    """The gateway could not be reached or did not answer in time."""

    transient = True


class MalformedPayloadError(DisputeKitError):
    """A payload did not have the shape the reference documents."""


class RunError(DisputeKitError):
    """A scheduled store run failed."""
