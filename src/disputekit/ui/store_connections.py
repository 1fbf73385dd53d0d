"""Each store's hands for a workbook widget, connected on first use and closed with it.

``open_review`` and ``open_evidence`` connect a store only when the operator first acts on
it, then keep that one client (its connection pool, its refreshed token) for the widget's
life; ``close()`` closes them all, which the widget's own ``close()`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters
from disputekit.services.actions import DisputeActions
from disputekit.services.store_day import connect


class StoreConnections:
    """``StoreConnections(stores, db, operator)``: call it with a store id for that store's
    :class:`DisputeActions`; ``close()`` closes the clients it made."""

    def __init__(self, stores: Mapping[str, StoreParameters], db: Database,
                 operator: str) -> None:
        self.stores = stores
        self.db = db
        self.operator = operator
        self._made: dict[str, DisputeActions] = {}

    def __call__(self, store_id: str) -> DisputeActions:
        if store_id not in self._made:
            store = self.stores[store_id]
            self._made[store_id] = DisputeActions(store, connect(store), self.db, self.operator)
        return self._made[store_id]

    def close(self) -> None:
        made, self._made = self._made, {}
        for actions in made.values():
            actions.client.close()


class ReleasesOnClose:
    """A widget that, on ``close()``, first runs the ``_on_close`` its opener gave it (once):
    ``open_review`` and ``open_evidence`` close their store connections and database so."""

    _on_close: Callable[[], None] | None = None

    def close(self) -> None:
        # ipywidgets also calls close() when the widget is collected, maybe half-built.
        on_close, self._on_close = self._on_close, None
        try:
            if on_close is not None:
                on_close()
        finally:
            super().close()  # type: ignore[misc]
