"""Fresh host links (S04, S07): Zoom's `start_url` expires 2 hours after it is read, so a
staff member's stable join link whose stored host link is older is sent here first, and
the meeting is read again (one GET /meetings/{id}) before the redirect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.errors import ZoomNotFound
from shared.adapters.zoom.tokens import TokenProvider
from shared.domain.errors import VclinksError, ZoomNeedsReconnect
from shared.domain.join_tokens import JoinLinks
from shared.domain.models import Language
from shared.domain.resolver import NoLink, Reason, no_link
from shared.domain.work import WorkRef
from shared.services import links
from shared.services.zoom.webhooks import forget_deleted_meeting

logger = Logger(service="vclinks")


@dataclass(frozen=True)
class HostLink:
    """Where to send the staff member: a URL, or a page with the reason (None: unknown link)."""

    url: str | None
    page: NoLink | None
    timezone: str
    language: Language = Language.EN  # the site's: the page speaks it (X06)
    work: list[WorkRef] = field(default_factory=list)  # a meeting found gone leaves its session's item


def fresh_host_link(
    repo: Repository, join: JoinLinks, zoom: ZoomClient, tokens: TokenProvider, token: str
) -> HostLink | None:
    outcome = links.join(repo, join, token)
    if outcome.decision is None or outcome.site is None or outcome.session is None:
        return None
    timezone, language = outcome.site.settings.timezone, outcome.site.settings.language
    if isinstance(outcome.decision, NoLink):
        return HostLink(None, outcome.decision, timezone, language)
    if not links.host_link_is_stale(outcome):
        return HostLink(outcome.decision.url, None, timezone, language)
    session = outcome.session
    meeting = session.meeting
    assert meeting is not None
    connection = repo.get_connection(session.site_id, meeting.connection_id)
    if connection is None:
        return HostLink(None, no_link(Reason.NEEDS_RECONNECT), timezone, language)
    try:
        fresh = tokens.call(connection, partial(zoom.get_meeting, meeting_id=meeting.meeting_id))
    except ZoomNotFound:  # deleted at Zoom meanwhile, as if Zoom had told us: the worker makes a new one
        work = forget_deleted_meeting(repo, meeting.meeting_id)
        return HostLink(None, no_link(Reason.PENDING), timezone, language, [work] if work else [])
    except ZoomNeedsReconnect:
        return HostLink(None, no_link(Reason.NEEDS_RECONNECT), timezone, language)
    except VclinksError as failure:  # Zoom unavailable: the stored link may still open it
        logger.warning("host link not refreshed", extra={"problem": failure.slug})
        return HostLink(outcome.decision.url, None, timezone, language)
    repo.store_start_url(session, fresh.start_url, datetime.now(UTC))
    return HostLink(fresh.start_url, None, timezone, language)
