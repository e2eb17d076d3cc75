"""Real browsers (Debian's Chromium, driven by Playwright) against the local stack:
the admin connects Zoom on the consent page (S01), a client follows the join link of an
email (S07, X01), and sees when it opens before its window (X03)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.stack import SiteClient, Stack, iso

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Chromium is needed: `make chromium` (Debian's package) installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_s01_admin_connects_zoom_in_the_browser(stack: Stack, studio: SiteClient, page: Any) -> None:
    """The cookie /start sets comes back with Zoom's redirect in a real browser (SameSite=Lax on a
    top-level navigation), and the confirmation page names the site and the Zoom account."""
    user = stack.new_zoom_user()
    return_to = f"{stack.base_url}/v1/health"
    query = urlencode({"ticket": studio.ticket(), "return_to": return_to})
    page.goto(f"{stack.base_url}/v1/oauth/zoom/start?{query}")
    assert page.url.startswith(f"{stack.zoom_url}/oauth/authorize")
    page.select_option("select#user", user)
    page.click("#allow")
    page.wait_for_selector("#connect")
    assert page.inner_text("#site") == "Yoga Studio"
    assert "@zoom.test" in page.inner_text("#zoom-account")
    page.click("#connect")
    page.wait_for_url(f"{return_to}?*")
    assert "zoom=connected" in page.url
    account = studio.ok("GET", f"{studio.base}/vc-account")
    assert account["connected"] is True
    assert account["account"]["zoom_user_id"] == user


def test_s01_admin_who_denies_comes_back_told_so(stack: Stack, studio: SiteClient, page: Any) -> None:
    return_to = f"{stack.base_url}/v1/health"
    page.goto(
        f"{stack.base_url}/v1/oauth/zoom/start?"
        + urlencode({"ticket": studio.ticket(), "return_to": return_to})
    )
    page.click("#deny")
    page.wait_for_url(f"{return_to}?*")
    assert "zoom=denied" in page.url
    assert studio.ok("GET", f"{studio.base}/vc-account")["connected"] is False


def test_s07_x03_client_follows_the_emailed_link_and_lands_in_the_meeting(
    stack: Stack, studio: SiteClient, page: Any
) -> None:
    studio.connect_zoom(stack.new_zoom_user())
    studio.ok("PATCH", f"{studio.base}/settings", {"join_window_minutes": 15, "timezone": "Europe/Paris"})
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    later = soon + timedelta(days=2)
    for session, start in (("soon", soon), ("later", later)):
        body = {"service_id": "consult", "start": iso(start), "end": iso(start + timedelta(hours=1))}
        studio.ok("PUT", f"{studio.base}/sessions/{session}", body)
        booking = {"client_name": "Ada", "client_email": f"ada-{studio.site_id}@example.com"}
        studio.ok("PUT", f"{studio.base}/sessions/{session}/bookings/b1", booking)
        studio.ok(
            "POST",
            f"{studio.base}/notifications",
            {"type": "booking_confirmation", "session_id": session, "booking_id": "b1"},
        )
    emails = [e for e in stack.outbox() if f"ada-{studio.site_id}@example.com" in e["to"]]
    assert len(emails) == 2
    links = [e["text"][e["text"].index(stack.base_url + "/v1/j/") :].split()[0] for e in emails]

    page.goto(links[0])  # inside the window: straight into the meeting
    assert page.url.startswith(f"{stack.zoom_url}/j/")
    assert page.text_content("#role") == "participant"

    page.goto(links[1])  # two days early: a clear page saying when it opens
    assert page.url == links[1]
    text = page.text_content("body") or ""
    assert "opens" in text.lower()
