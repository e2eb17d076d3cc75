"""Answers of the API made from what the use cases return (the domain never sees these models)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.join_tokens import JoinLinks
from shared.domain.models import (
    Booking,
    SenderStatus,
    Service,
    Session,
    SiteSender,
    SiteSettings,
    Staff,
    VcAccount,
)
from shared.domain.resolver import is_online
from shared.http.models import (
    AccountView,
    BookingView,
    SenderView,
    ServiceView,
    SessionView,
    SettingsView,
    StaffView,
    TemplateView,
)
from shared.services.links import ClicksRead

if TYPE_CHECKING:
    from shared.services.templates import TemplateState


def account_view(account: VcAccount | None) -> AccountView:
    return AccountView(connected=account is not None, account=account)


def settings_view(settings: SiteSettings, sender: SiteSender | None) -> SettingsView:
    verified = sender is not None and sender.status is SenderStatus.VERIFIED
    return SettingsView(
        members_area_links=settings.members_area_links,
        join_window_minutes=settings.join_window_minutes,
        language=settings.language,
        timezone=settings.timezone,
        sender_email=sender.email if sender is not None and verified else None,
        reply_to=settings.reply_to,
        hidden_email_sections=sorted(settings.hidden_email_sections),
        allowed_origins=list(settings.allowed_origins),
        reminder_offsets_minutes=list(settings.reminder_offsets_minutes),
        meeting_check_hours=sorted(settings.meeting_check_hours, reverse=True),
    )


def sender_view(sender: SiteSender, deployment_sender: str) -> SenderView:
    verified = sender.status is SenderStatus.VERIFIED
    return SenderView(
        email=sender.email,
        status=sender.status.value,
        from_address=sender.email if verified else deployment_sender,
    )


def staff_view(staff: Staff) -> StaffView:
    return StaffView(
        staff_id=staff.staff_id, name=staff.name, email=staff.email, has_account=staff.account is not None
    )


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


def template_view(state: TemplateState) -> TemplateView:
    return TemplateView(
        email_type=state.email_type,
        language=state.language,
        show_online_section=state.show_online_section,
        custom=state.custom is not None,
        subject=state.subject,
        body=state.custom.body if state.custom else None,
        warnings=list(state.warnings),
    )
