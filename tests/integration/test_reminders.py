"""Reminders send themselves (X08, issue 11 point 9): a site sets its offsets; the worker's
schedule flags the reminders that fell due, across sites, through the pipeline; each active
booking of the session gets each reminder once, with its section as the template says; a
rescheduled session gets them for its new time, a cancelled one none."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from tests.support.api import SiteHandle
from tests.support.links import MEET, START, iso, set_default, setup_session
from tests.support.schedule import run_schedule

DAY, HOUR = 1440, 60


def to(address: str) -> list[SentEmail]:
    return [e for e in sent_emails() if address in e.destinations]


def book(site: SiteHandle, booking: str, address: str | None, session: str = "s1") -> None:
    body = {"client_name": f"Client {booking}"} | ({"client_email": address} if address else {})
    answer = site.api.put(f"{site.base}/sessions/{session}/bookings/{booking}", body)
    assert answer.status in (200, 201), answer.text


def offsets(site: SiteHandle, values: list[int]) -> None:
    answer = site.api.patch(f"{site.base}/settings", {"reminder_offsets_minutes": values})
    assert answer.status == 200, answer.text
    assert answer.json["reminder_offsets_minutes"] == sorted(values, reverse=True)


@pytest.fixture
def classroom(site: SiteHandle) -> SiteHandle:
    """A class at START with three bookings: two clients with addresses, one without."""
    set_default(site, MEET, password="s3cret")
    setup_session(site, kind="class")
    book(site, "b1", "ada@client.test")
    book(site, "b2", "bob@client.test")
    book(site, "b3", None)
    offsets(site, [HOUR, DAY])
    return site


def test_x08_each_booking_gets_each_reminder_once_at_its_time(classroom: SiteHandle, worker: Any) -> None:
    assert run_schedule(START - timedelta(days=2), worker)["reminders"] == 0
    assert sent_emails() == []
    assert run_schedule(START - timedelta(minutes=DAY - 1), worker)["reminders"] == 1
    assert (
        run_schedule(START - timedelta(minutes=DAY - 5), worker)["reminders"] == 0
    )  # a minute later: nothing new
    assert run_schedule(START - timedelta(minutes=HOUR), worker)["reminders"] == 1
    run_schedule(START - timedelta(minutes=30), worker)
    for address in ("ada@client.test", "bob@client.test"):
        reminders = to(address)
        assert [e.subject for e in reminders] == ["Reminder: svc on 3 March", "Reminder: svc on 3 March"]
        assert "/v1/j/" in reminders[0].part("text/plain")
        assert "s3cret" in reminders[0].part("text/plain")
        assert reminders[0].part("text/calendar") == ""
    assert len(sent_emails()) == 4


def test_x08_a_reminder_item_done_twice_sends_nothing_twice(classroom: SiteHandle, worker: Any) -> None:
    from shared.bootstrap import container
    from shared.domain.work import WorkRef

    run_schedule(START - timedelta(minutes=HOUR), worker)
    assert len(sent_emails()) == 2
    ref = WorkRef.reminders(classroom.site_id, "s1", HOUR, START)
    container().repo.flag_work([ref])  # a duplicate of the same reminder
    container().queue.send([ref])
    worker.drain()
    assert len(sent_emails()) == 2


def test_x08_w14_the_reminder_follows_its_template(classroom: SiteHandle, worker: Any) -> None:
    hidden = classroom.api.put(f"{classroom.base}/email-templates/reminder", {"show_online_section": False})
    assert hidden.status == 200
    run_schedule(START - timedelta(minutes=HOUR), worker)
    [reminder] = to("ada@client.test")
    assert "/v1/j/" not in reminder.part("text/plain")
    assert "s3cret" not in reminder.part("text/plain")


def test_x08_a_rescheduled_session_gets_its_reminders_for_its_new_time(
    classroom: SiteHandle, worker: Any
) -> None:
    run_schedule(START - timedelta(minutes=DAY - 1), worker)
    assert len(to("ada@client.test")) == 1
    later = START + timedelta(days=7)
    body = {
        "service_id": "svc",
        "staff_id": "anna",
        "start": iso(later),
        "end": iso(later + timedelta(hours=1)),
    }
    assert classroom.api.put(f"{classroom.base}/sessions/s1", body).status == 200
    moved = len(to("ada@client.test"))  # the change email
    run_schedule(
        START - timedelta(minutes=HOUR), worker
    )  # the old time's hour reminder: not for the new time
    assert len(to("ada@client.test")) == moved
    run_schedule(later - timedelta(minutes=DAY - 1), worker)
    run_schedule(later - timedelta(minutes=HOUR - 1), worker)
    assert [e.subject for e in to("ada@client.test")][moved:] == [
        "Reminder: svc on 10 March",
        "Reminder: svc on 10 March",
    ]


def test_x08_a_cancelled_session_or_booking_gets_no_reminder(classroom: SiteHandle, worker: Any) -> None:
    assert classroom.api.delete(f"{classroom.base}/sessions/s1/bookings/b2").status == 204
    run_schedule(START - timedelta(minutes=DAY - 1), worker)
    assert len(to("ada@client.test")) == 1
    assert to("bob@client.test") == []  # never emailed, then cancelled: nothing at all
    assert classroom.api.delete(f"{classroom.base}/sessions/s1").status == 204
    run_schedule(START - timedelta(minutes=HOUR), worker)
    assert [e.subject.split(":")[0] for e in to("ada@client.test")] == ["Reminder", "Session cancelled"]


def test_x08_new_offsets_apply_to_the_sites_upcoming_sessions(site: SiteHandle, worker: Any) -> None:
    set_default(site, MEET)
    setup_session(site)
    book(site, "b1", "ada@client.test")
    run_schedule(START - timedelta(minutes=HOUR - 1), worker)
    assert sent_emails() == []  # no offsets: the platform sends its own reminders
    offsets(site, [2 * HOUR])
    run_schedule(START - timedelta(minutes=HOUR - 1), worker)  # overdue since an hour: sent now
    assert [e.subject for e in to("ada@client.test")] == ["Reminder: svc on 3 March"]
    offsets(site, [])
    assert site.api.get(f"{site.base}/settings").json["reminder_offsets_minutes"] == []


def test_x08_reminders_run_across_sites(make_site: Any, worker: Any) -> None:
    sites = [make_site(f"Studio {n}") for n in range(3)]
    for n, site in enumerate(sites):
        set_default(site, MEET)
        setup_session(site)
        book(site, "b1", f"client{n}@client.test")
        offsets(site, [HOUR])
    assert run_schedule(START - timedelta(minutes=HOUR), worker)["reminders"] == 3
    assert sorted(e.destinations[0] for e in sent_emails()) == [f"client{n}@client.test" for n in range(3)]


@pytest.mark.parametrize(
    "values",
    [[1440, 60, 30, 10], [60, 60], [4], [43201], None],
    ids=["four", "twice", "short", "long", "null"],
)
def test_x08_reminder_offsets_are_checked(site: SiteHandle, values: list[int] | None) -> None:
    answer = site.api.patch(f"{site.base}/settings", {"reminder_offsets_minutes": values})
    assert answer.status == 400


def test_x08_the_platform_may_still_send_a_reminder_and_a_second_one_later(
    site: SiteHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.bootstrap import container

    set_default(site, MEET)
    setup_session(site)
    book(site, "b1", "ada@client.test")
    body = {"type": "reminder", "session_id": "s1", "booking_id": "b1"}
    assert site.api.post(f"{site.base}/notifications", body).json["results"][0]["sent"] is True
    assert site.api.post(f"{site.base}/notifications", body).json["results"][0]["sent"] is False  # a retry
    repo = container().repo
    now = repo.clock()
    monkeypatch.setattr(repo, "clock", lambda: now + 23 * 3600)  # the hour-before reminder, next day
    assert site.api.post(f"{site.base}/notifications", body).json["results"][0]["sent"] is True
    assert len(to("ada@client.test")) == 2


def test_x08_a_reminder_flagged_before_a_move_is_not_sent_for_the_new_time(
    classroom: SiteHandle, worker: Any, worker_switch: Any
) -> None:
    from functions.worker.app import lambda_handler
    from local.gateway import LambdaContext

    at = START - timedelta(minutes=HOUR)
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "time": iso(at), "detail": {}}
    assert lambda_handler(event, LambdaContext("WorkerFunction"))["reminders"] == 1  # flagged and queued
    later = START + timedelta(days=7)
    body = {
        "service_id": "svc",
        "staff_id": "anna",
        "start": iso(later),
        "end": iso(later + timedelta(hours=1)),
    }
    with worker_switch.paused():
        assert classroom.api.put(f"{classroom.base}/sessions/s1", body).status == 200
    worker.drain()  # the reminder item of the old start runs after the move
    assert [e.subject.split(":")[0] for e in to("ada@client.test")] == []


def test_x08_a_session_too_busy_to_plan_waits_for_the_next_run_and_holds_up_no_other(
    make_site: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.domain.errors import Conflict
    from shared.services import reminders

    busy, calm = make_site("Busy"), make_site("Calm")
    for site in (busy, calm):
        set_default(site, MEET)
        setup_session(site)
        book(site, "b1", f"ada@{site.site_id}.test")
        offsets(site, [HOUR])
    plan_one = reminders.replan

    def contended(repo: Any, site: Any, session_id: str, now: datetime) -> Any:
        if site.site_id == busy.site_id:
            raise Conflict("The record keeps changing under concurrent requests; try again.", retryable=True)
        return plan_one(repo, site, session_id, now)

    monkeypatch.setattr(reminders, "replan", contended)
    assert run_schedule(START - timedelta(minutes=HOUR), worker)["reminders"] == 1
    assert [e.destinations[0] for e in sent_emails()] == [f"ada@{calm.site_id}.test"]
    monkeypatch.setattr(reminders, "replan", plan_one)
    assert run_schedule(START - timedelta(minutes=HOUR - 1), worker)["reminders"] == 1
    assert len(to(f"ada@{busy.site_id}.test")) == 1
