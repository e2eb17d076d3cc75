"""X09: invitations that calendars honour, read back with the icalendar library as a calendar does.

A REQUEST with the business as ORGANIZER and the client as ATTENDEE adds the event; a CANCEL
with the same UID and a higher SEQUENCE removes it. The UID and SEQUENCE are the caller's.
"""

from __future__ import annotations

from typing import Any

import icalendar
import pytest

from shared.domain.emails.ics import build_ics, calendar_uid
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import render_email
from shared.domain.models import EmailType, Language
from tests.support.emails import CLIENT_URL, START, email_context, parse

SENDER = "bookings@studio.test"
CLIENT = "ada@example.com"
UID = calendar_uid("site-1", "s1", "b1")


def invitation(**overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "sender_email": SENDER,
        "recipient_email": CLIENT,
        "calendar_uid": UID,
        "sequence": 0,
    }
    return build_ics(email_context(**(fields | overrides)))


def event(ics: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    [found] = calendar.walk("VEVENT")
    return calendar, found


def test_x09_a_confirmation_is_a_request_from_the_business_to_the_client() -> None:
    calendar, found = event(invitation())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(found["ORGANIZER"]) == f"mailto:{SENDER}"
    assert found["ORGANIZER"].params["CN"] == "Yoga Studio"
    assert str(found["ATTENDEE"]) == f"mailto:{CLIENT}"
    assert found["ATTENDEE"].params["CN"] == "Ada Lovelace"
    assert found["ATTENDEE"].params["RSVP"] == "FALSE"
    assert str(found["UID"]) == UID
    assert int(found["SEQUENCE"]) == 0
    assert found["DTSTAMP"].dt.tzinfo is not None
    assert found["DTSTART"].dt == START
    assert str(found["SUMMARY"]) == "Morning Flow – Yoga Studio"  # the business's name in the title
    assert str(found["STATUS"]) == "CONFIRMED"
    assert str(found["LOCATION"]) == CLIENT_URL


@pytest.mark.parametrize("cancelled", [{"cancelled": True}, {"session_cancelled": True}])
def test_x09_a_cancel_matches_the_request_uid_with_a_higher_sequence(cancelled: dict[str, bool]) -> None:
    _, request = event(invitation(sequence=2))
    calendar, cancel = event(invitation(sequence=3, **cancelled))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"])
    assert int(cancel["SEQUENCE"]) > int(request["SEQUENCE"])
    assert str(cancel["ORGANIZER"]) == f"mailto:{SENDER}"
    assert str(cancel["ATTENDEE"]) == f"mailto:{CLIENT}"
    assert "LOCATION" not in cancel  # a cancelled session has no way in


def test_x09_the_uid_is_scoped_to_the_site_and_stable() -> None:
    assert calendar_uid("site-1", "s1", "b1") == calendar_uid("site-1", "s1", "b1")
    assert calendar_uid("site-1", "s1", "b1") != calendar_uid("site-2", "s1", "b1")  # was b1.s1@vclinks
    assert calendar_uid("a", "b.c", "d") != calendar_uid("a.b", "c", "d")  # ids may hold any separator
    assert calendar_uid("site-1", "s1", "b1").endswith("@vclinks")


def test_x09_without_a_uid_the_booking_keeps_the_one_it_was_sent_before() -> None:
    _, found = event(invitation(calendar_uid=None))
    assert str(found["UID"]) == "b1.s1@vclinks"


@pytest.mark.parametrize(
    ("language", "label"),
    [
        (Language.EN, "Password: pw123"),
        (Language.FR, "Mot de passe\u00a0: pw123"),
        (Language.PT, "Senha: pw123"),
        (Language.DE, "Passwort: pw123"),
        (Language.ES, "Contraseña: pw123"),
    ],
)
def test_x06_x09_the_description_speaks_the_sites_language(language: Language, label: str) -> None:
    _, found = event(invitation(language=language))
    description = str(found["DESCRIPTION"])
    assert label in description.split("\n")
    assert CLIENT_URL in description


def test_x09_text_is_escaped_and_no_bare_cr_survives() -> None:
    name = "Flow, deep; slow\\ fast\rcalm\r\nend\x07"
    ics = invitation(service_name=name, client_name='Ada "the" Lovelace')
    assert b"\r" not in ics.replace(b"\r\n", b"")
    assert b"\x07" not in ics
    _, found = event(ics)
    assert str(found["SUMMARY"]) == "Flow, deep; slow\\ fast\ncalm\nend – Yoga Studio"
    assert found["ATTENDEE"].params["CN"] == "Ada 'the' Lovelace"


def test_x09_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    name = "Séance de méditation guidée " * 12
    ics = invitation(service_name=name)
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    _, found = event(ics)
    assert str(found["SUMMARY"]) == f"{name} – Yoga Studio"


@pytest.mark.parametrize(
    ("overrides", "method"),
    [({}, "REQUEST"), ({"session_cancelled": True}, "CANCEL")],
)
def test_x09_the_calendar_part_is_inline_with_its_method_and_charset(
    overrides: dict[str, bool], method: str
) -> None:
    context = email_context(
        sender_email=SENDER, recipient_email=CLIENT, calendar_uid=UID, sequence=1, **overrides
    )
    raw = build_mime(SENDER, CLIENT, render_email(context), build_ics(context), "studio.test")
    message = parse(raw)
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == method
    assert calendar.get_param("charset") == "utf-8"
    assert calendar.get_content_disposition() in (None, "inline")  # not an attachment
    assert f"METHOD:{method}" in calendar.get_content()
    assert b"Content-Type: text/calendar; method=" + method.encode() + b"; charset" in raw


def test_x09_request_approved_can_carry_an_invitation_too() -> None:
    calendar, _ = event(invitation(email_type=EmailType.REQUEST_APPROVED))
    assert str(calendar["METHOD"]) == "REQUEST"
