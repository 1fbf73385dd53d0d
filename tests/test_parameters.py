"""Parameters files: the shipped ones are valid; broken ones fail with a message that says
what to fix; credentials come only from the environment."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest
import yaml

from disputekit.adapters.parameters import load_all, load_file, load_store
from disputekit.errors import MissingCredentialError, ParametersError, UnknownStoreError

REPO = Path(__file__).resolve().parents[1]
GOOD = {
    "store_id": "acme", "name": "Acme",
    "api": {"app_key_env": "ACME_KEY", "app_secret_env": "ACME_SECRET",
            "access_token_env": "ACME_TOKEN"},
}


def write(tmp_path: Path, data: object, name: str = "acme") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_shipped_demo_stores_are_valid() -> None:
    stores = load_all(REPO / "parameters")
    assert [s.store_id for s in stores] == ["bloom", "spark", "volt"]
    assert all(s.api.base_url.endswith("/sync") for s in stores)


def test_notebook_parameters_match_what_the_runner_passes() -> None:
    declared = papermill.inspect_notebook(str(REPO / "notebooks" / "store_daily.ipynb"))
    assert set(declared) == {"store_id", "run_date"}


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    store = load_file(write(tmp_path, GOOD))
    assert store.api.base_url == "https://api-sg.aliexpress.com/sync"
    assert store.api.page_size == 50


def test_missing_field_is_named(tmp_path: Path) -> None:
    data = {**GOOD, "api": {k: v for k, v in GOOD["api"].items() if k != "app_secret_env"}}
    with pytest.raises(ParametersError, match=r"missing field 'api.app_secret_env'"):
        load_file(write(tmp_path, data))


def test_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match=r"unknown key 'colour'"):
        load_file(write(tmp_path, {**GOOD, "colour": "blue"}))


def test_a_secret_in_parameters_is_refused_with_advice(tmp_path: Path) -> None:
    data = {**GOOD, "api": {**GOOD["api"], "app_secret": "hunter2"}}
    with pytest.raises(ParametersError) as info:
        load_file(write(tmp_path, data))
    assert "credentials never go in parameters" in str(info.value)
    assert "app_secret_env" in str(info.value)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(("patch", "field"), [
    ({"api": {**GOOD["api"], "page_size": 80}}, "api.page_size"),
    ({"api": {**GOOD["api"], "page_size": "many"}}, "api.page_size"),
    ({"api": {**GOOD["api"], "sign_method": "sha1"}}, "api.sign_method"),
    ({"api": {**GOOD["api"], "base_url": "api-sg.aliexpress.com"}}, "api.base_url"),
    ({"api": {**GOOD["api"], "app_key_env": "lower case"}}, "api.app_key_env"),
    ({"store_id": "Acme Store"}, "store_id"),
])
def test_wrong_values_are_named(tmp_path: Path, patch: dict[str, object], field: str) -> None:
    with pytest.raises(ParametersError, match=rf"wrong value for '{field}'"):
        load_file(write(tmp_path, {**GOOD, **patch}))


def test_store_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match="rename the file to acme.yaml"):
        load_file(write(tmp_path, GOOD, name="other"))


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ParametersError, match="not valid YAML"):
        load_file(write(tmp_path, "store_id: [unclosed"))
    with pytest.raises(ParametersError, match="expected a mapping"):
        load_file(write(tmp_path, "- just\n- a list\n"))


def test_unknown_store_lists_the_known_ones() -> None:
    with pytest.raises(UnknownStoreError, match=r"unknown store 'nope'.*bloom, spark, volt"):
        load_store("nope", REPO / "parameters")
    with pytest.raises(UnknownStoreError, match="not a valid store id"):
        load_store("../etc/passwd", REPO / "parameters")


def test_credentials_come_from_the_environment_only(tmp_path: Path) -> None:
    store = load_file(write(tmp_path, GOOD))
    env = {"ACME_KEY": "k", "ACME_SECRET": "s3cr3t-value", "ACME_TOKEN": "tok-value"}
    creds = store.credentials(env)
    assert (creds.app_key, creds.app_secret, creds.access_token) == ("k", "s3cr3t-value",
                                                                      "tok-value")
    assert "s3cr3t-value" not in repr(creds) and "tok-value" not in repr(creds)
    with pytest.raises(MissingCredentialError, match="ACME_SECRET, ACME_TOKEN not set"):
        store.credentials({"ACME_KEY": "k"})


def test_triage_costs_and_lanes_are_validated_when_loading(tmp_path: Path) -> None:
    good = {**GOOD, "triage": {"escalation_rule": "legacy",
                               "costs": {"currency": "EUR", "per_usd": 0.92,
                                         "win_chance": {"extortion": 0.9}}},
            "tracking": {"lanes": {"Cainiao:BR": {"stalled_days": 14}}}}
    store = load_file(write(tmp_path, good))
    model = store.triage.cost_model()
    assert model.currency == "EUR" and model.win_chance["extortion"] == 0.9
    with pytest.raises(ParametersError, match="unknown cost field"):
        load_file(write(tmp_path, {**GOOD, "triage": {"costs": {"bogus": 1}}}))
    with pytest.raises(ParametersError, match="between 0 and 1"):
        load_file(write(tmp_path, {**GOOD, "triage": {"costs": {"gift_cost": 1,
                                                               "partial_accepted": 3}}}))
    with pytest.raises(ParametersError, match="escalation_rule"):
        load_file(write(tmp_path, {**GOOD, "triage": {"escalation_rule": "soon"}}))
    with pytest.raises(ParametersError, match="unknown threshold"):
        load_file(write(tmp_path, {**GOOD, "tracking": {"lanes": {"Cainiao:BR": {"x": 1}}}}))
    with pytest.raises(ParametersError, match="presumed_lost_days"):
        load_file(write(tmp_path, {**GOOD, "tracking": {"lanes": {
            "*:BR": {"stalled_days": 40, "presumed_lost_days": 30}}}}))
