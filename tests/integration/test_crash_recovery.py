"""A Lambda killed between Zoom's answer and our store write (DESIGN.md: nothing lost, no
duplicate). The session was already stored and marked pending before Zoom was called, so
the scheduled sweep finds it and finishes the work. Zoom is the emulator, in process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from local.zoom_emulator import ADMIN_SCOPES, Managed, ZoomApp, ZoomEmulator
from tests.conftest import reset_caches
from tests.integration.conftest import SiteHandle
from tests.integration.test_links_api import START, iso

RETURN_TO = "https://admin.studio.test/zoom"
REDIRECT = "https://api.vclinks.test/v1/oauth/zoom/callback"  # tests.conftest's PUBLIC_BASE_URL
ADMIN_APP = ("test-admin-client-id", "test-admin-client-secret")
WEBHOOK_TOKENS = ("t", "t-admin")  # each app's Secret Token


class LambdaKilled(BaseException):
    """The runtime stops the process: no except clause of ours runs."""


@pytest.fixture
def zoom(moto_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoomEmulator]:
    """The emulator with the deployment's two Zoom apps (user- and admin-managed)."""
    emulator = ZoomEmulator(redirect_uris=(REDIRECT,), webhook_secret_token=WEBHOOK_TOKENS[0])
    emulator.register_app(
        ZoomApp(
            *ADMIN_APP,
            Managed.ADMIN,
            ADMIN_SCOPES,
            redirect_uris=(REDIRECT,),
            webhook_secret_token=WEBHOOK_TOKENS[1],
        )
    )
    url = emulator.start()
    secret = {
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "webhook_secret_token": WEBHOOK_TOKENS[0],
        "admin_client_id": ADMIN_APP[0],
        "admin_client_secret": ADMIN_APP[1],
        "admin_webhook_secret_token": WEBHOOK_TOKENS[1],
    }
    arn = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/app", SecretString=json.dumps(secret)
    )
    monkeypatch.setenv("ZOOM_APP_SECRET_ARN", arn["ARN"])
    monkeypatch.setenv("ZOOM_API_BASE_URL", f"{url}/v2")
    monkeypatch.setenv("ZOOM_OAUTH_BASE_URL", url)
    reset_caches()
    yield emulator
    emulator.stop()


def connect(site: SiteHandle, zoom: ZoomEmulator, access: str = "user") -> None:
    query = {"site": site.site_id, "return_to": RETURN_TO, "access": access}
    start = site.api.get("/v1/oauth/zoom/start", query=query)
    assert start.status == 302, start.text
    authorize = start.headers["Location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {
        "user": "zu-host",
        "allow": "1",
    }
    callback = urlsplit(httpx.post(f"{zoom.base_url}/oauth/authorize", data=form).headers["location"])
    back = site.api.get(callback.path, query={k: v[0] for k, v in parse_qs(callback.query).items()})
    assert back.status == 302, back.text


def session(days: int = 0) -> dict[str, str]:
    start = START + timedelta(days=days)
    return {"service_id": "svc", "start": iso(start), "end": iso(start + timedelta(hours=1))}


@pytest.mark.parametrize("killed_at", ["update_meeting", "create_meeting", "delete_meeting"])
def test_a_lambda_killed_after_zoom_acted_leaves_work_the_sweep_finishes(
    site: SiteHandle, zoom: ZoomEmulator, monkeypatch: pytest.MonkeyPatch, killed_at: str
) -> None:
    from shared.adapters.repository import get_store
    from shared.adapters.zoom.client import ZoomClient
    from shared.services.zoom.wiring import sweep

    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    if killed_at != "create_meeting":
        assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201

    real = getattr(ZoomClient, killed_at)

    def acts_then_dies(self: ZoomClient, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)  # Zoom did it...
        raise LambdaKilled  # ...and we never stored the answer

    monkeypatch.setattr(ZoomClient, killed_at, acts_then_dies)
    change = {
        "create_meeting": lambda: site.api.put(f"{site.base}/sessions/s1", session()),
        "update_meeting": lambda: site.api.put(f"{site.base}/sessions/s1", session(days=1)),
        "delete_meeting": lambda: site.api.delete(f"{site.base}/sessions/s1"),
    }[killed_at]
    with pytest.raises(LambdaKilled):
        change()
    monkeypatch.setattr(ZoomClient, killed_at, real)

    store = get_store()
    assert (site.site_id, "s1") in store.list_pending_sessions()  # the sweep will see it
    assert sweep() >= 1
    after = store.get_session(site.site_id, "s1")
    assert after is not None
    assert (site.site_id, "s1") not in store.list_pending_sessions()
    meetings = list(zoom.meetings.values())
    if killed_at == "delete_meeting":
        assert meetings == []
        assert after.meeting is None
    else:
        assert len(meetings) == 1  # never a duplicate
        assert after.meeting is not None
        assert after.meeting.meeting_id == str(meetings[0]["id"])
        assert meetings[0]["start_time"].startswith(iso(after.start)[:16])
