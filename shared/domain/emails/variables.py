"""The `[variables]` a template may use (S05), their values, and the checks of a custom template."""

from __future__ import annotations

import re

from shared.domain.emails import dates
from shared.domain.emails.context import EmailContext, JoinDetails
from shared.domain.errors import InvalidInput

VARIABLE = re.compile(r"\[([a-z][a-z_]*)\]")
LINK_VARIABLES = frozenset({"online_meeting_link", "online_meeting_provider_link"})
VARIABLES: dict[str, str] = {
    "recipient_name": "the name of whom the email is for (the client, or the staff member in their copy)",
    "client_name": "the client's name",
    "staff_name": "the staff member's name",
    "service_name": "the service's name",
    "site_name": "the business's name",
    "session_date": "the session's date with its weekday and year, in the site's time zone and language",
    "session_day": 'the session\'s day and month, for a subject ("8 January", "1er mars")',
    "session_time": "the session's start and end times",
    "timezone": 'the site\'s time zone, as its clients say it ("Paris time", "Horário de Brasília")',
    "online_meeting_link": "the recipient's join link (a stable link; empty when the section is hidden)",
    "online_meeting_provider_link": "the staff member's host link (only in the staff member's copy)",
    "online_meeting_password": "the meeting's password, if any",
    "online_meeting_description": "the link's description, if any",
    "online_meeting_opens_at": "when the link opens, if the site opens links shortly before sessions (X03)",
}
JOIN_DETAILS = ("online_meeting_password", "online_meeting_opens_at")
"""What a template that places the client's link should place too, or its clients never see it."""


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


def missing_join_details(body: str) -> tuple[str, ...]:
    """S05: the details a body leaves out although it places the client's link itself.

    Such a body replaces the online-join section, so a password or an opening time it does
    not place never reaches the client: the save route answers a warning naming them.
    """
    placed = set(VARIABLE.findall(body))
    if "online_meeting_link" not in placed:
        return ()
    return tuple(name for name in JOIN_DETAILS if name not in placed)


def places_link(body: str) -> bool:
    return bool(set(VARIABLE.findall(body)) & LINK_VARIABLES)


def opens_at(context: EmailContext, join: JoinDetails) -> str:
    """When the link opens: the time alone on the session's day, else the date and the time."""
    if join.opens_at is None:
        return ""
    opens, start = context.local(join.opens_at), context.local(context.session_start)
    time = dates.clock(opens, context.language)
    if opens.date() == start.date():
        return time
    return f"{dates.long_date(opens, context.language)}, {time}"


def values(context: EmailContext) -> dict[str, str]:
    """Each variable's plain-text value for this email and recipient ("" when unknown or hidden)."""
    language = context.language
    start, end = context.local(context.session_start), context.local(context.session_end)
    join = context.join
    return {
        "recipient_name": context.recipient_name,
        "client_name": context.client_name.strip(),
        "staff_name": (context.staff_name or "").strip(),
        "service_name": context.service_name,
        "site_name": context.site_name,
        "session_date": dates.long_date(start, language),
        "session_day": dates.short_day(start, language),
        "session_time": dates.time_range(start, end, language),
        "timezone": dates.zone_name(context.timezone, language),
        "online_meeting_link": join.url if join else "",
        "online_meeting_provider_link": context.staff_join.url
        if context.recipient == "staff" and context.staff_join
        else "",
        "online_meeting_password": (join.password or "") if join else "",
        "online_meeting_description": (join.description or "") if join else "",
        "online_meeting_opens_at": opens_at(context, join) if join else "",
    }


def drop_empty(template: str, known: dict[str, str], *, lines: bool = True) -> str:
    """S05: a line whose variables are all empty goes (no "Password: " without a password), and
    an empty variable in a list goes with its comma ("Ada, Yoga", not "Ada, , Yoga")."""
    empty = [name for name, value in known.items() if not value]
    kept = []
    for line in template.replace("\r\n", "\n").split("\n"):
        used = [name for name in VARIABLE.findall(line) if name in known]
        if lines and used and all(not known[name] for name in used):
            continue
        for name in empty:
            line = re.sub(rf",\s*\[{name}\]|\[{name}\]\s*,\s*", "", line)
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def one_line(text: str) -> str:
    """Runs of ASCII white space as one space: a subject stays one line, no-break spaces stay."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


def substitute(text: str, known: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: known.get(m.group(1), m.group(0)), text)
