"""The default templates (W13) in seven languages (X06), for clients and for the staff copy (S04).

Templates, default or custom (S05), are plain text with `[variables]` (variables.py). A
default is a greeting, the first sentence, the session's date, time and zone, then a
sign-off; the renderer puts what changed and the online-join section (W14) before the
sign-off. A custom template has no sign-off of its own: both go after its body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.domain.emails.context import Cancellation
from shared.domain.emails.languages import phrases
from shared.domain.models import EmailType, Language


@dataclass(frozen=True)
class CustomTemplate:
    subject: str
    body: str
    signoff: str = ""


def default_template(
    email_type: EmailType,
    language: Language,
    *,
    recipient: Literal["client", "staff"] = "client",
    cancellation: Cancellation | None = None,
    named: bool = True,
) -> CustomTemplate:
    """The default of a type for a recipient; a cancellation says whose (the booking's, the session's).

    `named`: whether the recipient's name is known; if not, the greeting has none ("Hello,").
    """
    wording = phrases(language).email
    if cancellation == "session":
        subject, intro = (
            wording.session_cancelled if recipient == "client" else wording.staff_session_cancelled
        )
    elif cancellation == "booking":
        subject, intro = (
            wording.booking_cancelled if recipient == "client" else wording.staff_booking_cancelled
        )
    else:
        subject, intro = (wording.client if recipient == "client" else wording.staff)[email_type]
    greeting = wording.greeting if named else wording.greeting_unnamed
    signoff = f"{wording.signoff}\n[site_name]" if recipient == "client" else ""
    return CustomTemplate(subject=subject, body=f"{greeting}\n\n{intro}\n\n{wording.when}", signoff=signoff)
