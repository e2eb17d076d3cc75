"""Emails over HTTP on the local stack, read back from its SES outbox (issue 11): invitations
calendars honour (X09), cancellations, change emails that say what changed (X02), reminders
that send themselves (X08), a site's verified sender, bounces recorded and not emailed again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from tests.support.stack import START, SiteClient, Stack, session_body

LINK = "https://meet.example.com/room-7"


def sent_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    return [e for e in stack.outbox() if address in e["to"]]


def vevent(email: dict[str, Any]) -> tuple[str, Any]:
    calendar = icalendar.Calendar.from_ical(email["ics"])
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


@pytest.fixture
def booked(stack: Stack, studio: SiteClient) -> tuple[SiteClient, str]:
    studio.ok("PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": LINK, "password": "pw-1"})
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "class", "online": True, "name": "Flow"})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    address = f"client@{studio.site_id}.test"
    studio.ok(
        "PUT", f"{studio.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": address}
    )
    return studio, address


def confirm(site: SiteClient, key: str = "1") -> Any:
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "idempotency_key": key}
    return site.call("POST", f"{site.base}/notifications", body)


def test_x02_x09_a_change_then_a_cancellation_as_a_calendar_reads_them(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    assert confirm(site).status_code == 200
    site.ok("PUT", f"{site.base}/sessions/s1", session_body(START + timedelta(hours=2)))
    stack.settle()  # the worker tells the client (a cancel at once would be all it tells: the latest state)
    site.ok("DELETE", f"{site.base}/sessions/s1")
    stack.settle()
    confirmation, change, cancel = sent_to(stack, address)
    assert [e["subject"] for e in (confirmation, change, cancel)] == [
        "Your booking is confirmed: Flow",
        "Your booking has changed: Flow",
        "Session cancelled: Flow on 5 May",
    ]
    assert "What has changed:" in change["text"]
    assert (
        "New time: Monday, 5 May 2031, 11:00–12:00 (was: Monday, 5 May 2031, 09:00–10:00)" in change["text"]
    )
    invitations = [vevent(e) for e in (confirmation, change, cancel)]
    assert [method for method, _ in invitations] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({str(event["UID"]) for _, event in invitations}) == 1
    assert [int(event["SEQUENCE"]) for _, event in invitations] == [0, 1, 2]
    assert {str(event["ATTENDEE"]) for _, event in invitations} == {f"mailto:{address}"}
    assert "we have had to cancel the session" in cancel["text"]
    assert "/v1/j/" not in cancel["text"]


def test_x02_a_staff_members_new_account_is_emailed_to_their_clients(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    site.ok("PUT", f"{site.base}/sessions/s1", session_body(staff_id="anna"))
    assert confirm(site).status_code == 200
    site.ok(
        "PUT", f"{site.base}/staff/anna/vc-account", {"provider": "custom", "url": LINK, "password": "new-pw"}
    )
    stack.settle()
    *_, change = sent_to(stack, address)
    assert change["subject"] == "Your booking has changed: Flow"
    assert "New password: new-pw" in change["text"]


def test_x08_reminders_go_by_themselves_at_the_sites_offsets(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    site.ok("PATCH", f"{site.base}/settings", {"reminder_offsets_minutes": [60]})
    stack.settle()
    now = datetime.now(UTC)
    stack.sweep(START - now - timedelta(hours=2))
    assert sent_to(stack, address) == []
    stack.sweep(START - now - timedelta(minutes=59))
    stack.sweep(START - now - timedelta(minutes=30))
    [reminder] = sent_to(stack, address)
    assert reminder["subject"] == "Reminder: Flow on 5 May"
    assert f"{stack.base_url}/v1/j/" in reminder["text"]


def test_a_site_sends_from_its_own_address_once_verified(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    own = f"hello@{site.site_id}.test"
    asked = site.call("POST", f"{site.base}/sender", {"email": own})
    assert asked.status_code == 202
    assert confirm(site, "pending").status_code == 200
    assert sent_to(stack, address)[-1]["from"] == "bookings@vclinks.local"
    stack.click_ses_verification_link(own)
    assert site.ok("GET", f"{site.base}/sender")["status"] == "verified"
    assert confirm(site, "verified").status_code == 200
    assert sent_to(stack, address)[-1]["from"] == own


def test_a_bounced_client_is_shown_on_the_booking_and_not_emailed_again(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    assert confirm(site).status_code == 200
    answers = stack.ses_publishes(address, "Bounce")
    assert answers == {"WorkerFunction": {"undeliverable": 1, "problems": 1, "ignored": False}}
    booking = site.ok("GET", f"{site.base}/sessions/s1/bookings/b1")
    assert booking["email_problem"] == "An email to this address bounced: smtp; 550 5.1.1 user unknown"
    refused = confirm(site, "2")
    assert refused.status_code == 409
    site.ok("DELETE", f"{site.base}/sessions/s1")
    stack.settle()
    assert len(sent_to(stack, address)) == 1  # not even the cancellation
