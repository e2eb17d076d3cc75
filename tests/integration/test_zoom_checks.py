"""X10: checks before each session, through the worker's schedule and the pipeline on moto with
the emulator as Zoom. At the hours the site chose before a session (24 h and 1 h by default), its
connection and meeting are checked; a meeting gone or moved at Zoom is repaired; what cannot be is
recorded on the session for its admin, and the client's stable link shows a clear page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from local.zoom_emulator import ZoomEmulator
from tests.support.api import SiteHandle
from tests.support.links import START
from tests.support.schedule import run_schedule
from tests.support.zoom import connect, session

DAY_BEFORE = START - timedelta(hours=24)


def ready(site: SiteHandle, zoom: ZoomEmulator) -> dict[str, Any]:
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting] = zoom.meetings.values()
    zoom.reset_counters()
    return meeting


def last_check(site: SiteHandle) -> dict[str, Any] | None:
    return site.api.get(f"{site.base}/sessions/s1").json["last_check"]


def test_x10_a_healthy_session_is_checked_once_at_each_hour_the_site_chose(
    site: SiteHandle, zoom: ZoomEmulator, worker: Any
) -> None:
    ready(site, zoom)
    assert run_schedule(DAY_BEFORE, worker)["checks"] == 1
    assert zoom.calls() == {"get_meeting": 1}
    check = last_check(site)
    assert check is not None
    assert (check["problem"], check.get("repaired")) == (None, None)
    assert run_schedule(DAY_BEFORE + timedelta(minutes=1), worker)["checks"] == 0  # once per hour chosen
    assert run_schedule(START - timedelta(hours=1), worker)["checks"] == 1  # the hour before
    assert zoom.calls() == {"get_meeting": 2}


def test_x10_the_site_chooses_the_hours_of_its_checks(
    site: SiteHandle, zoom: ZoomEmulator, worker: Any
) -> None:
    ready(site, zoom)
    saved = site.api.patch(f"{site.base}/settings", {"meeting_check_hours": [2]})
    assert saved.json["meeting_check_hours"] == [2]
    assert run_schedule(DAY_BEFORE, worker)["checks"] == 0
    assert run_schedule(START - timedelta(hours=2), worker)["checks"] == 1
    assert site.api.patch(f"{site.base}/settings", {"meeting_check_hours": [5]}).status == 400  # not offered


def test_x10_a_meeting_deleted_at_zoom_is_made_again_before_the_session(
    site: SiteHandle, zoom: ZoomEmulator, worker: Any
) -> None:
    meeting = ready(site, zoom)
    del zoom.meetings[str(meeting["id"])]  # gone at Zoom, and nobody told us
    run_schedule(DAY_BEFORE, worker)

    [again] = zoom.meetings.values()
    assert again["id"] != meeting["id"]
    check = last_check(site)
    assert check is not None
    assert (check["problem"], check["repaired"]) == (None, "recreated")
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert link["url"] == again["start_url"]


def test_x10_a_time_changed_at_zoom_is_put_back(site: SiteHandle, zoom: ZoomEmulator, worker: Any) -> None:
    meeting = ready(site, zoom)
    meeting["start_time"] = "2031-03-03T19:30:00Z"  # someone moved it in Zoom's portal
    run_schedule(DAY_BEFORE, worker)

    assert meeting["start_time"] == session()["start"]  # the session's time again
    assert zoom.calls() == {"get_meeting": 1, "update_meeting": 1}
    check = last_check(site)
    assert check is not None
    assert check["repaired"] == "time_put_back"


def test_x10_a_connection_that_needs_reconnecting_is_recorded_and_the_client_sees_a_clear_page(
    site: SiteHandle, zoom: ZoomEmulator, worker: Any
) -> None:
    ready(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada"}).status == 201
    zoom.revoke_user_tokens("zu-host")  # the user removed the app: Zoom told us nothing
    zoom.expire_access_tokens()
    run_schedule(START - timedelta(hours=1), worker)

    check = last_check(site)
    assert check is not None
    assert check["problem"] == "needs_reconnect"
    join = site.api.get(f"{site.base}/sessions/s1/bookings/b1").json["join_url"]
    page = site.api.as_(None).get("/" + join.split("/", 3)[3], headers={"Accept": "text/html"})
    assert page.status == 200  # a page saying so, not a redirect to a dead meeting
    assert "connect its video-conference account again" in page.text
