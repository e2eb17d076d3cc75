"""Which link a session has, for whom, and why: the product's core rule, as one pure function.

Precedence (PRODUCT.md): default account disconnected -> no link anywhere (W06); service
not online (S02), session cancelled or made in-person (W12) -> no link; the session's own
custom link (W11); for a course, the course link (W09); for appointments and classes, the
staff member's account (W04, W08); the site default (W01). The account then gives the
link itself (`LinkSource`, each kind in shared.domain.models): a custom link is the same for
every session (W03), Jitsi a room per session (X04), a hosted provider (Zoom, Google Meet,
Teams) the session's own meeting (W03, S03, S04) or a reason why not (X07, pending, X15); the
resolver knows no provider. Resolving at read time is what makes an edited default, staff or
course link apply to every session at once (W10).
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from shared.domain.models import (
    AccountLink,
    Audience,
    Booking,
    BookingStatus,
    LinkProvider,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
    Staff,
    VcAccount,
)


class Source(StrEnum):
    SESSION = "session"
    COURSE = "course"
    STAFF = "staff"
    DEFAULT = "default"


class Reason(StrEnum):
    DEFAULT_DISCONNECTED = "default_disconnected"
    SERVICE_NOT_ONLINE = "service_not_online"
    SESSION_CANCELLED = "session_cancelled"
    OFFLINE = "offline"
    BOOKING_CANCELLED = "booking_cancelled"
    HIDDEN_FOR_CLIENT = "hidden_for_client"
    NOT_YET_OPEN = "not_yet_open"
    NEEDS_RECONNECT = "needs_reconnect"
    PENDING = "pending"


REASON_TEXT: dict[Reason, str] = {
    Reason.DEFAULT_DISCONNECTED: "The site has no video-conference account connected.",
    Reason.SERVICE_NOT_ONLINE: "Video conferencing is not turned on for this service.",
    Reason.SESSION_CANCELLED: "This session was cancelled.",
    Reason.OFFLINE: "This session takes place in person.",
    Reason.BOOKING_CANCELLED: "This booking was cancelled.",
    Reason.HIDDEN_FOR_CLIENT: "The site does not show meeting links in the members area.",
    Reason.NOT_YET_OPEN: "The meeting link opens shortly before the session starts.",
    Reason.NEEDS_RECONNECT: "The video-conference account must be connected again by the site's admin.",
    Reason.PENDING: "The meeting is being prepared; try again in a moment.",
}


class Surface(StrEnum):
    """Where the answer will be shown: the members area obeys W15; emails and the API do not."""

    API = "api"
    MEMBERS_AREA = "members_area"
    JOIN = "join"


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision: Literal["link"] = "link"
    url: str
    kind: Literal["join", "host"]
    provider: LinkProvider
    source: Source
    password: str | None = None
    description: str | None = None
    opens_at: datetime | None = None


class NoLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision: Literal["none"] = "none"
    reason: Reason
    detail: str
    opens_at: datetime | None = None


Decision = Link | NoLink


def no_link(reason: Reason, opens_at: datetime | None = None) -> NoLink:
    return NoLink(reason=reason, detail=REASON_TEXT[reason], opens_at=opens_at)


def effective_account(
    default: VcAccount, service: Service, session: Session, staff: Staff | None
) -> tuple[VcAccount, Source]:
    """The account a session's link comes from, and which level supplied it (W08, W09, W11)."""
    if session.override is not None:
        return session.override, Source.SESSION
    if service.kind is ServiceKind.COURSE:
        if service.course_link is not None:
            return service.course_link, Source.COURSE
    elif staff is not None and staff.account is not None:
        return staff.account, Source.STAFF
    return default, Source.DEFAULT


def opens_at(site: Site, session: Session) -> datetime | None:
    """X03: the moment a client's join link opens, or None when the site does not gate links."""
    minutes = site.settings.join_window_minutes
    return None if minutes is None else session.start - timedelta(minutes=minutes)


def is_online(service: Service, session: Session) -> bool:
    return session.online if session.online is not None else service.online


def resolve(
    site: Site,
    service: Service,
    session: Session,
    staff: Staff | None,
    audience: Audience,
    booking: Booking | None,
    now: datetime,
    surface: Surface = Surface.API,
) -> Decision:
    """Decide the link of `session` for `audience` (and `booking`, for a client) at `now`."""
    if site.default_account is None:
        return no_link(Reason.DEFAULT_DISCONNECTED)
    if not service.online:
        return no_link(Reason.SERVICE_NOT_ONLINE)
    if session.status is SessionStatus.CANCELLED:
        return no_link(Reason.SESSION_CANCELLED)
    if not is_online(service, session):
        return no_link(Reason.OFFLINE)
    gate = opens_at(site, session)
    if audience is Audience.CLIENT:
        if booking is not None and booking.status is BookingStatus.CANCELLED:
            return no_link(Reason.BOOKING_CANCELLED)
        if surface is Surface.MEMBERS_AREA and not site.settings.members_area_links:
            return no_link(Reason.HIDDEN_FOR_CLIENT)
        if surface is not Surface.API and gate is not None and now < gate:
            return no_link(Reason.NOT_YET_OPEN, opens_at=gate)
    account, source = effective_account(site.default_account, service, session, staff)
    gate_for_answer = gate if audience is Audience.CLIENT else None
    return _link_from_account(account, source, session, audience, booking, gate_for_answer)


class LinkSource(Protocol):
    """An account as the resolver sees it: every kind (`VcAccount`) answers for itself."""

    @property
    def needs_reconnect(self) -> bool:
        """X07: its grant is dead; no link until the site's admin connects it again."""
        ...

    def session_link(
        self, session: Session, audience: Audience, booking: Booking | None
    ) -> AccountLink | None:
        """The link of `session` for `audience` (and `booking`, for a client); None while the
        session's meeting is not there yet (a hosted provider's: made by the pipeline)."""
        ...


def _link_from_account(
    account: LinkSource,
    source: Source,
    session: Session,
    audience: Audience,
    booking: Booking | None,
    gate: datetime | None,
) -> Decision:
    if account.needs_reconnect:
        return no_link(Reason.NEEDS_RECONNECT)
    given = account.session_link(session, audience, booking)
    if given is None:
        return no_link(Reason.PENDING)
    return Link(
        url=given.url,
        kind="join" if audience is Audience.CLIENT else "host",
        provider=given.provider,
        source=source,
        password=given.password,
        description=given.description,
        opens_at=gate,
    )
