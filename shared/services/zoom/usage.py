"""X11: each Zoom host's meeting creates and updates today against Zoom's daily limit, and the
sessions whose meeting work waits for the next UTC day (the counters: shared.adapters.zoom.provider)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shared.adapters.repository import Repository
from shared.adapters.zoom.provider import DAILY_LIMIT as ZOOM_DAILY_LIMIT
from shared.domain.models import MeetingState, Site, ZoomAccount
from shared.domain.work import next_utc_midnight

__all__ = ["ZOOM_DAILY_LIMIT", "HostUsage", "ZoomUsage", "zoom_usage"]


@dataclass(frozen=True)
class HostUsage:
    zoom_user_id: str
    email: str | None
    used_today: int
    limit: int
    waiting: list[str]  # this site's sessions whose meeting work waits for tomorrow


@dataclass(frozen=True)
class ZoomUsage:
    day: str
    resets_at: datetime
    hosts: list[HostUsage]


def zoom_usage(repo: Repository, site: Site, now: datetime, limit: int) -> ZoomUsage:
    """The site's hosts (its default's Zoom user, and each staff member's) and their counters today."""
    hosts: dict[str, str | None] = {}
    for account in [site.default_account, *(staff.account for staff in repo.list_staff(site.site_id))]:
        if isinstance(account, ZoomAccount):
            hosts.setdefault(account.zoom_user_id, account.email)
    day = now.astimezone(UTC).date()
    counters = repo.zoom_usage(sorted(hosts), day)
    rows = []
    for user, email in sorted(hosts.items()):
        used, waiting = counters.get(user, (0, []))
        still = [
            session_id
            for site_id, session_id in waiting
            if site_id == site.site_id and _still_waiting(repo, site_id, session_id)
        ]
        rows.append(HostUsage(user, email, used, limit, still))
    midnight = next_utc_midnight(now).replace(minute=0, second=0, microsecond=0)
    return ZoomUsage(day.isoformat(), midnight, rows)


def _still_waiting(repo: Repository, site_id: str, session_id: str) -> bool:
    session = repo.get_session(site_id, session_id)
    return (
        session is not None
        and session.meeting_state is MeetingState.PENDING
        and session.pending_reason == "zoom_daily_limit"
    )
