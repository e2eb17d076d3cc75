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
    return_to = f"{stack.base_url}/_local/connected"  # the README's: a page the local stack serves
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
    assert page.text_content("h1") == "Back from Zoom"
    assert "zoom = connected" in (page.text_content("ul") or "")
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


def test_a_join_page_keeps_its_style_under_its_content_security_policy(stack: Stack, page: Any) -> None:
    """The policy allows the page's stylesheet by its hash, nothing else: the style applies and
    the browser reports no violation."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    answer = page.goto(f"{stack.base_url}/v1/j/not-a-link")
    assert answer.status == 404
    assert answer.headers["content-security-policy"].startswith("default-src 'none'; style-src 'sha256-")
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "512px"  # 32rem: the style ran
    assert violations == []


# -- a booking front-end on its own origin (CORS, issue 12) ---------------------------------

FRONT_END = b"""<!doctype html><html><head><meta charset="utf-8"><title>Studio booking</title></head>
<body><h1>My bookings</h1></body></html>"""

CALL = """async ([url, method, token, body]) => {
  try {
    const answer = await fetch(url, {
      method,
      headers: Object.assign(
        {Authorization: `Bearer ${token}`}, body ? {"Content-Type": "application/json"} : {}
      ),
      body: body ? JSON.stringify(body) : undefined,
    });
    return {status: answer.status, body: await answer.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


@pytest.fixture(scope="module")
def front_ends() -> Iterator[tuple[str, str]]:
    """The same booking page served on two origins of this machine (two ports): the studio's own
    front-end, and one it never allowed."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(FRONT_END)

        def log_message(self, *args: Any) -> None:
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Page) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tuple(f"http://127.0.0.1:{server.server_address[1]}" for server in servers)  # type: ignore[misc]
    for server in servers:
        server.shutdown()


def test_a_staff_member_uses_their_token_from_the_studios_own_origin_and_no_other(
    stack: Stack, studio: SiteClient, page: Any, front_ends: tuple[str, str]
) -> None:
    allowed, other = front_ends
    studio.ok("PATCH", f"{studio.base}/settings", {"allowed_origins": [allowed]})
    studio.ok(
        "PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": "https://meet.example/studio"}
    )
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    session = {
        "service_id": "consult",
        "staff_id": "anna",
        "start": iso(start),
        "end": iso(start + timedelta(hours=1)),
    }
    studio.ok("PUT", f"{studio.base}/sessions/s1", session)
    token = studio.ok("POST", f"{studio.base}/tokens", {"role": "staff", "staff_id": "anna"})["token"]
    link = f"{stack.base_url}{studio.base}/sessions/s1/link"

    page.goto(f"{allowed}/")
    read = page.evaluate(CALL, [f"{link}?audience=staff", "GET", token, None])
    edit = page.evaluate(CALL, [link, "PUT", token, {"url": "https://meet.example/anna-today"}])
    assert read["status"] == 200, read
    assert read["body"]["url"] == "https://meet.example/studio"
    assert edit["status"] == 200, edit

    page.goto(f"{other}/")
    blocked_read = page.evaluate(CALL, [f"{link}?audience=staff", "GET", token, None])
    blocked_edit = page.evaluate(CALL, [link, "PUT", token, {"url": "https://evil.example/"}])
    assert blocked_read == {"error": "TypeError: Failed to fetch"}
    assert blocked_edit == {"error": "TypeError: Failed to fetch"}
    # The refused preflight kept the edit from ever reaching the API.
    assert studio.ok("GET", f"{studio.base}/sessions/s1/link", params={"audience": "staff"})["url"] == (
        "https://meet.example/anna-today"
    )
