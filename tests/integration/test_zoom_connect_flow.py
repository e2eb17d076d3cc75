"""Connecting Zoom safely (issue 10, point 4), through the handlers on moto with the emulator as
Zoom: the flow starts only with a single-use connect ticket (scoped tokens mint nothing), is
bound to the browser that started it (a consent link opened elsewhere connects nothing), and
attaches only once the admin confirms a page naming the site and the Zoom account; a cancel or
no answer leaves nothing, the grant revoked. A reconnect keeps the staff mappings and meetings."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.work import WorkRef
from tests.support.api import Api, SiteHandle
from tests.support.zoom import (
    RETURN_TO,
    back_from_zoom,
    connect,
    consent,
    decide,
    session,
    start,
    stored_zoom_secrets,
    ticket,
)


def connected(site: SiteHandle) -> bool:
    return bool(site.api.get(f"{site.base}/vc-account").json["connected"])


def test_s01_the_connect_flow_takes_a_connect_ticket_once(site: SiteHandle, zoom: ZoomEmulator) -> None:
    browser = site.api.as_(None)
    once = ticket(site)
    query = {"ticket": once, "return_to": RETURN_TO}
    assert browser.get("/v1/oauth/zoom/start", query=query).status == 302
    again = browser.get("/v1/oauth/zoom/start", query=query)
    assert again.status == 401
    assert "used already" in again.json["detail"]

    admin_token = site.api.post(f"{site.base}/tokens", {"role": "admin"}).json["token"]
    refused = browser.get("/v1/oauth/zoom/start", query={"ticket": admin_token, "return_to": RETURN_TO})
    assert refused.status == 403  # an admin token is not a connect ticket
    key = browser.get("/v1/oauth/zoom/start", query={"ticket": site.api_key, "return_to": RETURN_TO})
    assert key.status == 400  # never the API key in a URL


def test_s01_a_connect_ticket_reads_and_changes_nothing(site: SiteHandle) -> None:
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    connect_ticket = site.api.as_(ticket(site))
    for method, path, body in (
        ("GET", f"{site.base}/vc-account", None),
        ("GET", f"{site.base}/sessions/s1/link", None),  # not a host link, not anyone's link
        ("PUT", f"{site.base}/vc-account", {"provider": "custom", "url": "https://meet.example.com/x"}),
        ("POST", f"{site.base}/tokens", {"role": "admin"}),
    ):
        answer = connect_ticket.call(
            method, path, body, query={"audience": "staff"} if "link" in path else None
        )
        assert answer.status == 403, (method, path, answer.text)


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_a_scoped_token_cannot_mint_tokens(site: SiteHandle, role: str) -> None:
    body: dict[str, Any] = {"role": role} | ({"staff_id": "anna"} if role == "staff" else {})
    scoped = site.api.post(f"{site.base}/tokens", body).json["token"]
    for wanted in ({"role": "admin"}, {"role": "connect"}):
        minted = site.api.as_(scoped).post(f"{site.base}/tokens", wanted)
        assert minted.status == 403
        assert "API key" in minted.json["detail"]


def test_s01_a_consent_link_opened_in_another_browser_connects_nothing(
    site: SiteHandle, zoom: ZoomEmulator, gateway_client: Client
) -> None:
    started = start(site)  # the admin's browser: it holds the flow's cookie
    authorize = started.headers["Location"]
    # The link reaches someone else (another Zoom account's owner), who consents in their browser.
    callback = consent(zoom, authorize, user="zu-solo")
    elsewhere = Api(Client(gateway_client.application))  # another browser: no cookie
    refused = back_from_zoom(elsewhere, callback)

    assert refused.status == 403
    assert "Zoom was not connected" in refused.text
    assert refused.headers["Content-Type"].startswith("text/html")
    assert not connected(site)
    assert zoom.calls().get("token_exchange") is None  # the code was not even exchanged
    assert stored_zoom_secrets() == []


def test_s01_the_admin_confirms_a_page_naming_the_site_and_the_zoom_account(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    started = start(site)
    page = back_from_zoom(site.api.as_(None), consent(zoom, started.headers["Location"], user="zu-host"))
    assert page.status == 200
    assert "Yoga Studio" in page.text
    assert "host@demo.example" in page.text
    assert "acct-demo" in page.text
    assert not connected(site)  # nothing attached before the admin says so

    done = decide(site.api.as_(None), page, "connect")
    assert done.status == 303
    assert parse_qs(urlsplit(done.headers["Location"]).query)["zoom"] == ["connected"]
    assert connected(site)
    again = decide(site.api.as_(None), page, "connect")
    assert again.status == 409  # answered once


def test_s08_a_cancelled_confirmation_attaches_nothing_and_revokes_the_grant(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    started = start(site)
    page = back_from_zoom(site.api.as_(None), consent(zoom, started.headers["Location"]))
    done = decide(site.api.as_(None), page, "cancel")
    assert done.status == 303
    assert parse_qs(urlsplit(done.headers["Location"]).query)["zoom"] == ["cancelled"]
    assert not connected(site)
    assert zoom.calls()["token_revoke"] == 1
    assert stored_zoom_secrets() == []
    assert container().repo.list_connections(site.site_id) == []


def test_s08_an_unconfirmed_connection_expires_and_its_grant_is_revoked(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    started = start(site)
    page = back_from_zoom(site.api.as_(None), consent(zoom, started.headers["Location"]))
    assert page.status == 200
    [pending] = container().repo.list_connections(site.site_id)
    assert pending.confirmed is False

    root = container()
    root.repo.clock = lambda: time.time() + 11 * 60  # the admin never answered
    root.worker.run(WorkRef.connection(site.site_id, pending.connection_id))
    assert root.repo.list_connections(site.site_id) == []
    assert zoom.calls()["token_revoke"] == 1
    late = decide(site.api.as_(None), page, "connect")
    assert late.status == 410
    assert not connected(site)


def test_w07_a_reconnect_keeps_the_staff_mappings_and_their_meetings(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    first = connect(site, zoom, access="account")
    mapping = {"provider": "zoom", "connection_id": first, "zoom_user_id": "zu-anna"}
    assert site.api.put(f"{site.base}/staff/anna/vc-account", mapping).status == 200
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session() | {"staff_id": "anna"}).status == 201
    [meeting] = zoom.meetings.values()
    assert meeting["host_id"] == "zu-anna"
    zoom.reset_counters()

    second = connect(site, zoom, access="account")  # the owner connects the account again

    anna = site.api.get(f"{site.base}/staff/anna/vc-account").json["account"]
    assert (anna["connection_id"], anna["zoom_user_id"]) == (second, "zu-anna")
    assert list(zoom.meetings) == [str(meeting["id"])]  # no second meeting, none deleted
    assert zoom.calls() == {"token_exchange": 1}
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert link["url"] == meeting["start_url"]
