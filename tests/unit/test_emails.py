"""Email content, pure: default templates (W13, X06), the online-join section (W14, S04),
custom template variables (S05), escaping, the .ics invitation (X05) and the MIME message."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest

from shared.domain.emails.context import EmailContext, JoinDetails
from shared.domain.emails.ics import build_ics
from shared.domain.emails.languages import phrases
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import render_email
from shared.domain.emails.templates import CustomTemplate
from shared.domain.emails.variables import validate_custom_template
from shared.domain.errors import InvalidInput
from shared.domain.models import EmailType, Language
from tests.support.emails import CLIENT_URL, STAFF_URL, START, email_context


def context(**kw: Any) -> EmailContext:
    return email_context(**kw)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("email_type", list(EmailType))
def test_w13_x06_every_email_type_has_a_default_in_every_language(
    email_type: EmailType, language: Language
) -> None:
    email = render_email(context(email_type=email_type, language=language))
    wording = phrases(language).email
    assert "Morning Flow" in email.subject
    for part in (email.text, email.html):
        assert "Ada Lovelace" in part
        assert CLIENT_URL in part
        assert wording.join_heading in part
        assert "pw123" in part
        assert "18:00" in part  # 17:00 UTC in Paris (site time zone)
        assert "2031" in part
    if language is not Language.EN:  # translated, not English with another greeting
        assert email.subject != render_email(context(email_type=email_type)).subject


@pytest.mark.parametrize("language", list(Language))
def test_a_changed_email_about_a_cancelled_booking_says_it_is_cancelled(language: Language) -> None:
    email = render_email(
        context(email_type=EmailType.BOOKING_CHANGED, language=language, cancelled=True, client_join=None)
    )
    normal = render_email(context(email_type=EmailType.BOOKING_CHANGED, language=language))
    assert email.subject != normal.subject
    assert "Morning Flow" in email.subject
    assert CLIENT_URL not in email.text + email.html
    assert email.subject == phrases(language).email.booking_cancelled[0].replace(
        "[service_name]", "Morning Flow"
    )


def test_w14_no_section_when_hidden_or_no_link() -> None:
    email = render_email(context(client_join=None))
    assert CLIENT_URL not in email.text + email.html
    assert phrases(Language.EN).email.join_heading not in email.text + email.html
    assert "Morning Flow" in email.text


def test_s04_staff_copy_carries_the_host_link_and_never_the_clients() -> None:
    email = render_email(context(recipient="staff"))
    assert STAFF_URL in email.text
    assert STAFF_URL in email.html
    assert CLIENT_URL not in email.text + email.html
    assert "Hello Anna" in email.text
    assert "Ada Lovelace has booked Morning Flow." in email.text


def test_client_copy_never_carries_the_host_link() -> None:
    email = render_email(context())
    assert STAFF_URL not in email.text + email.html


def test_s05_custom_template_places_the_link_where_the_variable_is() -> None:
    custom = CustomTemplate(
        subject="See you, [client_name]",
        body="Join here: [online_meeting_link]\nHost: [online_meeting_provider_link]\n"
        "Password [online_meeting_password]",
    )
    validate_custom_template(custom.subject, custom.body)
    client = render_email(context(), custom)
    assert client.subject == "See you, Ada Lovelace"
    assert f"Join here: {CLIENT_URL}" in client.text
    assert client.text.count(CLIENT_URL) == 1  # placed, so no section appended
    assert "Host:" not in client.text  # the host link is only in the staff copy; its empty line goes
    assert f'<a href="{CLIENT_URL}" style="word-break: break-all;">{CLIENT_URL}</a>' in client.html
    staff = render_email(context(recipient="staff"), custom)
    assert f"Host: {STAFF_URL}" in staff.text


def test_s05_custom_template_without_the_variable_gets_the_section() -> None:
    email = render_email(context(), CustomTemplate(subject="Hi", body="Thanks for booking!"))
    assert "Thanks for booking!" in email.text
    assert CLIENT_URL in email.text


@pytest.mark.parametrize(
    ("subject", "body", "message"),
    [
        ("Hi", "Your link: [meeting_url]", "Unknown template variable(s): [meeting_url]"),
        ("Link [online_meeting_link]", "body", "Links cannot be placed in the subject"),
        ("Two\nlines", "body", "single line"),
    ],
)
def test_s05_invalid_custom_templates_are_refused_with_a_reason(
    subject: str, body: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_custom_template(subject, body)
    assert message in refused.value.detail


def test_text_is_escaped_in_html() -> None:
    email = render_email(
        context(client_name="<script>alert(1)</script>"),
        CustomTemplate(subject="Hi", body="Hello [client_name] & <b>friends</b>"),
    )
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "&lt;b&gt;friends&lt;/b&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text


def test_opening_time_is_shown_in_the_site_time_zone() -> None:
    join = JoinDetails(url=CLIENT_URL, opens_at=START - timedelta(minutes=10))
    email = render_email(context(client_join=join))
    assert "The link opens at 17:50." in email.text


def _unfold(ics: str) -> str:
    return ics.replace("\r\n ", "")


def test_x05_ics_location_and_description_hold_the_join_link() -> None:
    ics = build_ics(context(service_name="Flow, deep; slow"), now=START - timedelta(days=3)).decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    lines = _unfold(ics).split("\r\n")
    assert f"LOCATION:{CLIENT_URL}" in lines
    assert f"URL:{CLIENT_URL}" in lines
    assert "DTSTART:20310303T170000Z" in lines
    assert "DTEND:20310303T180000Z" in lines
    assert "SUMMARY:Flow\\, deep\\; slow – Yoga Studio" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert CLIENT_URL in description
    assert "Password: pw123" in description
    assert "UID:b1.s1@vclinks" in lines  # no UID given: the one sent before issue 11
    assert "METHOD:PUBLISH" in lines  # no organizer or attendee given: not an iTIP request
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_x05_ics_of_a_cancelled_booking_cancels_the_event() -> None:
    lines = build_ics(context(cancelled=True, client_join=None)).decode().split("\r\n")
    assert "METHOD:CANCEL" in lines
    assert "STATUS:CANCELLED" in lines
    assert not any(line.startswith("LOCATION:") for line in lines)


def test_ics_folds_long_lines_without_splitting_characters() -> None:
    ics = build_ics(context(service_name="Séance " * 30)).decode()
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "Séance " * 30 in _unfold(ics).replace("\\", "")


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_ics_text_never_keeps_a_line_break_of_its_own(newline: str) -> None:
    ics = build_ics(context(service_name=f"Flow{newline}X-INJECTED:1")).decode()
    assert "SUMMARY:Flow\\nX-INJECTED:1 – " in _unfold(ics)
    assert ics.count("\r") == ics.count("\r\n")  # no bare CR anywhere
    assert "\nX-INJECTED" not in ics.replace("\\n", "")


def test_mime_has_text_html_and_the_invitation() -> None:
    email = render_email(context())
    raw = build_mime(
        "Studio <bookings@studio.test>", "ada@example.com", email, build_ics(context()), "studio.test"
    )
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == email.subject
    assert message["To"] == "ada@example.com"
    assert message["Message-ID"].endswith("@studio.test>")
    types = [part.get_content_type() for part in message.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    calendar = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "PUBLISH"
    attachment = next(part for part in message.walk() if part.get_content_type() == "application/ics")
    assert attachment.get_filename() == "invite.ics"


def test_mime_without_invitation_is_just_the_alternatives() -> None:
    raw = build_mime("bookings@studio.test", "ada@example.com", render_email(context()), None, "studio.test")
    message = message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
