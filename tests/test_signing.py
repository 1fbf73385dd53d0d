"""Signatures against the official worked examples (reference §2)."""

from __future__ import annotations

import pytest

from disputekit.wire.signing import SignMethod, canonical_string, sign, verify

TOP_PARAMS = {
    "method": "taobao.item.seller.get", "app_key": "12345678", "session": "test",
    "timestamp": "2016-01-01 12:00:00", "format": "json", "v": "2.0", "sign_method": "md5",
    "fields": "num_iid,title,nick,price,num", "num_iid": "11223344",
}


def test_official_iop_hmac_sha256_vector() -> None:
    params = {"access_token": "test", "app_key": "123456", "order_id": "1234",
              "sign_method": "sha256", "timestamp": "1517820392000"}
    assert sign(params, "helloworld", SignMethod.SHA256, api_name="/order/get") == (
        "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A")


def test_official_top_md5_vector() -> None:
    assert sign(TOP_PARAMS, "helloworld", "md5") == "66987CB115214E59E6EC978214934FB8"


@pytest.mark.parametrize(("method", "expected"), [
    ("hmac", "D56D7858309C31B6251083A874D48273"),
    ("hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8"),
])
def test_top_hmac_variants(method: str, expected: str) -> None:
    # The sign_method value is itself a signed parameter, so it changes with the method.
    assert sign({**TOP_PARAMS, "sign_method": method}, "helloworld", method) == expected


def test_sync_method_is_signed_without_prefix() -> None:
    params = {
        "app_key": "12345678", "format": "json", "method": "aliexpress.issue.issuelist.get",
        "query_dto": '{"current_page":1,"page_size":20,"issue_status":"processing"}',
        "session": "test", "sign_method": "sha256", "simplify": "true",
        "timestamp": "1517820392000", "v": "2.0",
    }
    assert sign(params, "helloworld", "sha256", api_name="aliexpress.issue.issuelist.get") == (
        "875B81A37F5540EA22448FF3E59B3FD8B9CF8515EE1BBE2FDB7C6996ADFA3F33")


def test_auth_path_is_prefixed() -> None:
    params = {"app_key": "12345678", "code": "3_500102_JxZ05Ux3cnnSSUm6dCxYg6Q26",
              "sign_method": "sha256", "timestamp": "1517820392000"}
    assert sign(params, "helloworld", "sha256", api_name="/auth/token/create") == (
        "35607762342831B6A417A0DED84B79C05FEFBF116969C48AD6DC00279A9F4D81")


def test_sign_file_and_empty_params_are_excluded() -> None:
    base = {"b": "2", "a": "1"}
    noisy = {**base, "sign": "XYZ", "image_bytes": b"\x89PNG", "empty": "", "none": None}
    assert canonical_string(noisy) == canonical_string(base) == "a1b2"


def test_verify_accepts_own_signature_and_rejects_tampering() -> None:
    params = {**TOP_PARAMS, "sign_method": "sha256"}
    signed = {**params, "sign": sign(params, "s3cret", "sha256", api_name=params["method"])}
    assert verify(signed, "s3cret", api_name=params["method"])
    assert not verify({**signed, "num_iid": "11223345"}, "s3cret", api_name=params["method"])
    assert not verify(signed, "other-secret", api_name=params["method"])
    assert not verify({**signed, "sign_method": "rot13"}, "s3cret")
