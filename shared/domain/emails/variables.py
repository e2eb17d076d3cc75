"""The `[variables]` a template may use (S05), their values, and the check of a custom template."""

from __future__ import annotations

import re
from datetime import datetime

from shared.domain.emails.context import EmailContext
from shared.domain.emails.templates import LABELS
from shared.domain.errors import InvalidInput

VARIABLE = re.compile(r"\[([a-z][a-z_]*)\]")
LINK_VARIABLES = frozenset({"online_meeting_link", "online_meeting_provider_link"})
VARIABLES: dict[str, str] = {
    "recipient_name": "the name of whom the email is for (the client, or the staff member in their copy)",
    "client_name": "the client's name",
    "staff_name": "the staff member's name",
    "service_name": "the service's name",
    "site_name": "the business's name",
    "session_date": "the session's date, in the site's time zone and language",
    "session_time": "the session's start and end times",
    "timezone": "the site's time zone",
    "online_meeting_link": "the recipient's join link (a stable link; empty when the section is hidden)",
    "online_meeting_provider_link": "the staff member's host link (only in the staff member's copy)",
    "online_meeting_password": "the meeting's password, if any",
    "online_meeting_description": "the link's description, if any",
}


def validate_custom_template(subject: str, body: str) -> None:
    """S05: a custom template may use only known variables, and its subject is one line."""
    if "\n" in subject or "\r" in subject:
        raise InvalidInput("The subject must be a single line.")
    unknown = sorted(set(VARIABLE.findall(subject + "\n" + body)) - VARIABLES.keys())
    if unknown:
        known = ", ".join(f"[{name}]" for name in VARIABLES)
        raise InvalidInput(
            f"Unknown template variable(s): {', '.join(f'[{n}]' for n in unknown)}. Known variables: {known}."
        )
    linked = set(VARIABLE.findall(subject)) & LINK_VARIABLES
    if linked:
        raise InvalidInput("Links cannot be placed in the subject; put them in the body.")


def format_date(context: EmailContext, moment: datetime) -> str:
    local = context.local(moment)
    month = LABELS[context.language].months[local.month - 1]
    return f"{local.day} {month} {local.year}"


def values(context: EmailContext) -> dict[str, str]:
    """Each variable's plain-text value for this email and recipient."""
    start, end = context.local(context.session_start), context.local(context.session_end)
    join = context.join
    staff_name = context.staff_name or ""
    return {
        "recipient_name": context.client_name if context.recipient == "client" else staff_name,
        "client_name": context.client_name,
        "staff_name": staff_name,
        "service_name": context.service_name,
        "site_name": context.site_name,
        "session_date": format_date(context, context.session_start),
        "session_time": f"{start:%H:%M}-{end:%H:%M}",
        "timezone": context.timezone,
        "online_meeting_link": join.url if join else "",
        "online_meeting_provider_link": context.staff_join.url
        if context.recipient == "staff" and context.staff_join
        else "",
        "online_meeting_password": (join.password or "") if join else "",
        "online_meeting_description": (join.description or "") if join else "",
    }


def substitute(text: str, known: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: known.get(m.group(1), m.group(0)), text)
