"""Emails through the API on moto's SES: W13, W14, S04, S05, X01, X02, X05, X06. The tests of
which link an email carries, and of its hidden section, take `kit`: they run for every provider
(custom link, Jitsi, Zoom, Google Meet, Teams: tests/support/provider_kits.py), and what the
email must show (the stable link, the password, the description, the provider's name) is read
from the link the platform's server gets, never written per provider."""

from __future__ import annotations

from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from tests.support.api import SiteHandle
from tests.support.links import COURSE, MEET, book, client_link, set_default, setup_session
from tests.support.provider_kits import Kit, kit_fixture  # noqa: F401 - `kit`, for every provider

CLIENT = "bob@client.test"
STAFF = "anna@studio.test"


def notify(site: SiteHandle, email_type: str = "booking_confirmation", **kw: Any) -> dict[str, Any]:
    body = {"type": email_type, "session_id": "s1", "booking_id": "b1"} | kw
    answer = site.api.post(f"{site.base}/notifications", body)
    assert answer.status == 200, answer.text
    return answer.json


def outbox(to: str | None = None) -> list[SentEmail]:
    return [e for e in sent_emails() if to is None or to in e.destinations]


@pytest.fixture
def booked(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET, password="s3cret", description="Camera on, please")
    setup_session(site)
    book(site)
    return site


@pytest.fixture
def kit_booked(site: SiteHandle, kit: Kit) -> SiteHandle:
    """Bob booked s1, whose link comes from the site's default account of `kit`'s provider."""
    kit.connect(site)
    setup_session(site)
    book(site)
    return site


def what_the_section_shows(site: SiteHandle, kit: Kit) -> list[str]:
    """What the online-join section gives away of the link: the meeting's own URL (never shown:
    X01), its password and description where it has them, and the provider's name."""
    link = client_link(site)
    assert link["decision"] == "link", link
    return [link["url"], *(v for v in (link["password"], link["description"], kit.email_name) if v)]


def test_w13_s04_x01_x05_confirmation_to_client_and_staff(kit_booked: SiteHandle, kit: Kit) -> None:
    meeting, *shown = what_the_section_shows(kit_booked, kit)
    result = notify(kit_booked, staff_email=STAFF)
    assert [(r["audience"], r["sent"]) for r in result["results"]] == [("client", True), ("staff", True)]
    [client] = outbox(CLIENT)
    [staff] = outbox(STAFF)
    text = client.part("text/plain")
    assert "/v1/j/" in text  # X01: the stable link, not the meeting's own
    assert meeting not in text
    assert [piece for piece in shown if piece not in text] == []
    ics = client.part("text/calendar")  # X05
    assert "LOCATION:https://api.vclinks.test/v1/j/" in ics.replace("\r\n ", "")
    assert "Bob Client has booked" in staff.part("text/plain")  # the staff copy's own words (S04)
    assert "/v1/j/" in staff.part("text/plain")
    stable = text[text.index("/v1/j/") :].split()[0]
    assert stable not in staff.part("text/plain")  # the staff copy has its own (host) link
    assert not staff.part("text/calendar")


def test_the_same_email_is_never_sent_twice(booked: SiteHandle) -> None:
    notify(booked)
    again = notify(booked)
    assert again["results"][0]["sent"] is False
    assert len(outbox(CLIENT)) == 1
    keyed = notify(booked, idempotency_key="resend-1")  # an explicit resend is a new email
    assert keyed["results"][0]["sent"] is True
    assert len(outbox(CLIENT)) == 2


def everything(email: SentEmail) -> str:
    return "\n".join(email.part(kind) for kind in ("text/plain", "text/html", "text/calendar"))


@pytest.mark.parametrize(
    "email_type",
    ["booking_confirmation", "reminder", "booking_changed", "course_changed", "request_approved"],
)
def test_w14_hide_the_section_then_reset_the_template_to_show_it_again(
    kit_booked: SiteHandle, kit: Kit, email_type: str
) -> None:
    meeting, *shown = what_the_section_shows(kit_booked, kit)
    notify(kit_booked, email_type)
    on = everything(outbox(CLIENT)[-1])
    assert "/v1/j/" in on
    assert [piece for piece in shown if piece not in on] == []

    path = f"{kit_booked.base}/email-templates/{email_type}"
    hidden = kit_booked.api.put(path, {"show_online_section": False})
    assert hidden.status == 200, hidden.text
    assert hidden.json["show_online_section"] is False
    notify(kit_booked, email_type, idempotency_key="after-hiding")
    off = everything(outbox(CLIENT)[-1])
    for secret in ("/v1/j/", meeting, *shown):
        assert secret not in off  # in no part: text, HTML or the invitation

    reset = kit_booked.api.delete(path)
    assert reset.status == 200
    assert reset.json["show_online_section"] is True
    assert reset.json["custom"] is False
    notify(kit_booked, email_type, idempotency_key="after-reset")
    assert "/v1/j/" in everything(outbox(CLIENT)[-1])


def test_w14_w15_the_members_area_setting_and_the_email_sections_are_independent(
    kit_booked: SiteHandle,
) -> None:
    booked = kit_booked
    assert booked.api.patch(f"{booked.base}/settings", {"members_area_links": False}).status == 200
    notify(booked)
    assert "/v1/j/" in everything(outbox(CLIENT)[-1])  # emails still carry the link
    assert booked.api.patch(f"{booked.base}/settings", {"members_area_links": True}).status == 200
    booked.api.put(f"{booked.base}/email-templates/reminder", {"show_online_section": False})
    token = booked.api.post(
        f"{booked.base}/tokens", {"role": "client", "session_id": "s1", "booking_id": "b1"}
    )
    page = booked.api.as_(token.json["token"]).get(
        f"{booked.base}/sessions/s1/link", query={"audience": "client", "booking": "b1"}
    )
    assert page.json["decision"] == "link"  # the members area still shows it


def test_w14_hiding_one_template_leaves_the_others(kit_booked: SiteHandle) -> None:
    booked = kit_booked
    booked.api.put(f"{booked.base}/email-templates/reminder", {"show_online_section": False})
    notify(booked, "booking_confirmation")
    assert "/v1/j/" in outbox(CLIENT)[-1].part("text/plain")


def test_s05_custom_template_with_link_variables(booked: SiteHandle) -> None:
    path = f"{booked.base}/email-templates/booking_confirmation"
    saved = booked.api.put(
        path,
        {
            "subject": "Booked: [service_name]",
            "body": "Hi [client_name]!\n\nClick [online_meeting_link] to join.",
        },
    )
    assert saved.status == 200, saved.text
    assert saved.json["custom"] is True
    notify(booked)
    text = outbox(CLIENT)[-1].part("text/plain")
    assert text.startswith("Hi Bob Client!")
    assert "Click https://api.vclinks.test/v1/j/" in text


def test_s05_a_template_with_an_unknown_variable_is_a_400_problem(booked: SiteHandle) -> None:
    answer = booked.api.put(
        f"{booked.base}/email-templates/booking_confirmation", {"subject": "Hi", "body": "Go to [zoom_link]"}
    )
    assert answer.status == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "[zoom_link]" in answer.json["detail"]


def test_x06_the_sites_language_picks_the_template(booked: SiteHandle) -> None:
    assert booked.api.patch(f"{booked.base}/settings", {"language": "fr"}).status == 200
    notify(booked)
    assert outbox(CLIENT)[-1].subject.startswith("Votre réservation est confirmée")


def test_no_section_for_an_in_person_session(site: SiteHandle, kit: Kit) -> None:
    kit.connect(site)
    setup_session(site, online=False)
    book(site)
    notify(site)
    assert "/v1/j/" not in outbox(CLIENT)[-1].part("text/plain")


def test_refusals_are_clear_problems(booked: SiteHandle) -> None:
    missing = booked.api.post(
        f"{booked.base}/notifications", {"type": "reminder", "session_id": "s1", "booking_id": "nobody"}
    )
    assert missing.status == 404
    no_address = booked.api.put(f"{booked.base}/sessions/s1/bookings/b2", {"client_name": "No Mail"})
    assert no_address.status in (200, 201)
    refused = booked.api.post(
        f"{booked.base}/notifications", {"type": "reminder", "session_id": "s1", "booking_id": "b2"}
    )
    assert refused.status == 400
    assert "client_email" in refused.json["detail"]
    assert not outbox()


def test_x02_clients_told_of_a_link_are_notified_once_when_it_changes(site: SiteHandle, kit: Kit) -> None:
    kit.connect(site)
    setup_session(site, kind="course", service="course")
    book(site)
    notify(site)  # the client is told of the current link
    assert len(outbox(CLIENT)) == 1
    link = {"provider": "custom", "url": COURSE}
    assert site.api.put(f"{site.base}/services/course/link", link).status == 200
    changed = outbox(CLIENT)
    assert len(changed) == 2
    assert changed[-1].subject.startswith("Your course has changed")
    assert site.api.put(f"{site.base}/services/course/link", link).status == 200  # the same link again
    assert len(outbox(CLIENT)) == 2


def test_w13_a_cancelled_bookings_changed_email_says_so_and_only_that_is_sent(kit_booked: SiteHandle) -> None:
    booked = kit_booked
    assert booked.api.delete(f"{booked.base}/sessions/s1/bookings/b1").status == 204
    notify(booked, "booking_changed")
    email = outbox(CLIENT)[-1]
    assert email.subject.startswith("Your booking is cancelled")
    assert "METHOD:CANCEL" in email.part("text/calendar")
    assert "/v1/j/" not in everything(email)
    for email_type in ("reminder", "booking_confirmation", "request_approved"):
        refused = booked.api.post(
            f"{booked.base}/notifications", {"type": email_type, "session_id": "s1", "booking_id": "b1"}
        )
        assert refused.status == 409
        assert refused.json["detail"].startswith(f"The booking is cancelled: no {email_type} is sent for it.")
    assert len(outbox(CLIENT)) == 1


def test_s05_a_template_that_places_the_link_without_the_password_is_saved_with_a_warning(
    booked: SiteHandle,
) -> None:
    path = f"{booked.base}/email-templates/booking_confirmation"
    saved = booked.api.put(path, {"subject": "Booked", "body": "Join: [online_meeting_link]"})
    assert saved.status == 200, saved.text
    assert saved.json["warnings"] == [
        "The body places [online_meeting_link] without [online_meeting_password], "
        "[online_meeting_opens_at]: clients will not see them."
    ]
    complete = booked.api.put(
        path,
        {
            "subject": "Booked",
            "body": "[online_meeting_link] [online_meeting_password] [online_meeting_opens_at]",
        },
    )
    assert complete.json["warnings"] == []
