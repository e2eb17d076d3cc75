"""What the booking platform tells us: services, sessions, bookings, session and course links.

Each use case checks everything first (no 404 after a write), then stores the change and
the work it implies in one conditional write (shared.adapters.repository), then lets the
pipeline follow up: a session's or booking's own item at once, within one provider call;
a change that spreads (a service toggled, a course link edited) as a fan-out for the
worker. A request therefore does the same few reads and writes whatever the site's size.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.adapters.repository import Repository
from shared.domain.auth import Principal
from shared.domain.errors import InvalidInput, NotFound, PreconditionRequired
from shared.domain.join_tokens import new_secret
from shared.domain.meetings import desired_meeting, in_step
from shared.domain.models import (
    Booking,
    BookingStatus,
    CustomLink,
    LinkChange,
    MeetingSettings,
    MeetingState,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
    Staff,
    with_history,
)
from shared.domain.work import Scope, WorkRef
from shared.services.links import ClicksRead
from shared.services.meetings import QUEUED, Snapshot
from shared.services.worker import Followup


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Sessions:
    """The use cases on services, sessions and bookings, with what they act with."""

    repo: Repository
    followup: Followup

    # -- services --------------------------------------------------------------------------

    def put_service(
        self,
        site: Site,
        service_id: str,
        kind: ServiceKind,
        online: bool,
        name: str | None,
        settings: MeetingSettings | None = None,
    ) -> Service:
        """S02: online is off unless asked; the course link survives an update of the other fields.
        S09: the meeting settings, sent to the provider for the service's sessions."""
        meeting_settings = settings or MeetingSettings()

        def change(current: Service | None) -> Service:
            course_link = current.course_link if current and kind is ServiceKind.COURSE else None
            fields = {
                "kind": kind,
                "online": online,
                "name": name,
                "course_link": course_link,
                "meeting_settings": meeting_settings,
            }
            if current is None:
                return Service(site_id=site.site_id, service_id=service_id, **fields)
            return current.model_copy(update=fields)

        return self._save_service(site, service_id, change)

    def delete_service(self, site: Site, service_id: str) -> None:
        """The service's upcoming sessions lose their meetings (nothing resolves without a service)."""
        fan_out = [WorkRef.sessions(site.site_id, Scope.service(service_id))]
        before, _ = self.repo.update_service(site.site_id, service_id, lambda _: None, work=fan_out)
        if before is None:
            raise NotFound(f"No service '{service_id}'.")
        self.followup.after_write(fan_out)

    def set_course_link(self, site: Site, service_id: str, link: CustomLink | None) -> Service:
        """W09, W10: a course's own link, for all its past and future sessions at once."""
        service = self.require_service(site, service_id)
        if service.kind is not ServiceKind.COURSE:
            raise InvalidInput(
                f"Service '{service_id}' is a {service.kind.value}; only a course has a course link."
            )
        if link is None and service.course_link is None:
            raise NotFound(f"Course '{service_id}' has no course link.")

        def change(current: Service | None) -> Service | None:
            if current is None or current.kind is not ServiceKind.COURSE:
                raise NotFound(f"No course '{service_id}'.")
            if link is None and current.course_link is None:  # checked again on the record written
                raise NotFound(f"Course '{service_id}' has no course link.")
            return current.model_copy(update={"course_link": link})

        return self._save_service(site, service_id, change)

    def require_service(self, site: Site, service_id: str) -> Service:
        service = self.repo.get_service(site.site_id, service_id)
        if service is None:
            raise _no_service(site, service_id)
        return service

    def _save_service(
        self, site: Site, service_id: str, change: Callable[[Service | None], Service | None]
    ) -> Service:
        work = _service_work(site, service_id)
        before, after = self.repo.update_service(site.site_id, service_id, change, work=work)
        assert after is not None
        self.followup.after_write(work(before, after))
        return after

    # -- sessions --------------------------------------------------------------------------

    def put_session(
        self,
        site: Site,
        session_id: str,
        *,
        service_id: str,
        staff_id: str | None,
        start: datetime,
        end: datetime,
        online: bool | None,
    ) -> tuple[Session, Service, bool]:
        """Create, reschedule, reassign or toggle online (W12): the session, its service, whether new."""
        _, _, service, staff = self.repo.load_change_context(site.site_id, session_id, service_id, staff_id)
        if service is None:
            raise _no_service(site, service_id)
        fields = {
            "service_id": service_id,
            "staff_id": staff_id,
            "start": start,
            "end": end,
            "online": online,
            "status": SessionStatus.SCHEDULED,
        }

        def change(current: Session | None) -> Session:
            if current is None:
                session = Session(
                    site_id=site.site_id,
                    session_id=session_id,
                    jitsi_room=f"vclinks-{secrets.token_urlsafe(18)}",
                    staff_join_secret=new_secret(),
                    **fields,
                )
            else:
                update = dict(fields)
                if current.staff_id != staff_id:
                    update["staff_join_secret"] = new_secret()  # the old staff member's link stops working
                session = current.model_copy(update=update)
            return _queued(site, service, staff, session)

        before, after = self.repo.update_session(
            site.site_id, session_id, change, work=_session_work(site, session_id)
        )
        assert after is not None
        return self._follow(site, after, service, staff), service, before is None

    def cancel_session(self, site: Site, session_id: str) -> None:
        def change(current: Session | None) -> Session:
            if current is None:
                raise NotFound(f"No session '{session_id}'.")
            return current.model_copy(update={"status": SessionStatus.CANCELLED})

        _, after = self.repo.update_session(
            site.site_id, session_id, change, work=_session_work(site, session_id)
        )
        assert after is not None
        self.followup.after_write([WorkRef.session(site.site_id, session_id)])

    def get_session(self, site: Site, session_id: str) -> tuple[Session, Service]:
        session = self.repo.get_session(site.site_id, session_id)
        if session is None:
            raise NotFound(f"No session '{session_id}'.")
        return session, self.require_service(site, session.service_id)

    def session_for(self, site: Site, session_id: str, caller: Principal) -> Session:
        session = self.repo.get_session(site.site_id, session_id)
        if session is None:
            raise NotFound(f"No session '{session_id}'.")
        caller.require_admin_or_staff(session.staff_id)
        return session

    def set_session_link(
        self, site: Site, session_id: str, link: CustomLink, caller: Principal
    ) -> tuple[Session, Service]:
        """W11 create/update; W12: adding a link to an in-person session makes it online."""

        def apply(current: Session) -> Session:
            if current.override == link and current.online is not False:
                return current  # the same link again (a retry): nothing to write, nothing to tell
            online = True if current.online is False else current.online
            entry = LinkChange(at=_now(), action="set", link=link)
            return current.model_copy(
                update={"override": link, "online": online, "history": with_history(current.history, entry)}
            )

        return self._link_change(site, session_id, caller, apply)

    def restore_session_link(self, site: Site, session_id: str, caller: Principal) -> tuple[Session, Service]:
        """W11 restore: the session's link comes from its account again, whatever edits came before."""
        session = self.session_for(site, session_id, caller)
        if session.override is None and session.online is not False:
            raise NotFound(f"Session '{session_id}' already has its original link.")

        def apply(current: Session) -> Session:
            if current.override is None and current.online is not False:  # again, on the record written
                raise NotFound(f"Session '{session_id}' already has its original link.")
            online = None if current.online is False else current.online
            entry = LinkChange(at=_now(), action="restore")
            return current.model_copy(
                update={"override": None, "online": online, "history": with_history(current.history, entry)}
            )

        return self._link_change(site, session_id, caller, apply, session)

    def remove_session_link(self, site: Site, session_id: str, caller: Principal) -> tuple[Session, Service]:
        """W11 remove, W12: the session takes place in person; its link is gone until one is added."""

        def apply(current: Session) -> Session:
            if current.override is None and current.online is False:
                return current  # in person already (a retry): nothing to write
            entry = LinkChange(at=_now(), action="remove")
            return current.model_copy(
                update={"override": None, "online": False, "history": with_history(current.history, entry)}
            )

        return self._link_change(site, session_id, caller, apply)

    def _link_change(
        self,
        site: Site,
        session_id: str,
        caller: Principal,
        apply: Callable[[Session], Session],
        checked: Session | None = None,
    ) -> tuple[Session, Service]:
        session = checked or self.session_for(site, session_id, caller)
        staff, service = self.repo.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
        if service is None:
            raise NotFound(f"No service '{session.service_id}' for session '{session_id}'.")

        def change(current: Session | None) -> Session:
            if current is None:
                raise NotFound(f"No session '{session_id}'.")
            caller.require_admin_or_staff(current.staff_id)
            return _queued(site, service, staff, apply(current))

        _, after = self.repo.update_session(
            site.site_id, session_id, change, work=_session_work(site, session_id)
        )
        assert after is not None
        return self._follow(site, after, service, staff), service

    def _follow(self, site: Site, session: Session, service: Service, staff: Staff | None) -> Session:
        """The session's own item, right away; the answer shows the meeting as it then stands."""
        result = self.followup.after_write(
            [WorkRef.session(site.site_id, session.session_id)], Snapshot(site, session, service, staff)
        )
        return result.session if result is not None and result.session is not None else session

    # -- bookings --------------------------------------------------------------------------

    def put_booking(
        self, site: Site, session_id: str, booking_id: str, client_name: str | None, client_email: str | None
    ) -> tuple[Booking, Session, bool]:
        """A client booked into a session. The same call twice, even at once, gives the same link (X01)."""
        session = self.repo.get_session(site.site_id, session_id)
        if session is None:
            raise NotFound(f"No session '{session_id}'.")
        if session.status is SessionStatus.CANCELLED:
            raise PreconditionRequired(f"Session '{session_id}' is cancelled; it takes no bookings.")
        fields = {"client_name": client_name, "client_email": client_email, "status": BookingStatus.ACTIVE}

        def change(current: Booking | None) -> Booking:
            if current is None:
                return Booking(
                    site_id=site.site_id,
                    session_id=session_id,
                    booking_id=booking_id,
                    join_secret=new_secret(),
                    **fields,
                )
            return current.model_copy(update=fields)

        ref = WorkRef.booking(site.site_id, session_id, booking_id)
        before, after = self.repo.update_booking(site.site_id, session_id, booking_id, change, work=[ref])
        assert after is not None
        if before != after:
            self.followup.after_write([ref])
        return after, session, before is None

    def cancel_booking(self, site: Site, session_id: str, booking_id: str) -> None:
        """The booking's join link stops working at once (X01: revoked by the data)."""

        def change(current: Booking | None) -> Booking:
            if current is None:
                raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
            return current.model_copy(update={"status": BookingStatus.CANCELLED})

        ref = WorkRef.booking(site.site_id, session_id, booking_id)
        before, after = self.repo.update_booking(site.site_id, session_id, booking_id, change, work=[ref])
        if before != after:
            self.followup.after_write([ref])

    def get_booking(
        self, site: Site, session_id: str, booking_id: str
    ) -> tuple[Booking, Session, ClicksRead]:
        """The booking, its session and (X12) its join link's clicks, in one BatchGetItem."""
        context = self.repo.load_link_context(site.site_id, session_id, booking_id, clicks=True)
        if context.booking is None or context.session is None:
            raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
        return context.booking, context.session, ClicksRead(context.clicks)


def _no_service(site: Site, service_id: str) -> NotFound:
    return NotFound(
        f"No service '{service_id}'; declare it with PUT /v1/sites/{site.site_id}/services/{service_id}."
    )


def _queued(site: Site, service: Service, staff: Staff | None, session: Session) -> Session:
    """The session as stored by the request: `pending: queued` when its meeting must change."""
    if in_step(desired_meeting(site, service, session, staff), session.meeting):
        return session
    return session.model_copy(update={"meeting_state": MeetingState.PENDING, "pending_reason": QUEUED})


def _session_work(site: Site, session_id: str) -> Callable[[Session | None, Session | None], list[WorkRef]]:
    return lambda before, after: [WorkRef.session(site.site_id, session_id)]


def _service_work(site: Site, service_id: str) -> Callable[[Service | None, Service | None], list[WorkRef]]:
    """A service's sessions are affected when it goes online or offline, or its course link changes."""

    def work(before: Service | None, after: Service | None) -> list[WorkRef]:
        if before is None or after is None:
            return []
        if (before.online, before.course_link, before.kind, before.meeting_settings) == (
            after.online,
            after.course_link,
            after.kind,
            after.meeting_settings,  # S09: the upcoming meetings are updated
        ):
            return []
        return [WorkRef.sessions(site.site_id, Scope.service(service_id))]

    return work
