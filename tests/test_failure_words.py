"""Failures and platform states in the operator's words: every error class disputekit has,
and every state the platform sends, without method names, errnos, class names or secrets."""

from __future__ import annotations

import inspect
import re

import pytest

from disputekit import errors
from disputekit.domain.failure_words import STATES, failure_in_words, status_in_words
from disputekit.simulator import lifecycle

INTERNALS = re.compile(r"aliexpress\.[a-z]|Errno|Traceback|[A-Za-z]+Error\b|access_token=\w")
METHOD = "aliexpress.issue.solution.save"


def every_error() -> list[Exception]:
    """One instance of every exception class in errors.py, saying what the code would."""
    made: list[Exception] = []
    for _name, cls in inspect.getmembers(errors, inspect.isclass):
        if not issubclass(cls, errors.DisputeKitError):
            continue
        message = (f"{METHOD}: 15 Remote service error (isv.bad: nope) [Errno 111] "
                   "https://gw/sync?access_token=secret123&sign=ab")
        if issubclass(cls, errors.PlatformError):
            made.append(cls(message, method=METHOD, code="15", msg="Remote service error",
                            sub_code="isv.bad", sub_msg="nope"))
        elif issubclass(cls, errors.PlatformUnreachableError):
            made.append(cls(message, maybe_sent=True))
        else:
            made.append(cls(message))
    return made


@pytest.mark.parametrize("exc", every_error(), ids=lambda e: type(e).__name__)
def test_every_error_is_said_in_words(exc: Exception) -> None:
    said = failure_in_words(exc)
    assert said and not INTERNALS.search(said), said
    assert "secret123" not in said


def test_words_say_what_to_do() -> None:
    limited = errors.RateLimitedError("x", retry_after=4, method=METHOD, code="7")
    assert failure_in_words(limited).startswith("AliExpress is limiting requests right now: "
                                                "wait 4 s")
    token = errors.AccessTokenError("x", method=METHOD, code="27")
    assert "re-authorise the store" in failure_in_words(token)
    lost = errors.PlatformUnreachableError("x", maybe_sent=True)
    assert "read back before anything is sent again" in failure_in_words(lost)
    refused = errors.PlatformUnreachableError("x", maybe_sent=False)
    assert "Nothing reached AliExpress" in failure_in_words(refused)
    assert "[Errno" not in failure_in_words(ConnectionRefusedError(111, "Connection refused"))
    assert failure_in_words(RuntimeError("boom")).startswith("Something unexpected")


def test_every_state_the_simulator_sends_has_words() -> None:
    source = inspect.getsource(lifecycle)
    sent = set(re.findall(r'"(wait_for_[A-Za-z_]+|[a-z]+_success|refund_reject|'
                          r'ae_feedback_finish)"', source))
    assert sent, "the simulator's states are read from its source"
    for state in sent:
        assert state in STATES, f"{state} has no words"
        assert "_" not in status_in_words(state)
    assert status_in_words("brand_new_state") == "brand new state"
    assert status_in_words("") .startswith("state unknown")
