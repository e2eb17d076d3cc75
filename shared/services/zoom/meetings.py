"""Zoom meetings kept in step with sessions: desired state against actual, reconciled.

Desired: the session is scheduled and online, its service online, the site's default
connected, and its effective account (resolver.effective_account) is a connected Zoom
user -> one meeting under that user with the session's times (registration on for a
group class, S03). Actual: the meeting reference stored on the session.

- none -> wanted: create (once: a lease per session; before creating, the session is
  marked `pending: creating`, and a retry first looks for a meeting carrying the
  session's marker in its agenda, so a lost answer never makes a duplicate);
- times changed: PATCH (the link stays); 404/3001 -> recreate;
- host changed: delete under the old connection, create under the new;
- no longer wanted (cancelled, in person, custom link, another provider): DELETE.

Before each Zoom call the session is marked `pending` (creating, updating, deleting,
moving_host), so even a process killed between Zoom's answer and our write leaves the
work listed. Any failure leaves it `pending` with the reason; the next hook on the
session, or the sweep (every few minutes, over the sparse index of pending sessions),
finishes it. A pending session keeps its meeting reference, so its links keep working.
Always act with the connection that created the meeting.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from shared.adapters.repository import Store
from shared.adapters.zoom.errors import ZoomNotFound
from shared.domain.errors import VclinksError, ZoomNeedsReconnect, ZoomRateLimited, ZoomUnavailable
from shared.domain.models import (
    Booking,
    BookingStatus,
    ConnectionStatus,
    MeetingRef,
    MeetingState,
    Registrant,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
    Staff,
    ZoomAccount,
)
from shared.domain.resolver import effective_account, is_online
from shared.services.sessions import update_session
from shared.services.zoom.connections import ZoomConnection, get_connection

if TYPE_CHECKING:
    from shared.adapters.zoom.client import MeetingSpec, ZoomClient, ZoomMeeting
    from shared.adapters.zoom.tokens import TokenProvider

logger = Logger(service="vclinks")
LEASE_SECONDS = 60
ROUNDS = 3


@dataclass(frozen=True)
class Desired:
    connection_id: str
    host_user_id: str
    start: datetime
    duration_minutes: int
    registration: bool
    topic: str


def marker(session: Session) -> str:
    return f"vclinks:{session.site_id}:{session.session_id}"


def desired_meeting(
    site: Site, service: Service | None, session: Session, staff: Staff | None
) -> Desired | None:
    """The meeting a session should have, or None. Pure."""
    if site.default_account is None or service is None or not service.online:
        return None
    if session.status is SessionStatus.CANCELLED or not is_online(service, session):
        return None
    account, _ = effective_account(site.default_account, service, session, staff)
    if not isinstance(account, ZoomAccount):
        return None
    minutes = max(1, round((session.end - session.start).total_seconds() / 60))
    return Desired(
        connection_id=account.connection_id,
        host_user_id=account.zoom_user_id,
        start=session.start,
        duration_minutes=minutes,
        registration=service.kind is ServiceKind.CLASS,
        topic=(service.name or "Online session")[:200],
    )


def _same_host(desired: Desired, actual: MeetingRef) -> bool:
    return (desired.connection_id, desired.host_user_id) == (actual.connection_id, actual.host_user_id)


def _same_times(desired: Desired, actual: MeetingRef) -> bool:
    return actual.start == desired.start and actual.duration_minutes == desired.duration_minutes


class MeetingReconciler:
    """Brings one session's Zoom meeting (and its registrants) in line with the session."""

    def __init__(
        self, store: Store, zoom: ZoomClient, tokens: TokenProvider, clock: Callable[[], float]
    ) -> None:
        self.store = store
        self.zoom = zoom
        self.tokens = tokens
        self.clock = clock

    # -- entry points ----------------------------------------------------------------------

    def reconcile(self, site_id: str, session_id: str) -> Session | None:
        """Reconcile until the session stops changing under us (bounded). None: someone else holds it."""
        lease = f"LEASE#meeting#{site_id}#{session_id}"
        owner = uuid.uuid4().hex
        if not self.store.take_lease(lease, owner, LEASE_SECONDS, self.clock()):
            return None
        try:
            session = None
            for _ in range(ROUNDS):
                session, settled = self._round(site_id, session_id)
                if settled:
                    break
            return session
        finally:
            self.store.release_lease(lease, owner)

    def sync_booking(self, site_id: str, session: Session, booking: Booking) -> None:
        """S03: one registrant per active booking of a class meeting; cancelled with the booking."""
        meeting = session.meeting
        if meeting is None or not meeting.registration or session.meeting_state is not MeetingState.READY:
            return
        connection = get_connection(self.store, site_id, meeting.connection_id)
        if connection is None:
            return
        self._sync_registrant(connection, meeting, booking)

    # -- one round -------------------------------------------------------------------------

    def _round(self, site_id: str, session_id: str) -> tuple[Session | None, bool]:
        site = self.store.get_site(site_id)
        session = self.store.get_session(site_id, session_id)
        if site is None or session is None:
            return session, True
        staff, service = self.store.load_staff_and_service(site_id, session.staff_id, session.service_id)
        desired = desired_meeting(site, service, session, staff)
        try:
            outcome = self._act(site, session, desired)
        except VclinksError as error:
            return self._record(session, None, pending=_reason(error)), True
        updated = self._record(session, outcome, pending=None)
        if updated.meeting and updated.meeting.registration:
            self._sync_registrants(site_id, updated)
        return updated, _drivers(updated) == _drivers(session)

    def _act(self, site: Site, session: Session, desired: Desired | None) -> MeetingRef | None:
        actual = session.meeting
        if desired is None:
            if actual is not None:
                self._mark_pending(session, "deleting")
                self._delete(site.site_id, actual)
            return None
        if actual is not None and not _same_host(desired, actual):
            self._mark_pending(session, "moving_host")
            self._delete(site.site_id, actual)
            actual = None
        connection = self._connection(site.site_id, desired.connection_id)
        if actual is None:
            return self._create(connection, session, desired)
        if _same_times(desired, actual):
            return actual
        self._mark_pending(session, "updating")
        try:
            self._call(
                connection,
                lambda token: self.zoom.update_meeting(
                    token, actual.meeting_id, self._spec(session, desired)
                ),
            )
        except ZoomNotFound:
            return self._create(connection, session, desired)  # deleted at Zoom: recreate
        return actual.model_copy(
            update={"start": desired.start, "duration_minutes": desired.duration_minutes}
        )

    def _create(self, connection: ZoomConnection, session: Session, desired: Desired) -> MeetingRef:
        if session.meeting_state is MeetingState.PENDING and session.meeting is None:
            found = self._find_lost(connection, session, desired)
            if found is not None:
                return found
        self._mark_pending(session, "creating")
        spec = self._spec(session, desired)
        meeting = self._call(
            connection, lambda token: self.zoom.create_meeting(token, desired.host_user_id, spec)
        )
        return self._ref(connection, desired, meeting)

    def _find_lost(self, connection: ZoomConnection, session: Session, desired: Desired) -> MeetingRef | None:
        """A create whose answer was lost: adopt the meeting that carries this session's marker."""
        meetings = self._call(connection, lambda token: self.zoom.list_meetings(token, desired.host_user_id))
        for meeting in meetings:
            if (meeting.agenda or "").strip() == marker(session):
                full = self._call(connection, partial(self.zoom.get_meeting, meeting_id=meeting.id))
                logger.info(
                    "adopted a meeting whose create answer was lost", extra={"session_id": session.session_id}
                )
                return self._ref(connection, desired, full)
        return None

    def _delete(self, site_id: str, actual: MeetingRef) -> None:
        connection = get_connection(self.store, site_id, actual.connection_id)
        if connection is None or connection.status is ConnectionStatus.NEEDS_RECONNECT:
            return  # the grant is gone: nothing left to act with; forget the reference
        with contextlib.suppress(ZoomNotFound):  # already gone at Zoom
            self._call(connection, lambda token: self.zoom.delete_meeting(token, actual.meeting_id))

    # -- registrants -----------------------------------------------------------------------

    def _sync_registrants(self, site_id: str, session: Session) -> None:
        meeting = session.meeting
        assert meeting is not None
        connection = get_connection(self.store, site_id, meeting.connection_id)
        if connection is None:
            return
        for booking in self.store.list_bookings(site_id, session.session_id):
            try:
                self._sync_registrant(connection, meeting, booking)
            except VclinksError as error:
                logger.warning("registrant not synced; retried later", extra={"problem": error.slug})

    def _sync_registrant(self, connection: ZoomConnection, meeting: MeetingRef, booking: Booking) -> None:
        current = (
            booking.registrant
            if booking.registrant and booking.registrant.meeting_id == meeting.meeting_id
            else None
        )
        if booking.status is BookingStatus.ACTIVE and current is None and booking.client_email:
            first, _, last = (booking.client_name or "Client").partition(" ")
            registrant = self._call(
                connection,
                lambda token: self.zoom.add_registrant(
                    token, meeting.meeting_id, booking.client_email or "", first, last
                ),
            )
            registered = Registrant(
                registrant_id=registrant.registrant_id,
                join_url=registrant.join_url,
                meeting_id=meeting.meeting_id,
            )
            self._save_registrant(booking, registered)
        elif booking.status is BookingStatus.CANCELLED and current is not None:
            pair = [(current.registrant_id, booking.client_email or "")]
            with contextlib.suppress(ZoomNotFound):
                self._call(
                    connection, lambda token: self.zoom.cancel_registrants(token, meeting.meeting_id, pair)
                )
            self._save_registrant(booking, None)

    def _save_registrant(self, booking: Booking, registrant: Registrant | None) -> None:
        latest = self.store.get_booking(booking.site_id, booking.session_id, booking.booking_id) or booking
        self.store.save_booking(latest.model_copy(update={"registrant": registrant}))

    # -- helpers ---------------------------------------------------------------------------

    def _connection(self, site_id: str, connection_id: str) -> ZoomConnection:
        connection = get_connection(self.store, site_id, connection_id)
        if connection is None:
            raise ZoomNeedsReconnect("The Zoom connection of this account is gone; connect Zoom again.")
        return connection

    def _call(self, connection: ZoomConnection, action: Callable[[str], Any]) -> Any:
        return self.tokens.call(connection, action)

    def _spec(self, session: Session, desired: Desired) -> MeetingSpec:
        from shared.adapters.zoom.client import MeetingSpec

        return MeetingSpec(
            topic=desired.topic,
            start_time=desired.start,
            duration_minutes=desired.duration_minutes,
            timezone="UTC",
            agenda=marker(session),
            registration=desired.registration,
        )

    def _ref(self, connection: ZoomConnection, desired: Desired, meeting: ZoomMeeting) -> MeetingRef:
        return MeetingRef(
            meeting_id=str(meeting.id),
            connection_id=connection.connection_id,
            host_user_id=desired.host_user_id,
            join_url=meeting.join_url,
            start_url=meeting.start_url,
            password=meeting.password or None,
            start_url_at=datetime.fromtimestamp(self.clock(), UTC),
            start=desired.start,
            duration_minutes=desired.duration_minutes,
            registration=desired.registration,
        )

    def _mark_pending(self, session: Session, reason: str) -> None:
        """Before Zoom is called: if this process dies mid-call, the sweep finds the work (gsi2)."""
        self._record(session, None, pending=reason)

    def _record(self, read: Session, meeting: MeetingRef | None, *, pending: str | None) -> Session:
        """Store the outcome: the meeting reference, or `pending` with why (the reference is kept)."""

        def apply(current: Session) -> Session:
            if pending is not None:
                return current.model_copy(
                    update={"meeting_state": MeetingState.PENDING, "pending_reason": pending}
                )
            state = MeetingState.READY if meeting is not None else MeetingState.NONE
            return current.model_copy(
                update={"meeting": meeting, "meeting_state": state, "pending_reason": None}
            )

        _, after = update_session(self.store, read.site_id, read.session_id, apply)
        if meeting is not None and pending is None:
            index = {
                "pk": f"MEETING#{meeting.meeting_id}",
                "sk": "MEETING",
                "site_id": read.site_id,
                "session_id": read.session_id,
            }
            self.store.put_raw(self.store.links, index)  # meeting.deleted webhooks find the session by it
        return after


def _drivers(session: Session) -> tuple[Any, ...]:
    """The session fields the desired meeting depends on: if they moved meanwhile, go round again."""
    return (
        session.service_id,
        session.staff_id,
        session.start,
        session.end,
        session.online,
        session.status,
        session.override,
    )


def _reason(error: VclinksError) -> str:
    if isinstance(error, ZoomRateLimited):
        return "zoom_daily_limit" if error.extra.get("daily_limit") else "zoom_rate_limited"
    if isinstance(error, ZoomNeedsReconnect):
        return "needs_reconnect"
    if isinstance(error, ZoomUnavailable):
        return "zoom_unavailable"
    if isinstance(error, ZoomNotFound):
        return "zoom_user_not_found"
    return f"zoom_error:{error.slug}"
