"""Words for the operator, not internals: the platform's states and every failure (pure).

The workbook shows a dispute's state as "waiting for your answer", not
``wait_for_seller_response``, and a failure as what happened and what to do, never a
method name (``aliexpress.issue.solution.save``), an errno, an exception's class or a URL
carrying a token.

>>> status_in_words("wait_for_seller_response")
'waiting for your answer'
>>> status_in_words("some_new_state")
'some new state'
"""

from __future__ import annotations

import re

from disputekit.errors import (
    AccessTokenError,
    DisputeKitError,
    InvalidRequestError,
    MalformedPayloadError,
    PlatformError,
    PlatformUnavailableError,
    PlatformUnreachableError,
    RateLimitedError,
    SignatureError,
    TrackingAuthError,
    TrackingError,
    TrackingRateLimitedError,
    TrackingUnavailableError,
    TruncatedResponseError,
)

# The platform's states (reference §5: ``reverse_detail_status``, ``issue_status`` and the
# legacy ``issueStatus``), as an operator says them.
STATES = {
    "wait_for_seller_response": "waiting for your answer",
    "wait_for_your_response": "waiting for your answer to a plan",
    "wait_for_your_evidence": "waiting for your evidence",
    "wait_for_buyer_response": "waiting for the buyer's answer",
    "wait_for_service_provider_response": "the buyer's return is on its way",
    "wait_for_AE_feedback": "with AliExpress (arbitration)",
    "wait_for_final_solution": "AliExpress is deciding",
    "wait_ae_final_feedback": "AliExpress is deciding",
    "wait_for_seller_set_return_address": "waiting for your return address",
    "wait_for_buyer_return": "waiting for the buyer to send it back",
    "wait_for_seller_confirmation": "waiting for you to confirm the return arrived",
    "wait_for_warehouse_confirmation": "waiting for the warehouse to confirm the return",
    "wait_for_warehouse_quality_check": "the warehouse is checking the return",
    "return_success": "closed: returned",
    "refund_success": "closed: buyer refunded",
    "refund_reject": "closed: no refund",
    "ae_feedback_finish": "closed: plan agreed",
    "processing": "open",
    "finish": "closed",
    "canceled": "closed: buyer cancelled",
    "cancelled": "closed: buyer cancelled",
    "WAIT_SELLER_CONFIRM_REFUND": "waiting for your answer",
    "SELLER_REFUSE_REFUND": "you refused; waiting for the buyer",
    "ACCEPTISSUE": "plan agreed",
    "WAIT_BUYER_SEND_GOODS": "waiting for the buyer to send it back",
    "WAIT_SELLER_RECEIVE_GOODS": "waiting for you to confirm the return arrived",
    "ARBITRATING": "with AliExpress (arbitration)",
    "SELLER_RESPONSE_ISSUE_TIMEOUT": "closed: you did not answer in time",
}

# What must never reach the operator's screen: a platform method's name, an errno, a
# token or signature in a URL, a traceback's first line.
_SCRUB = (
    (re.compile(r"\baliexpress(?:\.[A-Za-z0-9_]+)+\s*:?\s*"), ""),
    (re.compile(r"\[Errno -?\d+\]\s*"), ""),
    (re.compile(r"\b(access_token|refresh_token|sign|app_secret|secret|key)=[^\s&,;)]+",
                re.IGNORECASE), r"\1=…"),
    (re.compile(r"Traceback \(most recent call last\):?"), ""),
    (re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b:?\s*"), ""),
)


def status_in_words(status: str) -> str:
    """A platform state in words; one disputekit does not know reads as its code spaced."""
    code = (status or "").strip()
    if not code:
        return "state unknown (sync the store)"
    return STATES.get(code) or STATES.get(code.lower()) or code.replace("_", " ").lower()


def scrub(text: str) -> str:
    """``text`` without method names, errnos, secrets in URLs or exception names."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s{2,}", " ", text).strip(" .;:") + "."


def failure_in_words(exc: BaseException) -> str:
    """What went wrong and what to do, in one or two sentences."""
    if isinstance(exc, RateLimitedError):
        return (f"AliExpress is limiting requests right now: wait {exc.retry_after:.0f} s "
                "and try again. Nothing was changed.")
    if isinstance(exc, AccessTokenError):
        return ("AliExpress refused this store's access token (expired or revoked): "
                "re-authorise the store in the AliExpress console and update its token. "
                "Nothing was sent.")
    if isinstance(exc, SignatureError):
        return ("AliExpress refused the request's signature: check that the app secret "
                "belongs to this app key and that this computer's clock is right.")
    if isinstance(exc, PlatformUnavailableError):
        return ("AliExpress had a fault on its side: try again in a few minutes. Before "
                "anything is sent again, the dispute is read back, so nothing is done twice.")
    if isinstance(exc, InvalidRequestError):
        said = exc.sub_msg or exc.msg or str(exc)
        return "AliExpress refused it: " + scrub(said) + " Sync the store to see its state."
    if isinstance(exc, PlatformError):
        return "AliExpress refused it: " + scrub(exc.msg or str(exc))
    if isinstance(exc, PlatformUnreachableError):
        again = (" If it was a change, the dispute is read back before anything is sent "
                 "again, so nothing is done twice." if exc.maybe_sent else
                 " Nothing reached AliExpress.")
        return ("AliExpress could not be reached or did not answer in time: check the "
                "network and try again." + again)
    if isinstance(exc, TruncatedResponseError):
        return ("AliExpress's answer was cut off on the way: try again (nothing is sent "
                "twice).")
    if isinstance(exc, MalformedPayloadError):
        return ("AliExpress sent an answer disputekit cannot read: " + scrub(str(exc))
                + " Sync the store; if it stays, report it.")
    if isinstance(exc, TrackingAuthError):
        return ("17TRACK refused the key: check DISPUTEKIT_17TRACK_KEY and, in 17TRACK, "
                "that this machine's address is allowed.")
    if isinstance(exc, TrackingRateLimitedError | TrackingUnavailableError):
        return "17TRACK is busy or down: tracking is read again at the next sync."
    if isinstance(exc, TrackingError):
        return "17TRACK refused the request: " + scrub(str(exc))
    if isinstance(exc, DisputeKitError):
        return scrub(str(exc))  # disputekit's own messages already say how to fix it
    if isinstance(exc, TimeoutError):
        return "It took too long and was stopped: try again."
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        return f"The computer could not do it: {scrub(what).rstrip('.')}{where}."
    return ("Something unexpected went wrong; nothing more was done. The log has the "
            "details: please report it.")
