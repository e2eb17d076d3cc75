"""The pure rules for Google Meet (X13) and Microsoft Teams (X14) accounts: which meeting a
session wants, which link it gives, and X15 (never another provider's meeting under this
provider's name); the reasons the admin sees when a provider cannot make a meeting."""

from __future__ import annotations

import pytest

from shared.domain.errors import (
    ProviderAccountUnsupported,
    ProviderNeedsReconnect,
    ProviderRateLimited,
    ProviderUnavailable,
    ZoomRateLimited,
)
from shared.domain.meetings import desired_meeting, in_step
from shared.domain.models import Audience, ConnectionStatus, MeetingRef, ProviderAccount
from shared.domain.resolver import Link, NoLink, Reason, resolve
from shared.services.meetings import failure_reason
from tests.support import factories as f

PROVIDERS = ["google", "microsoft"]


def account(provider: str, **kw: object) -> ProviderAccount:
    return ProviderAccount(provider=provider, connection_id="gc-1", user_id="u-host", **kw)  # type: ignore[arg-type]


def meeting(provider: str, **kw: object) -> MeetingRef:
    fields: dict = {
        "provider": provider,
        "meeting_id": "spaces/abc" if provider == "google" else "MSo1",
        "connection_id": "gc-1",
        "host_user_id": "u-host",
        "join_url": f"https://{provider}.example/join/abc",
        "start_url": f"https://{provider}.example/join/abc",
    }
    return MeetingRef(**(fields | kw))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_x13_x14_a_session_wants_one_meeting_under_the_connected_user_and_no_registrants(
    provider: str,
) -> None:
    desired = desired_meeting(f.site(account(provider)), f.service("class"), f.session(), None)
    assert desired is not None
    assert (desired.provider, desired.connection_id, desired.host_user_id) == (provider, "gc-1", "u-host")
    assert desired.registration is False  # registrants are Zoom's (S03): the class shares the link
    assert desired.duration_minutes == 60


@pytest.mark.parametrize("provider", PROVIDERS)
def test_x13_x14_the_session_meeting_is_the_client_and_host_link(provider: str) -> None:
    session = f.session(meeting=meeting(provider))
    site, service = f.site(account(provider)), f.service()
    client = resolve(site, service, session, None, Audience.CLIENT, f.booking(), f.START)
    host = resolve(site, service, session, None, Audience.STAFF, None, f.START)
    assert isinstance(client, Link)
    assert isinstance(host, Link)
    assert (client.provider, client.url, client.kind) == (
        provider,
        f"https://{provider}.example/join/abc",
        "join",
    )
    assert (host.provider, host.kind) == (provider, "host")


@pytest.mark.parametrize(
    ("chosen", "held"), [("google", "zoom"), ("microsoft", "google"), ("google", "microsoft")]
)
def test_x15_another_providers_meeting_is_never_given_under_the_chosen_providers_name(
    chosen: str, held: str
) -> None:
    session = f.session(meeting=meeting(held))
    decision = resolve(
        f.site(account(chosen)), f.service(), session, None, Audience.CLIENT, f.booking(), f.START
    )
    assert isinstance(decision, NoLink)
    assert decision.reason is Reason.PENDING  # the stable link's "being prepared" page
    assert not in_step(desired_meeting(f.site(account(chosen)), f.service(), session, None), session.meeting)


def test_x15_a_zoom_account_never_gives_a_google_meeting_left_on_the_session() -> None:
    session = f.session(meeting=meeting("google", connection_id="conn-1", host_user_id="zu-host"))
    decision = resolve(
        f.site(f.zoom_account()), f.service(), session, None, Audience.CLIENT, f.booking(), f.START
    )
    assert isinstance(decision, NoLink)
    assert decision.reason is Reason.PENDING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_x07_an_account_that_needs_reconnecting_blocks_its_meeting_work_and_says_why(provider: str) -> None:
    dead = account(
        provider, status=ConnectionStatus.NEEDS_RECONNECT, problem=f"{provider}_account_unsupported"
    )
    desired = desired_meeting(f.site(dead), f.service(), f.session(), None)
    assert desired is not None
    assert desired.blocked == f"{provider}_account_unsupported"
    link = resolve(f.site(dead), f.service(), f.session(), None, Audience.CLIENT, f.booking(), f.START)
    assert isinstance(link, NoLink)
    assert link.reason is Reason.NEEDS_RECONNECT


def test_x15_the_admin_sees_whose_failure_it_was() -> None:
    assert failure_reason(ProviderAccountUnsupported("no licence", provider="microsoft")) == (
        "microsoft_account_unsupported"
    )
    assert failure_reason(ProviderRateLimited("10 a minute", provider="google")) == "google_rate_limited"
    assert failure_reason(ProviderUnavailable("5xx", provider="google")) == "google_unavailable"
    assert failure_reason(ProviderNeedsReconnect("revoked", provider="google")) == "needs_reconnect"
    assert failure_reason(ZoomRateLimited("slow down")) == "zoom_rate_limited"  # Zoom's unchanged
