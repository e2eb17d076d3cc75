"""What the booking platform tells us: services, sessions, bookings, session and course links.

Every session change is a read-modify-write guarded by the session's version; a lost race
is retried on fresh data. After a change, `follow_up` keeps the outside world in step
(Zoom meetings, change emails); its failures leave the session `pending`, never lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from shared.adapters.join_key import get_join_key
from shared.adapters.repository import Store
from shared.domain.auth import Principal
from shared.domain.errors import Conflict, InvalidInput, NotFound, PreconditionRequired
from shared.domain.join_tokens import client_token, join_url, new_secret, staff_token
from shared.domain.models import (
    Booking,
    BookingStatus,
    LinkChange,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
)
from shared.domain.resolver import is_online
from shared.http.models import (
    BookingInput,
    BookingView,
    CustomLinkInput,
    ServiceInput,
    ServiceView,
    SessionInput,
    SessionView,
)
from shared.services import follow_up

WRITE_ATTEMPTS = 4
HISTORY_LIMIT = 50


def _now() -> datetime:
    return datetime.now(UTC)


# -- services -----------------------------------------------------------------------------


def service_view(service: Service) -> ServiceView:
    return ServiceView(
        service_id=service.service_id,
        kind=service.kind,
        online=service.online,
        name=service.name,
        course_link=service.course_link,
    )


def put_service(store: Store, site: Site, service_id: str, body: ServiceInput) -> ServiceView:
    """S02: online is off unless asked; the course link survives an update of the other fields."""
    existing = store.get_service(site.site_id, service_id)
    course_link = existing.course_link if existing and body.kind is ServiceKind.COURSE else None
    service = Service(
        site_id=site.site_id,
        service_id=service_id,
        kind=body.kind,
        online=body.online,
        name=body.name,
        course_link=course_link,
    )
    store.save_service(service)
    if existing is not None and existing.online != service.online:
        for session in store.list_sessions_of_service(site.site_id, service_id):
            follow_up.session_changed(store, site, session, session, service_before=existing)
    return service_view(service)


def delete_service(store: Store, site: Site, service_id: str) -> None:
    if not store.delete_service(site.site_id, service_id):
        raise NotFound(f"No service '{service_id}'.")


def require_service(store: Store, site: Site, service_id: str) -> Service:
    service = store.get_service(site.site_id, service_id)
    if service is None:
        raise NotFound(
            f"No service '{service_id}'; declare it with PUT /v1/sites/{site.site_id}/services/{service_id}."
        )
    return service


def set_course_link(store: Store, site: Site, service_id: str, body: CustomLinkInput | None) -> ServiceView:
    """W09, W10: a course's own link, for all its past and future sessions at once."""
    service = require_service(store, site, service_id)
    if service.kind is not ServiceKind.COURSE:
        raise InvalidInput(
            f"Service '{service_id}' is a {service.kind.value}; only a course has a course link."
        )
    if body is None and service.course_link is None:
        raise NotFound(f"Course '{service_id}' has no course link.")
    updated = service.model_copy(update={"course_link": body.to_record() if body else None})
    store.save_service(updated)
    for session in store.list_sessions_of_service(site.site_id, service_id):
        follow_up.session_changed(store, site, session, session, service_before=service)
    return service_view(updated)


# -- sessions -----------------------------------------------------------------------------


def session_view(session: Session, service: Service, base_url: str) -> SessionView:
    return SessionView(
        session_id=session.session_id,
        service_id=session.service_id,
        staff_id=session.staff_id,
        start=session.start,
        end=session.end,
        online=is_online(service, session),
        status=session.status.value,
        has_custom_link=session.override is not None,
        meeting_state=session.meeting_state.value,
        pending_reason=session.pending_reason,
        staff_join_url=join_url(base_url, staff_token(session, get_join_key())),
    )


def update_session(
    store: Store,
    site_id: str,
    session_id: str,
    change: Callable[[Session], Session],
) -> tuple[Session, Session]:
    """Apply `change` to the stored session under optimistic locking; returns (before, after)."""
    for _ in range(WRITE_ATTEMPTS):
        before = store.get_session(site_id, session_id)
        if before is None:
            raise NotFound(f"No session '{session_id}'.")
        try:
            return before, store.save_session(change(before))
        except Conflict:
            continue
    raise Conflict("The session keeps changing; try again.", retryable=True)


def put_session(
    store: Store, site: Site, session_id: str, body: SessionInput, base_url: str
) -> tuple[SessionView, bool]:
    """Create, reschedule, reassign or toggle online (W12). Returns the view and whether it was created."""
    service = require_service(store, site, body.service_id)
    fields = {
        "service_id": body.service_id,
        "staff_id": body.staff_id,
        "start": body.start,
        "end": body.end,
        "online": body.online,
        "status": SessionStatus.SCHEDULED,
    }
    if store.get_session(site.site_id, session_id) is None:
        session = Session(
            site_id=site.site_id,
            session_id=session_id,
            jitsi_room=f"vclinks-{secrets.token_urlsafe(18)}",
            staff_join_secret=new_secret(),
            **fields,
        )
        try:
            saved = store.save_session(session)
        except Conflict:
            saved = None  # created meanwhile by a retried call: fall through to an update
        if saved is not None:
            follow_up.session_changed(store, site, None, saved)
            return session_view(_latest(store, saved), service, base_url), True

    def apply(current: Session) -> Session:
        update = dict(fields)
        if current.staff_id != body.staff_id:
            update["staff_join_secret"] = new_secret()  # the old staff member's link stops working
        return current.model_copy(update=update)

    before, after = update_session(store, site.site_id, session_id, apply)
    follow_up.session_changed(store, site, before, after)
    return session_view(_latest(store, after), service, base_url), False


def _latest(store: Store, session: Session) -> Session:
    """The session as the follow-up steps left it (meeting ready, or pending and why)."""
    return store.get_session(session.site_id, session.session_id) or session


def cancel_session(store: Store, site: Site, session_id: str) -> None:
    before, after = update_session(
        store, site.site_id, session_id, lambda s: s.model_copy(update={"status": SessionStatus.CANCELLED})
    )
    follow_up.session_changed(store, site, before, after)


def _with_history(session: Session, change: LinkChange) -> tuple[LinkChange, ...]:
    return (*session.history, change)[-HISTORY_LIMIT:]


def session_for_staff(store: Store, site: Site, session_id: str, caller: Principal) -> Session:
    session = store.get_session(site.site_id, session_id)
    if session is None:
        raise NotFound(f"No session '{session_id}'.")
    caller.require_admin_or_staff(session.staff_id)
    return session


def set_session_link(
    store: Store, site: Site, session_id: str, body: CustomLinkInput, caller: Principal, base_url: str
) -> SessionView:
    """W11 create/update; W12: adding a link to an in-person session makes it online."""
    session_for_staff(store, site, session_id, caller)
    link = body.to_record()

    def apply(current: Session) -> Session:
        entry = LinkChange(at=_now(), action="set", link=link)
        online = True if current.online is False else current.online
        return current.model_copy(
            update={"override": link, "online": online, "history": _with_history(current, entry)}
        )

    return _link_change(store, site, session_id, apply, base_url)


def restore_session_link(
    store: Store, site: Site, session_id: str, caller: Principal, base_url: str
) -> SessionView:
    """W11 restore: the session's link comes from its account again, whatever edits came before."""
    session = session_for_staff(store, site, session_id, caller)
    if session.override is None and session.online is not False:
        raise NotFound(f"Session '{session_id}' already has its original link.")

    def apply(current: Session) -> Session:
        entry = LinkChange(at=_now(), action="restore")
        online = None if current.online is False else current.online
        return current.model_copy(
            update={"override": None, "online": online, "history": _with_history(current, entry)}
        )

    return _link_change(store, site, session_id, apply, base_url)


def remove_session_link(
    store: Store, site: Site, session_id: str, caller: Principal, base_url: str
) -> SessionView:
    """W11 remove, W12: the session takes place in person; its link is gone until one is added."""
    session_for_staff(store, site, session_id, caller)

    def apply(current: Session) -> Session:
        entry = LinkChange(at=_now(), action="remove")
        return current.model_copy(
            update={"override": None, "online": False, "history": _with_history(current, entry)}
        )

    return _link_change(store, site, session_id, apply, base_url)


def _link_change(
    store: Store, site: Site, session_id: str, apply: Callable[[Session], Session], base_url: str
) -> SessionView:
    before, after = update_session(store, site.site_id, session_id, apply)
    service = require_service(store, site, after.service_id)
    follow_up.session_changed(store, site, before, after)
    return session_view(after, service, base_url)


# -- bookings -----------------------------------------------------------------------------


def booking_view(booking: Booking, session: Session, base_url: str) -> BookingView:
    return BookingView(
        booking_id=booking.booking_id,
        session_id=booking.session_id,
        status=booking.status.value,
        join_url=join_url(base_url, client_token(booking, get_join_key(), session)),
    )


def put_booking(
    store: Store, site: Site, session_id: str, booking_id: str, body: BookingInput, base_url: str
) -> tuple[BookingView, bool]:
    """A client booked into a session. The answer carries the client's stable join link (X01)."""
    session = store.get_session(site.site_id, session_id)
    if session is None:
        raise NotFound(f"No session '{session_id}'.")
    if session.status is SessionStatus.CANCELLED:
        raise PreconditionRequired(f"Session '{session_id}' is cancelled; it takes no bookings.")
    existing = store.get_booking(site.site_id, session_id, booking_id)
    booking = (
        existing
        or Booking(
            site_id=site.site_id, session_id=session_id, booking_id=booking_id, join_secret=new_secret()
        )
    ).model_copy(
        update={
            "client_name": body.client_name,
            "client_email": body.client_email,
            "status": BookingStatus.ACTIVE,
        }
    )
    store.save_booking(booking)
    follow_up.booking_changed(store, site, session, existing, booking)
    return booking_view(booking, session, base_url), existing is None


def cancel_booking(store: Store, site: Site, session_id: str, booking_id: str) -> None:
    """The booking's join link stops working at once (X01: revoked by the data)."""
    booking = store.get_booking(site.site_id, session_id, booking_id)
    if booking is None:
        raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
    cancelled = booking.model_copy(update={"status": BookingStatus.CANCELLED})
    store.save_booking(cancelled)
    session = store.get_session(site.site_id, session_id)
    if session is not None:
        follow_up.booking_changed(store, site, session, booking, cancelled)
