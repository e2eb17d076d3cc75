"""Refusals over HTTP on the local stack: forged, replayed and cross-site OAuth states,
stale webhooks, and Zoom's daily limit reported as a clear pending state."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from local.stack import ZOOM_WEBHOOK_TOKEN
from tests.support.stack import RETURN_TO, CancelAfter, SiteClient, Stack, confirm, session_body


def consent(stack: Stack, site: SiteClient, user: str, browser: httpx.Client) -> str:
    """Start the connect flow in `browser` and allow it at Zoom; the callback URL Zoom sends it to."""
    start = browser.get("/v1/oauth/zoom/start", params={"ticket": site.ticket(), "return_to": RETURN_TO})
    authorize = start.headers["location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {"user": user, "allow": "1"}
    return str(httpx.post(f"{stack.zoom_url}/oauth/authorize", data=form, timeout=30).headers["location"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_oauth_state_is_signed_single_use_and_bound_to_its_site(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()
    browser = studio.browser()
    callback = consent(stack, studio, user, browser)
    state = parse_qs(urlsplit(callback).query)["state"][0]

    forged = browser.get(
        with_query(callback, state=state[:-2] + ("A" if state[-2] != "A" else "B") + state[-1])
    )
    assert forged.status_code == 400
    assert "text/html" in forged.headers["content-type"]
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False

    page = browser.get(callback)
    assert page.status_code == 200  # the confirmation page
    assert confirm(browser, page, "connect").status_code == 303
    connected = studio.ok("GET", f"{studio.base}/vc-account")["account"]["connection_id"]

    replayed = browser.get(callback)  # a state works once: the second use is a conflict
    assert replayed.status_code == 409
    assert replayed.headers["content-type"] == "text/html; charset=utf-8"  # a page for the browser
    assert "location" not in replayed.headers
    assert studio.ok("GET", f"{studio.base}/vc-account")["account"]["connection_id"] == connected


def test_a_state_from_one_site_never_connects_another(stack: Stack) -> None:
    first, second = stack.create_site("First"), stack.create_site("Second")
    browser = first.browser()
    page = browser.get(consent(stack, first, stack.new_zoom_user(), browser))
    assert page.status_code == 200
    assert "First" in page.text  # the page names the site it connects
    assert confirm(browser, page, "connect").status_code == 303
    assert first.ok("GET", f"{first.base}/vc-account")["connected"] is True
    assert second.ok("GET", f"{second.base}/vc-account")["connected"] is False
    denied = second.call("POST", f"{first.base}/tokens", {"role": "connect"})
    assert denied.status_code == 404  # the second site's key cannot open a flow for the first


def test_stale_or_unsigned_webhooks_are_refused(stack: Stack) -> None:
    body = json.dumps({"event": "app_deauthorized", "event_ts": 1, "payload": {"user_id": "zu-host"}})
    stale = str(int(time.time()) - 3600)
    signature = (
        "v0="
        + hmac.new(ZOOM_WEBHOOK_TOKEN.encode(), f"v0:{stale}:{body}".encode(), hashlib.sha256).hexdigest()
    )
    url = f"{stack.base_url}/v1/zoom/webhook"
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": stale,
        "x-zm-signature": signature,
    }
    assert httpx.post(url, content=body, headers=headers, timeout=30).status_code == 401
    unsigned = httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=30)
    assert unsigned.status_code == 401


def test_zooms_daily_limit_is_a_clear_pending_state_waiting_for_the_next_utc_day(
    stack: Stack, studio: SiteClient, cancel_after: CancelAfter
) -> None:
    """Zoom's daily answer fills the host's count for the UTC day (X11): the work is not sent again
    today, even if Zoom's own count were reset; it waits for 00:00 UTC, listed with the host (that it
    then finishes is shown with the clock moved on: tests/integration/test_zoom_pipeline.py)."""
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    stack.zoom("POST", "daily-usage", json={"user_id": user, "count": 100})
    cancel_after(studio, "sessions/s1")
    created = studio.call("PUT", f"{studio.base}/sessions/s1", session_body())
    assert created.status_code == 201
    assert created.json()["meeting_state"] == "pending"
    assert created.json()["pending_reason"] == "zoom_daily_limit"
    link = studio.ok("GET", f"{studio.base}/sessions/s1/link", params={"audience": "staff"})
    assert link["decision"] == "none"
    assert link["reason"] == "pending"
    stack.zoom("POST", "daily-usage", json={"user_id": user, "count": 0})
    before = stack.zoom("GET", "calls")
    stack.sweep()
    assert stack.zoom("GET", "calls").get("create_meeting") == before.get("create_meeting")  # not today
    usage = studio.ok("GET", f"{studio.base}/zoom/usage")
    assert [(h["used_today"], h["waiting"]) for h in usage["hosts"]] == [(100, ["s1"])]


# -- hardening over HTTP (issue 12): a 4xx for whatever an attacker sends, never a 500 ------


def test_non_ascii_credentials_are_refused_over_http(stack: Stack, studio: SiteClient) -> None:
    settings = f"{stack.base_url}{studio.base}/settings"
    for credential, expected in (
        (f"vcl_{studio.site_id}.clé", 401),
        ("vcs_eyJzIjoi" + "é.é", 401),
    ):
        answer = httpx.get(settings, headers={"Authorization": f"Bearer {credential}".encode()}, timeout=30)
        assert answer.status_code == expected
    join = httpx.get(f"{stack.base_url}/v1/j/{'é' * 20}", timeout=30)
    state = httpx.get(
        f"{stack.base_url}/v1/oauth/zoom/callback", params={"state": "n.é", "code": "c"}, timeout=30
    )
    now = str(int(time.time()))
    webhook = httpx.post(
        f"{stack.base_url}/v1/zoom/webhook",
        content=b"{}",
        headers={
            "content-type": "application/json",
            "x-zm-request-timestamp": now,
            "x-zm-signature": "v0=é".encode(),
        },
        timeout=30,
    )
    assert (join.status_code, state.status_code, webhook.status_code) == (404, 400, 401)


def test_an_unknown_site_and_a_wrong_key_are_the_same_401_over_http(stack: Stack, studio: SiteClient) -> None:
    answers = [
        httpx.get(
            f"{stack.base_url}/v1/sites/{site}/settings",
            headers={"Authorization": f"Bearer vcl_{site}.x"},
            timeout=30,
        )
        for site in (studio.site_id, "no-such-site-0000")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]


def test_hostile_bodies_are_401_before_authentication_and_400_after(stack: Stack, studio: SiteClient) -> None:
    path = f"{studio.base}/sessions/s1"
    year_one = {"service_id": "x", "start": "0001-01-01T00:00:00+14:00", "end": "0001-01-01T01:00:00+14:00"}
    for body in ("[" * 30_000, json.dumps(year_one), '{"not": "the schema"}'):
        headers = {"content-type": "application/json"}
        anonymous = httpx.put(f"{stack.base_url}{path}", content=body, headers=headers, timeout=30)
        admin = studio.http.put(path, content=body, headers=headers)
        assert (anonymous.status_code, admin.status_code) == (401, 400), body[:40]


def test_pages_and_answers_carry_their_security_headers_over_http(stack: Stack, studio: SiteClient) -> None:
    page = httpx.get(f"{stack.base_url}/v1/j/not-a-link", timeout=30)
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    for answer in (studio.call("GET", f"{studio.base}/settings"), httpx.get(f"{stack.base_url}/v1/health")):
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_return_to_with_a_line_break_is_refused(stack: Stack, studio: SiteClient) -> None:
    """(Dot segments climbing out of an allowed path: tests/integration/test_oauth.py; the local
    stack allows whole origins.)"""
    for return_to in (
        f"{RETURN_TO}%0d%0aSet-Cookie:%20x=1",
        f"{RETURN_TO}\r\nX: 1",
    ):
        start = studio.http.get(
            "/v1/oauth/zoom/start", params={"ticket": studio.ticket(), "return_to": return_to}
        )
        assert start.status_code == 400, return_to
        assert "location" not in start.headers
