"""The staff copy (S04, issue 11 point 5): staff names and addresses are set through the API
(PUT /v1/sites/{site}/staff/{staff}); the copy has its own words, greets the staff member by
name and always carries the host link, even where the client's section is hidden (W14)."""

from __future__ import annotations

import pytest

from local.aws import SentEmail, sent_emails
from tests.support.api import SiteHandle
from tests.support.links import MEET, book, set_default, setup_session, staff_token

ANNA = "anna@yoga.example"


def to(address: str) -> list[SentEmail]:
    return [e for e in sent_emails() if address in e.destinations]


@pytest.fixture
def booked(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET, password="s3cret")
    setup_session(site)
    book(site)
    return site


def test_s04_a_staff_members_name_and_address_are_set_through_the_api(booked: SiteHandle) -> None:
    saved = booked.api.put(f"{booked.base}/staff/anna", {"name": "Anna Rossi", "email": ANNA})
    assert saved.status == 200, saved.text
    assert saved.json == {"staff_id": "anna", "name": "Anna Rossi", "email": ANNA, "has_account": False}
    assert booked.api.get(f"{booked.base}/staff/anna").json == saved.json
    own = booked.api.as_(staff_token(booked, "anna"))
    assert own.put(f"{booked.base}/staff/anna", {"name": "Anna", "email": ANNA}).status == 200
    assert own.put(f"{booked.base}/staff/ben", {"name": "Not Ben"}).status == 403
    assert booked.api.get(f"{booked.base}/staff/nobody").status == 404
    assert booked.api.put(f"{booked.base}/staff/anna", {"email": "not an address"}).status == 400


def test_s04_w14_the_staff_copy_greets_by_name_and_keeps_the_host_link_when_the_client_section_is_hidden(
    booked: SiteHandle,
) -> None:
    assert booked.api.put(f"{booked.base}/staff/anna", {"name": "Anna", "email": ANNA}).status == 200
    hidden = booked.api.put(
        f"{booked.base}/email-templates/booking_confirmation", {"show_online_section": False}
    )
    assert hidden.status == 200
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "staff_copy": True}
    answer = booked.api.post(f"{booked.base}/notifications", body)
    assert answer.status == 200, answer.text
    assert [(r["recipient"], r["audience"]) for r in answer.json["results"]] == [
        ("bob@client.test", "client"),
        (ANNA, "staff"),
    ]
    [copy] = to(ANNA)
    text = copy.part("text/plain")
    assert copy.subject.startswith("New booking: Bob Client, svc, ")
    assert text.startswith("Hello Anna,")
    assert "Bob Client has booked svc." in text
    assert "Your booking" not in text
    assert "Start the meeting" in copy.part("text/html")
    assert "Host link: https://api.vclinks.test/v1/j/" in text
    [client] = to("bob@client.test")
    assert "/v1/j/" not in client.part("text/plain")  # the client's section is hidden


def test_s04_a_staff_copy_without_an_address_is_a_clear_400(booked: SiteHandle) -> None:
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "staff_copy": True}
    answer = booked.api.post(f"{booked.base}/notifications", body)
    assert answer.status == 400
    assert (
        answer.json["detail"] == "The session's staff member has no email; set it with PUT .../staff/{staff}."
    )
    assert sent_emails() == []


def test_s04_an_explicit_staff_email_wins_over_the_stored_one(booked: SiteHandle) -> None:
    assert booked.api.put(f"{booked.base}/staff/anna", {"name": "Anna", "email": ANNA}).status == 200
    body = {
        "type": "reminder",
        "session_id": "s1",
        "booking_id": "b1",
        "staff_copy": True,
        "staff_email": "desk@yoga.example",
    }
    assert booked.api.post(f"{booked.base}/notifications", body).status == 200
    assert to(ANNA) == []
    [copy] = to("desk@yoga.example")
    assert copy.part("text/plain").startswith("Hello Anna,")
