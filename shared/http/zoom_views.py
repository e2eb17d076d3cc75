"""oauth_callback's answers from Zoom's users and X11's usage, apart from the other views (its
cold start, issue 14)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.http.zoom_models import HostUsageView, ZoomUsageView, ZoomUsers, ZoomUserView

if TYPE_CHECKING:
    from shared.adapters.zoom.client import ZoomUser
    from shared.services.zoom.usage import ZoomUsage


def zoom_users_view(connection_id: str, users: list[ZoomUser], cursor: str | None) -> ZoomUsers:
    views = [
        ZoomUserView(id=u.id, email=u.email, first_name=u.first_name, last_name=u.last_name, type=u.type)
        for u in users
    ]
    return ZoomUsers(connection_id=connection_id, users=views, next_cursor=cursor)


def zoom_usage_view(usage: ZoomUsage) -> ZoomUsageView:
    hosts = [
        HostUsageView(
            zoom_user_id=h.zoom_user_id,
            email=h.email,
            used_today=h.used_today,
            limit=h.limit,
            waiting=h.waiting,
        )
        for h in usage.hosts
    ]
    return ZoomUsageView(day=usage.day, resets_at=usage.resets_at, hosts=hosts)
