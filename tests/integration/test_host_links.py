"""S04, S07: Zoom's host link (`start_url`) expires 2 hours after it is read. A staff
member's stable join link goes straight to a fresh one, and through one GET of the
meeting to a new one when the stored link is older than 100 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from local.zoom_emulator import ZoomEmulator
from tests.support.api import Api, SiteHandle
from tests.support.links import join_path
from tests.support.zoom import connect, session


@pytest.fixture
def zoom_session(site: SiteHandle, zoom: ZoomEmulator) -> SiteHandle:
    """A site on Zoom with one appointment session `s1`, its meeting made."""
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    return site


def staff_join_path(site: SiteHandle) -> str:
    answer = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"})
    assert answer.status == 200, answer.text
    assert answer.json["kind"] == "host"
    return join_path(answer.json["join_url"])


def age_host_link(site: SiteHandle, by: timedelta) -> str:
    from shared.bootstrap import container

    repo = container().repo
    session = repo.get_session(site.site_id, "s1")
    assert session is not None
    assert session.meeting is not None
    repo.store_start_url(session, session.meeting.start_url, datetime.now(UTC) - by)
    return session.meeting.start_url


def test_a_fresh_host_link_is_followed_without_asking_zoom(
    zoom_session: SiteHandle,
    zoom: ZoomEmulator,
    anonymous: Api,
) -> None:
    site = zoom_session
    path = staff_join_path(site)
    zoom.reset_counters()
    answer = anonymous.get(path)
    assert answer.status == 302
    assert "/s/" in answer.headers["Location"]  # the host link itself
    assert zoom.calls() == {}


def test_an_old_host_link_is_read_again_from_zoom_before_the_redirect(
    zoom_session: SiteHandle,
    zoom: ZoomEmulator,
    anonymous: Api,
) -> None:
    site = zoom_session
    path = staff_join_path(site)
    stale = age_host_link(site, timedelta(hours=3))

    first = anonymous.get(path)
    assert first.status == 302
    refresher = urlsplit(first.headers["Location"])
    assert refresher.path.startswith("/v1/zoom/host/")
    second = anonymous.get(refresher.path)
    assert second.status == 302
    fresh = second.headers["Location"]
    assert "/s/" in fresh
    assert fresh != stale  # a new zak

    again = anonymous.get(path)  # now fresh: straight to it
    assert again.headers["Location"] == fresh


def test_a_client_link_never_goes_through_the_refresher(
    zoom_session: SiteHandle,
    zoom: ZoomEmulator,
    anonymous: Api,
) -> None:
    site = zoom_session
    booking = site.api.put(f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada"})
    age_host_link(site, timedelta(hours=3))
    answer = anonymous.get(join_path(booking.json["join_url"]))
    assert answer.status == 302
    assert "/j/" in answer.headers["Location"]  # Zoom's join link: it does not expire
