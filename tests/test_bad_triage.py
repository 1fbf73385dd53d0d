"""Bad triage input is refused line by line with an error naming the field; the other lines
are still triaged, and nothing escapes as a traceback.

``disputekit triage`` reads JSON lines that a person or another tool assembled from the
platform's answers, so any field can be missing, of the wrong type, an unknown status, a
huge text or a time in the wrong format, and a line can be cut off.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from disputekit.wire.records import triage_lines
from tests.badinput import Mutation, names_a_prefix, spoiled
from tests.conftest import REPO

NOW = datetime(2026, 11, 28, tzinfo=UTC)
EXAMPLE = (REPO / "examples" / "triage-input.jsonl").read_text(encoding="utf-8").splitlines()


def triage_one(line: str) -> dict[str, Any]:
    (result,) = list(triage_lines([line], NOW))
    return result


# The example file ends with a line that is wrong on purpose (examples/README.md).
LINES = [line for line in EXAMPLE if "error" not in triage_one(line)]
RECORDS = [json.loads(line) for line in LINES]


def test_the_example_file_triages_all_but_its_one_bad_line() -> None:
    results = list(triage_lines(EXAMPLE, NOW))
    assert len(results) == len(EXAMPLE) == len(LINES) + 1
    assert [r["field"] for r in results if "error" in r] == ["dispute.gmt_create"]
    # and the same again: triage is a pure function of the line and the clock
    assert list(triage_lines(EXAMPLE, NOW)) == results


@given(st.sampled_from(RECORDS).flatmap(spoiled))
def test_a_spoiled_line_is_triaged_or_refused_naming_the_field(case: tuple[Any, Mutation]
                                                               ) -> None:
    doc, mutation = case
    result = triage_one(json.dumps(doc))
    if "error" not in result:
        assert isinstance(result["issue_id"], int) and result["class"]
        json.dumps(result, allow_nan=False)  # the output line is valid JSON
        return
    assert result["line"] == 1 and result["field"], mutation.describe()
    assert names_a_prefix(result["error"], mutation.path) \
        or names_a_prefix(result["field"], mutation.path), (mutation.describe(), result)
    assert len(result["error"]) < 2000, mutation.describe()


@given(cut=st.integers(min_value=1, max_value=400), which=st.sampled_from(range(len(LINES))))
def test_a_cut_off_line_is_refused_and_the_next_line_still_triaged(cut: int, which: int) -> None:
    line = LINES[which]
    results = list(triage_lines([line[:len(line) - cut], LINES[0]], NOW))
    assert results[0]["line"] == 1 and "not valid JSON" in results[0]["error"]
    assert "error" not in results[1]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["dispute", "order", "tracking",
                                                       "buyer_history", "id", "source",
                                                       "details", "track_info", "x"]),
                                      inner, max_size=4), max_leaves=15))
def test_any_json_value_gives_a_result_or_an_error_line(doc: Any) -> None:
    result = triage_one(json.dumps(doc))
    assert "class" in result or ("error" in result and result["field"])


def test_the_cli_reports_bad_lines_and_triages_the_others(tmp_path: Path) -> None:
    bad = dict(RECORDS[0])
    bad["dispute"] = {**bad["dispute"], "gmt_create": "28/11/2026"}
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([LINES[0], json.dumps(bad), LINES[1][:50], "[]", LINES[2]])
                      + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "disputekit", "triage", "--input", str(source),
                           "--now", "2026-11-28T00:00:00Z"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [("error" in o) for o in out] == [False, True, True, True, False]
    assert out[1]["field"] == "dispute.gmt_create" and "2026-03-01 09:30:00" in out[1]["error"]
    assert "line 2: field 'dispute.gmt_create'" in done.stderr


@given(st.lists(st.binary(max_size=60), max_size=5))
def test_any_bytes_give_a_result_or_an_error_line_each(lines: list[bytes]) -> None:
    results = list(triage_lines([*lines, LINES[0].encode()], NOW))
    assert "error" not in results[-1]  # the good line after them is still triaged
    assert all("class" in r or ("error" in r and r["field"]) for r in results)


def test_the_cli_refuses_a_line_in_another_encoding_alone(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    latin1 = json.dumps({"dispute": {"product_name": "Câble"}}, ensure_ascii=False)
    source.write_bytes(b"\n".join([LINES[0].encode(), latin1.encode("latin-1"),
                                   LINES[1].encode()]) + b"\n")
    blocklist = tmp_path / "blocked.txt"
    blocklist.write_bytes(b"buyer\xe9\n")
    done = subprocess.run([sys.executable, "-m", "disputekit", "triage", "--input", str(source),
                           "--now", "2026-11-28T00:00:00Z"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [("error" in o) for o in out] == [False, True, False]
    assert "not UTF-8" in out[1]["error"] and "line 2" in done.stderr
    refused = subprocess.run([sys.executable, "-m", "disputekit", "triage", "--input",
                              str(source), "--blocklist", str(blocklist)], capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2 and "not UTF-8" in refused.stderr
    assert "Traceback" not in refused.stderr


# -- hostile input and careless use (issue 21, item 4) ---------------------------------------

def triage_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "disputekit", "triage", *args,
                           "--now", "2026-11-28T00:00:00Z"], capture_output=True, text=True,
                          timeout=120)


def test_a_line_too_deep_or_with_a_huge_integer_is_refused_alone() -> None:
    deep = '{"dispute": ' + "[" * 50_000 + "]" * 50_000 + "}"
    nested = '{"dispute": {"x": ' + '{"y": ' * 100 + "1" + "}" * 101 + "}"
    huge = LINES[0].replace('"dispute": {', '"dispute": {"n": ' + "7" * 5000 + ", ", 1)
    assert huge != LINES[0]
    results = list(triage_lines([LINES[0], deep, LINES[1], huge, nested, LINES[2]], NOW))
    assert [("error" in r) for r in results] == [False, True, False, True, True, False]
    assert [r["line"] for r in results if "error" in r] == [2, 4, 5]
    assert "nested deeper than 64 levels" in results[1]["error"]
    assert "too long to read" in results[3]["error"]
    assert all(r["field"] == "(line)" for r in results if "error" in r)


def test_the_cli_refuses_an_output_that_is_its_input_and_leaves_it_whole(
        tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    text = "\n".join(LINES[:3]) + "\n"
    source.write_text(text, encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(source)
    for output in (source, tmp_path / "link.jsonl", tmp_path / "." / "in.jsonl"):
        done = triage_cli("--input", str(source), "--output", str(output))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "is the input file" in done.stderr
        assert source.read_text(encoding="utf-8") == text  # not emptied


def test_a_missing_input_or_output_folder_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    missing = triage_cli("--input", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "does not exist" in missing.stderr and "nope.jsonl" in missing.stderr
    source = tmp_path / "in.jsonl"
    source.write_text(LINES[0] + "\n", encoding="utf-8")
    nowhere = triage_cli("--input", str(source), "--output", str(tmp_path / "no" / "out.jsonl"))
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr
    assert "does not exist" in nowhere.stderr and not (tmp_path / "no").exists()


def test_the_cli_writes_its_output_whole_and_replaces_an_earlier_one(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(LINES[:2]) + "\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    output.write_text("yesterday\n", encoding="utf-8")
    done = triage_cli("--input", str(source), "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["issue_id"] for line in output.read_text().splitlines()] == [
        json.loads(line)["dispute"].get("issue_id", json.loads(line)["dispute"].get("id"))
        for line in LINES[:2]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
