"""Refuse one dispute, then die by SIGKILL around the platform call (test_crash_resync).

``python -m tests.crash_action <workspace> <issue_id> before|after <reason>``: ``before``
dies just before the request leaves (the platform never sees it), ``after`` just after the
platform accepted it (the journal still says ``pending``). Credentials and
``DISPUTEKIT_DB_URL`` come from the environment, as for ``disputekit``.
"""

from __future__ import annotations

import os
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.services.actions import DisputeActions
from disputekit.services.store_day import connect


def main(root: str, issue_id: str, when: str, reason: str) -> None:
    ws = Workspace.at(Path(root))
    store = load_store("volt", ws.parameters_dir)
    db = Database.open(ws.db_url)
    client = connect(store)
    real_save = client.solution_save

    def save(**kwargs: Any) -> bool:
        if when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        accepted = real_save(**kwargs)
        if when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return accepted

    client.solution_save = save  # type: ignore[method-assign]
    DisputeActions(store, client, db, "ana").refuse(int(issue_id), reason, Decimal("0"))
    raise SystemExit("the action finished: the process was supposed to die first")


if __name__ == "__main__":
    main(*sys.argv[1:5])
