"""An email's context in one line: a Paris yoga studio's booking, overridable field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from shared.domain.emails.context import EmailContext, JoinDetails
from shared.domain.models import EmailType, Language

START = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)  # a Monday; 18:00 in Paris
CLIENT_URL = "https://api.vclinks.test/v1/j/client-token.secret"
STAFF_URL = "https://api.vclinks.test/v1/j/staff-token.secret"


def email_context(**overrides: Any) -> EmailContext:
    values: dict[str, Any] = {
        "email_type": EmailType.BOOKING_CONFIRMATION,
        "language": Language.EN,
        "recipient": "client",
        "site_name": "Yoga Studio",
        "client_name": "Ada Lovelace",
        "staff_name": "Anna",
        "service_name": "Morning Flow",
        "session_start": START,
        "session_end": START + timedelta(hours=1),
        "timezone": "Europe/Paris",
        "client_join": JoinDetails(
            url=CLIENT_URL, password="pw123", description="Camera on", provider="Zoom"
        ),
        "staff_join": JoinDetails(url=STAFF_URL, provider="Zoom"),
        "booking_id": "b1",
        "session_id": "s1",
    }
    return EmailContext(**(values | overrides))


def parse(raw: bytes) -> EmailMessage:
    """The message as a mail client reads it."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def part(message: EmailMessage, content_type: str) -> str:
    """The decoded text of the first part of that type ("" when there is none)."""
    for piece in message.walk():
        if piece.get_content_type() == content_type and not piece.is_multipart():
            content = piece.get_content()
            return content.decode() if isinstance(content, bytes) else str(content)
    return ""


def invitation(ics_text: str) -> tuple[Any, Any]:
    """An email's calendar part read back as a calendar does: (the calendar, its one event)."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(ics_text)
    [event] = calendar.walk("VEVENT")
    return calendar, event
