"""Request and response bodies of send_confirmation: emails and their templates (they become
openapi.json)."""

from pydantic import Field

from shared.domain.models import EmailType, Id, Language
from shared.http.models import Body, View


class NotificationRequest(Body):
    """Send one of the five emails for a booking (W13)."""

    type: EmailType
    session_id: Id
    booking_id: Id
    staff_email: str | None = Field(
        default=None,
        min_length=3,
        max_length=320,
        pattern=r"^[^@\s<>]+@[^@\s<>]+$",
        description="Also send the staff member's copy, with the host link, to this address (S04)",
    )
    staff_copy: bool = Field(
        default=False,
        description="Also send the staff member's copy to the address stored for the session's staff "
        "member (PUT /v1/sites/{site}/staff/{staff}); staff_email, when given, is used instead",
    )
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)


class SentView(View):
    recipient: str
    audience: str
    sent: bool = Field(description="false: the same email was already sent (deduplicated)")


class NotificationResult(View):
    results: list[SentView]


class TemplateInput(Body):
    """Show or hide the online-join section; optionally a custom subject and body for one language."""

    show_online_section: bool | None = None
    language: Language | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20000)


class TemplateView(View):
    email_type: EmailType
    language: Language
    show_online_section: bool
    custom: bool
    subject: str
    body: str | None = Field(
        default=None, description="The custom body; null while the default template is used"
    )
    warnings: list[str] = Field(
        default_factory=list, description="What the saved template leaves out that clients need (S05)"
    )
