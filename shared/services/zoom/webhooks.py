"""Zoom's webhooks: verified on the raw body, answered fast, idempotent (Zoom retries).

- `endpoint.url_validation`: answer the challenge (Zoom checks the endpoint with it).
- `app_deauthorized` (S08): the app was removed on Zoom's side; every connection of
  that Zoom user goes, its tokens and stored Zoom data deleted by the pipeline. A notice
  sent before a connection was made is about an earlier grant (a replay): that one stays.
- `meeting.deleted`: forget the session's reference; the session's work item makes a
  new meeting when the session still wants one.
- `meeting.updated`: a time changed at Zoom (its web portal) is noted on the session's
  meeting, and the session's item puts the session's own time back (the reconciler).
- `user.deactivated`, `user.deleted` (and `user.activated`): the user's own connections, and
  the accounts mapped to the user under an admin-managed connection of that Zoom account,
  need their admin (their sessions say so); reactivated, they work again.
Each answer costs a few reads and writes whatever the sites' sizes: it stores what changed
with the work it implies, and the work that spreads is queued for the worker (Zoom waits 3 s,
and retries what times out). An event handled once is recognised when Zoom delivers it again
(a marker per event, kept three days: Zoom retries for about an hour and a half).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.domain.auth import same_secret
from shared.domain.errors import InvalidInput, Unauthorized
from shared.domain.models import Removal, ZoomAppType
from shared.domain.work import WorkRef
from shared.services import connections

logger = Logger(service="vclinks")
TIMESTAMP_WINDOW_SECONDS = 300
SEEN_DAYS = 3
USER_EVENTS = {"user.deactivated": "deactivated", "user.deleted": "deleted"}


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


def verify_any(
    headers: Mapping[str, str], raw_body: str, secret_tokens: tuple[str, ...], now: float | None = None
) -> tuple[dict[str, Any], str]:
    """Each of the deployment's Zoom apps signs with its own Secret Token: the event, and the
    token that signed it (the URL validation answer is made with that one)."""
    refusal = Unauthorized("Webhooks are not configured (no webhook secret token).")
    for secret_token in secret_tokens:
        try:
            return verify(headers, raw_body, secret_token, now), secret_token
        except Unauthorized as error:
            refusal = error
    raise refusal


def handle(
    repo: Repository,
    secret_token: str,
    event: dict[str, Any],
    app_of: Callable[[str], ZoomAppType | None] = lambda _: None,
) -> tuple[dict[str, Any], list[WorkRef]]:
    """The answer to a verified event, and the work it leaves for the worker (answered at once:
    Zoom waits 3 s at most, and retries what times out)."""
    name = event["event"]
    payload = event.get("payload") or {}
    if name == "endpoint.url_validation":
        plain = str(payload.get("plainToken", ""))
        return {"plainToken": plain, "encryptedToken": _hex_hmac(secret_token, plain)}, []
    digest = event_digest(event)
    if repo.webhook_seen(digest):
        return {"status": "duplicate"}, []
    answer, work = _act(repo, name, payload, event, app_of)
    repo.mark_webhook(digest, SEEN_DAYS)  # after acting: a failure leaves Zoom's retry to act
    return answer, work


def event_digest(event: dict[str, Any]) -> str:
    """An event's identity: Zoom sends no id, and a retry carries the same event, time and payload."""
    canonical = json.dumps(
        {k: event.get(k) for k in ("event", "event_ts", "payload")}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _act(
    repo: Repository,
    name: str,
    payload: dict[str, Any],
    event: dict[str, Any],
    app_of: Callable[[str], ZoomAppType | None],
) -> tuple[dict[str, Any], list[WorkRef]]:
    obj = payload.get("object") or {}
    if name == "app_deauthorized":
        work = deauthorize(
            repo,
            str(payload.get("account_id", "")),
            str(payload.get("user_id", "")),
            _event_time(event, payload),
            app_of(str(payload.get("client_id", ""))),
        )
        return {"status": "ok", "removed_connections": len(work)}, work
    if name == "meeting.deleted":
        forgotten = forget_deleted_meeting(repo, str(obj.get("id", "")))
        return {"status": "ok", "forgotten": forgotten is not None}, [forgotten] if forgotten else []
    if name == "meeting.updated":
        noted = note_updated_meeting(repo, obj)
        return {"status": "ok", "noted": noted is not None}, [noted] if noted else []
    if name in USER_EVENTS or name == "user.activated":
        account_id, user_id = str(payload.get("account_id", "")), str(obj.get("id", ""))
        work = user_changed(repo, account_id, user_id, USER_EVENTS.get(name))
        return {"status": "ok", "connections": len(work)}, work
    logger.info("webhook event ignored", extra={"event": name})
    return {"status": "ignored"}, []


def deauthorize(
    repo: Repository, account_id: str, user_id: str, sent_at: datetime | None, app: ZoomAppType | None = None
) -> list[WorkRef]:
    """S08: the Zoom user's connections made through the app that was removed (`app`; None: all
    of them) go, their data deleted by the pipeline. A notice sent before a connection was made
    is about an earlier grant (a replay): that one stays."""
    work = []
    for connection in repo.connections_of_zoom_user(account_id, user_id):
        if app is not None and connection.app is not app:
            continue
        if connection.removal is Removal.DEAUTHORIZED or connections.predates(sent_at, connection):
            continue  # told before (Zoom retries), or about an earlier grant
        if connections.start_removal(repo, connection, Removal.DEAUTHORIZED):  # not a retry running alongside
            work.append(WorkRef.connection(connection.site_id, connection.connection_id))
    logger.info("zoom deauthorized", extra={"connections": len(work)})
    return work


def forget_deleted_meeting(repo: Repository, meeting_id: str) -> WorkRef | None:
    """meeting.deleted: drop the reference; the session's item makes a new meeting if still wanted.
    A retried webhook, or one about a meeting already replaced, changes nothing."""
    if not meeting_id:
        return None
    found = repo.session_of_meeting(meeting_id)
    if found is None:
        return None
    site_id, session_id = found
    if not repo.forget_meeting(site_id, session_id, meeting_id, "meeting_deleted_at_zoom"):
        return None
    return WorkRef.session(site_id, session_id)


def note_updated_meeting(repo: Repository, changed: dict[str, Any]) -> WorkRef | None:
    """meeting.updated: a time Zoom now has that differs from the stored one is noted, and the
    session's item puts the session's time back (an update of our own changes nothing)."""
    meeting_id = str(changed.get("id", ""))
    found = repo.session_of_meeting(meeting_id) if meeting_id else None
    if found is None or not ({"start_time", "duration"} & changed.keys()):
        return None
    site_id, session_id = found
    session = repo.get_session(site_id, session_id)
    if session is None or session.meeting is None or session.meeting.meeting_id != meeting_id:
        return None
    start = _zoom_time(changed.get("start_time"))
    duration = changed.get("duration") if isinstance(changed.get("duration"), int) else None
    if (start is None or start == session.meeting.start) and (
        duration is None or duration == session.meeting.duration_minutes
    ):
        return None
    if not repo.note_meeting_at_zoom(site_id, session_id, meeting_id, start, duration):
        return None
    logger.info("zoom meeting changed at zoom; putting the session's time back", extra={"site_id": site_id})
    return WorkRef.session(site_id, session_id)


def user_changed(repo: Repository, account_id: str, user_id: str, what: str | None) -> list[WorkRef]:
    """user.deactivated / user.deleted (`what`), or user.activated (None): the user's own
    connections, and every admin-managed connection of that Zoom account (staff mapped to the
    user), are marked; their CONNECTION items bring accounts and sessions in step."""
    if not account_id or not user_id:
        return []
    work = []
    targets = {(c.site_id, c.connection_id) for c in repo.connections_of_zoom_user(account_id, user_id)}
    targets |= set(repo.connections_in_account(account_id))
    for site_id, connection_id in sorted(targets):
        if what is None:
            work += connections.note_active_user(repo, site_id, connection_id, user_id)
        else:
            work += connections.note_inactive_user(repo, site_id, connection_id, user_id, what)
    logger.info("zoom user changed", extra={"change": what or "activated", "connections": len(work)})
    return work


def _zoom_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _event_time(event: dict[str, Any], payload: dict[str, Any]) -> datetime | None:
    """When Zoom says the event happened (`event_ts`, or the payload's `deauthorization_time`)."""
    stamp = event.get("event_ts")
    if isinstance(stamp, int | float) and stamp > 0:
        return datetime.fromtimestamp(stamp / 1000, UTC)
    when = payload.get("deauthorization_time")
    if isinstance(when, str):
        try:
            return datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
