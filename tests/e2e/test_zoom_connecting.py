"""Connecting Zoom safely, over HTTP on the local stack (issue 10, points 2 and 4): the connect
flow takes a single-use connect ticket and stays in the browser that started it (a consent link
opened elsewhere connects nothing); the admin confirms a page naming the site and the Zoom
account; one Zoom user's grant is shared by every connection of that user; disconnecting deletes
the upcoming meetings at Zoom before the grant is revoked, and only the last connection revokes
it; a reconnect keeps the staff mappings and meetings; deleting a service deletes its meetings."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.stack import RETURN_TO, START, SiteClient, Stack, confirm, delta, session_body


def meetings_of(stack: Stack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.meetings() if m["host_id"] == user]


def test_s01_a_consent_link_opened_in_another_browser_connects_nothing(
    stack: Stack, studio: SiteClient
) -> None:
    """The admin's connect link is sent to another site's owner, who consents in their browser."""
    victim = stack.new_zoom_user()
    with studio.browser() as admin_browser:
        start = admin_browser.get(
            "/v1/oauth/zoom/start", params={"ticket": studio.ticket(), "return_to": RETURN_TO}
        )
    authorize = start.headers["location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {"user": victim, "allow": "1"}
    consent = httpx.post(f"{stack.zoom_url}/oauth/authorize", data=form, timeout=30)
    before = stack.zoom_calls()
    with httpx.Client(timeout=60) as victims_browser:  # no cookie of this flow
        back = victims_browser.get(consent.headers["location"])
    assert back.status_code == 403
    assert "text/html" in back.headers["content-type"]
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False
    assert delta(before, stack.zoom_calls()) == {}  # the code was not even exchanged


def test_s01_the_admin_confirms_a_page_naming_the_site_and_account_and_a_cancel_connects_nothing(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    with studio.browser() as browser:
        page = studio.consent_at_zoom(browser, user)
        assert page.status_code == 200
        assert "Yoga Studio" in page.text
        assert "@zoom.test" in page.text
        assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False
        cancelled = confirm(browser, page, "cancel")
    assert cancelled.status_code == 303
    assert parse_qs(urlsplit(cancelled.headers["location"]).query)["zoom"] == ["cancelled"]
    stack.settle()
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False
    told = [d for d in stack.zoom("GET", "deliveries")["deliveries"] if d["user_id"] == user]
    assert [d["event"] for d in told] == ["app_deauthorized"]  # the unused grant was revoked


def test_s01_a_connect_ticket_opens_the_flow_once_and_nothing_else_does(
    stack: Stack, studio: SiteClient
) -> None:
    ticket = studio.ticket()
    params = {"ticket": ticket, "return_to": RETURN_TO}
    assert httpx.get(f"{stack.base_url}/v1/oauth/zoom/start", params=params, timeout=30).status_code == 302
    assert httpx.get(f"{stack.base_url}/v1/oauth/zoom/start", params=params, timeout=30).status_code == 401
    admin = studio.ok("POST", f"{studio.base}/tokens", {"role": "admin"})["token"]
    refused = httpx.get(
        f"{stack.base_url}/v1/oauth/zoom/start", params={"ticket": admin, "return_to": RETURN_TO}, timeout=30
    )
    assert refused.status_code == 403
    minted = httpx.post(
        f"{stack.base_url}{studio.base}/tokens",
        json={"role": "admin"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert minted.status_code == 403  # a scoped token mints nothing


def test_x07_one_zoom_users_grant_serves_two_sites(stack: Stack) -> None:
    user = stack.new_zoom_user()
    first, second = stack.create_site("First"), stack.create_site("Second")
    for site in (first, second):
        site.connect_zoom(user)  # Zoom ends the first grant here: the second sign-in's pair is shared
        site.ok("PUT", f"{site.base}/services/consult", {"kind": "appointment", "online": True})
    stack.zoom("POST", "expire-tokens")
    for site in (first, second):
        site.ok("PUT", f"{site.base}/sessions/s1", session_body())
    stack.settle()
    for site in (first, second):
        stored = site.ok("GET", f"{site.base}/sessions/s1")
        assert (stored["meeting_state"], stored["pending_reason"]) == ("ready", None)
    assert len(meetings_of(stack, user)) == 2


def test_s08_disconnecting_deletes_the_meetings_first_and_only_the_last_connection_revokes(
    stack: Stack,
) -> None:
    user = stack.new_zoom_user()
    first, second = stack.create_site("First"), stack.create_site("Second")
    for site in (first, second):
        site.connect_zoom(user)
        site.ok("PUT", f"{site.base}/services/consult", {"kind": "appointment", "online": True})
        site.ok("PUT", f"{site.base}/sessions/s1", session_body())
        site.ok("PUT", f"{site.base}/sessions/s2", session_body(START + _days(1)))
    stack.sweep()  # whatever other tests left due is done now: the counts below are this test's
    assert len(meetings_of(stack, user)) == 4

    before = stack.zoom_calls()
    first.ok("DELETE", f"{first.base}/vc-account")
    stack.settle()  # the sessions' meetings are deleted; the connection's item waits for them
    stack.sweep()  # ... and goes when it is due again
    assert len(meetings_of(stack, user)) == 2  # the first site's meetings deleted at Zoom
    assert delta(before, stack.zoom_calls()) == {"delete_meeting": 2}  # no revoke: the second site uses it
    link = second.ok("GET", f"{second.base}/sessions/s1/link", params={"audience": "staff"})
    assert link["decision"] == "link"

    journal_start = len(stack.zoom("GET", "journal")["calls"])
    second.ok("DELETE", f"{second.base}/vc-account")
    stack.settle()
    stack.sweep()
    calls = stack.zoom("GET", "journal")["calls"][journal_start:]
    assert calls == ["delete_meeting", "delete_meeting", "token_revoke"]  # meetings first, then the grant
    assert meetings_of(stack, user) == []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _told(stack, user):
        time.sleep(0.1)
    assert _told(stack, user) == ["app_deauthorized"]


def test_w07_a_reconnect_keeps_the_staff_mappings_and_makes_no_second_meeting(
    stack: Stack, studio: SiteClient
) -> None:
    account = f"acct-{studio.site_id}"
    owner = stack.new_zoom_user(role="Owner", account=account)
    member = stack.new_zoom_user(role="Owner", account=account)  # licensed, so no matter the kind of session
    first = studio.connect_zoom(owner, access="account")
    mapping = {"provider": "zoom", "connection_id": first, "zoom_user_id": member}
    studio.ok("PUT", f"{studio.base}/staff/anna/vc-account", mapping)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(staff_id="anna"))
    [meeting] = meetings_of(stack, member)
    before = stack.zoom_calls()

    second = studio.connect_zoom(owner, access="account")  # the owner connects the account again
    stack.sweep()
    anna = studio.ok("GET", f"{studio.base}/staff/anna/vc-account")["account"]
    assert (anna["connection_id"], anna["zoom_user_id"]) == (second, member)
    assert meetings_of(stack, member) == [meeting | {"start_url": meetings_of(stack, member)[0]["start_url"]}]
    assert delta(before, stack.zoom_calls()) == {
        "token_exchange": 1
    }  # nothing deleted, nothing made, no revoke


def test_deleting_a_service_deletes_the_meetings_of_its_sessions(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    studio.ok("PUT", f"{studio.base}/sessions/s2", session_body(START + _days(1)))
    assert len(meetings_of(stack, user)) == 2
    assert studio.call("DELETE", f"{studio.base}/services/consult").status_code == 204
    stack.settle()
    assert meetings_of(stack, user) == []


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def _told(stack: Stack, user: str) -> list[str]:
    return [d["event"] for d in stack.zoom("GET", "deliveries")["deliveries"] if d["user_id"] == user]
