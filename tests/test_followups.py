"""The follow-up plan on synced disputes: counter-offer steps go out through the platform,
a store's own wording is checked when its parameters load and then used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import load_store, reply_overrides
from disputekit.adapters.workspace import Workspace
from disputekit.errors import ActionError, ParametersError
from disputekit.services.actions import ActionStatus, DisputeActions
from disputekit.services.followups import mark_sent, next_reply, send_with_refusal
from disputekit.services.queue import open_disputes
from disputekit.simulator.app import RunningSimulator
from tests.conftest import ConnectStore, SyncedTemplates


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, ("volt",))
    yield db
    db.dispose()


def stalled(db: Database) -> tuple[str, int]:
    queue = open_disputes(db, datetime.now(UTC))
    row = queue[(queue["class"] == "stalled_in_transit")
                & (queue["status"] == "wait_for_seller_response")].iloc[0]
    return str(row["store_id"]), int(row["issue_id"])


def test_the_first_stalled_reply_goes_out_as_the_refusal_reason(
        synced: Database, workspace: Workspace, simulator: RunningSimulator,
        connect_store: ConnectStore) -> None:
    store_id, issue_id = stalled(synced)
    reply = next_reply(synced, store_id, issue_id, "stalled_in_transit")
    assert reply.due is not None and reply.draft is not None and reply.draft.ready
    with pytest.raises(ActionError, match="operator must not be empty"):
        mark_sent(synced, reply, "")  # nobody named: refused before anything is written
    store = load_store(store_id, workspace.parameters_dir)
    actions = DisputeActions(store, connect_store(store), synced, "ana")
    outcome = send_with_refusal(actions, synced, reply, "ana")
    assert outcome.status is ActionStatus.OK
    record = simulator.gateway.lifecycle.index[store_id][issue_id]
    offers = record.detail["seller_solution_list"]
    assert offers[-1]["content"] == reply.draft.text and offers[-1]["refund_money"] == "0.00"
    after = next_reply(synced, store_id, issue_id, "stalled_in_transit")
    assert after.due is not None and after.due.step.template == "stalled_2_carrier"
    assert after.due.due_at is not None and after.due.due_at > reply.due.due_at  # next day


def test_store_wording_is_checked_at_load_and_then_used(
        synced: Database, workspace: Workspace) -> None:
    folder = workspace.parameters_dir / "volt-replies"
    for lang in ("en", "es"):
        (folder / lang).mkdir(parents=True)
        (folder / lang / "stalled_1_first.txt.j2").write_text(
            f"[{lang}] Order {{{{ order_no }}}}: we are on it. {{{{ store_name }}}}\n")
    path = workspace.parameters_dir / "volt.yaml"
    path.write_text(path.read_text() + "replies:\n  templates_dir: volt-replies\n"
                    "  languages: [en, es]\n")
    store = load_store("volt", workspace.parameters_dir)
    overrides = reply_overrides(store, workspace.parameters_dir)
    store_id, issue_id = stalled(synced)
    reply = next_reply(synced, store_id, issue_id, "stalled_in_transit", lang="es",
                       overrides=overrides)
    assert reply.draft is not None and reply.draft.text.startswith("[es] Order ")

    (folder / "es" / "stalled_1_first.txt.j2").write_text("{{ password }}\n")
    with pytest.raises(ParametersError, match="volt.*templates_dir"):
        load_store("volt", workspace.parameters_dir)
    (folder / "es" / "stalled_1_first.txt.j2").unlink()
    with pytest.raises(ParametersError, match="templates_dir"):
        load_store("volt", workspace.parameters_dir)  # missing in a language it answers in


def test_a_missing_overrides_folder_is_a_parameters_error(workspace: Workspace) -> None:
    path = Path(workspace.parameters_dir / "volt.yaml")
    path.write_text(path.read_text() + "replies:\n  templates_dir: nowhere\n")
    with pytest.raises(ParametersError, match="does not exist"):
        load_store("volt", workspace.parameters_dir)
