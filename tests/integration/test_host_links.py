"""S04, S07: Zoom's host link (`start_url`) expires 2 hours after it is read. A staff
member's stable join link goes straight to a fresh one, and through one GET of the
meeting to a new one when the stored link is older than 100 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from local.zoom_emulator import ZoomEmulator
from tests.integration.conftest import Api, SiteHandle
from tests.integration.test_crash_recovery import connect, session, zoom  # noqa: F401 - the fixture
from tests.integration.test_links_api import join_path


@pytest.fixture
def zoom_session(site: SiteHandle, zoom: ZoomEmulator) -> SiteHandle:  # noqa: F811
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
    from shared.adapters.repository import get_store
    from shared.services.sessions import update_session

    def older(current):  # type: ignore[no-untyped-def]
        meeting = current.meeting.model_copy(update={"start_url_at": datetime.now(UTC) - by})
        return current.model_copy(update={"meeting": meeting})

    _, after = update_session(get_store(), site.site_id, "s1", older)
    return after.meeting.start_url


def test_a_fresh_host_link_is_followed_without_asking_zoom(
    zoom_session: SiteHandle,
    zoom: ZoomEmulator,  # noqa: F811
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
    zoom: ZoomEmulator,  # noqa: F811
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
    zoom: ZoomEmulator,  # noqa: F811
    anonymous: Api,
) -> None:
    site = zoom_session
    booking = site.api.put(f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada"})
    age_host_link(site, timedelta(hours=3))
    answer = anonymous.get(join_path(booking.json["join_url"]))
    assert answer.status == 302
    assert "/j/" in answer.headers["Location"]  # Zoom's join link: it does not expire
