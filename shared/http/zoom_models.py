"""The answers of oauth_callback's Zoom reads (W07's users, X11's usage), in a module of their
own: that function's cold start builds these few models, not every model of the API (issue 14)."""

from datetime import datetime

from pydantic import Field

from shared.http.models import View


class ZoomUserView(View):
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    type: int | None = Field(
        default=None, description="Zoom's user type: 1 Basic (no registrants), 2 Licensed"
    )


class ZoomUsers(View):
    """W07: the users of an admin-connected Zoom account, to map staff members to."""

    connection_id: str
    users: list[ZoomUserView]
    next_cursor: str | None = Field(
        default=None, description="Give it as `cursor` to read the next page; null on the last page"
    )


class HostUsageView(View):
    zoom_user_id: str
    email: str | None
    used_today: int = Field(description="Meeting creates and updates sent for this host since 00:00 UTC")
    limit: int = Field(description="Zoom's daily limit of meeting creates and updates per host")
    waiting: list[str] = Field(description="Sessions whose meeting work waits for the next UTC day")


class ZoomUsageView(View):
    """X11: each Zoom host's daily quota as vclinks counts it, and the work waiting for tomorrow."""

    day: str
    resets_at: datetime
    hosts: list[HostUsageView]
