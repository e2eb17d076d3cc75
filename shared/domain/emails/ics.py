"""The .ics invitation of a confirmation or change email (X05, RFC 5545).

Its location, URL and description hold the stable join link (X01), so a calendar
entry keeps working when the meeting behind it changes. The UID is the booking's, so
a later email's invitation updates the same calendar entry (a higher SEQUENCE).
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.emails.context import EmailContext

PRODID = "-//vclinks//online session links//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")  # a bare CR would end the content line (RFC 5545 3.1)
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a character."""
    out: list[bytes] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode() for part in out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_ics(context: EmailContext, now: datetime | None = None) -> bytes:
    now = now or datetime.now(UTC)
    join = context.join
    description = [context.service_name]
    if join:
        description.append(join.url)
        if join.password:
            description.append(f"Password: {join.password}")
        if join.description:
            description.append(join.description)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:CANCEL" if context.cancelled else "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{context.booking_id}.{context.session_id}@vclinks",
        f"DTSTAMP:{_utc(now)}",
        f"SEQUENCE:{int(now.timestamp()) // 60}",
        f"DTSTART:{_utc(context.session_start)}",
        f"DTEND:{_utc(context.session_end)}",
        f"SUMMARY:{_escape(context.service_name)}",
        f"DESCRIPTION:{_escape(chr(10).join(description))}",
        f"STATUS:{'CANCELLED' if context.cancelled else 'CONFIRMED'}",
    ]
    if join:
        lines += [f"LOCATION:{_escape(join.url)}", f"URL:{join.url}"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
