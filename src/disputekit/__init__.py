"""disputekit: one queue of AliExpress after-sales disputes across every store.

The notebooks need only these names::

    from disputekit import run_store_day, ReviewQueue, Workspace, Database
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from disputekit.client import AliExpressClient, Credentials, RetryPolicy
    from disputekit.deadlines import Deadline, Urgency, response_deadline
    from disputekit.dispute_queue import open_disputes
    from disputekit.errors import (
        AccessTokenError,
        ConfigError,
        DisputeKitError,
        MalformedPayloadError,
        MissingCredentialError,
        ParametersError,
        PlatformError,
        PlatformUnreachableError,
        RateLimitedError,
        SignatureError,
        UnknownStoreError,
    )
    from disputekit.parameters import StoreParameters, load_store
    from disputekit.pipeline import StoreDay, connect, run_store_day
    from disputekit.review import ReviewQueue, open_review
    from disputekit.storage import Database
    from disputekit.sync import SyncResult, sync_store
    from disputekit.workspace import Workspace

__version__ = "0.1.0"

# Names resolve on first use (PEP 562), so importing one pure module such as
# ``disputekit.deadlines`` does not drag in Jupyter, SQLAlchemy or httpx.
_EXPORTS = {
    "AccessTokenError": "disputekit.errors",
    "AliExpressClient": "disputekit.client",
    "ConfigError": "disputekit.errors",
    "Credentials": "disputekit.client",
    "Database": "disputekit.storage",
    "Deadline": "disputekit.deadlines",
    "DisputeKitError": "disputekit.errors",
    "MalformedPayloadError": "disputekit.errors",
    "MissingCredentialError": "disputekit.errors",
    "ParametersError": "disputekit.errors",
    "PlatformError": "disputekit.errors",
    "PlatformUnreachableError": "disputekit.errors",
    "RateLimitedError": "disputekit.errors",
    "RetryPolicy": "disputekit.client",
    "ReviewQueue": "disputekit.review",
    "SignatureError": "disputekit.errors",
    "StoreDay": "disputekit.pipeline",
    "StoreParameters": "disputekit.parameters",
    "SyncResult": "disputekit.sync",
    "UnknownStoreError": "disputekit.errors",
    "Urgency": "disputekit.deadlines",
    "Workspace": "disputekit.workspace",
    "connect": "disputekit.pipeline",
    "load_store": "disputekit.parameters",
    "open_review": "disputekit.review",
    "open_disputes": "disputekit.dispute_queue",
    "response_deadline": "disputekit.deadlines",
    "run_store_day": "disputekit.pipeline",
    "sync_store": "disputekit.sync",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'disputekit' has no attribute {name!r}")


__all__ = [
    "AccessTokenError",
    "AliExpressClient",
    "ConfigError",
    "Credentials",
    "Database",
    "Deadline",
    "DisputeKitError",
    "MalformedPayloadError",
    "MissingCredentialError",
    "ParametersError",
    "PlatformError",
    "PlatformUnreachableError",
    "RateLimitedError",
    "RetryPolicy",
    "ReviewQueue",
    "SignatureError",
    "StoreDay",
    "StoreParameters",
    "SyncResult",
    "UnknownStoreError",
    "Urgency",
    "Workspace",
    "__version__",
    "connect",
    "load_store",
    "open_disputes",
    "open_review",
    "response_deadline",
    "run_store_day",
    "sync_store",
]
