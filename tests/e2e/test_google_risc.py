"""X07, X13 over HTTP on the local stack: Google's Cross-Account Protection (RISC). The stack
registers its receiver (stack output GoogleRiscReceiverUri) with the Google emulator's
`stream:update`, as an operator does with Google (docs/GOOGLE-SETUP.md); the emulator, like
Google, pushes a signed Security Event Token when a user removes our app. The connection needs
reconnecting at once, before any token refresh: a client's stable link shows the "connect again"
page, and Google is not called again."""

from __future__ import annotations

import json

import httpx

from tests.support.hosted import Hosted
from tests.support.stack import SiteClient, Stack, delta, session_body


def client_link(site: SiteClient, session: str) -> dict:
    return dict(
        site.ok("GET", f"{site.base}/sessions/{session}/link", params={"audience": "client", "booking": "b1"})
    )


def test_x07_x13_a_grant_google_says_was_revoked_needs_reconnecting_at_once_and_the_link_says_so(
    stack: Stack, studio: SiteClient
) -> None:
    google = Hosted(stack, "google")
    user = google.new_user("risc")
    google.connect(studio, user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    studio.ok("PUT", f"{studio.base}/sessions/s1/bookings/b1", {"client_name": "Ada"})
    stack.settle()
    link = client_link(studio, "s1")
    assert link["decision"] == "link"

    before = google.calls()
    pushed = google.control("POST", "risc/revoke", json={"sub": user})  # the user removes our app
    stack.settle()

    assert (pushed["pushed"], pushed["status"], pushed["body"]) == (True, 202, "")  # RFC 8935: no body
    account = studio.ok("GET", f"{studio.base}/vc-account")["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", "google_tokens_revoked")
    after = client_link(studio, "s1")
    assert (after["decision"], after["reason"]) == ("none", "needs_reconnect")
    page = httpx.get(link["join_url"], timeout=30)  # the client's stable link, at click time
    assert page.status_code == 200
    assert "must connect its video-conference account again" in page.text
    assert delta(before, google.calls()) == {}  # no refresh, no meeting call: Google told us

    again = google.control("POST", "risc/redeliver", json={"jti": pushed["jti"]})  # Google retries
    stack.settle()
    assert (again["status"], again["body"]) == (202, "")
    assert delta(before, google.calls()) == {}


def test_x07_a_set_signed_with_another_key_is_refused_and_changes_nothing(
    stack: Stack, studio: SiteClient
) -> None:
    google = Hosted(stack, "google")
    user = google.new_user("forged")
    google.connect(studio, user)

    forged = google.control("POST", "risc/push", json={"sub": user, "fault": "wrong_key"})
    misaddressed = google.control("POST", "risc/push", json={"sub": user, "fault": "wrong_audience"})
    stack.settle()

    assert forged["status"] == 400
    assert json.loads(forged["body"])["err"] == "authentication_failed"
    assert misaddressed["status"] == 400
    assert json.loads(misaddressed["body"])["err"] == "invalid_audience"
    account = studio.ok("GET", f"{studio.base}/vc-account")["account"]
    assert (account["status"], account["problem"]) == ("connected", None)


def test_x07_one_refresh_token_google_revoked_ends_the_grant_that_holds_it(
    stack: Stack, studio: SiteClient
) -> None:
    """Google revokes one refresh token and names it by its double SHA-512 hash: the grant the
    connect flow stored with that token needs reconnecting (its hash was indexed when stored)."""
    google = Hosted(stack, "google")
    user = google.new_user("one")
    google.connect(studio, user)

    before = google.calls()
    pushed = google.control("POST", "risc/push", json={"sub": user, "event": "token-revoked"})
    stack.settle()

    assert (pushed["pushed"], pushed["status"], pushed["body"]) == (True, 202, "")
    account = studio.ok("GET", f"{studio.base}/vc-account")["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", "google_token_revoked")
    assert delta(before, google.calls()) == {}  # no refresh: Google told us
