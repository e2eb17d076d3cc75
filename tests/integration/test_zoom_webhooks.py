"""Zoom's webhooks (issue 10, point 7) through the handlers on moto, with the emulator as Zoom:
a time changed in Zoom's portal is put back; a deactivated or deleted user's sessions need their
admin and say so (reactivated, they work again); an event delivered again is recognised; a
deauthorization older than the connection is ignored; every webhook answers at once and leaves
its work to the pipeline."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.work import WorkRef
from tests.support.api import Api, SiteHandle
from tests.support.zoom import WEBHOOK_TOKENS, connect, session


def signed(event: str, payload: dict[str, Any], event_ts: float | None = None) -> tuple[str, dict[str, str]]:
    """A webhook as the user-managed app signs it."""
    raw = json.dumps({"event": event, "event_ts": int((event_ts or time.time()) * 1000), "payload": payload})
    stamp = str(int(time.time()))
    digest = hmac.new(WEBHOOK_TOKENS[0].encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256).hexdigest()
    return raw, {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": f"v0={digest}",
    }


def deliver(api: Api, event: str, payload: dict[str, Any], event_ts: float | None = None) -> Any:
    raw, headers = signed(event, payload, event_ts)
    return api.post("/v1/zoom/webhook", raw=raw, headers=headers)


def state(site: SiteHandle, session_id: str = "s1") -> tuple[str, str | None]:
    stored = site.api.get(f"{site.base}/sessions/{session_id}").json
    return stored["meeting_state"], stored["pending_reason"]


def test_a_time_changed_in_zooms_portal_is_put_back(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api
) -> None:
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting] = zoom.meetings.values()
    zoom.reset_counters()

    meeting["start_time"] = "2031-03-03T20:00:00Z"  # the host moves it in Zoom's web portal
    changed = {"id": meeting["id"], "start_time": "2031-03-03T20:00:00Z"}
    answer = deliver(anonymous, "meeting.updated", {"account_id": "acct-demo", "object": changed})
    assert (answer.status, answer.json) == (200, {"status": "ok", "noted": True})
    assert meeting["start_time"] == session()["start"]  # put back by the reconciler
    assert zoom.calls() == {"update_meeting": 1}

    ours = {"id": meeting["id"], "start_time": session()["start"]}  # Zoom tells us of our own update
    echo = deliver(anonymous, "meeting.updated", {"account_id": "acct-demo", "object": ours})
    assert (echo.status, echo.json) == (200, {"status": "ok", "noted": False})
    assert zoom.calls() == {"update_meeting": 1}


def test_a_deactivated_hosts_sessions_need_attention_and_work_again_when_reactivated(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api
) -> None:
    connection = connect(site, zoom, access="account")
    mapping = {"provider": "zoom", "connection_id": connection, "zoom_user_id": "zu-bob"}
    assert site.api.put(f"{site.base}/staff/bob/vc-account", mapping).status == 200
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session() | {"staff_id": "bob"}).status == 201
    assert site.api.put(f"{site.base}/sessions/s2", session(days=1)).status == 201

    gone = {"account_id": "acct-demo", "object": {"id": "zu-bob", "email": "bob@demo.example"}}
    assert deliver(anonymous, "user.deactivated", gone).json == {"status": "ok", "connections": 1}
    bob = site.api.get(f"{site.base}/staff/bob/vc-account").json["account"]
    assert (bob["status"], bob["problem"]) == ("needs_reconnect", "zoom_user_deactivated")
    assert state(site, "s1") == ("pending", "zoom_user_deactivated")  # the admin sees why
    assert state(site, "s2") == ("ready", None)  # the other hosts' sessions are untouched
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert (link["decision"], link["reason"]) == ("none", "needs_reconnect")

    assert deliver(anonymous, "user.activated", gone).json == {"status": "ok", "connections": 1}
    bob = site.api.get(f"{site.base}/staff/bob/vc-account").json["account"]
    assert (bob["status"], bob["problem"]) == ("connected", None)
    assert state(site, "s1") == ("ready", None)


def test_a_deleted_connection_owner_needs_reconnecting(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api
) -> None:
    connect(site, zoom)
    gone = {"account_id": "acct-demo", "object": {"id": "zu-host"}}
    assert deliver(anonymous, "user.deleted", gone).json == {"status": "ok", "connections": 1}
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", "zoom_user_deleted")


def test_an_event_delivered_again_is_recognised_and_not_acted_on_twice(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api
) -> None:
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting] = zoom.meetings.values()
    payload = {"account_id": "acct-demo", "object": {"id": meeting["id"], "host_id": "zu-host"}}
    raw, headers = signed("meeting.deleted", payload)
    first = anonymous.post("/v1/zoom/webhook", raw=raw, headers=headers)
    again = anonymous.post("/v1/zoom/webhook", raw=raw, headers=headers)  # Zoom's retry: the same event
    assert (first.status, first.json) == (200, {"status": "ok", "forgotten": True})
    assert (again.status, again.json) == (200, {"status": "duplicate"})


def test_s08_a_deauthorization_older_than_the_connection_is_ignored(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api
) -> None:
    before = time.time() - 3600  # a notice about the grant the user had an hour ago
    connect(site, zoom)
    payload = {"account_id": "acct-demo", "user_id": "zu-host", "client_id": zoom.client_id}
    stale = deliver(anonymous, "app_deauthorized", payload, event_ts=before)
    assert (stale.status, stale.json) == (200, {"status": "ok", "removed_connections": 0})
    assert site.api.get(f"{site.base}/vc-account").json["connected"] is True
    fresh = deliver(anonymous, "app_deauthorized", payload)
    assert fresh.json == {"status": "ok", "removed_connections": 1}


def test_every_webhook_answers_at_once_and_leaves_its_work_to_the_pipeline(
    site: SiteHandle, zoom: ZoomEmulator, anonymous: Api, worker_switch: Any
) -> None:
    connection = connect(site, zoom, access="account")
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting] = zoom.meetings.values()
    zoom.reset_counters()
    events = [
        ("meeting.updated", {"object": {"id": meeting["id"], "start_time": "2031-03-04T08:00:00Z"}}),
        ("meeting.deleted", {"object": {"id": meeting["id"]}}),
        ("user.deactivated", {"account_id": "acct-demo", "object": {"id": "zu-anna"}}),
        (
            "app_deauthorized",
            {"account_id": "acct-demo", "user_id": "zu-host", "client_id": "test-admin-client-id"},
        ),
    ]
    with worker_switch.paused():
        for event, payload in events:
            began = time.monotonic()
            answer = deliver(anonymous, event, payload)
            assert answer.status == 200, (event, answer.text)
            assert time.monotonic() - began < 3.0  # Zoom waits 3 s
        assert zoom.calls() == {}  # no Zoom call made while answering
        repo = container().repo
        assert repo.get_work(WorkRef.session(site.site_id, "s1")) is not None
        assert repo.get_work(WorkRef.connection(site.site_id, connection)) is not None
