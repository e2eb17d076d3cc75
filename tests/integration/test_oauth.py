"""The Zoom connect flow's refusals through the handlers (S01): an expired state, and a
return URL outside the deployment's allow-list. Each answers clearly and changes nothing."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.zoom_emulator import ZoomEmulator
from tests.support.api import SiteHandle
from tests.support.zoom import start, ticket


def consent(site: SiteHandle, emulator: ZoomEmulator) -> Any:
    started = start(site)
    assert started.status == 302, started.text
    form = {k: v[0] for k, v in parse_qs(urlsplit(started.headers["Location"]).query).items()}
    answer = httpx.post(f"{emulator.base_url}/oauth/authorize", data=form | {"user": "zu-host", "allow": "1"})
    return urlsplit(answer.headers["location"])


def test_an_expired_connect_request_is_refused_and_connects_nothing(
    site: SiteHandle,
    zoom: ZoomEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    callback = consent(site, zoom)
    later = time.time() + 3600  # the admin came back an hour later
    monkeypatch.setattr("shared.services.connect.time.time", lambda: later)
    browser = site.api.as_(None)
    answer = browser.get(callback.path, query={k: v[0] for k, v in parse_qs(callback.query).items()})
    assert answer.status == 410
    assert "expired" in answer.text
    assert answer.headers["Content-Type"].startswith("text/html")
    assert site.api.get(f"{site.base}/vc-account").json["connected"] is False
    assert zoom.calls().get("token_exchange") is None  # the code was never even exchanged


def test_check_return_url_keeps_to_the_allowed_origins_and_paths() -> None:
    from shared.services.connect import check_return_url

    allowed = ("https://admin.example.com", "http://127.0.0.1", "https://app.example.com/admin/")
    for good in (
        "https://admin.example.com/",
        "https://admin.example.com/zoom?x=1",
        "http://127.0.0.1/a",
        "https://app.example.com/admin/zoom",
        "https://app.example.com/admin",
        "https://app.example.com/admin/x/../zoom",  # climbs, but stays under /admin
    ):
        assert check_return_url(good, allowed) == good
    for bad in (
        "https://admin.example.com.evil.test/",
        "http://127.0.0.1.nip.io/",
        "https://app.example.com/administrator",
        "https://app.example.com/",
        "https://user:pw@admin.example.com/",
        "https://admin.example.com\\@evil.test/",
        "https://admin.example.com/\r\nSet-Cookie: session=stolen",
        "https://admin.example.com/\nx",
        "https://admin.example.com/%0d%0aSet-Cookie:%20session=stolen",
        "https://admin.example.com/zoom?next=%0D%0A",
        "https://app.example.com/admin/../evil",
        "https://app.example.com/admin/x/../../evil",
        "https://app.example.com/admin/%2e%2e/evil",
        "https://app.example.com/admin/%2E%2e/",
        "https://app.example.com/admin/..",
    ):
        with pytest.raises(Exception, match="return_to"):
            check_return_url(bad, allowed)


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/steal",
        "javascript:alert(1)",
        "https://admin.studio.test.evil.example/",
        "https://admin.studio.test@evil.example/",
        "http://admin.studio.test/",  # another scheme
        "https://admin.studio.test:8443/",  # another port
        "https://admin.studio.test/\r\nSet-Cookie: session=stolen",  # a header of its own
        "https://admin.studio.test/%0d%0aSet-Cookie:%20session=stolen",
    ],
)
def test_a_return_url_outside_the_allow_list_is_refused(
    site: SiteHandle,
    zoom: ZoomEmulator,
    return_to: str,
) -> None:
    query = {"ticket": ticket(site), "return_to": return_to}
    answer = site.api.as_(None).get("/v1/oauth/zoom/start", query=query)
    assert answer.status == 400
    assert "Location" not in answer.headers
