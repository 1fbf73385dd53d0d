"""disputekit: one queue of AliExpress after-sales disputes across every store.

The notebooks import only these names (tests/test_public_api.py checks it)::

    from disputekit import open_evidence, open_review, run_store_day
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
    from disputekit.adapters.db.database import Database
    from disputekit.adapters.parameters import StoreParameters, load_store
    from disputekit.adapters.workspace import Workspace
    from disputekit.domain.deadlines import Deadline, Urgency, response_deadline
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
    from disputekit.services.queue import open_disputes
    from disputekit.services.store_day import StoreDay, connect
    from disputekit.services.sync import SyncResult, sync_store
    from disputekit.ui.evidence_panel import open_evidence
    from disputekit.ui.review import ReviewQueue, open_review
    from disputekit.ui.store_report import StoreReport, run_store_day
    from disputekit.ui.whatif_panel import open_whatif

__version__ = "0.1.0"

# Names resolve on first use (PEP 562), so importing one pure module such as
# ``disputekit.domain.deadlines`` does not drag in Jupyter, SQLAlchemy or httpx.
_EXPORTS = {
    "AccessTokenError": "disputekit.errors",
    "AliExpressClient": "disputekit.adapters.aliexpress",
    "ConfigError": "disputekit.errors",
    "Credentials": "disputekit.adapters.aliexpress",
    "Database": "disputekit.adapters.db.database",
    "Deadline": "disputekit.domain.deadlines",
    "DisputeKitError": "disputekit.errors",
    "MalformedPayloadError": "disputekit.errors",
    "MissingCredentialError": "disputekit.errors",
    "ParametersError": "disputekit.errors",
    "PlatformError": "disputekit.errors",
    "PlatformUnreachableError": "disputekit.errors",
    "RateLimitedError": "disputekit.errors",
    "RetryPolicy": "disputekit.adapters.aliexpress",
    "ReviewQueue": "disputekit.ui.review",
    "SignatureError": "disputekit.errors",
    "StoreDay": "disputekit.services.store_day",
    "StoreReport": "disputekit.ui.store_report",
    "StoreParameters": "disputekit.adapters.parameters",
    "SyncResult": "disputekit.services.sync",
    "UnknownStoreError": "disputekit.errors",
    "Urgency": "disputekit.domain.deadlines",
    "Workspace": "disputekit.adapters.workspace",
    "connect": "disputekit.services.store_day",
    "load_store": "disputekit.adapters.parameters",
    "open_evidence": "disputekit.ui.evidence_panel",
    "open_review": "disputekit.ui.review",
    "open_whatif": "disputekit.ui.whatif_panel",
    "open_disputes": "disputekit.services.queue",
    "response_deadline": "disputekit.domain.deadlines",
    "run_store_day": "disputekit.ui.store_report",
    "sync_store": "disputekit.services.sync",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'disputekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    # Tab completion in a notebook lists the lazy names before their first use.
    return sorted(set(globals()) | set(__all__))


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
    "StoreReport",
    "SyncResult",
    "UnknownStoreError",
    "Urgency",
    "Workspace",
    "__version__",
    "connect",
    "load_store",
    "open_disputes",
    "open_evidence",
    "open_review",
    "open_whatif",
    "response_deadline",
    "run_store_day",
    "sync_store",
]
