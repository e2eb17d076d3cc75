"""X09 through the API: every email's invitation is an iTIP REQUEST from the business to the
client, with the booking's own UID (kept once sent) and a SEQUENCE raised on each change; the
From names the business, Reply-To is the business (issue 11, points 1 and 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from shared.domain.emails.ics import calendar_uid, legacy_uid
from tests.support.api import SiteHandle
from tests.support.emails import invitation
from tests.support.links import MEET, START, book, iso, set_default, setup_session

CLIENT = "bob@client.test"
SENDER = "bookings@studio.test"  # the deployment's SenderEmail (tests/support/aws.py)


def notify(site: SiteHandle, email_type: str = "booking_confirmation", **kw: Any) -> dict[str, Any]:
    body = {"type": email_type, "session_id": "s1", "booking_id": "b1"} | kw
    answer = site.api.post(f"{site.base}/notifications", body)
    assert answer.status == 200, answer.text
    return answer.json


def last(to: str = CLIENT) -> SentEmail:
    return [e for e in sent_emails() if to in e.destinations][-1]


@pytest.fixture
def booked(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET, password="s3cret")
    setup_session(site)
    book(site)
    return site


def move(site: SiteHandle, hours: int) -> None:
    start = START + timedelta(hours=hours)
    body = {
        "service_id": "svc",
        "staff_id": "anna",
        "start": iso(start),
        "end": iso(start + timedelta(hours=1)),
    }
    assert site.api.put(f"{site.base}/sessions/s1", body).status == 200


def test_x09_a_confirmation_is_an_invitation_from_the_business_to_the_client(booked: SiteHandle) -> None:
    notify(booked)
    calendar, event = invitation(last().part("text/calendar"))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    assert event["ORGANIZER"].params["CN"] == "Yoga Studio"
    assert str(event["ATTENDEE"]) == f"mailto:{CLIENT}"
    assert event["ATTENDEE"].params["CN"] == "Bob Client"
    assert str(event["UID"]) == calendar_uid(booked.site_id, "s1", "b1")
    assert int(event["SEQUENCE"]) == 0


def test_x09_the_same_uid_and_a_higher_sequence_on_each_change(booked: SiteHandle) -> None:
    notify(booked)
    move(booked, 1)  # the worker tells the client: a change email with the next SEQUENCE
    move(booked, 2)
    emails = [e for e in sent_emails() if CLIENT in e.destinations]
    assert [e.subject.split(":")[0] for e in emails] == [
        "Your booking is confirmed",
        "Your booking has changed",
        "Your booking has changed",
    ]
    events = [invitation(e.part("text/calendar"))[1] for e in emails]
    assert {str(e["UID"]) for e in events} == {calendar_uid(booked.site_id, "s1", "b1")}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert [e["DTSTART"].dt for e in events] == [START + timedelta(hours=h) for h in (0, 1, 2)]
    notify(booked, idempotency_key="resend")  # a resent confirmation changes nothing: same SEQUENCE
    assert int(invitation(last().part("text/calendar"))[1]["SEQUENCE"]) == 2


def test_x09_a_booking_emailed_before_keeps_its_uid_and_its_sequence_goes_on_above(
    booked: SiteHandle,
) -> None:
    """Emails sent before issue 11 carried `{booking}.{session}@vclinks` and minutes since 1970."""
    from shared.bootstrap import container

    repo = container().repo
    booking = repo.get_booking(booked.site_id, "s1", "b1")
    assert booking is not None
    repo.update_booking(
        booked.site_id, "s1", "b1", lambda b: b.model_copy(update={"notified_fingerprint": "0" * 32})
    )
    before = repo.now()
    move(booked, 1)
    _, event = invitation(last().part("text/calendar"))
    assert str(event["UID"]) == legacy_uid("b1", "s1")
    assert int(event["SEQUENCE"]) > int(before.timestamp()) // 60
    first = int(event["SEQUENCE"])
    move(booked, 2)
    _, event = invitation(last().part("text/calendar"))
    assert str(event["UID"]) == legacy_uid("b1", "s1")
    assert int(event["SEQUENCE"]) == first + 1


def test_x05_x09_request_approved_carries_the_invitation_too(booked: SiteHandle) -> None:
    notify(booked, "request_approved")
    calendar, event = invitation(last().part("text/calendar"))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["ATTENDEE"]) == f"mailto:{CLIENT}"


def test_a_reminder_carries_no_invitation(booked: SiteHandle) -> None:
    notify(booked, "reminder")
    assert last().part("text/calendar") == ""


def test_from_names_the_business_and_reply_to_is_its_setting(booked: SiteHandle) -> None:
    notify(booked)
    message = last().message
    assert message["From"].addresses[0].display_name == "Yoga Studio"
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["Reply-To"] is None  # nothing known of the business's own address
    assert message["Auto-Submitted"] == "auto-generated"
    patched = booked.api.patch(f"{booked.base}/settings", {"reply_to": "hello@yoga.example"})
    assert patched.status == 200, patched.text
    assert patched.json["reply_to"] == "hello@yoga.example"
    notify(booked, idempotency_key="after-reply-to")
    reply_to = last().message["Reply-To"].addresses[0]
    assert (reply_to.display_name, reply_to.addr_spec) == ("Yoga Studio", "hello@yoga.example")


def test_reply_to_defaults_to_the_sites_own_address_while_it_is_verified(booked: SiteHandle) -> None:
    asked = booked.api.post(f"{booked.base}/sender", {"email": "hello@yoga.example"})
    assert asked.status == 202, asked.text
    notify(booked)
    message = last().message
    assert message["From"].addresses[0].addr_spec == SENDER  # not verified yet: the deployment's
    assert message["Reply-To"].addresses[0].addr_spec == "hello@yoga.example"
