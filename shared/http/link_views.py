"""The answers of the link-reading function (resolve_link) from domain records, apart from the
other views: its cold start imports these and their few models only (issue 14)."""

from __future__ import annotations

from typing import Any

from shared.adapters.repository import JoinClicks
from shared.domain.join_tokens import JoinLinks
from shared.domain.resolver import Decision, Link
from shared.http.link_models import LinkView, Report, ReportRow
from shared.services.links import ReportPage


def link_view(decision: Decision, join_url: str | None) -> LinkView:
    if isinstance(decision, Link):
        return LinkView(
            decision="link",
            url=decision.url,
            kind=decision.kind,
            provider=decision.provider,
            source=decision.source.value,
            password=decision.password,
            description=decision.description,
            opens_at=decision.opens_at,
            join_url=join_url,
        )
    return LinkView(
        decision="none",
        reason=decision.reason.value,
        detail=decision.detail,
        opens_at=decision.opens_at,
        join_url=join_url,
    )


def _staff_clicks(clicks: JoinClicks | None) -> dict[str, Any]:
    if clicks is None:
        return {"staff_join_link": "never opened"}
    return {
        "staff_join_link": "opened",
        "staff_joined_first_at": clicks.first_at,
        "staff_joined_last_at": clicks.last_at,
    }


def report_view(page: ReportPage, links: JoinLinks) -> Report:
    rows = []
    for entry in page.entries:
        session, decision = entry.session, entry.decision
        base = {
            "session_id": session.session_id,
            "service_id": session.service_id,
            "staff_id": session.staff_id,
            "start": session.start,
            "end": session.end,
            **_staff_clicks(entry.staff_clicks),
        }
        if isinstance(decision, Link):
            rows.append(
                ReportRow(
                    **base,
                    decision="link",
                    provider=decision.provider,
                    source=decision.source.value,
                    url=decision.url,
                    open_url=links.staff(session),
                )
            )
        else:
            rows.append(ReportRow(**base, decision="none", reason=decision.reason.value))
    return Report(items=rows, next_cursor=page.cursor)
