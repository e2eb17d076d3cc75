"""Issue 13: the connect flow, the reconciler, the checks before a session and the registrants reach
a provider only through the provider interface (shared.services.providers). A test double that
implements the Protocol and nothing else, registered in the composition root in Zoom's place, is
connected through its own consent page, gets each session's meeting made once, changed once per
change, read once by a check and deleted once, while the Zoom emulator is asked for nothing at all;
what it lacks (registrants, a lost create found by its marker, a request's inline attempt, Zoom's
admin-managed app) is simply not asked of it, or refused with a clear answer."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest

from local.zoom_emulator import ZoomEmulator
from shared.adapters.oauth import OAuthTokens
from shared.adapters.provider_meeting import USER, Grant, MeetingRequest, ProviderMeeting
from shared.bootstrap import container
from shared.domain.errors import ProviderMeetingNotFound
from shared.domain.models import Connection
from tests.support.api import Api, SiteHandle
from tests.support.links import START
from tests.support.schedule import run_schedule
from tests.support.zoom import RETURN_TO, back_from_zoom, connect, decide, session, ticket

ids = itertools.count(1)


@dataclass
class PlainProvider:
    """Only the interface's verbs, kept in memory: no capability at all (not even `inline`)."""

    name: str = "zoom"
    keeps_times: bool = True
    accesses: frozenset[str] = frozenset({USER})
    secret_prefix: str = "vclinks/test/plain/"
    meetings: dict[str, ProviderMeeting] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def create(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting:
        self.calls["create"] += 1
        meeting_id = f"plain-{next(ids)}"
        made = ProviderMeeting(
            provider="zoom",
            meeting_id=meeting_id,
            join_url=f"https://plain.example/j/{meeting_id}",
            host_url=f"https://plain.example/h/{meeting_id}",
            start=request.start,
            end=request.end,
        )
        self.meetings[meeting_id] = made
        return made

    def read(self, connection: Connection, meeting_id: str) -> ProviderMeeting:
        self.calls["read"] += 1
        if meeting_id not in self.meetings:
            raise ProviderMeetingNotFound("gone", provider=self.name)
        return self.meetings[meeting_id]

    def update(self, connection: Connection, meeting_id: str, request: MeetingRequest) -> ProviderMeeting:
        self.calls["update"] += 1
        if meeting_id not in self.meetings:
            raise ProviderMeetingNotFound("gone", provider=self.name)
        self.meetings[meeting_id] = replace(self.meetings[meeting_id], start=request.start, end=request.end)
        return self.meetings[meeting_id]

    def delete(self, connection: Connection, meeting_id: str) -> None:
        self.calls["delete"] += 1
        self.meetings.pop(meeting_id, None)

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, access: str) -> str:
        self.calls["authorize_url"] += 1
        query = {"redirect_uri": redirect_uri, "state": state, "code_challenge": code_challenge}
        return f"https://plain.example/consent?{urlencode(query)}"

    def connect(self, code: str, redirect_uri: str, code_verifier: str, access: str) -> Grant:
        self.calls["connect"] += 1
        assert (code, access) == ("plain-code", USER)
        tokens = OAuthTokens("plain-access", "plain-refresh", START, frozenset({"meetings"}))
        return Grant(tokens, "plain-user", "plain-org", "host@plain.example", access)

    def state_key(self) -> str:
        return "plain-client-secret"

    def secret_parts(self, grant: Grant) -> tuple[str, ...]:
        return ("plain", grant.organization, grant.user_id)

    def revoke(self, refresh_token: str) -> None:
        self.calls["revoke"] += 1


def zoom_connected_then_plain(
    site: SiteHandle, zoom: ZoomEmulator, kind: str = "appointment"
) -> PlainProvider:
    """A Zoom account connected through the emulator; from then on the provider named "zoom" is
    the double (the connection, its account and the link rules stay Zoom's records)."""
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": kind, "online": True}).status == 200
    plain = PlainProvider()
    container().register("zoom", plain)
    zoom.reset_counters()
    return plain


def consent_at_the_double(browser: Api, site: SiteHandle, access: str = USER) -> Any:
    """The admin's browser: the connect link, then the double's consent page sends it back."""
    query = {"ticket": ticket(site, access), "return_to": RETURN_TO}
    return browser.get("/v1/oauth/zoom/start", query=query)


def test_issue13_an_account_is_connected_through_the_interface_only(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    plain = PlainProvider()
    container().register("zoom", plain)
    browser = site.api.as_(None)

    started = consent_at_the_double(browser, site)
    assert started.status == 302, started.text
    consent = urlsplit(started.headers["Location"])
    assert consent.netloc == "plain.example"  # the provider's own consent page
    state = parse_qs(consent.query)["state"][0]
    callback = f"/v1/oauth/zoom/callback?{urlencode({'state': state, 'code': 'plain-code'})}"
    page = back_from_zoom(browser, callback)
    assert page.status == 200, page.text
    assert "host@plain.example" in page.text  # the confirmation names the provider's account
    done = decide(browser, page)
    assert done.status == 303, done.text
    returned = parse_qs(urlsplit(done.headers["Location"]).query)
    assert returned["zoom"] == ["connected"]

    assert plain.calls == Counter(authorize_url=1, connect=1)
    [connection] = container().repo.list_connections(site.site_id)
    assert connection.secret_name == "vclinks/test/plain/plain/plain-org/plain-user"  # its prefix, its parts
    assert (connection.zoom_user_id, connection.email) == ("plain-user", "host@plain.example")
    kept = boto3.client("secretsmanager").get_secret_value(SecretId=connection.secret_name)
    assert "plain-refresh" in kept["SecretString"]  # the grant's tokens, kept as every provider's
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert plain.calls["create"] == 1
    assert zoom.calls() == {}  # no consent, token exchange or user read at Zoom


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_s01_w07_an_account_wide_ticket_is_refused_by_a_provider_without_one_and_is_not_spent(
    site: SiteHandle, zoom: ZoomEmulator, meet_and_teams: dict[str, Any], provider: str
) -> None:
    browser = site.api.as_(None)
    account_wide = ticket(site, "account")
    query = {"ticket": account_wide, "return_to": RETURN_TO}

    refused = browser.get(f"/v1/oauth/{provider}/start", query=query)
    assert refused.status == 400, refused.text
    assert f"access=account is not a way to connect {provider}" in refused.json["detail"]
    assert meet_and_teams[provider].calls() == {}

    zoom_admin = PlainProvider(accesses=frozenset({USER, "account"}))  # one that has it
    container().register("zoom", zoom_admin)
    assert browser.get("/v1/oauth/zoom/start", query=query).status == 302  # the ticket still works


def stored(site: SiteHandle) -> dict[str, Any]:
    return dict(site.api.get(f"{site.base}/sessions/s1").json)


def test_issue13_the_reconciler_makes_changes_and_deletes_through_the_interface_only(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    plain = zoom_connected_then_plain(site, zoom)

    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert plain.calls == Counter(create=1)
    [(meeting_id, made)] = plain.meetings.items()
    assert stored(site)["meeting_state"] == "ready"
    body = {"client_name": "Ada", "client_email": "ada@example.com"}
    assert site.api.put(f"{site.base}/sessions/s1/bookings/ada", body).status in (200, 201)
    query = {"audience": "client", "booking": "ada"}
    link = site.api.get(f"{site.base}/sessions/s1/link", query=query).json
    assert link["url"] == made.join_url  # the stored reference is what the interface answered

    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200  # reschedule
    assert plain.calls == Counter(create=1, update=1)
    assert plain.meetings[meeting_id].start == START + timedelta(days=1)
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200  # no change
    assert plain.calls == Counter(create=1, update=1)

    assert site.api.delete(f"{site.base}/sessions/s1").status in (200, 204)  # cancel
    assert plain.calls == Counter(create=1, update=1, delete=1)
    assert plain.meetings == {}
    assert zoom.calls().get("create_meeting") is None  # Zoom itself was never asked for a meeting
    assert zoom.calls().get("update_meeting") is None
    assert zoom.calls().get("delete_meeting") is None


def test_issue13_a_meeting_gone_at_a_provider_without_times_or_registrants_is_made_anew(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    plain = zoom_connected_then_plain(site, zoom, kind="class")  # a class: registrants where they exist
    plain.keeps_times = False  # a Meet space's kind of meeting: a reschedule is no call

    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    body = {"client_name": "Ada", "client_email": "ada@example.com"}
    assert site.api.put(f"{site.base}/sessions/s1/bookings/ada", body).status in (200, 201)
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert plain.calls == Counter(create=1)  # no update, and no registrant asked of it
    assert zoom.calls().get("add_registrant") is None
    [made] = plain.meetings.values()
    query = {"audience": "client", "booking": "ada"}
    assert site.api.get(f"{site.base}/sessions/s1/link", query=query).json["url"] == made.join_url

    plain.keeps_times = True
    plain.meetings.clear()  # deleted at the provider meanwhile
    assert site.api.put(f"{site.base}/sessions/s1", session(days=2)).status == 200
    assert plain.calls == Counter(create=2, update=1)  # the update found it gone: made anew
    [remade] = plain.meetings.values()
    assert stored(site)["meeting_state"] == "ready"
    assert site.api.get(f"{site.base}/sessions/s1/link", query=query).json["url"] == remade.join_url


def test_x10_the_checks_read_and_repair_a_meeting_through_the_interface_only(
    site: SiteHandle, zoom: ZoomEmulator, worker: Any
) -> None:
    plain = zoom_connected_then_plain(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting_id] = plain.meetings
    plain.meetings[meeting_id] = replace(plain.meetings[meeting_id], start=START + timedelta(minutes=30))

    run_schedule(START - timedelta(hours=24), worker)  # moved there: put back by the session's item
    assert plain.calls == Counter(create=1, read=1, update=1)
    assert plain.meetings[meeting_id].start == START
    assert stored(site)["last_check"]["repaired"] == "time_put_back"

    plain.meetings.clear()  # deleted there: made again
    run_schedule(START - timedelta(hours=1), worker)
    assert plain.calls == Counter(create=2, read=2, update=1)
    check = stored(site)["last_check"]
    assert (check["problem"], check["repaired"]) == (None, "recreated")
    assert zoom.calls().get("get_meeting") is None  # Zoom itself was never read


@pytest.mark.parametrize(
    ("provider", "title"), [("zoom", "Zoom"), ("google", "Google Meet"), ("microsoft", "Microsoft Teams")]
)
def test_x15_a_confirmation_too_late_names_the_provider_being_connected(
    site: SiteHandle, provider: str, title: str
) -> None:
    """A confirmation whose connection expired meanwhile (its record gone) is refused naming the
    provider the admin was connecting, never another one (X15)."""
    from shared.domain.errors import Conflict
    from shared.services.connections import attach

    gone = Connection(
        site_id=site.site_id,
        connection_id="c-expired",
        provider=provider,
        zoom_account_id="acct",
        zoom_user_id="user-1",
        secret_name="vclinks/test/x",
        created_at=START,
    )
    with pytest.raises(Conflict) as refused:
        attach(container().repo, gone)
    assert f"This {title} connection is gone" in refused.value.detail
    assert ("Zoom" in refused.value.detail) is (provider == "zoom")
