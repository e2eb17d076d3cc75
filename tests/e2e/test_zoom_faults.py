"""Zoom faults over HTTP on the local stack: a 5xx, a lost answer, 429s, an expired token
under load, a revoked grant (X07), deauthorization (S08) and a meeting deleted in Zoom.
Whatever happens, the calendar change is kept and the work finishes later, exactly once."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.support.stack import START, ZOOM_TIMEOUT, SiteClient, Stack, delta, session_body

CREATE = r"^/v2/users/[^/]+/meetings$"


@pytest.fixture
def zoomed(stack: Stack, studio: SiteClient) -> tuple[SiteClient, str]:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    return studio, user


def meetings_of(stack: Stack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.meetings() if m["host_id"] == user]


def link(site: SiteClient, session: str = "s1") -> dict[str, Any]:
    return dict(site.ok("GET", f"{site.base}/sessions/{session}/link", params={"audience": "staff"}))


def test_zoom_5xx_on_create_keeps_the_session_pending_and_the_sweep_finishes_it(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    site, user = zoomed
    stack.zoom("POST", "faults", json={"method": "POST", "path_regex": CREATE, "status": 500})
    created = site.call("PUT", f"{site.base}/sessions/s1", session_body())
    assert created.status_code == 201  # the calendar change is kept
    assert created.json()["meeting_state"] == "pending"
    assert link(site)["decision"] == "none"
    assert link(site)["reason"] == "pending"
    assert meetings_of(stack, user) == []
    stack.sweep()
    assert len(meetings_of(stack, user)) == 1
    assert link(site)["decision"] == "link"


def test_a_create_whose_answer_was_lost_is_adopted_not_duplicated(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    site, user = zoomed
    stack.zoom("POST", "faults", json={"method": "POST", "path_regex": CREATE, "drop": True})
    assert site.call("PUT", f"{site.base}/sessions/s1", session_body()).status_code == 201
    assert len(meetings_of(stack, user)) == 1  # Zoom made it; we never heard
    stack.sweep()
    stack.sweep()
    assert len(meetings_of(stack, user)) == 1  # adopted by its marker, not made again
    assert link(site)["decision"] == "link"


def test_a_create_that_times_out_is_adopted_by_the_sweep_not_duplicated(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    """Zoom is slow: our call times out, Zoom creates the meeting anyway."""
    site, user = zoomed
    slow = {"method": "POST", "path_regex": CREATE, "status": 0, "delay_seconds": ZOOM_TIMEOUT + 1}
    stack.zoom("POST", "faults", json=slow)
    created = site.call("PUT", f"{site.base}/sessions/s1", session_body())
    assert created.status_code == 201
    assert created.json()["meeting_state"] == "pending"
    time.sleep(1.5)  # Zoom finishes the create after we gave up
    assert len(meetings_of(stack, user)) == 1
    stack.sweep()
    assert len(meetings_of(stack, user)) == 1  # adopted by its marker, not created twice
    answer = link(site)
    assert answer["decision"] == "link"
    assert answer["provider"] == "zoom"


def test_429s_are_retried_by_the_worker_with_backoff(stack: Stack, zoomed: tuple[SiteClient, str]) -> None:
    """The request makes one call (its inline budget); the worker retries the 429 with backoff."""
    site, user = zoomed
    stack.zoom("POST", "faults", json={"method": "POST", "path_regex": CREATE, "status": 429, "times": 2})
    before = stack.zoom_calls()
    created = site.call("PUT", f"{site.base}/sessions/s1", session_body())
    assert (created.status_code, created.json()["meeting_state"]) == (201, "pending")
    assert created.json()["pending_reason"] == "zoom_rate_limited"
    stack.settle()
    assert link(site)["decision"] == "link"
    assert len(meetings_of(stack, user)) == 1
    assert delta(before, stack.zoom_calls()) == {"create_meeting": 1}  # the emulator counts what it did


def test_50_concurrent_calls_on_an_expired_token_refresh_it_once(stack: Stack, studio: SiteClient) -> None:
    site = studio
    site.connect_zoom(stack.new_zoom_user(), access="account")  # listing users needs the admin app
    assert site.call("GET", f"{site.base}/zoom/users").status_code == 200  # warm: a token in hand
    stack.zoom("POST", "expire-tokens")
    before = stack.zoom_calls()
    answers = site.concurrently("GET", f"{site.base}/zoom/users", 50)
    assert [a.status_code for a in answers] == [200] * 50, [a.text for a in answers if a.status_code != 200][
        :1
    ]
    assert delta(before, stack.zoom_calls()).get("token_refresh") == 1


def test_x07_a_revoked_grant_marks_needs_reconnect_and_links_fall_back_to_nothing(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    site, user = zoomed
    assert site.call("PUT", f"{site.base}/sessions/s1", session_body()).status_code == 201
    assert link(site)["decision"] == "link"
    stack.zoom("POST", "revoke", json={"user_id": user})
    stack.zoom("POST", "expire-tokens")
    moved = site.call("PUT", f"{site.base}/sessions/s1", session_body(START + timedelta(days=1)))
    assert moved.status_code == 200, moved.text  # the calendar change is kept...
    stack.settle()  # ...the worker's refresh is refused; it marks the connection and its accounts
    assert site.ok("GET", f"{site.base}/sessions/s1")["pending_reason"] == "needs_reconnect"
    after = link(site)
    assert after["decision"] == "none"
    assert after["reason"] == "needs_reconnect"
    assert "connected again" in after["detail"]
    account = site.ok("GET", f"{site.base}/vc-account")
    assert account["account"]["status"] == "needs_reconnect"
    site.connect_zoom(user)  # the admin reconnects: links come back
    stack.sweep()
    assert link(site)["decision"] == "link"


def test_s08_deauthorizing_in_zoom_disconnects_and_deletes_the_zoom_data(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    site, user = zoomed
    assert site.call("PUT", f"{site.base}/sessions/s1", session_body()).status_code == 201
    sent = stack.zoom(
        "POST", "deauthorize", json={"user_id": user, "url": f"{stack.base_url}/v1/zoom/webhook"}
    )
    assert sent["status"] == 200
    stack.settle()
    account = site.ok("GET", f"{site.base}/vc-account")
    assert account["connected"] is False
    assert link(site)["decision"] == "none"
    other = stack.new_zoom_user()
    site.connect_zoom(other)  # S08: the site can then connect another Zoom account
    assert site.ok("GET", f"{site.base}/vc-account")["connected"] is True


def test_a_meeting_deleted_in_zoom_is_recreated_by_the_sweep(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    site, user = zoomed
    assert site.call("PUT", f"{site.base}/sessions/s1", session_body()).status_code == 201
    [meeting] = meetings_of(stack, user)
    webhook = f"{stack.base_url}/v1/zoom/webhook"
    assert (
        stack.zoom("POST", "delete-meeting", json={"meeting_id": meeting["id"], "url": webhook})["status"]
        == 200
    )
    assert link(site)["decision"] == "none"
    stack.sweep()
    [again] = meetings_of(stack, user)
    assert again["id"] != meeting["id"]
    assert link(site)["url"].startswith(stack.zoom_url)


def test_webhooks_with_a_bad_signature_are_refused(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.base_url}/v1/zoom/webhook",
        content=b'{"event":"app_deauthorized","payload":{}}',
        headers={
            "content-type": "application/json",
            "x-zm-request-timestamp": "1",
            "x-zm-signature": "v0=00",
        },
        timeout=30,
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_next_change_of_a_pending_session_finishes_its_meeting(
    stack: Stack, zoomed: tuple[SiteClient, str]
) -> None:
    """Besides the sweep, any later hook on the session (here: the platform retrying its call) finishes it."""
    site, user = zoomed
    stack.zoom("POST", "faults", json={"method": "POST", "path_regex": CREATE, "status": 503})
    assert site.call("PUT", f"{site.base}/sessions/s1", session_body()).json()["meeting_state"] == "pending"
    retried = site.call("PUT", f"{site.base}/sessions/s1", session_body())
    assert retried.status_code == 200
    assert retried.json()["meeting_state"] == "ready"
    assert len(meetings_of(stack, user)) == 1
