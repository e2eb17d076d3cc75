"""The whole local stack (`python -m local.dev`, as `make dev` starts it) seen from outside, over
HTTP only: the API, the Zoom emulator's control API, the outbox; and a site's admin."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
RETURN_TO = "http://127.0.0.1/admin"
ZOOM_TIMEOUT = 2.0
CLI = (sys.executable, "-m", "vclinks_cli.main", "--local")


@dataclass
class Stack:
    base_url: str
    zoom_url: str
    state_file: Path
    env_file: Path | None = None  # where `python -m local.dev` wrote API, SITE and KEY

    def zoom(self, method: str, path: str, **kw: Any) -> Any:
        answer = httpx.request(method, f"{self.zoom_url}/_emulator/{path}", timeout=30, **kw)
        answer.raise_for_status()
        return answer.json()

    def get(self, path: str, credential: str | None = None, **params: str) -> httpx.Response:
        """GET an API path as a browser or server holding `credential` (an API key or a scoped token)."""
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        return httpx.get(f"{self.base_url}{path}", params=params, headers=headers, timeout=30)

    def zoom_calls(self) -> dict[str, int]:
        return dict(self.zoom("GET", "calls"))

    def meetings(self) -> list[dict[str, Any]]:
        return list(self.zoom("GET", "meetings")["meetings"])

    def new_zoom_user(self, role: str = "Owner", account: str | None = None) -> str:
        """A Zoom user of its own (in a Zoom account of its own), so tests never share one."""
        tag = secrets.token_hex(4)
        body = {"account_id": account or f"acct-{tag}", "email": f"u-{tag}@zoom.test", "role": role}
        return str(self.zoom("POST", "users", json=body)["id"])

    def sweep(self, ahead: timedelta = timedelta(days=1, hours=1)) -> Any:
        """What the dispatcher's schedule does in AWS, as if `ahead` had passed (every retry and
        daily limit due by then), and the worker's work after it."""
        params = {"ahead_seconds": str(int(ahead.total_seconds()))}
        return httpx.post(f"{self.base_url}/_local/sweep", params=params, timeout=180).json()

    def settle(self) -> None:
        """Wait until the worker has done what the requests so far queued."""
        httpx.post(f"{self.base_url}/_local/settle", timeout=180).raise_for_status()

    def outbox(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.base_url}/_local/outbox", timeout=30).json())

    def click_ses_verification_link(self, address: str) -> None:
        """The owner of `address` clicks the link SES emailed them."""
        httpx.post(
            f"{self.base_url}/_local/ses/verify", params={"address": address}, timeout=30
        ).raise_for_status()

    def ses_publishes(self, to: str, kind: str = "Bounce", **options: str) -> Any:
        """SES publishes a bounce or complaint of the last email to `to` (EventBridge -> the worker)."""
        body = {"to": to, "kind": kind, "options": options}
        answer = httpx.post(f"{self.base_url}/_local/ses/events", json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def create_site(self, name: str) -> SiteClient:
        out = subprocess.run(  # the console command, against the running stack
            [*CLI, "--state-file", str(self.state_file), "site", "create", name, "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        created = json.loads(out.stdout)
        return SiteClient(self, created["site_id"], created["api_key"])


class SiteClient:
    """One site's admin, calling the API over HTTP with its API key."""

    def __init__(self, stack: Stack, site_id: str, api_key: str) -> None:
        self.stack = stack
        self.site_id = site_id
        self.api_key = api_key
        self.http = httpx.Client(
            base_url=stack.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
        )

    @property
    def base(self) -> str:
        return f"/v1/sites/{self.site_id}"

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, json=body, **kw)

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        answer = self.call(method, path, body, **kw)
        assert answer.status_code < 300, (answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def concurrently(self, method: str, path: str, times: int) -> list[httpx.Response]:
        """The same call from `times` threads at once (one connection each)."""
        with ThreadPoolExecutor(max_workers=times) as pool:
            return list(pool.map(lambda _: self.call(method, path), range(times)))

    def ticket(self, staff: str | None = None, access: str = "user") -> str:
        """A single-use connect ticket, minted with the site's API key (the platform's server)."""
        body = {"role": "connect", "access": access} | ({"staff_id": staff} if staff else {})
        return str(self.ok("POST", f"{self.base}/tokens", body)["token"])

    def browser(self) -> httpx.Client:
        """The admin's browser: no API key, a cookie jar, redirects shown rather than followed."""
        return httpx.Client(base_url=self.stack.base_url, timeout=60)

    def consent_at_zoom(
        self, browser: httpx.Client, zoom_user: str, staff: str | None = None, access: str = "user"
    ) -> httpx.Response:
        """start -> Zoom's consent page -> allow as `zoom_user` -> back: the confirmation page."""
        params = {"ticket": self.ticket(staff, access), "return_to": RETURN_TO}
        start = browser.get("/v1/oauth/zoom/start", params=params)
        assert start.status_code == 302, start.text
        authorize = start.headers["location"]
        assert authorize.startswith(self.stack.zoom_url)
        page = httpx.get(authorize, timeout=30)
        assert page.status_code == 200
        assert "Allow" in page.text
        form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {
            "user": zoom_user,
            "allow": "1",
        }
        consent = httpx.post(f"{self.stack.zoom_url}/oauth/authorize", data=form, timeout=30)
        assert consent.status_code == 302, consent.text
        return browser.get(consent.headers["location"])  # Zoom sends the browser back

    def connect_zoom(self, zoom_user: str, staff: str | None = None, access: str = "user") -> str:
        """The admin's browser: consent at Zoom as `zoom_user`, then Connect on the confirmation page.

        `access="account"` goes through the admin-managed app (S01, W07: every user of the Zoom
        account); the default, the user-managed app (the user's own meetings)."""
        with self.browser() as browser:
            page = self.consent_at_zoom(browser, zoom_user, staff, access)
            assert page.status_code == 200, page.text
            done = confirm(browser, page, "connect")
        assert done.status_code == 303, done.text
        back = urlsplit(done.headers["location"])
        query = parse_qs(back.query)
        assert back.path == "/admin"
        assert query["zoom"] == ["connected"], done.headers["location"]
        return query["connection_id"][0]


def confirm(browser: httpx.Client, page: httpx.Response, decision: str) -> httpx.Response:
    """Connect or Cancel on the confirmation page (its form, posted by the same browser)."""
    found = re.search(r'name="request" value="([^"]+)"', page.text)
    assert found, page.text
    return browser.post("/v1/oauth/zoom/confirm", data={"request": found.group(1), "decision": decision})


START = datetime(2031, 5, 5, 9, 0, tzinfo=UTC)

CancelAfter = Callable[[SiteClient, str], None]
"""The e2e `cancel_after` fixture: (site, path under the site) to DELETE when the test ends."""


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def session_body(start: datetime = START, **kw: Any) -> dict[str, Any]:
    return {"service_id": "consult", "start": iso(start), "end": iso(start + timedelta(hours=1))} | kw


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
