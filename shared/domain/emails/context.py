"""What an email says, independent of how it is rendered.

The service side fills it; every field added for issue 11 has a default so that a caller
that does not know it yet gets today's behaviour (noted on each field).
"""

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.emails.dates import zone
from shared.domain.models import EmailType, Language


class JoinDetails(BaseModel):
    """The online-join section: a stable /v1/j/ link (X01) and what goes with it."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    url: str
    password: str | None = None
    description: str | None = None
    opens_at: datetime | None = None
    provider: str | None = None


class TimeChanged(BaseModel):
    """The session moved: the email gives the new time (the context's) and the old one."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: Literal["time"] = "time"
    old_start: datetime
    old_end: datetime


class LinkChanged(BaseModel):
    """The meeting behind the link changed (W10, X02): the section below has the way in."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: Literal["link"] = "link"


class PlaceChanged(BaseModel):
    """The session turned in person (`online` False: its link is gone) or online again (X02)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: Literal["place"] = "place"
    online: bool


class PasswordChanged(BaseModel):
    """The meeting's password changed; the new one is the join section's."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: Literal["password"] = "password"


class HostChanged(BaseModel):
    """Another staff member now leads the session (names when known)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    kind: Literal["host"] = "host"
    old_name: str | None = None
    new_name: str | None = None


Change = Annotated[
    TimeChanged | LinkChanged | PlaceChanged | PasswordChanged | HostChanged, Field(discriminator="kind")
]
Cancellation = Literal["booking", "session"]


class EmailContext(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    email_type: EmailType
    language: Language
    recipient: Literal["client", "staff"]
    site_name: str
    client_name: str
    staff_name: str | None
    service_name: str
    session_start: datetime
    session_end: datetime
    timezone: str
    client_join: JoinDetails | None = None
    staff_join: JoinDetails | None = None
    booking_id: str
    session_id: str
    cancelled: bool = False
    """The booking was cancelled (by the client or the business)."""
    session_cancelled: bool = False
    """The business cancelled the whole session: every booking of it is cancelled with it."""
    changes: tuple[Change, ...] = ()
    """What changed since the client was last told (booking_changed, course_changed)."""
    sender_email: str | None = None
    """The From address: the invitation's ORGANIZER. Unset: an .ics without organizer (PUBLISH)."""
    recipient_email: str | None = None
    """The To address: the invitation's ATTENDEE. Unset: an .ics without attendee (PUBLISH)."""
    calendar_uid: str | None = None
    """The booking's calendar UID (`ics.calendar_uid` for new bookings; keep the one already sent).
    Unset: the old `{booking}.{session}@vclinks`."""
    sequence: int | None = Field(default=None, ge=0)
    """The booking's invitation sequence, raised on every change. Unset: minutes since 1970 (old)."""

    @property
    def join(self) -> JoinDetails | None:
        """The section this recipient gets: never the host link in a client's email."""
        return self.client_join if self.recipient == "client" else self.staff_join

    @property
    def cancellation(self) -> Cancellation | None:
        """Which cancellation this email announces: the session's (the business) wins."""
        if self.session_cancelled:
            return "session"
        return "booking" if self.cancelled else None

    @property
    def recipient_name(self) -> str:
        return (self.client_name if self.recipient == "client" else self.staff_name or "").strip()

    def zone(self) -> tzinfo:
        return zone(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.zone())
