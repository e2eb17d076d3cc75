"""Zoom's webhooks: verified on the raw body, answered fast, idempotent (Zoom retries).

- `endpoint.url_validation`: answer the challenge (Zoom checks the endpoint with it).
- `app_deauthorized` (S08): the app was removed on Zoom's side; every connection of
  that Zoom user is removed here with its tokens and stored Zoom data.
- `meeting.deleted`: forget the session's reference; the meeting is recreated when the
  session still wants one (the session is left `pending` for the sweep).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from shared.adapters.repository import Store
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.tokens import TokenSecrets
from shared.domain.auth import same_secret
from shared.domain.errors import InvalidInput, Unauthorized
from shared.domain.models import MeetingState
from shared.services.sessions import update_session
from shared.services.zoom.connect import remove_connection
from shared.services.zoom.connections import connections_of_zoom_user

logger = Logger(service="vclinks")
TIMESTAMP_WINDOW_SECONDS = 300


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(
    headers: Mapping[str, str], raw_body: str, secret_token: str, now: float | None = None
) -> dict[str, Any]:
    """The event, if `x-zm-signature` matches the raw body and the timestamp is recent."""
    if not secret_token:
        raise Unauthorized("Webhooks are not configured (no webhook secret token).")
    timestamp = headers.get("x-zm-request-timestamp", "")
    signature = headers.get("x-zm-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        raise Unauthorized("The webhook is not signed.")
    if abs((now or time.time()) - int(timestamp)) > TIMESTAMP_WINDOW_SECONDS:
        raise Unauthorized("The webhook's timestamp is outside the accepted window.")
    expected = "v0=" + _hex_hmac(secret_token, f"v0:{timestamp}:{raw_body}")
    if not same_secret(expected, signature):
        raise Unauthorized("The webhook's signature does not match.")
    try:
        event = json.loads(raw_body)
    except json.JSONDecodeError as error:
        raise InvalidInput("The webhook body is not JSON.") from error
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise InvalidInput("The webhook body has no event.")
    return event


def handle(
    store: Store, zoom: ZoomClient, token_secrets: TokenSecrets, secret_token: str, event: dict[str, Any]
) -> dict[str, Any]:
    name = event["event"]
    payload = event.get("payload") or {}
    if name == "endpoint.url_validation":
        plain = str(payload.get("plainToken", ""))
        return {"plainToken": plain, "encryptedToken": _hex_hmac(secret_token, plain)}
    if name == "app_deauthorized":
        removed = deauthorize(
            store, zoom, token_secrets, str(payload.get("account_id", "")), str(payload.get("user_id", ""))
        )
        return {"status": "ok", "removed_connections": removed}
    if name == "meeting.deleted":
        meeting_id = str((payload.get("object") or {}).get("id", ""))
        return {"status": "ok", "forgotten": forget_deleted_meeting(store, meeting_id)}
    logger.info("webhook event ignored", extra={"event": name})
    return {"status": "ignored"}


def deauthorize(
    store: Store, zoom: ZoomClient, token_secrets: TokenSecrets, account_id: str, user_id: str
) -> int:
    connections = connections_of_zoom_user(store, account_id, user_id)
    for connection in connections:
        remove_connection(store, zoom, token_secrets, connection, revoke=False)
    logger.info("zoom deauthorized", extra={"connections": len(connections)})
    return len(connections)


def forget_deleted_meeting(store: Store, meeting_id: str) -> bool:
    if not meeting_id:
        return False
    index = store.get_raw(store.links, {"pk": f"MEETING#{meeting_id}", "sk": "MEETING"})
    if index is None:
        return False
    site_id, session_id = str(index["site_id"]), str(index["session_id"])
    session = store.get_session(site_id, session_id)
    if session is None or session.meeting is None or session.meeting.meeting_id != meeting_id:
        return False  # already forgotten or replaced: a retried webhook changes nothing
    update_session(
        store,
        site_id,
        session_id,
        lambda s: (
            s.model_copy(
                update={
                    "meeting": None,
                    "meeting_state": MeetingState.PENDING,
                    "pending_reason": "meeting_deleted_at_zoom",
                }
            )
            if s.meeting is not None and s.meeting.meeting_id == meeting_id
            else s
        ),
    )
    return True
