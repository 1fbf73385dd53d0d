"""The queue table without a browser: the messages its front end sends are played to it,
and what it would draw (its synced page) is read back."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from disputekit.ui.queue_table import COLUMNS, QueueTable, due_words

Key = tuple[str, int]


def queue(n: int) -> pd.DataFrame:
    """A made-up queue of ``n`` disputes, most urgent first, as ``open_disputes`` orders it."""
    rng = np.random.default_rng(3)
    hours = np.sort(rng.uniform(-30, 200, n)).round(1)
    hours[-max(1, n // 10):] = np.nan  # no deadline: last
    return pd.DataFrame({
        "store_id": [f"s{i % 3}" for i in range(n)],
        "issue_id": np.arange(1000, 1000 + n),
        "parent_order_id": [f"30{i:08d}" for i in range(n)],
        "class": rng.choice(["stalled_in_transit", "extortion", "customs_hold"], n),
        "amount_usd": rng.uniform(1, 300, n).round(2),
        "country": rng.choice(["ES", "FR", "BR"], n),
        "recommended": rng.choice(["refuse", "partial_refund"], n),
        "hours_left": hours,
    })


def send(table: QueueTable, **content: Any) -> None:
    """What the front end sends (``model.send``), as the kernel receives it."""
    table._message(table, content, [])


def keys(frame: pd.DataFrame) -> list[Key]:
    return [(str(s), int(i)) for s, i in zip(frame["store_id"], frame["issue_id"], strict=True)]


def test_a_page_of_fifty_with_headers_and_the_first_selected() -> None:
    frame = queue(300)
    table = QueueTable(page_size=50)
    table.show(frame)
    assert [c["title"] for c in table.columns] == [c.title for c in COLUMNS]
    assert len(table.rows) == 50 and table.total == 300 and table.pages == 6
    assert table.page_keys() == keys(frame)[:50]
    assert table.selected == keys(frame)[0]
    first = table.rows[0]["cells"]
    assert first[1] == frame.iloc[0]["store_id"] and first[2] == frame.iloc[0]["parent_order_id"]
    assert first[3] == frame.iloc[0]["class"].replace("_", " ")
    assert first[4] == f"${frame.iloc[0]['amount_usd']:,.2f}"
    assert table.rows[0]["overdue"] == (frame.iloc[0]["hours_left"] < 0)


def test_due_in_words() -> None:
    assert [due_words(h) for h in (-3.2, 0.4, 47.6, 52.0, float("nan"))] == [
        "−3 h", "0 h", "48 h", "2 d 4 h", "no deadline"]


@pytest.mark.parametrize("column", [c.key for c in COLUMNS])
def test_every_column_sorts_both_ways_stably(column: str) -> None:
    frame = queue(200)
    table = QueueTable(page_size=50)
    table.show(frame)
    source = next(c.source for c in COLUMNS if c.key == column)
    for ascending in (True, False):
        table.select(keys(frame)[0])
        if table.sort_by != column or table.ascending != ascending:
            send(table, event="sort", column=column)
            if table.ascending != ascending:
                send(table, event="sort", column=column)
        assert (table.sort_by, table.ascending) == (column, ascending)
        assert table.selected == keys(frame)[0]  # the selection stays, on its page
        table.turn(0)
        values = frame[source]
        if values.dtype == object:
            values = values.str.lower()
        expected = values.sort_values(ascending=ascending, kind="stable", na_position="last")
        assert table.page_keys() == keys(frame.loc[expected.index[:50]])


def test_the_selection_stays_through_a_sort_and_a_new_frame() -> None:
    frame = queue(200)
    table = QueueTable(page_size=50)
    table.show(frame)
    chosen = keys(frame)[120]
    table.select(chosen)
    assert table.page == 2 and table.selected == chosen
    table.sort("amount", ascending=False)
    assert table.selected == chosen and chosen in table.page_keys()
    table.show(frame[frame["store_id"] == chosen[0]])  # a filter that keeps it
    assert table.selected == chosen
    table.show(frame[frame["store_id"] != chosen[0]])  # one that drops it: the first
    assert table.selected == table.page_keys()[0]
    table.show(frame.iloc[0:0])
    assert table.selected is None and table.rows == [] and table.total == 0


def test_keys_move_the_selection_across_pages_and_fire_the_callbacks() -> None:
    frame = queue(120)
    table = QueueTable(page_size=50)
    table.show(frame)
    selected: list[Key | None] = []
    opened: list[Key | None] = []
    recommended: list[Key | None] = []
    table.on_select(selected.append)
    table.on_open(opened.append)
    table.on_recommend(recommended.append)
    order = keys(frame)
    send(table, event="move", step=1)
    assert table.selected == order[1] and selected == [order[1]]
    send(table, event="move", step=-1)
    send(table, event="move", step=-1)  # already first: stays, no new selection
    assert table.selected == order[0] and selected == [order[1], order[0]]
    send(table, event="move", step=50)  # PageDown: the next page
    assert table.page == 1 and table.selected == order[50]
    send(table, event="move", step=10**9)  # End
    assert table.page == 2 and table.selected == order[-1]
    send(table, event="open")
    send(table, event="recommend")
    assert opened == [order[-1]] and recommended == [order[-1]]
    send(table, event="click", key=list(order[3]))  # a click on a row selects and opens it
    assert table.page == 0 and table.selected == order[3] and opened[-1] == order[3]
    send(table, event="page", page=1)
    assert table.page == 1 and table.selected == order[50]
    send(table, event="page", page=99)  # past the end: the last page
    assert table.page == 2


def test_a_click_opens_the_dispute_before_showing_it() -> None:
    # The workbook turns to the first tab on opening and draws the dispute on selection:
    # opening first means a tab clicked once the dispute shows is never turned back.
    frame = queue(10)
    table = QueueTable(page_size=50)
    table.show(frame)
    events: list[tuple[str, Key | None]] = []
    table.on_select(lambda key: events.append(("select", key)))
    table.on_open(lambda key: events.append(("open", key)))
    target = keys(frame)[4]
    send(table, event="click", key=list(target))
    assert events == [("open", target), ("select", target)]


def test_after_gives_the_next_dispute_or_the_one_before_the_last() -> None:
    frame = queue(10)
    table = QueueTable(page_size=50)
    table.show(frame)
    order = keys(frame)
    assert table.after(order[3]) == order[4]
    assert table.after(order[-1]) == order[-2]
    assert table.after(("nowhere", 1)) == order[0]


def test_a_hundred_thousand_rows_send_one_page() -> None:
    frame = queue(100_000)
    table = QueueTable(page_size=50)
    table.show(frame)
    assert table.total == 100_000 and len(table.rows) == 50
    table.sort("country")
    assert len(table.rows) == 50
    state = table.get_state()
    assert len(state["rows"]) == 50  # what goes to the browser


def test_ids_past_what_javascript_holds_exactly_come_back_whole() -> None:
    frame = queue(3)
    frame["issue_id"] = [2**60 + 1, 2**60 + 2, 2**60 + 3]
    table = QueueTable()
    table.show(frame)
    assert table.rows[1]["key"] == ["s1", str(2**60 + 2)]  # text, not a float-bound number
    send(table, event="click", key=table.rows[1]["key"])
    assert table.selected == ("s1", 2**60 + 2)


def test_hostile_text_stays_text() -> None:
    frame = queue(3)
    frame.loc[0, "parent_order_id"] = "<img src=x onerror=alert(1)>"
    table = QueueTable()
    table.show(frame)
    assert table.rows[0]["cells"][2] == "<img src=x onerror=alert(1)>"  # a plain string
    from importlib import resources

    script = resources.files("disputekit.ui").joinpath("queue_table.js").read_text()
    assert "innerHTML" not in script and "textContent" in script
