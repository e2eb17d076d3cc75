"""The answers of the link-reading function (resolve_link), in a module of their own: that
function's cold start builds these few models, not every model of the API (issue 14)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.http.models import View


class LinkView(View):
    """The link of a session for one audience, or why there is none."""

    decision: Literal["link", "none"]
    url: str | None = None
    kind: Literal["join", "host"] | None = None
    provider: str | None = None
    source: str | None = None
    password: str | None = None
    description: str | None = None
    opens_at: datetime | None = None
    reason: str | None = None
    detail: str | None = None
    join_url: str | None = Field(
        default=None, description="The stable /v1/j/{token} link to put in emails and pages"
    )


class ReportRow(View):
    session_id: str
    service_id: str
    staff_id: str | None
    start: datetime
    end: datetime
    decision: Literal["link", "none"]
    provider: str | None = None
    source: str | None = None
    url: str | None = None
    open_url: str | None = Field(
        default=None,
        description="A stable link that opens the meeting as its host (Zoom's own host link expires)",
    )
    reason: str | None = None
    staff_join_link: Literal["opened", "never opened"] = Field(
        default="never opened", description="X12: whether the staff member ever opened their join link"
    )
    staff_joined_first_at: datetime | None = Field(default=None, description="X12: their first click")
    staff_joined_last_at: datetime | None = Field(
        default=None, description="X12: their latest click (exact to the minute)"
    )


class Report(View):
    items: list[ReportRow]
    next_cursor: str | None = Field(
        default=None, description="Give it as `cursor` to read the next page; null on the last page"
    )


class Health(View):
    status: Literal["ok"]
    version: str
