"""Zoom as it really is, over HTTP on the local stack (its emulator registers the
deployment's two apps as docs/ZOOM-SETUP.md says): a consent that leaves out a needed scope
connects nothing and says which (S01); disconnecting revokes, and Zoom tells the stack's
Deauthorization URL (S08); a meeting in progress or ended is not deleted again and again;
Zoom's older daily-limit answer is the daily limit too (X11)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.stack import ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_WEBHOOK_TOKEN
from shared.adapters.zoom.scopes import USER_MANAGED_SCOPES
from tests.support.stack import RETURN_TO, CancelAfter, SiteClient, Stack, delta, session_body


@pytest.fixture
def optional_registrant_scope(stack: Stack) -> Iterator[str]:
    """The operator marked one scope of the user-managed app optional in the Marketplace."""
    scope = "meeting:write:registrant"
    app: dict[str, Any] = {
        "client_id": ZOOM_CLIENT_ID,
        "client_secret": ZOOM_CLIENT_SECRET,
        "managed": "user",
        "scopes": sorted(USER_MANAGED_SCOPES),
        "redirect_uris": [f"{stack.base_url}/v1/oauth/zoom/callback"],
        "deauthorization_url": f"{stack.base_url}/v1/zoom/webhook",
        "webhook_secret_token": ZOOM_WEBHOOK_TOKEN,
    }
    stack.zoom("POST", "apps", json=app | {"optional_scopes": [scope]})
    try:
        yield scope
    finally:
        stack.zoom("POST", "apps", json=app)  # as the local stack registered it


def test_s01_a_consent_without_a_needed_scope_connects_nothing_and_names_it(
    stack: Stack, studio: SiteClient, optional_registrant_scope: str
) -> None:
    browser = studio.browser()
    start = browser.get("/v1/oauth/zoom/start", params={"ticket": studio.ticket(), "return_to": RETURN_TO})
    authorize = start.headers["location"]
    page = httpx.get(authorize, timeout=30)
    assert f'value="{optional_registrant_scope}"' in page.text  # a box the user can untick
    offered = re.findall(r'name="offered" value="([^"]+)"', page.text)
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    form |= {"user": stack.new_zoom_user(), "allow": "1", "offered": offered, "scope": []}  # unticked
    consent = httpx.post(f"{stack.zoom_url}/oauth/authorize", data=form, timeout=30)
    back = browser.get(consent.headers["location"])

    assert back.status_code == 302
    returned = parse_qs(urlsplit(back.headers["location"]).query)
    assert returned == {
        "zoom": ["error"],
        "reason": ["zoom-missing-scopes"],
        "missing_scopes": [optional_registrant_scope],
    }
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False


def test_s08_disconnecting_revokes_and_zoom_tells_the_stacks_deauthorization_url(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    assert studio.call("DELETE", f"{studio.base}/vc-account").status_code == 200

    deadline = time.monotonic() + 20
    told: list[dict[str, Any]] = []
    while not told and time.monotonic() < deadline:
        told = [d for d in stack.zoom("GET", "deliveries")["deliveries"] if d["user_id"] == user]
        time.sleep(0.1)
    assert told == [
        {"event": "app_deauthorized", "client_id": ZOOM_CLIENT_ID, "user_id": user, "status": 200}
    ]
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False


@pytest.mark.parametrize("state", ["started", "ended"])
def test_a_cancelled_session_whose_meeting_is_in_progress_or_ended_is_done_not_retried(
    stack: Stack, studio: SiteClient, state: str
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    [meeting] = [m for m in stack.meetings() if m["host_id"] == user]
    stack.zoom("POST", "meeting-status", json={"meeting_id": meeting["id"], "state": state})

    before = stack.zoom_calls()
    assert studio.call("DELETE", f"{studio.base}/sessions/s1").status_code == 204
    assert delta(before, stack.zoom_calls()) == {"delete_meeting_refused": 1}  # Zoom keeps it
    stack.sweep()
    stack.sweep()
    assert delta(before, stack.zoom_calls()) == {"delete_meeting_refused": 1}  # never asked again


def test_x11_zooms_older_daily_limit_answer_is_the_daily_limit_too(
    stack: Stack, studio: SiteClient, cancel_after: CancelAfter
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    stack.zoom("POST", "daily-usage", json={"user_id": user, "count": 100})
    stack.zoom("POST", "daily-limit", json={"form": "code300"})
    cancel_after(studio, "sessions/s1")
    try:
        created = studio.call("PUT", f"{studio.base}/sessions/s1", session_body())
    finally:
        stack.zoom("POST", "daily-limit", json={"form": "429"})
    assert created.status_code == 201
    assert created.json()["meeting_state"] == "pending"
    assert created.json()["pending_reason"] == "zoom_daily_limit"


def test_s03_a_clients_own_registrant_link_lands_in_the_meeting(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()  # an owner: licensed, so registrants are taken
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/flow", {"kind": "class", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/c1", session_body(service_id="flow"))
    studio.ok(
        "PUT",
        f"{studio.base}/sessions/c1/bookings/b1",
        {"client_name": "Ada", "client_email": "ada@example.com"},
    )
    link = studio.ok("GET", f"{studio.base}/sessions/c1/link", params={"audience": "client", "booking": "b1"})
    assert urlsplit(link["url"]).path.startswith("/w/")
    room = httpx.get(link["url"], timeout=30)
    assert room.status_code == 200
    assert "Zoom meeting" in room.text
