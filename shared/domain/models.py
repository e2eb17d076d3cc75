"""The domain records: what a site, a staff member, a service, a session and a booking hold.

These are plain pydantic models with no I/O. The store (`shared.adapters.repository`) reads and writes
them; the rules (`shared.domain.resolver`) decide on them; handlers take their own request
models (`shared.http.models`) and never expose these directly.

Each kind of account (a `VcAccount`) gives a session's link itself (`session_link`, the resolver's
`LinkSource`): the resolver asks it and knows no provider.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.domain.meeting_settings import MeetSettings, TeamsSettings

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
"""Ids of sites, staff, services, sessions and bookings: 1-64 safe characters."""

Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=128)]
Description = Annotated[str, Field(min_length=1, max_length=2000)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def check_web_url(value: str) -> str:
    """A link must be an absolute http(s) URL with a host, at most 2,000 characters."""
    if len(value) > 2000:
        raise ValueError("the URL is longer than 2000 characters")
    url = AnyUrl(value)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("the URL must be an absolute http:// or https:// address")
    if any(ch.isspace() for ch in value):
        raise ValueError("the URL must not contain spaces")
    return value


WebUrl = Annotated[str, Field(min_length=1, max_length=2000)]


GrantProvider = Literal["google", "microsoft"]  # Google Meet (X13), Microsoft Teams (X14)
"""The hosted providers whose accounts are a `ProviderAccount` (Zoom's have a record of their own)."""
HostedProvider = Literal["zoom", GrantProvider]
"""The providers whose accounts are OAuth grants and whose sessions each get a meeting of their own."""
LinkProvider = Literal["custom", "jitsi", HostedProvider]
"""Every kind of account a link comes from: the one list of provider names (a resolved link and a
meeting reference say theirs; the adapters and the resolver take these, never a copy)."""

PROVIDER_TITLES: dict[LinkProvider, str | None] = {
    "custom": None,  # a pasted link may be any provider's: the emails name none
    "jitsi": "Jitsi",
    "zoom": "Zoom",
    "google": "Google Meet",
    "microsoft": "Microsoft Teams",
}
"""What the emails call each provider."""


@dataclass(frozen=True)
class AccountLink:
    """What an account gives one audience of one session; the resolver adds the link's kind (join
    or host), its source and the client's gate."""

    url: str
    provider: LinkProvider
    password: str | None = field(default=None, repr=False)
    description: str | None = None


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"


class CustomLink(Record):
    """A fixed link to any provider (Google Meet, Teams, Skype, ...): the same for every session (W03)."""

    provider: Literal["custom"] = "custom"
    url: WebUrl
    password: Password | None = None
    description: Description | None = None

    _check_url = field_validator("url")(check_web_url)

    @property
    def needs_reconnect(self) -> bool:
        return False  # a pasted link holds no grant

    def session_link(
        self, session: "Session", audience: "Audience", booking: "Booking | None"
    ) -> AccountLink:
        """The same link, password and description for every session and audience (W03). Nothing is
        made for a session: no provider call, no meeting stored; the link is the account."""
        return AccountLink(self.url, self.provider, self.password, self.description)


class JitsiAccount(Record):
    """Jitsi needs no account: each session gets its own unguessable room (X04)."""

    provider: Literal["jitsi"] = "jitsi"
    base_url: WebUrl = "https://meet.jit.si"

    _check_url = field_validator("base_url")(check_web_url)

    @property
    def needs_reconnect(self) -> bool:
        return False  # no grant to lose

    def session_link(
        self, session: "Session", audience: "Audience", booking: "Booking | None"
    ) -> AccountLink:
        """X04: the session's own room (its `jitsi_room`) on the account's server, for everyone.
        Jitsi opens a room when its first person joins, so nothing is made in advance: no provider
        call, no meeting stored."""
        return AccountLink(f"{self.base_url.rstrip('/')}/{session.jitsi_room}", self.provider)


class ZoomAccount(Record):
    """A Zoom user reached through a stored OAuth connection (W03: a meeting per session).

    `status` is copied from the connection so that resolving a link needs no extra read (X07).
    """

    provider: Literal["zoom"] = "zoom"
    connection_id: Id
    zoom_user_id: str = Field(min_length=1, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    user_type: int | None = None  # Zoom's user type: 1 Basic (no registrants), 2 Licensed, ...
    problem: str | None = Field(default=None, max_length=500)  # what the admin must fix, if anything

    @property
    def basic(self) -> bool:
        """A Basic (free) Zoom user: Zoom takes no registrants for their meetings (S03)."""
        return self.user_type == BASIC_ZOOM_USER

    @property
    def host_user_id(self) -> str:
        return self.zoom_user_id

    @property
    def takes_registrants(self) -> bool:
        """S03: a class's clients each get their own registrant, unless the host is a Basic user."""
        return not self.basic

    @property
    def needs_reconnect(self) -> bool:
        return self.status is ConnectionStatus.NEEDS_RECONNECT

    def session_link(
        self, session: "Session", audience: "Audience", booking: "Booking | None"
    ) -> AccountLink | None:
        return meeting_link(self, session, audience, booking)


BASIC_ZOOM_USER = 1
"""Zoom's `type` of a Basic (free) user (GET /users: 1 Basic, 2 Licensed, ...)."""


class ProviderAccount(Record):
    """A Google (X13) or Microsoft Teams (X14) user reached through a stored OAuth connection: a
    meeting per session, made by the pipeline as for Zoom. `status` and `problem` are copied from
    the connection (X07, X15: an account that cannot make meetings says why)."""

    provider: GrantProvider
    connection_id: Id
    user_id: str = Field(min_length=1, max_length=128)
    email: str | None = Field(default=None, max_length=320)
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    problem: str | None = Field(default=None, max_length=500)

    @property
    def host_user_id(self) -> str:
        return self.user_id

    @property
    def takes_registrants(self) -> bool:
        return False  # registrants are Zoom's (S03): Meet and Teams clients share the meeting's link

    @property
    def needs_reconnect(self) -> bool:
        return self.status is ConnectionStatus.NEEDS_RECONNECT

    def session_link(
        self, session: "Session", audience: "Audience", booking: "Booking | None"
    ) -> AccountLink | None:
        return meeting_link(self, session, audience, booking)


HostedAccount = ZoomAccount | ProviderAccount
"""An account that is an OAuth grant with a meeting per session (Zoom, Google Meet, Teams)."""


def host_user_of(account: HostedAccount) -> str:
    """The provider's id of the user who hosts the account's meetings."""
    return account.host_user_id


def meeting_link(
    account: HostedAccount, session: "Session", audience: "Audience", booking: "Booking | None"
) -> AccountLink | None:
    """A hosted account's link is the session's own meeting (made by the pipeline): its host link
    for staff (S04), the client's registrant link or else the meeting's join link (S03); None while
    there is none yet. X15: only a meeting of the account's own provider, connection and user is
    given under the account's name; another one (a provider or host left behind) is none."""
    meeting = session.meeting
    if meeting is None or (meeting.provider, meeting.connection_id, meeting.host_user_id) != (
        account.provider,
        account.connection_id,
        account.host_user_id,
    ):
        return None
    if audience is not Audience.CLIENT:
        return AccountLink(meeting.start_url, meeting.provider, meeting.password)
    registrant = booking.registrant if booking is not None else None
    if registrant is not None and registrant.meeting_id == meeting.meeting_id:
        return AccountLink(registrant.join_url, meeting.provider, meeting.password)
    return AccountLink(meeting.join_url, meeting.provider, meeting.password)


VcAccount = Annotated[
    CustomLink | JitsiAccount | ZoomAccount | ProviderAccount, Field(discriminator="provider")
]


class EmailType(StrEnum):
    BOOKING_CONFIRMATION = "booking_confirmation"
    REMINDER = "reminder"
    BOOKING_CHANGED = "booking_changed"
    COURSE_CHANGED = "course_changed"
    REQUEST_APPROVED = "request_approved"


class Language(StrEnum):
    EN = "en"
    FR = "fr"
    IT = "it"
    PT = "pt"  # Brazilian Portuguese (pt-BR), as the seed
    NL = "nl"
    DE = "de"
    ES = "es"


REMINDER_OFFSETS_MAX = 3
REMINDER_OFFSET_MINUTES = (5, 30 * 1440)
"""A reminder goes 5 minutes to 30 days before a session; a site sets up to three (X08)."""


def check_reminder_offsets(offsets: tuple[int, ...]) -> tuple[int, ...]:
    """Distinct offsets within REMINDER_OFFSET_MINUTES, at most REMINDER_OFFSETS_MAX, earliest first."""
    low, high = REMINDER_OFFSET_MINUTES
    if len(offsets) > REMINDER_OFFSETS_MAX:
        raise ValueError(f"at most {REMINDER_OFFSETS_MAX} reminders")
    if len(set(offsets)) != len(offsets):
        raise ValueError("each reminder offset once")
    if any(not low <= offset <= high for offset in offsets):
        raise ValueError(f"a reminder goes {low} to {high} minutes before the session")
    return tuple(sorted(offsets, reverse=True))


CHECK_HOURS = (72, 48, 24, 12, 6, 3, 2, 1)
"""X10: how long before a session its provider meeting may be checked (a site picks among these)."""
CheckHours = Literal[72, 48, 24, 12, 6, 3, 2, 1]


class SiteSettings(Record):
    """Per-site switches (W14, W15, X03, X06, X08, X10)."""

    members_area_links: bool = True
    join_window_minutes: int | None = Field(default=None, ge=0, le=1440)
    language: Language = Language.EN
    timezone: str = Field(default="UTC", max_length=64)
    sender_email: str | None = Field(default=None, max_length=320)
    """The business's address as set before issue 11 (never verified for the site): only the
    default Reply-To now; the From address is the site's verified `Site.sender`."""
    reply_to: str | None = Field(default=None, max_length=320)
    """Where clients' answers go (default: the business's own address, when known)."""
    hidden_email_sections: frozenset[EmailType] = frozenset()
    allowed_origins: tuple[str, ...] = Field(default=(), max_length=20)
    """Exact origins (`https://app.example.com`) whose browsers may call the scoped-token routes."""
    reminder_offsets_minutes: tuple[int, ...] = ()
    """X08: minutes before each session that its clients are reminded (none: the platform asks)."""
    meeting_check_hours: frozenset[CheckHours] = frozenset({24, 1})  # X10: checks before each session

    _check_offsets = field_validator("reminder_offsets_minutes")(check_reminder_offsets)


class SenderStatus(StrEnum):
    PENDING = "pending"  # SES emailed the verification link; not clicked yet
    VERIFIED = "verified"
    FAILED = "failed"  # the link expired (24 hours): ask again


class SiteSender(Record):
    """The site's own From address: an SES identity created for this site and verified by its
    owner. Until it is verified, emails go from the deployment's SenderEmail."""

    email: str = Field(min_length=3, max_length=320)
    status: SenderStatus = SenderStatus.PENDING
    checked_at: datetime


class WebhookEndpoint(Record):
    """Where the site's platform hears of events (Standard Webhooks; shared.services.platform_events).
    `secret` is `whsec_` + base64 of the signing key, shown to the platform once."""

    url: WebUrl
    secret: str
    created_at: datetime


class Site(Record):
    """A tenant. Everything a request checks its caller with is here, so that the one read of the
    site authenticates: both API key hashes during a key rotation's overlap, both token secrets
    while tokens signed with the previous one may still be unexpired, and whether it is deleted."""

    site_id: Id
    name: str = Field(min_length=1, max_length=200)
    api_key_hash: str
    token_secret: str
    default_account: VcAccount | None = None
    settings: SiteSettings = SiteSettings()
    sender: SiteSender | None = None
    created_at: datetime
    version: int = 0
    previous_api_key_hash: str | None = None
    previous_key_expires_at: datetime | None = None
    previous_token_secret: str | None = None
    previous_token_secret_until: datetime | None = None
    webhook: WebhookEndpoint | None = None
    deleted_at: datetime | None = None
    """Set when the site's deletion is accepted: from then on it answers as a site that does not
    exist, and the pipeline removes its Zoom grants, secrets and items (shared.services.site_deletion)."""


class Staff(Record):
    site_id: Id
    staff_id: Id
    account: VcAccount | None = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    version: int = 0


class MeetingSettings(Record):
    """S09: how the provider sets up a service's meetings; a field left None keeps the provider
    account's own default (Zoom: its meeting settings). Sent on every create and update."""

    waiting_room: bool | None = None
    passcode_required: bool | None = None
    join_before_host: bool | None = None
    mute_on_entry: bool | None = None
    auto_recording: Literal["none", "local", "cloud"] | None = None
    google: MeetSettings = MeetSettings()  # X13: Google Meet's own (shared.domain.meeting_settings)
    microsoft: TeamsSettings = TeamsSettings()  # X14: Microsoft Teams' own

    @model_validator(mode="after")
    def _zoom_rules(self) -> Self:
        # Zoom's spec (settings.waiting_room): "If this value is true, this disables the
        # join_before_host setting": asking for both would be silently half-ignored.
        if self.waiting_room and self.join_before_host:
            raise ValueError("waiting_room and join_before_host exclude each other (Zoom disables one)")
        return self


class ServiceKind(StrEnum):
    APPOINTMENT = "appointment"
    CLASS = "class"
    COURSE = "course"


class Service(Record):
    site_id: Id
    service_id: Id
    kind: ServiceKind
    online: bool = False  # S02: off until an admin turns it on
    name: str | None = Field(default=None, max_length=200)
    course_link: CustomLink | None = None  # W09, W10
    meeting_settings: MeetingSettings = MeetingSettings()  # S09
    version: int = 0


class MeetingRef(Record):
    """What a provider returned for one session's meeting, kept with the connection that made it.
    `start_url` is the host's way in (Google and Teams: the same link, the signed-in owner is the
    host); `external_id` the idempotency key it was made with, where the provider takes one."""

    provider: HostedProvider = "zoom"
    meeting_id: str
    connection_id: Id
    host_user_id: str
    join_url: str
    start_url: str
    password: str | None = None
    start_url_at: datetime | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    registration: bool = False
    settings: MeetingSettings = MeetingSettings()  # S09: what the meeting was last given
    external_id: str | None = None


class MeetingState(StrEnum):
    NONE = "none"  # no meeting wanted or none yet
    PENDING = "pending"  # wanted; the last attempt did not finish (see pending_reason)
    READY = "ready"


HISTORY_BYTES = 16 * 1024
"""A session's link history keeps its newest entries within this many bytes of JSON (the
item limit is 400 KB, and a link can be 2,000 characters of 4-byte UTF-8)."""


class LinkChange(Record):
    """One entry of a session's link history (W11)."""

    at: datetime
    action: Literal["set", "restore", "remove", "online"]
    link: CustomLink | None = None


def with_history(history: tuple[LinkChange, ...], entry: LinkChange) -> tuple[LinkChange, ...]:
    """`history` with `entry` added, dropping the oldest entries beyond HISTORY_BYTES."""
    kept: list[LinkChange] = []
    size = 0
    for change in (entry, *reversed(history)):
        size += len(change.model_dump_json().encode())
        if size > HISTORY_BYTES and kept:
            break
        kept.append(change)
    return tuple(reversed(kept))


class Reminders(Record):
    """Which reminders of a session were flagged for which start, and when the next one is due
    (X08). A session moved to another start has none flagged for the new one."""

    start: datetime
    flagged: tuple[int, ...] = ()  # offsets in minutes, sent or skipped for `start`
    next_at: datetime | None = None  # when the next reminder is due (the reminder index's key)


class SessionCheck(Record):
    """X10: the last check of a session's connection and provider meeting before it starts.
    `problem` None: all was well (or was repaired: `repaired` says what)."""

    at: datetime
    problem: str | None = Field(default=None, max_length=500)
    repaired: str | None = Field(default=None, max_length=200)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Session(Record):
    site_id: Id
    session_id: Id
    service_id: Id
    staff_id: Id | None = None
    start: datetime
    end: datetime
    online: bool | None = None  # None: as the service says; False: made in-person (W12)
    override: CustomLink | None = None  # W11: a custom link on this session only
    history: tuple[LinkChange, ...] = ()
    status: SessionStatus = SessionStatus.SCHEDULED
    jitsi_room: str
    staff_join_secret: str
    meeting: MeetingRef | None = None
    meeting_state: MeetingState = MeetingState.NONE
    pending_reason: str | None = None
    clients_fingerprint: str | None = None  # what the bookings were last brought in step with (X02)
    reminders: Reminders | None = None  # X08: the reminders flagged for its start, and the next one
    check: SessionCheck | None = None  # X10: the last check before the session
    version: int = 0


class BookingStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Told(Record):
    """What a client's last email (confirmation, change, cancellation) told them: what a change
    email compares with (X02). Secrets are kept as fingerprints only."""

    start: datetime
    end: datetime
    link: str | None = (
        None  # the join link's fingerprint; None: never told of a link; "none": told it is gone
    )
    password: str | None = None  # the password's fingerprint ("none": no password)
    host: str | None = None  # the staff member leading the session
    cancelled: bool = False  # told that the booking or the session is cancelled


class Registrant(Record):
    """A client's own Zoom registrant in a group class meeting (S03)."""

    registrant_id: str
    join_url: str
    meeting_id: str


class Booking(Record):
    site_id: Id
    session_id: Id
    booking_id: Id
    client_name: str | None = Field(default=None, max_length=200)
    client_email: str | None = Field(default=None, max_length=320)
    status: BookingStatus = BookingStatus.ACTIVE
    join_secret: str
    registrant: Registrant | None = None
    notified_fingerprint: str | None = None  # before issue 11: a hash of the link last emailed
    told: Told | None = (
        None  # X02: what the client's last email said (None: never emailed, or before issue 11)
    )
    calendar_uid: str | None = None  # X09: the UID of the booking's invitations, kept once sent
    calendar_sequence: int | None = None  # X09: the SEQUENCE last sent, raised on every change
    email_problem: str | None = None  # the last email refused or bounced for good (shown to the admin)
    version: int = 0


class ZoomAppType(StrEnum):
    """Which Zoom app a connection goes through (the value is the connect flow's `access=`): a
    user-managed app reaches its user's own meetings, an admin-managed one the Zoom account's."""

    USER_MANAGED = "user"
    ADMIN_MANAGED = "account"


class Removal(StrEnum):
    """Why a connection goes away; it is removed through the pipeline once its sessions moved on."""

    DISCONNECTED = "disconnected"  # the admin disconnected it: its meetings are deleted at Zoom first
    DEAUTHORIZED = "deauthorized"  # the user removed the app in Zoom: the grant is already dead
    REPLACED = "replaced"  # its owner connected another (or the same) Zoom user


class Connection(Record):
    """One provider OAuth grant, owned by a site (its default) or one staff member (S01, W04, W07);
    `provider` says whose grant it is. Its stored fields keep the names of Zoom, the first provider
    (renaming them would need a migration of every stored item): `zoom_account_id` is the Zoom
    account, or for Google and Microsoft the provider's name; `zoom_user_id` the provider's user id
    (Zoom's user id, Google's OpenID `sub`, Microsoft's user object id).

    The accounts that use it embed a copy of its status, so that resolving a link needs no
    extra read (X07); the connection service keeps them in step.
    """

    site_id: Id
    connection_id: Id
    provider: HostedProvider = "zoom"
    staff_id: Id | None = None  # None: the site's default connection
    zoom_account_id: str = Field(max_length=64)
    zoom_user_id: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=320)
    can_list_users: bool = False
    app: ZoomAppType = ZoomAppType.USER_MANAGED  # the Zoom app its tokens belong to
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    secret_name: str  # the tokens of (app, Zoom account, Zoom user): shared by every connection of that user
    created_at: datetime
    removal: Removal | None = None  # set when the connection is going away (S08)
    zoom_user_type: int | None = None  # of the connected user: 1 Basic (no registrants), 2 Licensed
    confirmed: bool = True  # False until the admin confirms it in the browser that started the flow
    problem: str | None = Field(default=None, max_length=500)  # what the admin must fix, if anything
    inactive_users: dict[str, str] = {}  # users of its Zoom account Zoom deactivated or deleted -> which
    version: int = 0


class Audience(StrEnum):
    CLIENT = "client"
    STAFF = "staff"
    ADMIN = "admin"
