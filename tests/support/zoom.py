"""Zoom in the in-process tests: connecting a site through the emulator's consent form."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from local.zoom_emulator import ZoomEmulator
from tests.support.api import SiteHandle
from tests.support.links import START, iso

RETURN_TO = "https://admin.studio.test/zoom"
REDIRECT = "https://api.vclinks.test/v1/oauth/zoom/callback"  # tests.support.aws's PUBLIC_BASE_URL
ADMIN_APP = ("test-admin-client-id", "test-admin-client-secret")
WEBHOOK_TOKENS = ("t", "t-admin")  # each app's Secret Token


def connect(site: SiteHandle, zoom: ZoomEmulator, access: str = "user", user: str = "zu-host") -> None:
    query = {"site": site.site_id, "return_to": RETURN_TO, "access": access}
    start = site.api.get("/v1/oauth/zoom/start", query=query)
    assert start.status == 302, start.text
    authorize = start.headers["Location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {
        "user": user,
        "allow": "1",
    }
    callback = urlsplit(httpx.post(f"{zoom.base_url}/oauth/authorize", data=form).headers["location"])
    back = site.api.get(callback.path, query={k: v[0] for k, v in parse_qs(callback.query).items()})
    assert back.status == 302, back.text


def session(days: int = 0) -> dict[str, str]:
    start = START + timedelta(days=days)
    return {"service_id": "svc", "start": iso(start), "end": iso(start + timedelta(hours=1))}
