"""Bad parameters files are refused with a ParametersError naming the file, the key and the
fix; valid ones load, and load again the same after a YAML round trip.

A parameters file is written by a person in a text editor, so anything can be in it: text
that is not YAML, YAML that is not a mapping, wrong types, unknown keys, a URL without a
scheme, a lane threshold of -3 or NaN, a cost that is not a number.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from disputekit.adapters.aliexpress import AliExpressClient, Credentials
from disputekit.adapters.parameters import StoreParameters, load_file
from disputekit.domain.stalls import thresholds_for
from disputekit.errors import ParametersError
from disputekit.wire.records import triage_record
from tests.badinput import Mutation, names_a_prefix, spoiled
from tests.conftest import REPO

# Every section filled in, so every kind of value can be spoiled.
FULL: dict[str, Any] = {
    "store_id": "volt",
    "name": "Volt Electronics",
    "api": {
        "base_url": "https://api-sg.aliexpress.com/sync",
        "sign_method": "sha256",
        "simplify": False,
        "app_key_env": "DISPUTEKIT_APP_KEY",
        "app_secret_env": "DISPUTEKIT_APP_SECRET",
        "access_token_env": "DISPUTEKIT_VOLT_TOKEN",
        "refresh_token_env": "DISPUTEKIT_VOLT_REFRESH_TOKEN",
        "timeout_seconds": 20,
        "page_size": 50,
        "requests_per_second": 10,
    },
    "tracking": {"lanes": {"Cainiao:BR": {"stalled_days": 14, "presumed_lost_days": 45},
                           "*:US": {"no_pickup_days": 4}}},
    "triage": {"escalation_rule": "current",
               "costs": {"currency": "EUR", "per_usd": 0.92, "gift_cost": 150,
                         "cost_of_goods": {"1005006000000000": 400},
                         "win_chance": {"stalled_in_transit": 0.6}}},
    "replies": {"languages": ["en", "ru"]},
}
EXAMPLE = (REPO / "examples" / "triage-input.jsonl").read_text(encoding="utf-8").splitlines()


def write(tmp_path: Path, text: str | bytes, name: str = "volt.yaml") -> Path:
    folder = tmp_path / "parameters"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def usable(store: StoreParameters) -> None:
    """A store that loaded must work where its parameters are used: no late surprises."""
    client = AliExpressClient(base_url=store.api.base_url, credentials=Credentials("1", "2", "3"),
                              sign_method=store.api.sign_method)
    client._signed_request("aliexpress.issue.issuelist.get", {})  # the URL can be sent to
    client.close()
    model = store.triage.cost_model()
    for lane in store.tracking.lanes:
        carrier, _, country = lane.partition(":")
        thresholds = thresholds_for(carrier, country, store.tracking.lanes)
        assert all(math.isfinite(v) and v > 0 for v in vars(thresholds).values()), lane
    import json
    from datetime import UTC, datetime

    result = triage_record(json.loads(EXAMPLE[0]), datetime(2026, 11, 28, tzinfo=UTC), model)
    assert all(math.isfinite(o["expected_cost"]) for o in result["options"])


def test_the_full_example_is_valid_and_round_trips(tmp_path: Path) -> None:
    store = load_file(write(tmp_path, yaml.safe_dump(FULL)))
    usable(store)
    again = load_file(write(tmp_path, yaml.safe_dump(store.model_dump(mode="json"))))
    assert again == store


@pytest.mark.parametrize("path", sorted((REPO / "parameters").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_parameters_round_trip(tmp_path: Path, path: Path) -> None:
    store = load_file(path)
    dumped = yaml.safe_dump(store.model_dump(mode="json", exclude_defaults=True))
    assert load_file(write(tmp_path, dumped, path.name)) == store


@given(st.text(max_size=300))
def test_any_text_loads_or_is_refused_as_parameters(tmp_path_factory: pytest.TempPathFactory,
                                                     text: str) -> None:
    path = write(tmp_path_factory.mktemp("p"), text)
    try:
        load_file(path)
    except ParametersError as exc:
        assert str(path) in str(exc)  # the file is named


@given(st.binary(max_size=200))
def test_any_bytes_load_or_are_refused_as_parameters(tmp_path_factory: pytest.TempPathFactory,
                                                      data: bytes) -> None:
    path = write(tmp_path_factory.mktemp("p"), data)
    try:
        load_file(path)
    except ParametersError as exc:
        assert str(path) in str(exc)


YAML_SCALARS = st.sampled_from([
    "2001-13-01", "2026-02-30", "1_000", "0x1F", ".nan", ".inf", "-.inf", "~", "yes", "off",
    "!!binary aGVsbG8=", "!!python/object:os.system {}", "[1, 2", "{a: 1}", "&a [*a]",
    "'unterminated", "1e999", "2026-11-28 09:00:00", "12:30:00", "@reserved", "%TAG"])


@given(key=st.sampled_from(["name", "store_id", "api", "tracking", "triage"]), value=YAML_SCALARS)
def test_odd_yaml_values_are_refused_as_parameters(tmp_path_factory: pytest.TempPathFactory,
                                                   key: str, value: str) -> None:
    lines = [f"{k}: {v!r}" if k != key else f"{k}: {value}"
             for k, v in {"store_id": "volt", "name": "Volt", "api": "x", "tracking": "{}",
                          "triage": "{}"}.items()]
    path = write(tmp_path_factory.mktemp("p"), "\n".join(lines) + "\n")
    with pytest.raises(ParametersError) as caught:
        load_file(path)
    assert str(path) in str(caught.value)


@given(spoiled(FULL))
def test_a_spoiled_parameters_file_is_refused_naming_the_key(
        tmp_path_factory: pytest.TempPathFactory, case: tuple[Any, Mutation]) -> None:
    doc, mutation = case
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return  # not representable in YAML; a person could not have written it
    path = write(tmp_path_factory.mktemp("p"), text)
    try:
        store = load_file(path)
    except ParametersError as exc:
        message = str(exc)
        assert str(path) in message, mutation.describe()
        assert names_a_prefix(message, mutation.path), (mutation.describe(), message)
        assert len(message) < 3000, mutation.describe()  # a huge value is not echoed whole
        return
    usable(store)


@pytest.mark.parametrize(("change", "named", "fix"), [
    ({"api": {**FULL["api"], "base_url": "api-sg.aliexpress.com/sync"}}, "api.base_url",
     "https://"),
    ({"api": {**FULL["api"], "base_url": "http://ho st/sync"}}, "api.base_url", "https://"),
    ({"api": {**FULL["api"], "base_url": "http://host:99999/sync"}}, "api.base_url", "port"),
    ({"api": {**FULL["api"], "base_url": "http://host:abc/sync"}}, "api.base_url", "https://"),
    ({"api": {**FULL["api"], "base_url": "http://[oops/sync"}}, "api.base_url", "https://"),
    ({"api": {**FULL["api"], "timeout_seconds": "soon"}}, "api.timeout_seconds", "number"),
    ({"api": {**FULL["api"], "app_secret": "s3cret"}}, "api.app_secret", "app_secret_env"),
    ({"tracking": {"lanes": {"CainiaoBR": {"stalled_days": 3}}}}, "tracking.lanes",
     "'Cainiao:BR'"),
    ({"tracking": {"lanes": {"Cainiao:BR": {"stalled_days": -3}}}}, "tracking.lanes",
     "positive number of days"),
    ({"tracking": {"lanes": {"Cainiao:BR": {"stalled_days": float("nan")}}}}, "tracking.lanes",
     "positive number of days"),
    ({"tracking": {"lanes": {"Cainiao:BR": {"stalled_days": float("inf")}}}}, "tracking.lanes",
     "positive number of days"),
    ({"triage": {"costs": {"gift_cost": "a lot"}}}, "triage.costs", "gift_cost"),
    ({"triage": {"costs": {"per_usd": -1}}}, "triage.costs", "per_usd"),
    ({"triage": {"costs": {"win_chance": {"stalled_in_transit": 7}}}}, "triage.costs",
     "win_chance"),
    ({"triage": {"costs": {"giftcost": 1}}}, "triage.costs", "known:"),
    ({"triage": {"escalation_rule": "sometimes"}}, "triage.escalation_rule", "current"),
    ({"replies": {"templates_dir": "x" * 5000}}, "replies.templates_dir", ""),
    ({"replies": {"templates_dir": "no/such/folder"}}, "replies.templates_dir", ""),
])
def test_each_bad_value_names_its_key_and_the_fix(tmp_path: Path, change: dict[str, Any],
                                                  named: str, fix: str) -> None:
    path = write(tmp_path, yaml.safe_dump({**FULL, **change}))
    with pytest.raises(ParametersError) as caught:
        load_file(path)
    message = str(caught.value)
    assert named in message and fix in message and str(path) in message
    assert len(message) < 3000


def test_check_params_reports_a_bad_file_without_a_traceback(tmp_path: Path) -> None:
    write(tmp_path, yaml.safe_dump(FULL))
    write(tmp_path, "store_id: bloom\nname: Bloom\napi:\n  base_url: ftp://x\n", "bloom.yaml")
    write(tmp_path, b"\xff\xfe not utf-8 at all: \x00", "spark.yaml")
    (tmp_path / "notebooks").mkdir()
    done = subprocess.run([sys.executable, "-m", "disputekit", "check-params", "--home",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ok      volt.yaml" in done.stdout
    assert "bloom.yaml" in done.stderr and "api.base_url" in done.stderr
    assert "missing field 'api.app_key_env'" in done.stderr
    assert "spark.yaml" in done.stderr and "UTF-8" in done.stderr
    assert "Traceback" not in done.stderr


# -- bounded loading (issue 21, item 3) --------------------------------------------------------

def alias_bomb() -> str:
    """Nine aliases nine levels deep: 9**9 strings once expanded, from about 500 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join([*lines, "store_id: volt", "name: *i", "api: *i", ""])


def _limited_memory() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


def test_a_yaml_alias_bomb_is_refused_at_once_without_growing(tmp_path: Path) -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 600
    write(tmp_path, bomb)
    # check-params, in a process that may not take more than 1.5 GB nor a minute (the old
    # code grew past 3 GB, walking the expanded value to show it in the error)
    (tmp_path / "notebooks").mkdir()
    done = subprocess.run([sys.executable, "-m", "disputekit", "check-params", "--home",
                           str(tmp_path)], capture_output=True, text=True, timeout=60,
                          preexec_fn=_limited_memory)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "aliases" in done.stderr and "volt.yaml" in done.stderr
    assert len(done.stderr) < 600


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, yaml.safe_dump(FULL) + "loop: &loop [*loop]\n")
    with pytest.raises(ParametersError, match="into themselves"):
        load_file(path)


def test_a_few_aliases_still_load(tmp_path: Path) -> None:
    lanes = "tracking:\n  lanes:\n    'Cainiao:BR': &slow {stalled_days: 20}\n" \
            "    'Cainiao:CL': *slow\n"
    path = write(tmp_path, yaml.safe_dump({k: v for k, v in FULL.items() if k != "tracking"})
                 + lanes)
    store = load_file(path)
    assert store.tracking.lanes["Cainiao:CL"] == {"stalled_days": 20}


def test_a_huge_value_under_the_alias_limit_is_shown_shortened(tmp_path: Path) -> None:
    # 2,551 nodes, within the limit, yet 25 MB of text once expanded: the error shows a
    # few characters of it, and never builds the whole.
    row = "[&s '" + "x" * 10_000 + "', " + ", ".join(["*s"] * 49) + "]"
    name = "name: [&row " + row + ", " + ", ".join(["*row"] * 49) + "]\n"
    path = write(tmp_path, yaml.safe_dump({k: v for k, v in FULL.items() if k != "name"})
                 + name)
    with pytest.raises(ParametersError, match="'name'") as caught:
        load_file(path)
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize(("section", "key", "value"), [
    ("api", "requests_per_second", 1e-300),
    ("api", "requests_per_second", 0.001),
    ("api", "requests_per_second", float("inf")),
    ("api", "requests_per_second", float("nan")),
    ("api", "requests_per_second", 1e300),
    ("api", "timeout_seconds", float("nan")),
    ("api", "timeout_seconds", 1e-300),
    ("seventeentrack", "rate_per_second", 1e-300),
    ("seventeentrack", "timeout_seconds", float("inf")),
    ("seventeentrack", "quota_warning_at", 10**30),
])
def test_numbers_that_make_no_sense_are_refused_naming_the_key(
        tmp_path: Path, section: str, key: str, value: float) -> None:
    base = {**FULL, "seventeentrack": {"api_key_env": "DISPUTEKIT_17TRACK_KEY"}}
    path = write(tmp_path, yaml.safe_dump({**base, section: {**base[section], key: value}}))
    with pytest.raises(ParametersError) as caught:
        load_file(path)
    assert f"{section}.{key}" in str(caught.value)


@pytest.mark.parametrize("folder", ["/etc", "../..", "../../etc", "replies/../../.."])
def test_reply_templates_must_stay_inside_the_workspace(tmp_path: Path, folder: str) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    path = write(workspace, yaml.safe_dump({**FULL, "replies": {"templates_dir": folder,
                                                                "languages": ["en"]}}))
    with pytest.raises(ParametersError) as caught:
        load_file(path)
    message = str(caught.value)
    assert "replies.templates_dir must be a folder inside the workspace" in message
    assert len(message) < 600  # not a listing of what the folder holds
