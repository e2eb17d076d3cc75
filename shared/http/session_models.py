"""Request and response bodies of session_hooks: services, sessions, bookings (they become
openapi.json)."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from shared.domain.meeting_settings import MeetSettings, TeamsSettings
from shared.domain.models import CustomLink, Id, MeetingSettings, ServiceKind, SessionCheck
from shared.http.models import Body, View
from shared.http.moments import to_utc


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
    def _settings(self) -> Self:
        if self.meeting_settings.waiting_room and self.meeting_settings.join_before_host:
            raise ValueError("meeting_settings: waiting_room and join_before_host exclude each other at Zoom")
        return self


class ServiceView(View):
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
    def _times(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start).total_seconds() > 24 * 3600:
            raise ValueError("a session lasts at most 24 hours")
        return self


class SessionView(View):
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


class BookingView(View):
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
