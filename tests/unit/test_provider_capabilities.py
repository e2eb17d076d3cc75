"""Issue 13: what only some providers have is an optional capability the services test with
isinstance (shared.services.providers), never a provider's name: Zoom has each of Zoom's, Google
Meet and Teams none, so the reconciler, the checks and the registrants never ask them for one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.google.provider import GoogleMeet
from shared.adapters.microsoft.provider import TeamsMeetings
from shared.adapters.zoom.provider import ZoomMeetings
from shared.services import providers

CAPABILITIES = (
    providers.ActsInline,
    providers.FindsLostCreate,
    providers.Registrants,
    providers.ChecksGrant,
    providers.ExpiringHostLink,
    providers.RevokesConnection,
)


def never(*_: Any) -> Any:
    raise AssertionError("nothing is built to tell what a provider can do")


def zoom() -> ZoomMeetings:
    return ZoomMeetings(
        never,
        never,
        repo=never,  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
        secret_prefix="vclinks/test/zoom/",
        state_key=never,
    )


def test_issue13_zoom_is_a_provider_with_every_zoom_capability() -> None:
    meetings = zoom()
    assert (meetings.name, meetings.keeps_times) == ("zoom", True)
    assert [isinstance(meetings, c) for c in CAPABILITIES] == [True] * len(CAPABILITIES)


@pytest.mark.parametrize(
    "provider",
    [GoogleMeet(never, never, "p/", "s"), TeamsMeetings(never, never, "p/", "s")],  # type: ignore[arg-type]
)
def test_issue13_google_meet_and_teams_have_none_of_zoom_s_capabilities(provider: Any) -> None:
    assert [isinstance(provider, c) for c in CAPABILITIES] == [False] * len(CAPABILITIES)


def test_issue13_zoom_s_inline_view_builds_nothing_until_it_calls_zoom() -> None:
    view = zoom().inline()  # a request's attempt: the client comes with its first call
    assert isinstance(view, ZoomMeetings)
    assert (view.name, view.daily_limit) == ("zoom", 100)
