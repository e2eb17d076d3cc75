"""Zoom's webhooks over HTTP on the local stack: the endpoint validation handshake, and
events delivered twice (Zoom retries) acting once: the second answer says it did nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from local.stack import ZOOM_WEBHOOK_TOKEN
from tests.support.stack import SiteClient, Stack, delta, session_body


def deliver(stack: Stack, event: str, payload: dict[str, Any]) -> httpx.Response:
    """A webhook signed as Zoom signs it (v0 HMAC-SHA256 of timestamp and raw body)."""
    raw = json.dumps({"event": event, "event_ts": int(time.time() * 1000), "payload": payload})
    stamp = str(int(time.time()))
    signature = hmac.new(
        ZOOM_WEBHOOK_TOKEN.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256
    ).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": f"v0={signature}",
    }
    return httpx.post(f"{stack.base_url}/v1/zoom/webhook", content=raw, headers=headers, timeout=30)


def test_endpoint_url_validation_answers_zooms_challenge(stack: Stack) -> None:
    answer = deliver(stack, "endpoint.url_validation", {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"})
    assert answer.status_code == 200
    expected = hmac.new(ZOOM_WEBHOOK_TOKEN.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


def test_a_meeting_deleted_in_zoom_delivered_twice_is_recreated_once(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    [meeting] = [m for m in stack.meetings() if m["host_id"] == user]
    webhook = f"{stack.base_url}/v1/zoom/webhook"
    before = stack.zoom_calls()
    deleted = stack.zoom("POST", "delete-meeting", json={"meeting_id": meeting["id"], "url": webhook})
    assert deleted["status"] == 200
    payload = {"account_id": "", "object": {"id": meeting["id"], "uuid": meeting["uuid"], "host_id": user}}
    again = deliver(stack, "meeting.deleted", payload)  # Zoom delivers it again
    assert (again.status_code, again.json()) == (200, {"status": "ok", "forgotten": False})
    stack.settle()
    assert delta(before, stack.zoom_calls()) == {"create_meeting": 1}  # once, not twice
    [remade] = [m for m in stack.meetings() if m["host_id"] == user]
    link = studio.ok("GET", f"{studio.base}/sessions/s1/link", params={"audience": "staff"})
    assert (link["decision"], link["url"]) == ("link", remade["start_url"])


def test_a_deauthorization_delivered_twice_removes_the_connection_once(
    stack: Stack, studio: SiteClient
) -> None:
    account = f"acct-{studio.site_id}"
    user = stack.new_zoom_user(account=account)
    studio.connect_zoom(user)
    payload = {"account_id": account, "user_id": user, "client_id": "local-client-id", "signature": "x"}
    first = deliver(stack, "app_deauthorized", payload)
    second = deliver(stack, "app_deauthorized", payload)
    assert (first.status_code, first.json()) == (200, {"status": "ok", "removed_connections": 1})
    assert (second.status_code, second.json()) == (200, {"status": "ok", "removed_connections": 0})
    stack.settle()
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False
