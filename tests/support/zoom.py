"""Zoom in the in-process tests: connecting a site through the emulator's consent form, in one
browser (the test client keeps the flow's cookie), with a single-use connect ticket."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from local.zoom_emulator import ZoomEmulator
from tests.support.api import Answer, Api, SiteHandle
from tests.support.links import START, iso

RETURN_TO = "https://admin.studio.test/zoom"
REDIRECT = "https://api.vclinks.test/v1/oauth/zoom/callback"  # tests.support.aws's PUBLIC_BASE_URL
ADMIN_APP = ("test-admin-client-id", "test-admin-client-secret")
WEBHOOK_TOKENS = ("t", "t-admin")  # each app's Secret Token
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ticket(site: SiteHandle, access: str = "user", staff: str | None = None) -> str:
    """A connect ticket, minted with the site's API key (what the booking platform's server does)."""
    body: dict[str, Any] = {"role": "connect", "access": access} | ({"staff_id": staff} if staff else {})
    answer = site.api.post(f"{site.base}/tokens", body)
    assert answer.status == 201, answer.text
    return str(answer.json["token"])


def start(site: SiteHandle, access: str = "user", staff: str | None = None) -> Answer:
    """The admin's browser opens the connect link with a fresh ticket."""
    browser = site.api.as_(None)
    return browser.get(
        "/v1/oauth/zoom/start", query={"ticket": ticket(site, access, staff), "return_to": RETURN_TO}
    )


def consent(zoom: ZoomEmulator, authorize: str, user: str = "zu-host", **form: Any) -> str:
    """Zoom's consent page: sign in as `user`, allow; the URL Zoom sends the browser back to."""
    fields: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    answer = httpx.post(f"{zoom.base_url}/oauth/authorize", data=fields | {"user": user, "allow": "1"} | form)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"])


def back_from_zoom(api: Api, callback: str) -> Answer:
    """The browser follows Zoom's redirect to the callback."""
    parts = urlsplit(callback)
    return api.get(parts.path, query={k: v[0] for k, v in parse_qs(parts.query).items()})


def request_id(page: Answer) -> str:
    found = re.search(r'name="request" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def decide(api: Api, page: Answer, decision: str = "connect") -> Answer:
    """The admin presses Connect (or Cancel) on the confirmation page."""
    body = urlencode({"request": request_id(page), "decision": decision})
    return api.post("/v1/oauth/zoom/confirm", raw=body, headers=FORM)


def connect(
    site: SiteHandle,
    zoom: ZoomEmulator,
    access: str = "user",
    user: str = "zu-host",
    staff: str | None = None,
) -> str:
    """The whole flow in the admin's browser; the new connection's id."""
    started = start(site, access, staff)
    assert started.status == 302, started.text
    page = back_from_zoom(site.api.as_(None), consent(zoom, started.headers["Location"], user))
    assert page.status == 200, page.text
    done = decide(site.api.as_(None), page)
    assert done.status == 303, done.text
    returned = parse_qs(urlsplit(done.headers["Location"]).query)
    assert returned["zoom"] == ["connected"], done.headers["Location"]
    return returned["connection_id"][0]


def session(days: int = 0) -> dict[str, str]:
    begin = START + timedelta(days=days)
    return {"service_id": "svc", "start": iso(begin), "end": iso(begin + timedelta(hours=1))}


def stored_zoom_secrets() -> list[str]:
    """The Zoom token secrets in Secrets Manager (moto)."""
    import boto3

    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return sorted(name for name in names if name.startswith("vclinks/test/zoom/"))
