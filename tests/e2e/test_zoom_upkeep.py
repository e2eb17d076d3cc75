"""Keeping Zoom meetings right, over HTTP on the local stack (issue 10, points 3, 5, 6, 7): the
service's meeting settings reach Zoom (S09); a Basic host's class shares its join link and the
per-registrant limit waits for one booking only (S03); each host's daily quota is counted and
shown (X11); the checks before a session repair a meeting gone at Zoom (X10); a time changed in
Zoom's portal is put back and a deactivated host's sessions say why (webhooks)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from local.stack import ZOOM_WEBHOOK_TOKEN
from tests.support.stack import CancelAfter, SiteClient, Stack, delta, iso, session_body

LATER = datetime(2032, 2, 2, 10, 0, tzinfo=UTC)  # no other test has sessions then (the checks read by time)


def meetings_of(stack: Stack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.meetings() if m["host_id"] == user]


def session_state(site: SiteClient, session: str = "s1") -> tuple[str, str | None]:
    stored = site.ok("GET", f"{site.base}/sessions/{session}")
    return stored["meeting_state"], stored["pending_reason"]


def test_s09_the_services_meeting_settings_reach_zoom_and_follow_its_changes(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    settings = {
        "waiting_room": True,
        "passcode_required": True,
        "mute_on_entry": True,
        "auto_recording": "local",
    }
    studio.ok(
        "PUT",
        f"{studio.base}/services/consult",
        {"kind": "appointment", "online": True, "meeting_settings": settings},
    )
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    stack.settle()
    [meeting] = meetings_of(stack, user)
    chosen = {k: meeting["settings"].get(k) for k in ("waiting_room", "mute_upon_entry", "auto_recording")}
    assert chosen == {"waiting_room": True, "mute_upon_entry": True, "auto_recording": "local"}
    before = stack.zoom_calls()
    body = {"kind": "appointment", "online": True, "meeting_settings": settings | {"auto_recording": "cloud"}}
    studio.ok("PUT", f"{studio.base}/services/consult", body)
    stack.settle()
    [meeting] = meetings_of(stack, user)
    assert meeting["settings"]["auto_recording"] == "cloud"
    assert delta(before, stack.zoom_calls()) == {"update_meeting": 1, "get_meeting": 1}  # re-read: its links


def test_s03_a_basic_host_gives_every_client_the_meetings_join_link(stack: Stack, studio: SiteClient) -> None:
    basic = stack.new_zoom_user(role="Member")  # a member of a free account: Basic
    studio.connect_zoom(basic)
    studio.ok("PUT", f"{studio.base}/services/flow", {"kind": "class", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/c1", session_body(service_id="flow"))
    for booking in ("b1", "b2"):
        studio.ok(
            "PUT",
            f"{studio.base}/sessions/c1/bookings/{booking}",
            {"client_name": "A", "client_email": f"{booking}@x.test"},
        )
    stack.settle()
    [meeting] = meetings_of(stack, basic)
    assert meeting["settings"]["approval_type"] == 2
    assert meeting["registrants"] == []
    links = {
        studio.ok("GET", f"{studio.base}/sessions/c1/link", params={"audience": "client", "booking": b})[
            "url"
        ]
        for b in ("b1", "b2")
    }
    assert links == {meeting["join_url"]}


def test_s03_the_per_registrant_limit_waits_for_that_booking_only(
    stack: Stack, studio: SiteClient, cancel_after: CancelAfter
) -> None:
    user = stack.new_zoom_user()  # an owner: licensed
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/flow", {"kind": "class", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/c1", session_body(service_id="flow"))
    stack.settle()
    [meeting] = meetings_of(stack, user)
    stack.zoom(
        "POST", "registrant-adds", json={"meeting_id": meeting["id"], "email": "ada@x.test", "count": 3}
    )
    cancel_after(studio, "sessions/c1/bookings/ada")
    studio.ok(
        "PUT", f"{studio.base}/sessions/c1/bookings/ada", {"client_name": "Ada", "client_email": "ada@x.test"}
    )
    studio.ok(
        "PUT", f"{studio.base}/sessions/c1/bookings/bob", {"client_name": "Bob", "client_email": "bob@x.test"}
    )
    stack.settle()
    [meeting] = meetings_of(stack, user)
    assert [r["email"] for r in meeting["registrants"] if r["status"] == "approved"] == ["bob@x.test"]
    assert session_state(studio, "c1") == ("ready", None)  # the class itself is fine


def test_x11_each_hosts_daily_count_is_shown_with_the_work_waiting_for_tomorrow(
    stack: Stack, studio: SiteClient, cancel_after: CancelAfter
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    stack.settle()
    usage = studio.ok("GET", f"{studio.base}/zoom/usage")
    assert [(h["zoom_user_id"], h["used_today"], h["limit"], h["waiting"]) for h in usage["hosts"]] == [
        (user, 1, 100, [])
    ]

    stack.zoom("POST", "daily-usage", json={"user_id": user, "count": 100})  # other apps used the day up
    cancel_after(studio, "sessions/s2")
    cancel_after(studio, "sessions/s3")
    studio.ok("PUT", f"{studio.base}/sessions/s2", session_body(datetime(2031, 5, 6, 9, 0, tzinfo=UTC)))
    studio.ok("PUT", f"{studio.base}/sessions/s3", session_body(datetime(2031, 5, 7, 9, 0, tzinfo=UTC)))
    stack.settle()
    usage = studio.ok("GET", f"{studio.base}/zoom/usage")
    assert [(h["used_today"], h["waiting"]) for h in usage["hosts"]] == [(100, ["s2", "s3"])]
    assert session_state(studio, "s3") == ("pending", "zoom_daily_limit")


def test_x10_the_check_a_day_before_makes_again_a_meeting_gone_at_zoom(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(LATER))
    stack.settle()
    [meeting] = meetings_of(stack, user)
    stack.zoom("POST", "delete-meeting", json={"meeting_id": meeting["id"]})  # and nobody told us

    stack.sweep(LATER - timedelta(hours=24) - datetime.now(UTC) + timedelta(minutes=1))  # a day before
    [again] = meetings_of(stack, user)
    assert again["id"] != meeting["id"]
    check = studio.ok("GET", f"{studio.base}/sessions/s1")["last_check"]
    assert (check["problem"], check["repaired"]) == (None, "recreated")
    link = studio.ok("GET", f"{studio.base}/sessions/s1/link", params={"audience": "staff"})
    assert link["url"] == again["start_url"]


def test_a_time_changed_in_zooms_portal_is_put_back(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    stack.settle()
    [meeting] = meetings_of(stack, user)
    moved = {
        "meeting_id": meeting["id"],
        "start_time": "2031-05-05T11:00:00Z",
        "url": f"{stack.base_url}/v1/zoom/webhook",
    }
    assert stack.zoom("POST", "portal-edit", json=moved)["status"] == 200
    stack.settle()
    [meeting] = meetings_of(stack, user)
    assert meeting["start_time"] == iso(datetime(2031, 5, 5, 9, 0, tzinfo=UTC))


def test_a_deactivated_hosts_sessions_say_why_and_work_again_when_reactivated(
    stack: Stack, studio: SiteClient
) -> None:
    account = f"acct-{studio.site_id}"
    owner = stack.new_zoom_user(role="Owner", account=account)
    coach = stack.new_zoom_user(role="Owner", account=account)
    connection = studio.connect_zoom(owner, access="account")
    studio.ok(
        "PUT",
        f"{studio.base}/staff/anna/vc-account",
        {"provider": "zoom", "connection_id": connection, "zoom_user_id": coach},
    )
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(staff_id="anna"))
    stack.settle()
    hook = f"{stack.base_url}/v1/zoom/webhook"
    off = {"user_id": coach, "status": "inactive", "url": hook, "client_id": "local-admin-client-id"}
    assert stack.zoom("POST", "user-status", json=off)["status"] == 200
    stack.settle()
    assert session_state(studio) == ("pending", "zoom_user_deactivated")
    anna = studio.ok("GET", f"{studio.base}/staff/anna/vc-account")["account"]
    assert (anna["status"], anna["problem"]) == ("needs_reconnect", "zoom_user_deactivated")

    on = off | {"status": "active"}
    assert stack.zoom("POST", "user-status", json=on)["status"] == 200
    stack.settle()
    assert session_state(studio) == ("ready", None)


def test_a_webhook_zoom_delivers_again_is_recognised(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    stack.settle()
    [meeting] = meetings_of(stack, user)
    raw = json.dumps(
        {
            "event": "meeting.deleted",
            "event_ts": int(time.time() * 1000),
            "payload": {"object": {"id": meeting["id"]}},
        }
    )
    answers = []
    for _ in range(2):  # Zoom's retry: the same event, signed again
        stamp = str(int(time.time()))
        digest = hmac.new(
            ZOOM_WEBHOOK_TOKEN.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {
            "content-type": "application/json",
            "x-zm-request-timestamp": stamp,
            "x-zm-signature": f"v0={digest}",
        }
        answers.append(
            httpx.post(f"{stack.base_url}/v1/zoom/webhook", content=raw, headers=headers, timeout=30).json()
        )
    assert answers == [{"status": "ok", "forgotten": True}, {"status": "duplicate"}]
