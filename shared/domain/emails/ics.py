"""The calendar invitation of an email (X05, X09): iTIP (RFC 5546) over iCalendar (RFC 5545).

A REQUEST adds or moves the event, a CANCEL removes it: each names the ORGANIZER (the
business, from its sender address) and the ATTENDEE (the client, RSVP=FALSE: nothing to
answer), which is what makes Outlook and Gmail treat it as an invitation rather than a
file. The UID and SEQUENCE come from the caller, who keeps them per booking: the same UID
for every email of a booking, a SEQUENCE raised on each change, so that a CANCEL matches
the event its REQUEST made. The location, URL and description hold the stable join link
(X01), so the entry keeps working when the meeting behind it changes.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from shared.domain.emails.context import EmailContext
from shared.domain.emails.languages import phrases

PRODID = "-//vclinks//online session links//EN"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def calendar_uid(site_id: str, session_id: str, booking_id: str) -> str:
    """A booking's UID, scoped to its site: two sites' bookings with the same ids never collide.

    A digest, not the ids joined: ids may hold the separator, and the UID is seen by clients.
    """
    digest = hashlib.sha256("\x1f".join((site_id, session_id, booking_id)).encode()).hexdigest()
    return f"{digest[:40]}@vclinks"


def legacy_uid(booking_id: str, session_id: str) -> str:
    """The UID sent before issue 11, kept for bookings whose invitation already carried it."""
    return f"{booking_id}.{session_id}@vclinks"


def method(context: EmailContext) -> str:
    """CANCEL for a cancellation; REQUEST when organizer and attendee are known; else PUBLISH."""
    if context.cancellation:
        return "CANCEL"
    return "REQUEST" if context.sender_email and context.recipient_email else "PUBLISH"


def escape_text(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped; no CR or control left."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    """A quoted parameter value (CN): no DQUOTE, CR, LF or control may appear inside one."""
    return '"' + _CONTROL.sub("", value.replace("\r", " ").replace("\n", " ")).replace('"', "'") + '"'


def fold(line: str) -> str:
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


def _address(address: str) -> str:
    return _CONTROL.sub("", "".join(address.split()))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _description(context: EmailContext) -> str:
    wording = phrases(context.language).email
    join = context.join
    lines = [f"{context.service_name} – {context.site_name}"]
    if join and not context.cancellation:
        label = wording.join_link if context.recipient == "client" else wording.host_link
        lines.append(f"{label}{wording.colon}{join.url}")
        if join.password:
            lines.append(f"{wording.password}{wording.colon}{join.password}")
        if join.description:
            lines.append(join.description)
    return "\n".join(lines)


def build_ics(context: EmailContext, now: datetime | None = None) -> bytes:
    now = now or datetime.now(UTC)
    join = None if context.cancellation else context.join
    itip = method(context)
    sequence = context.sequence if context.sequence is not None else int(now.timestamp()) // 60
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{itip}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(context.calendar_uid or legacy_uid(context.booking_id, context.session_id))}",
        f"DTSTAMP:{_utc(now)}",
        f"SEQUENCE:{sequence}",
        f"DTSTART:{_utc(context.session_start)}",
        f"DTEND:{_utc(context.session_end)}",
        f"SUMMARY:{escape_text(f'{context.service_name} – {context.site_name}')}",
        f"DESCRIPTION:{escape_text(_description(context))}",
        f"STATUS:{'CANCELLED' if itip == 'CANCEL' else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
    ]
    if context.sender_email:
        lines.append(f"ORGANIZER;CN={_param(context.site_name)}:mailto:{_address(context.sender_email)}")
    if context.recipient_email:
        name = context.recipient_name
        cn = f"CN={_param(name)};" if name else ""
        lines.append(
            f"ATTENDEE;{cn}ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
            f":mailto:{_address(context.recipient_email)}"
        )
    if join:
        lines += [f"LOCATION:{escape_text(join.url)}", f"URL:{join.url}"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
