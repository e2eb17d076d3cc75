"""Answers of the accounts function made from what the use cases return (the domain never sees
these models)."""

from __future__ import annotations

from shared.domain.models import SenderStatus, SiteSender, SiteSettings, Staff, VcAccount
from shared.http.account_models import AccountView, SenderView, SettingsView, StaffView


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
