"""S05: custom templates drop the lines whose variables are all empty, place when the link opens
with [online_meeting_opens_at], and are told when they place the link without its details."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.emails.context import JoinDetails
from shared.domain.emails.render import render_email
from shared.domain.emails.templates import CustomTemplate
from shared.domain.emails.variables import missing_join_details, validate_custom_template
from tests.support.emails import CLIENT_URL, START, email_context

BODY = (
    "Hi [client_name]!\n\n"
    "Link: [online_meeting_link]\n"
    "Password: [online_meeting_password]\n"
    "Opens at: [online_meeting_opens_at]\n\n"
    "See you at [service_name]."
)


def test_s05_w14_lines_whose_variables_are_all_empty_are_dropped() -> None:
    email = render_email(email_context(client_join=None), CustomTemplate(subject="Booked", body=BODY))
    assert email.text == "Hi Ada Lovelace!\n\nSee you at Morning Flow.\n"
    assert "Link:" not in email.html
    assert "Password:" not in email.html


def test_s05_a_line_keeps_its_place_when_one_of_its_variables_has_a_value() -> None:
    join = JoinDetails(url=CLIENT_URL)  # no password, no opening time
    email = render_email(email_context(client_join=join), CustomTemplate(subject="Booked", body=BODY))
    assert f"Link: {CLIENT_URL}\n" in email.text
    assert "Password:" not in email.text
    assert "Opens at:" not in email.text


def test_s05_x03_online_meeting_opens_at_places_the_opening_time() -> None:
    same_day = JoinDetails(url=CLIENT_URL, opens_at=START - timedelta(minutes=10))
    email = render_email(email_context(client_join=same_day), CustomTemplate(subject="Booked", body=BODY))
    assert "Opens at: 17:50\n" in email.text
    day_before = JoinDetails(url=CLIENT_URL, opens_at=START - timedelta(hours=19))
    email = render_email(email_context(client_join=day_before), CustomTemplate(subject="Booked", body=BODY))
    assert "Opens at: Sunday, 2 March 2031, 23:00\n" in email.text


def test_s05_the_new_variables_are_accepted() -> None:
    validate_custom_template("Reminder: [service_name] on [session_day]", "[online_meeting_opens_at]")


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ("Join: [online_meeting_link]", ("online_meeting_password", "online_meeting_opens_at")),
        ("[online_meeting_link] [online_meeting_password]", ("online_meeting_opens_at",)),
        ("[online_meeting_link] [online_meeting_password] [online_meeting_opens_at]", ()),
        ("Thanks for booking!", ()),  # the section is added with everything in it
    ],
)
def test_s05_a_body_that_places_the_link_without_its_details_is_warned(
    body: str, missing: tuple[str, ...]
) -> None:
    assert missing_join_details(body) == missing


def test_s05_a_custom_template_never_speaks_for_a_cancellation() -> None:
    custom = CustomTemplate(
        subject="Changed: [service_name]", body="Your booking changed. [online_meeting_link]"
    )
    email = render_email(email_context(cancelled=True), custom)
    assert email.subject == "Your booking is cancelled: Morning Flow"
    assert CLIENT_URL not in email.text


def test_s04_s05_a_clients_custom_template_is_not_the_staff_copy() -> None:
    custom = CustomTemplate(subject="Your class is booked!", body="Thanks, [client_name]!")
    staff = render_email(email_context(recipient="staff"), custom)
    assert staff.subject.startswith("New booking: Ada Lovelace")
    assert "Thanks, Ada Lovelace!" not in staff.text
