"""Zoom's errors as Zoom means them, in the pipeline (issue 10, point 3), meeting settings per
service (S09) and Zoom's daily quota in sight (X11), through the handlers on moto with the
strict emulator as Zoom."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.work import WorkRef, next_utc_midnight
from tests.support.api import SiteHandle
from tests.support.zoom import connect, session

CLASS = {"kind": "class", "online": True}


def zoomed(site: SiteHandle, zoom: ZoomEmulator, service: dict[str, Any] | None = None, **kw: Any) -> str:
    connection = connect(site, zoom, **kw)
    body = service or {"kind": "appointment", "online": True}
    assert site.api.put(f"{site.base}/services/svc", body).status == 200
    return connection


def state(site: SiteHandle, session_id: str = "s1") -> tuple[str, str | None]:
    stored = site.api.get(f"{site.base}/sessions/{session_id}").json
    return stored["meeting_state"], stored["pending_reason"]


def client_link(site: SiteHandle, booking: str, session_id: str = "s1") -> str:
    query = {"audience": "client", "booking": booking}
    return str(site.api.get(f"{site.base}/sessions/{session_id}/link", query=query).json["url"])


def book(site: SiteHandle, booking: str, email: str, session_id: str = "s1") -> None:
    body = {"client_name": booking.title(), "client_email": email}
    assert site.api.put(f"{site.base}/sessions/{session_id}/bookings/{booking}", body).status in (200, 201)


# -- Zoom's refusals -----------------------------------------------------------------------


def test_x07_a_scope_the_token_lacks_is_named_on_the_session_and_the_connection(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [grant] = zoom.grants.values()
    grant.scopes = grant.scopes - {"meeting:update:meeting"}  # a token from before the scope was added

    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    missing = "zoom_missing_scope:meeting:update:meeting or meeting:update:meeting:admin"
    assert state(site) == ("pending", missing)
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert (account["status"], account["problem"]) == ("connected", missing)  # the admin sees which


def test_s03_the_per_registrant_daily_limit_defers_that_booking_only(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom, CLASS)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting_id] = zoom.meetings
    today = datetime.fromtimestamp(zoom.clock(), UTC).strftime("%Y-%m-%d")
    zoom.registrant_daily[("add", meeting_id, "ada@example.com", today)] = 3  # added 3 times today

    book(site, "ada", "ada@example.com")
    book(site, "bob", "bob@example.com")

    registered = {r["email"] for r in zoom.active_registrants(meeting_id)}
    assert registered == {"bob@example.com"}  # the others go on
    waiting = container().repo.get_work(WorkRef.booking(site.site_id, "s1", "ada"))
    assert waiting is not None
    assert waiting["last_reason"] == "zoom_registrant_daily_limit"
    tomorrow = next_utc_midnight(datetime.now(UTC)).strftime("%Y-%m-%d")
    assert waiting["due_sk"].split("#")[1].startswith(tomorrow)  # not the host's limit: this booking's
    assert (
        client_link(site, "ada") == zoom.meetings[meeting_id]["join_url"]
    )  # the meeting's own link meanwhile
    assert state(site) == ("ready", None)


def test_s03_a_basic_host_gets_the_plain_join_link_and_no_registrants(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom, CLASS, user="zu-anna")  # a Basic (free) Zoom user connects their own Zoom
    assert site.api.get(f"{site.base}/vc-account").json["account"]["user_type"] == 1
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    book(site, "ada", "ada@example.com")
    book(site, "bob", "bob@example.com")

    [meeting] = zoom.meetings.values()
    assert meeting["settings"]["approval_type"] == 2  # no registration: Zoom would refuse registrants
    assert zoom.calls().get("add_registrant") is None
    assert client_link(site, "ada") == client_link(site, "bob") == meeting["join_url"]
    assert state(site) == ("ready", None)


def test_a_session_that_has_ended_is_not_reconciled(site: SiteHandle, zoom: ZoomEmulator) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.reset_counters()
    root = container()
    root.repo.clock = lambda: time.time() + 10 * 365 * 86400  # years later: the session is over
    assert site.api.delete(f"{site.base}/sessions/s1").status == 204
    assert zoom.calls() == {}  # no DELETE of a past meeting
    assert root.repo.get_work(WorkRef.session(site.site_id, "s1")) is None  # and nothing left to retry


@pytest.fixture
def error_logs() -> Iterator[list[logging.LogRecord]]:
    """The service logger's ERROR lines (where an operator's alarms look)."""
    import shared.http.api  # noqa: F401 - the service's logger, configured

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.ERROR)
    logging.getLogger("vclinks").addHandler(handler)
    yield records
    logging.getLogger("vclinks").removeHandler(handler)


def test_x07_zoom_refusing_the_deployments_credentials_is_logged_as_an_error_for_the_operator(
    site: SiteHandle, zoom: ZoomEmulator, error_logs: list[logging.LogRecord]
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.apps[zoom.client_id].client_secret = "regenerated-in-the-marketplace"
    zoom.expire_access_tokens()
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("pending", "zoom_error:zoom-app-misconfigured")
    messages = {record.getMessage() for record in error_logs}
    assert messages == {"Zoom refused the deployment's app credentials (invalid_client)"}
    assert site.api.get(f"{site.base}/vc-account").json["account"]["status"] == "connected"


# -- S09: meeting settings per service -------------------------------------------------------


def test_s09_a_services_meeting_settings_are_sent_on_create_and_update(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    settings = {
        "waiting_room": True,
        "mute_on_entry": True,
        "auto_recording": "cloud",
        "passcode_required": True,
    }
    zoomed(site, zoom, {"kind": "appointment", "online": True, "meeting_settings": settings})
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert site.api.put(f"{site.base}/sessions/s2", session(days=1)).status == 201
    for meeting in zoom.meetings.values():
        assert {
            k: meeting["settings"].get(k) for k in ("waiting_room", "mute_upon_entry", "auto_recording")
        } == {
            "waiting_room": True,
            "mute_upon_entry": True,
            "auto_recording": "cloud",
        }
        assert len(meeting["password"]) == 10
    zoom.reset_counters()

    changed = settings | {"auto_recording": "local", "waiting_room": False, "join_before_host": True}
    body = {"kind": "appointment", "online": True, "meeting_settings": changed}
    saved = site.api.put(f"{site.base}/services/svc", body)
    assert saved.status == 200
    assert saved.json["meeting_settings"]["auto_recording"] == "local"
    assert zoom.calls().get("update_meeting") == 2  # the upcoming meetings, through the service fan-out
    for meeting in zoom.meetings.values():
        assert meeting["settings"]["auto_recording"] == "local"
        assert meeting["settings"]["join_before_host"] is True
        assert meeting["settings"]["waiting_room"] is False
    again = site.api.put(f"{site.base}/services/svc", body)  # the same settings again: nothing to send
    assert again.status == 200
    assert zoom.calls().get("update_meeting") == 2
    [first] = [m for m in zoom.meetings.values() if m["start_time"].startswith(session()["start"][:10])]
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert link["password"] == first["password"]  # the meeting's passcode, as Zoom keeps it


@pytest.mark.parametrize(
    "settings",
    [
        {"waiting_room": True, "join_before_host": True},  # Zoom disables one of them
        {"auto_recording": "tape"},
        {"mute_on_entry": "yes please"},
        {"lobby": True},
    ],
)
def test_s09_meeting_settings_zoom_would_refuse_or_ignore_are_a_clear_400(
    site: SiteHandle, settings: dict[str, Any]
) -> None:
    answer = site.api.put(
        f"{site.base}/services/svc", {"kind": "appointment", "online": True, "meeting_settings": settings}
    )
    assert answer.status == 400
    assert answer.json["type"].endswith("/invalid-input")


# -- X11: each host's daily count, work past it waiting for tomorrow -----------------------


def test_x11_each_hosts_daily_count_is_tracked_and_work_past_it_waits_for_tomorrow(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    usage = site.api.get(f"{site.base}/zoom/usage").json
    assert [(h["zoom_user_id"], h["used_today"], h["limit"], h["waiting"]) for h in usage["hosts"]] == [
        ("zu-host", 1, 100, [])
    ]
    today = datetime.now(UTC).date()
    container().repo.fill_zoom_quota("zu-host", today, 100)  # the host's other 99 of the day
    zoom.reset_counters()

    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert site.api.put(f"{site.base}/sessions/s2", session(days=2)).status == 201
    assert zoom.calls() == {}  # nothing sent past the limit: Zoom would refuse it anyway
    assert (state(site, "s1"), state(site, "s2")) == (("pending", "zoom_daily_limit"),) * 2
    usage = site.api.get(f"{site.base}/zoom/usage").json
    assert [(h["used_today"], h["waiting"]) for h in usage["hosts"]] == [(100, ["s1", "s2"])]
    assert usage["resets_at"] == next_utc_midnight(datetime.now(UTC)).strftime("%Y-%m-%dT00:00:00Z")
    due = container().repo.get_work(WorkRef.session(site.site_id, "s2"))
    assert due is not None
    assert due["due_sk"].split("#")[1] > usage["resets_at"]  # retried after 00:00 UTC


def test_x11_zooms_own_daily_limit_answer_fills_the_hosts_count(site: SiteHandle, zoom: ZoomEmulator) -> None:
    zoomed(site, zoom)
    zoom.daily[("zu-host", datetime.fromtimestamp(zoom.clock(), UTC).strftime("%Y-%m-%d"))] = (
        100  # other apps
    )
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert state(site) == ("pending", "zoom_daily_limit")
    zoom.reset_counters()
    assert site.api.put(f"{site.base}/sessions/s2", session(days=1)).status == 201
    assert zoom.calls() == {}  # the host's day is known to be used up: not asked again
    usage = site.api.get(f"{site.base}/zoom/usage").json
    assert [(h["used_today"], h["waiting"]) for h in usage["hosts"]] == [(100, ["s1", "s2"])]


def test_x11_work_past_the_limit_is_done_after_midnight_utc(site: SiteHandle, zoom: ZoomEmulator) -> None:
    zoomed(site, zoom)
    today = datetime.now(UTC).date()
    container().repo.fill_zoom_quota("zu-host", today, 100)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert state(site) == ("pending", "zoom_daily_limit")

    root = container()
    tomorrow = next_utc_midnight(datetime.now(UTC)).timestamp()
    root.repo.clock = lambda: tomorrow  # 00:01-00:10 UTC: a new day, a new count
    root.worker.run(WorkRef.session(site.site_id, "s1"))
    assert state(site) == ("ready", None)
    assert zoom.calls()["create_meeting"] == 1


def test_x11_a_call_the_request_did_not_send_is_not_counted(site: SiteHandle, zoom: ZoomEmulator) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.expire_access_tokens()  # the request's one call meets Zoom's 401; the worker refreshes, updates
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("ready", None)
    usage = site.api.get(f"{site.base}/zoom/usage").json
    assert [h["used_today"] for h in usage["hosts"]] == [
        zoom.calls()["create_meeting"] + zoom.calls()["update_meeting"]
    ]
