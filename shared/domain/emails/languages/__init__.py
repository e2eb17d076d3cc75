"""Everything a client or staff member reads, per language (X06): emails and join pages.

One module a language, so that a native speaker reviews one file; docs/EMAIL-LANGUAGES.md
says why each phrase was chosen. Email phrases are text with `[variables]` (variables.py)
where they are template parts, and with `{fields}` where the renderer fills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from shared.domain.models import EmailType, Language
from shared.domain.resolver import Reason

Wording = tuple[str, str]
"""A subject and the body's first sentence."""


@dataclass(frozen=True)
class EmailWording:
    greeting: str  # with [recipient_name]
    greeting_unnamed: str  # when no name is known: never "Hello ,"
    signoff: str  # followed by the business's name on the next line
    when: str  # the session's date, time and zone
    client: dict[EmailType, Wording]
    staff: dict[EmailType, Wording]  # the staff member's own copy (S04), never the client's words
    booking_cancelled: Wording
    session_cancelled: Wording  # the business cancelled the session
    staff_booking_cancelled: Wording
    staff_session_cancelled: Wording
    changes_heading: str
    time_changed: str  # {new}, {old}
    link_changed: str
    now_in_person: str  # X02: the session turned in person (its link is gone)
    now_online: str  # X02: an in-person session turned online (the section below has the link)
    password_changed: str  # {password}
    host_changed: str  # {new}: the new host's name, followed by host_instead when the old is known
    host_instead: str  # {old}
    host_changed_unnamed: str
    join_heading: str
    join_button: str
    join_link: str
    host_heading: str
    host_button: str
    host_link: str
    password: str
    colon: str  # ": ", or " : " with a no-break space in French
    opens_at: str  # {time}: the link opens the same day as the session
    opens_on: str  # {date}, {time}: it opens the day before


@dataclass(frozen=True)
class PageWording:
    unknown_title: str
    unknown_message: str
    reasons: dict[Reason, Wording]  # a title and a message for each reason a link does not open
    opens_at: str  # {date}, {time}, {zone}
    zoom_failed_title: str
    zoom_failed: dict[str, str]  # by problem slug; "default" for any other


@dataclass(frozen=True)
class Phrases:
    email: EmailWording
    page: PageWording


@cache
def phrases(language: Language) -> Phrases:
    from importlib import import_module

    module = import_module(f"shared.domain.emails.languages.{language.value}")
    found: Phrases = module.PHRASES
    return found
