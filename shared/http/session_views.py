"""Answers of session_hooks made from what the use cases return."""

from __future__ import annotations

from shared.domain.join_tokens import JoinLinks
from shared.domain.models import Booking, Service, Session
from shared.domain.resolver import is_online
from shared.http.session_models import BookingView, ServiceView, SessionView
from shared.services.links import ClicksRead


def service_view(service: Service) -> ServiceView:
    return ServiceView(
        service_id=service.service_id,
        kind=service.kind,
        online=service.online,
        name=service.name,
        course_link=service.course_link,
        meeting_settings=service.meeting_settings,
    )


def session_view(session: Session, service: Service, links: JoinLinks) -> SessionView:
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
        staff_join_url=links.staff(session),
        last_check=session.check,
    )


def booking_view(
    booking: Booking,
    links: JoinLinks,
    session: Session | None = None,
    clicks: ClicksRead | None = None,
) -> BookingView:
    """`clicks`: the join link's clicks as read (X12); None when they were not read."""
    joined = clicks.joined if clicks is not None else None
    return BookingView(
        booking_id=booking.booking_id,
        session_id=booking.session_id,
        status=booking.status.value,
        join_url=links.client(booking, session),
        client_name=booking.client_name,
        client_email=booking.client_email,
        email_problem=booking.email_problem,
        join_link=None if clicks is None else "opened" if joined else "never opened",
        joined_first_at=joined.first_at if joined else None,
        joined_last_at=joined.last_at if joined else None,
    )
