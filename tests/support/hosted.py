"""Google Meet and Microsoft Teams on the local stack, over HTTP only: their emulators' control
APIs and consent pages, and a site's admin connecting one as the site's default account."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.stack import RETURN_TO, SiteClient, Stack, confirm

CONSENT_USER = {"google": "g-host", "microsoft": "m-host"}
"""A user each emulator starts with (host@studio.example)."""


class Hosted:
    """One provider's emulator of the running stack."""

    def __init__(self, stack: Stack, provider: str) -> None:
        self.stack = stack
        self.provider = provider
        self.url = str(json.loads(stack.state_file.read_text())[f"{provider}_url"])

    def control(self, method: str, path: str, **kw: Any) -> Any:
        answer = httpx.request(method, f"{self.url}/_emulator/{path}", timeout=30, **kw)
        answer.raise_for_status()
        return answer.json()

    def calls(self) -> dict[str, int]:
        return dict(self.control("GET", "calls"))

    def meetings(self) -> list[dict[str, Any]]:
        """Meet spaces or Teams online meetings, as the emulator holds them."""
        if self.provider == "google":
            return list(self.control("GET", "spaces")["spaces"])
        return list(self.control("GET", "meetings")["meetings"])

    def new_user(self, tag: str, **options: Any) -> str:
        """A user of its own, so tests never share one: `tag` names it, a random suffix makes it new."""
        tag = f"{tag}-{secrets.token_hex(3)}"
        if self.provider == "google":
            body = {"email": f"{tag}@studio.example", "name": tag, **options}
            return str(self.control("POST", "users", json=body)["sub"])
        body = {"upn": f"{tag}@studio.example", "name": tag, **options}
        return str(self.control("POST", "users", json=body)["id"])

    def back_url(self, site: SiteClient, browser: httpx.Client, user: str, staff: str | None = None) -> str:
        """start -> the provider's consent page -> allow as `user`: where the provider sends the
        browser back (the callback URL, not followed yet)."""
        params = {"ticket": site.ticket(staff), "return_to": RETURN_TO}
        start = browser.get(f"/v1/oauth/{self.provider}/start", params=params)
        assert start.status_code == 302, start.text
        authorize = start.headers["location"]
        assert authorize.startswith(self.url)
        page = httpx.get(authorize, timeout=30)
        assert page.status_code == 200, page.text
        form: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        form |= {"user": user, "allow": "1"}
        if self.provider == "google":  # granular consent: the Meet box left ticked
            form["grant"] = [s for s in form["scope"].split() if s.startswith("https://")]
        answer = httpx.post(authorize.split("?")[0], data=form, timeout=30)
        assert answer.status_code == 302, answer.text
        return str(answer.headers["location"])

    def consent(
        self, site: SiteClient, browser: httpx.Client, user: str, staff: str | None = None
    ) -> httpx.Response:
        """start -> the provider's consent page -> allow as `user` -> back: our confirmation page."""
        return browser.get(self.back_url(site, browser, user, staff))

    def connect(self, site: SiteClient, user: str, staff: str | None = None) -> str:
        """The admin's browser: consent, then Connect on the confirmation page; the connection id.
        With `staff`: that staff member's own account (W04, W05)."""
        with site.browser() as browser:
            page = self.consent(site, browser, user, staff)
            assert page.status_code == 200, page.text
            # a browser sends the form, and follows its redirect, only where the page's CSP allows
            assert "form-action 'self' http://127.0.0.1;" in page.headers["content-security-policy"]
            done = confirm(browser, page, "connect")
        assert done.status_code == 303, done.text
        query = parse_qs(urlsplit(done.headers["location"]).query)
        assert query[self.provider] == ["connected"], done.headers["location"]
        return query["connection_id"][0]
