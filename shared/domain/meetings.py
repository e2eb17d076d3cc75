"""Which provider meeting a session should have (desired state), as a pure rule.

Desired: the session is scheduled, online and not over, its service online, the site's
default connected, and its effective account (resolver.effective_account) is a Zoom, Google or
Microsoft user (a hosted account) -> one meeting under that user with the session's times
and the service's meeting settings (S09); registration on for a group class (S03) unless the
host is a Basic Zoom user, who can take no registrants (the clients then share the meeting's
join link; Meet and Teams take none either). An account that needs its admin first (a dead
grant, a user Zoom deactivated) blocks the meeting work and says why.
Actual: the meeting reference stored on the session. The reconciler
(shared.services.meetings) brings actual to desired, and leaves a session that has ended alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.meeting_settings import applied_part, settled
from shared.domain.models import (
    HostedProvider,
    MeetingRef,
    MeetingSettings,
    ProviderAccount,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
    Staff,
    ZoomAccount,
)
from shared.domain.resolver import effective_account, is_online


@dataclass(frozen=True)
class Desired:
    connection_id: str
    host_user_id: str
    start: datetime
    duration_minutes: int
    registration: bool
    topic: str
    settings: MeetingSettings = field(default_factory=MeetingSettings)
    blocked: str | None = None  # why the account needs its admin first (nothing is done meanwhile)
    provider: HostedProvider = "zoom"


def marker(session: Session) -> str:
    """Written into the meeting's agenda, so a create whose answer was lost can be found again."""
    return f"vclinks:{session.site_id}:{session.session_id}"


def desired_meeting(
    site: Site, service: Service | None, session: Session, staff: Staff | None
) -> Desired | None:
    """The meeting `session` should have, or None (a site being deleted wants none)."""
    if site.deleted_at is not None:
        return None
    if site.default_account is None or service is None or not service.online:
        return None
    if session.status is SessionStatus.CANCELLED or not is_online(service, session):
        return None
    account, _ = effective_account(site.default_account, service, session, staff)
    if not isinstance(account, ZoomAccount | ProviderAccount):
        return None
    minutes = max(1, round((session.end - session.start).total_seconds() / 60))
    blocked = None
    if account.needs_reconnect:
        blocked = account.problem or "needs_reconnect"
    return Desired(
        connection_id=account.connection_id,
        host_user_id=account.host_user_id,
        start=session.start,
        duration_minutes=minutes,
        registration=service.kind is ServiceKind.CLASS and account.takes_registrants,  # S03
        topic=(service.name or "Online session")[:200],
        settings=service.meeting_settings,
        blocked=blocked,
        provider=account.provider,
    )


def same_host(desired: Desired, actual: MeetingRef) -> bool:
    return (desired.provider, desired.connection_id, desired.host_user_id) == (
        actual.provider,
        actual.connection_id,
        actual.host_user_id,
    )


def same_times(desired: Desired, actual: MeetingRef) -> bool:
    return actual.start == desired.start and actual.duration_minutes == desired.duration_minutes


def same_setup(desired: Desired, actual: MeetingRef) -> bool:
    """Registration (S03) and the service's meeting settings (S09) as the meeting was last given them
    (the provider's own part: a Teams setting changed costs a Zoom or Meet meeting nothing)."""
    wanted = settled(actual.settings, desired.settings)  # a clear with no default to send: kept
    return actual.registration == desired.registration and applied_part(
        desired.provider, actual.settings
    ) == applied_part(desired.provider, wanted)


def in_step(desired: Desired | None, actual: MeetingRef | None) -> bool:
    """Whether the stored meeting already is what the session wants (nothing to do at the provider)."""
    if desired is None or actual is None:
        return desired is None and actual is None
    return same_host(desired, actual) and same_times(desired, actual) and same_setup(desired, actual)
