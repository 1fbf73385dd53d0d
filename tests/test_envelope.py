"""Both envelopes and the error shapes of reference §3."""

from __future__ import annotations

import pytest

from disputekit.errors import (
    AccessTokenError,
    InvalidRequestError,
    MalformedPayloadError,
    PlatformUnavailableError,
    RateLimitedError,
    SignatureError,
)
from disputekit.wire import envelope

METHOD = "aliexpress.issue.detail.get"


def test_wrapped_lists_and_empty_wrappers_unwrap() -> None:
    payload = {"aliexpress_issue_detail_get_response": {"result_object": {
        "id": 1,
        "buyer_solution_list": {"solution_api_dto": [{"id": 5}]},
        "seller_solution_list": {},
        "process_dto_list": {"api_issue_process_dto": [
            {"action_type": "initiate", "attachments": {}},
        ]},
    }, "request_id": "x"}}
    body = envelope.unwrap(METHOD, payload)
    obj = body["result_object"]
    assert obj["buyer_solution_list"] == [{"id": 5}]
    assert obj["seller_solution_list"] == []
    assert obj["process_dto_list"][0]["attachments"] == []


def test_wrap_then_unwrap_is_identity_and_simplify_is_plain() -> None:
    body = {"result_object": {"id": 1, "process_dto_list": [{"attachments": []}]}}
    wrapped = envelope.wrap(METHOD, body, simplify=False)
    assert wrapped[METHOD.replace(".", "_") + "_response"]["result_object"][
        "process_dto_list"] == {"api_issue_process_dto": [{"attachments": {}}]}
    assert envelope.unwrap(METHOD, wrapped) == body
    assert envelope.wrap(METHOD, body, simplify=True) == body


@pytest.mark.parametrize(("error", "kind"), [
    ({"type": "ISV", "code": "IncompleteSignature", "msg": "bad sign"}, SignatureError),
    ({"code": "IllegalAccessToken", "msg": "expired"}, AccessTokenError),
    ({"code": "ApiCallLimit", "msg": "App Call Limited",
      "sub_msg": "This ban will last for 4 more seconds"}, RateLimitedError),
    ({"code": 7, "msg": "App Call Limited",
      "sub_code": "accesscontrol.limited-by-app-api-access-count"}, RateLimitedError),
    ({"code": 15, "msg": "Remote service error", "sub_code": "isp.timeout"},
     PlatformUnavailableError),
    ({"code": 15, "msg": "Remote service error", "sub_code": "isv.issue-not-found"},
     InvalidRequestError),
    ({"code": "41", "msg": "Invalid Arguments"}, InvalidRequestError),
])
def test_error_responses_become_typed_errors(error: dict[str, object], kind: type) -> None:
    with pytest.raises(kind) as info:
        envelope.unwrap(METHOD, {"error_response": {**error, "request_id": "r1"}})
    assert info.value.request_id == "r1"
    assert info.value.method == METHOD


def test_rate_limit_carries_the_ban_length() -> None:
    with pytest.raises(RateLimitedError) as info:
        envelope.unwrap(METHOD, {"error_response": {
            "code": "ApiCallLimit", "sub_msg": "This ban will last for 4 more seconds"}})
    assert info.value.retry_after == 4


def test_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError, match="expected a JSON object"):
        envelope.unwrap(METHOD, ["not", "an", "object"])
