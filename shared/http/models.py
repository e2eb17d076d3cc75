"""Request and response bodies of the HTTP API (they become openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from shared.domain.meeting_settings import MeetSettings, TeamsSettings
from shared.domain.models import (
    CheckHours,
    CustomLink,
    Description,
    EmailType,
    Id,
    JitsiAccount,
    Language,
    MeetingSettings,
    Password,
    ServiceKind,
    SessionCheck,
    VcAccount,
    WebUrl,
    check_reminder_offsets,
    check_web_url,
)
from shared.http.moments import to_utc


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


EmailAddress = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+$")]


# -- accounts -----------------------------------------------------------------------------


class CustomLinkInput(Body):
    """A custom link for any provider: URL required, password and description optional (W01)."""

    provider: Literal["custom"] = "custom"
    url: WebUrl
    password: Password | None = None
    description: Description | None = None

    _check_url = field_validator("url")(check_web_url)

    def to_record(self) -> CustomLink:
        return CustomLink(url=self.url, password=self.password, description=self.description)


class JitsiInput(Body):
    """Jitsi: a unique room per session, no account needed (X04)."""

    provider: Literal["jitsi"]
    base_url: WebUrl = "https://meet.jit.si"

    _check_url = field_validator("base_url")(check_web_url)

    def to_record(self) -> JitsiAccount:
        return JitsiAccount(base_url=self.base_url)


class ZoomUserInput(Body):
    """A Zoom user of a Zoom connection of this site (W07: an admin maps a staff member)."""

    provider: Literal["zoom"]
    connection_id: Id
    zoom_user_id: str = Field(min_length=1, max_length=64)


AccountInput = Annotated[CustomLinkInput | JitsiInput, Field(discriminator="provider")]
StaffAccountInput = Annotated[CustomLinkInput | JitsiInput | ZoomUserInput, Field(discriminator="provider")]


class AccountView(BaseModel):
    connected: bool
    account: VcAccount | None = None


def normalize_origin(value: str) -> str:
    """An origin as browsers send it in `Origin`: scheme, host, and a port only when not the
    scheme's default; lowercase. Anything else (a path, a query, credentials, a wildcard,
    `null`) is refused: an allowed origin is matched exactly."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("an origin is http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("an origin has no path, query, fragment or credentials: http(s)://host[:port]")
    if "*" in value or any(ch.isspace() for ch in value.strip()):
        raise ValueError("an origin is exact: no wildcard, no spaces")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError("the origin's port is not a number from 0 to 65535") from error
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}[scheme]
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{scheme}://{netloc}"


Origin = Annotated[str, Field(min_length=8, max_length=300), AfterValidator(normalize_origin)]


class SettingsPatch(Body):
    """Only the fields sent change; `"join_window_minutes": null` turns the time gate off (X03).
    `allowed_origins` replaces the whole list (`[]`: no browser on another origin)."""

    members_area_links: bool | None = None
    join_window_minutes: int | None = Field(default=None, ge=0, le=1440)
    language: Language | None = None
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    reply_to: EmailAddress | None = Field(
        default=None, description="Where clients' answers go (null: the business's own address, when known)"
    )
    allowed_origins: list[Origin] | None = Field(
        default=None,
        max_length=20,
        description="Origins (https://app.example.com) whose browsers may call the routes of scoped "
        "tokens: the session link and its edits, a staff member's own account",
    )

    @field_validator("allowed_origins")
    @classmethod
    def _unique(cls, origins: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(origins)) if origins is not None else None

    reminder_offsets_minutes: list[int] | None = Field(
        default=None,
        description="X08: minutes before each session that its clients are reminded, up to 3 "
        "(5 to 43200 each); [] turns automatic reminders off",
    )

    @field_validator("reminder_offsets_minutes")
    @classmethod
    def _offsets(cls, offsets: list[int] | None) -> list[int] | None:
        return None if offsets is None else list(check_reminder_offsets(tuple(offsets)))

    meeting_check_hours: list[CheckHours] | None = Field(
        default=None,
        max_length=8,
        description="X10: how many hours before each session its provider meeting is checked ([] none)",
    )


class SettingsView(BaseModel):
    members_area_links: bool
    join_window_minutes: int | None
    language: Language
    timezone: str
    sender_email: str | None = Field(
        description="The site's own From address once verified (POST .../sender), else null: "
        "emails then go from the deployment's address"
    )
    reply_to: str | None
    hidden_email_sections: list[EmailType]
    allowed_origins: list[str]
    reminder_offsets_minutes: list[int]
    meeting_check_hours: list[int]


class SenderInput(Body):
    """The address the site's emails should come from: SES emails it a verification link."""

    email: EmailAddress


class SenderView(BaseModel):
    email: str
    status: Literal["pending", "verified", "failed"] = Field(
        description="pending: the owner has not clicked SES's link yet; failed: it expired, POST again"
    )
    from_address: str = Field(description="The address the site's emails go from now")


class StaffInput(Body):
    """A staff member's name (greetings, "with Anna") and email (the staff copy, S04)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailAddress | None = None


class StaffView(BaseModel):
    staff_id: str
    name: str | None
    email: str | None
    has_account: bool = Field(description="Whether the staff member has an individual VC account (W04)")


class TokenRequest(Body):
    """A token for a browser: an admin's, a staff member's, a client's; or a `connect` ticket,
    single-use, that opens the Zoom connect flow (`/v1/oauth/zoom/start?ticket=...`) for the site
    (no staff_id) or a staff member, through the user-managed app (`access: user`, the default)
    or the admin-managed one (`access: account`, the site's own Zoom account only)."""

    role: Literal["admin", "staff", "client", "connect"]
    staff_id: Id | None = None
    session_id: Id | None = None
    booking_id: Id | None = None
    access: Literal["user", "account"] | None = None
    ttl_seconds: int = Field(default=900, ge=60, le=86400)

    @model_validator(mode="after")
    def _scope(self) -> TokenRequest:
        if self.role == "staff" and not self.staff_id:
            raise ValueError("a staff token needs staff_id")
        if self.role == "client" and not (self.session_id and self.booking_id):
            raise ValueError("a client token needs session_id and booking_id")
        if self.access == "account" and self.staff_id:
            raise ValueError(
                "access=account connects the site's Zoom account (admin-managed app); a staff member "
                "connects their own Zoom without it"
            )
        extra = {
            "admin": ("staff_id", "session_id", "booking_id", "access"),
            "staff": ("session_id", "booking_id", "access"),
            "client": ("staff_id", "access"),
            "connect": ("session_id", "booking_id"),
        }[self.role]
        given = [name for name in extra if getattr(self, name) is not None]
        if given:
            raise ValueError(f"a {self.role} token takes no {', '.join(given)}: its scope would be ignored")
        return self


class TokenView(BaseModel):
    token: str
    expires_at: datetime
    role: str


# -- services, sessions, bookings ---------------------------------------------------------


class MeetingSettingsInput(Body):
    """S09: the meeting settings of a service's sessions, where the provider has them (Zoom). A
    field left out keeps the provider account's own default; the meetings of the upcoming sessions
    are updated when they change."""

    waiting_room: bool | None = None
    passcode_required: bool | None = Field(
        default=None,
        description="true: each meeting gets a passcode (null or false: the Zoom account decides)",
    )
    join_before_host: bool | None = Field(
        default=None, description="Not with waiting_room (Zoom disables it)"
    )
    mute_on_entry: bool | None = None
    auto_recording: Literal["none", "local", "cloud"] | None = None
    google: MeetSettings = Field(default_factory=MeetSettings, description="X13: a Google Meet space's")
    microsoft: TeamsSettings = Field(default_factory=TeamsSettings, description="X14: a Teams meeting's")

    def to_record(self) -> MeetingSettings:
        return MeetingSettings(**self.model_dump())


class ServiceInput(Body):
    kind: ServiceKind
    online: bool = False  # S02: off unless the admin turns it on
    name: str | None = Field(default=None, min_length=1, max_length=200)
    meeting_settings: MeetingSettingsInput = Field(default_factory=MeetingSettingsInput)

    @model_validator(mode="after")
    def _settings(self) -> ServiceInput:
        if self.meeting_settings.waiting_room and self.meeting_settings.join_before_host:
            raise ValueError("meeting_settings: waiting_room and join_before_host exclude each other at Zoom")
        return self


class ServiceView(BaseModel):
    service_id: str
    kind: ServiceKind
    online: bool
    name: str | None
    course_link: CustomLink | None
    meeting_settings: MeetingSettings


class SessionInput(Body):
    """Create or change a session: reschedule, reassign the staff member, turn online or in-person."""

    service_id: Id
    staff_id: Id | None = None
    start: Annotated[AwareDatetime, AfterValidator(to_utc)]
    end: Annotated[AwareDatetime, AfterValidator(to_utc)]
    online: bool | None = None

    @model_validator(mode="after")
    def _times(self) -> SessionInput:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start).total_seconds() > 24 * 3600:
            raise ValueError("a session lasts at most 24 hours")
        return self


class SessionView(BaseModel):
    session_id: str
    service_id: str
    staff_id: str | None
    start: datetime
    end: datetime
    online: bool
    status: str
    has_custom_link: bool
    meeting_state: str
    pending_reason: str | None
    staff_join_url: str
    last_check: SessionCheck | None = Field(
        default=None, description="X10: the last check of the session's connection and provider meeting"
    )


class BookingInput(Body):
    client_name: str | None = Field(default=None, min_length=1, max_length=200)
    client_email: str | None = Field(
        default=None, min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+$"
    )


class BookingView(BaseModel):
    booking_id: str
    session_id: str
    status: str
    join_url: str
    client_name: str | None = None
    client_email: str | None = None
    email_problem: str | None = Field(
        default=None,
        description="The last email to this client that SES refused or that bounced or was marked as spam, "
        "and why (an address that bounced for good or complained is not emailed again)",
    )
    join_link: Literal["opened", "never opened"] | None = Field(
        default=None,
        description="X12: whether the client ever opened their join link (on GET of the booking; null "
        "in a write's answer, which does not read the clicks)",
    )
    joined_first_at: datetime | None = Field(
        default=None, description="X12: the first click on the join link"
    )
    joined_last_at: datetime | None = Field(
        default=None, description="X12: the latest click (exact to the minute)"
    )


# -- links --------------------------------------------------------------------------------


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


class SentView(BaseModel):
    recipient: str
    audience: str
    sent: bool = Field(description="false: the same email was already sent (deduplicated)")


class NotificationResult(BaseModel):
    results: list[SentView]


class TemplateInput(Body):
    """Show or hide the online-join section; optionally a custom subject and body for one language."""

    show_online_section: bool | None = None
    language: Language | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20000)


class TemplateView(BaseModel):
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
