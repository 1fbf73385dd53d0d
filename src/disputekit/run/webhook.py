"""The 17TRACK webhook receiver (``disputekit webhook-17track``): pushes stored as they come.

17TRACK POSTs ``{"event": ..., "data": {...}}`` to the WebHook URL set in its API dashboard,
with the header ``sign`` = lowercase hex SHA-256 of the raw body + ``"/"`` + the API key
(reference/tracking-api.md §1.6). This receiver:

- checks ``sign`` against the 17TRACK key of each store it serves (stores sharing one 17TRACK
  account share a key), on the raw bytes, in constant time;
- stores a ``TRACKING_UPDATED``'s tracking for the parcel in the stores whose key signed it
  (``services.seventeentrack_feed.receive_push``): merged with the platform's, each event
  with its source, exactly as a sync stores what it reads;
- answers HTTP 200 ``{"code": 0}`` once stored, which is what 17TRACK counts as delivered;
  401 to an unsigned or mis-signed push, 400 to a malformed one, 413 to a body over 5 MB,
  each with a message saying what is wrong. A refused push writes nothing, so it never
  overwrites good tracking, and 17TRACK records it as failed (``push_status``) for a re-send
  (``/push``) once the cause is fixed.

It listens on loopback unless told otherwise: 17TRACK reaches it through a TLS reverse proxy
(the dashboard wants an https URL). Keys come from the environment variables the stores'
parameters name, never from the command line, and are never logged.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping, Sequence
from typing import Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters
from disputekit.adapters.seventeentrack import verify_webhook
from disputekit.errors import ConfigError, MalformedPayloadError, WebhookSignatureError
from disputekit.services.seventeentrack_feed import receive_push

__all__ = ["DEFAULT_PATH", "DEFAULT_PORT", "MAX_BODY", "check_loopback", "create_webhook_app",
           "keys_of"]

log = logging.getLogger(__name__)

DEFAULT_PORT: Final = 8787
DEFAULT_PATH: Final = "/17track/push"
MAX_BODY: Final = 5 * 1024 * 1024  # one parcel's track_info is kilobytes; this is plenty


def check_loopback(host: str, *, allow_remote: bool = False) -> str:
    """``host`` if it is a loopback address (or ``allow_remote``), else ``ConfigError``."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise ConfigError(
            f"the 17TRACK receiver listens on loopback only, and {host!r} is not a loopback "
            "address: put a TLS reverse proxy in front of 127.0.0.1 (17TRACK wants https), or "
            "add --allow-remote if this machine's interface really must take the pushes")
    return host


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def create_webhook_app(db: Database, keys: Mapping[str, Sequence[StoreParameters]],
                       path: str = DEFAULT_PATH) -> Starlette:
    """The receiver as an ASGI app: ``keys`` maps each 17TRACK API key to the stores it
    serves (``keys_of``); pushes are taken at ``path`` (POST only)."""

    async def push(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return _refused(413, f"push body over {MAX_BODY} bytes refused")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _refused(413, f"push body over {MAX_BODY} bytes refused")
        refusal: WebhookSignatureError | None = None
        for key, stores in keys.items():
            try:
                payload = verify_webhook(body, request.headers, key)
            except WebhookSignatureError as exc:
                refusal = exc
                continue
            except MalformedPayloadError as exc:
                log.warning("17TRACK push refused: %s", exc)
                return _refused(400, str(exc))
            try:
                outcome = await run_in_threadpool(receive_push, db, stores, payload)
            except MalformedPayloadError as exc:
                log.warning("17TRACK push refused: %s", exc)
                return _refused(400, str(exc))
            log.info("17TRACK push %s: %s", outcome.event, outcome.message)
            return JSONResponse({"code": 0, "message": outcome.message})
        message = str(refusal) if refusal else "no 17TRACK key is configured here"
        log.warning("17TRACK push refused: %s", message)
        return _refused(401, message)

    return Starlette(routes=[Route(path, push, methods=["POST"])])


def keys_of(stores: Sequence[StoreParameters], env: Mapping[str, str] | None = None
            ) -> dict[str, list[StoreParameters]]:
    """Each 17TRACK key (read from the environment) and the stores using it; stores without
    ``seventeentrack`` are left out, and none left is a ``ConfigError``."""
    keys: dict[str, list[StoreParameters]] = {}
    for store in stores:
        if store.seventeentrack is not None:
            keys.setdefault(store.seventeentrack_key(env), []).append(store)
    if not keys:
        raise ConfigError(
            "no store has 17TRACK parameters: add a 'seventeentrack' section (api_key_env, "
            "base_url) to the parameters of the stores whose pushes this should take")
    return keys
