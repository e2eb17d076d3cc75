"""Fresh host links (S04, S07): Zoom's `start_url` expires 2 hours after it is read, so a
staff member's stable join link whose stored host link is older is sent here first, and
the meeting is read again (one GET /meetings/{id}) before the redirect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from aws_lambda_powertools import Logger

from shared.adapters.repository import Store
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.errors import ZoomNotFound
from shared.adapters.zoom.tokens import TokenProvider
from shared.domain.errors import VclinksError, ZoomNeedsReconnect
from shared.domain.models import Session
from shared.domain.resolver import NoLink, Reason, no_link
from shared.services import links
from shared.services.sessions import update_session
from shared.services.zoom.connections import get_connection
from shared.services.zoom.webhooks import forget_deleted_meeting

logger = Logger(service="vclinks")


@dataclass(frozen=True)
class HostLink:
    """Where to send the staff member: a URL, or a page with the reason (None: unknown link)."""

    url: str | None
    page: NoLink | None
    timezone: str


def fresh_host_link(store: Store, zoom: ZoomClient, tokens: TokenProvider, token: str) -> HostLink | None:
    outcome = links.join(store, token)
    if outcome.decision is None or outcome.site is None or outcome.session is None:
        return None
    timezone = outcome.site.settings.timezone
    if isinstance(outcome.decision, NoLink):
        return HostLink(None, outcome.decision, timezone)
    if not links.host_link_is_stale(outcome):
        return HostLink(outcome.decision.url, None, timezone)
    session = outcome.session
    meeting = session.meeting
    assert meeting is not None
    connection = get_connection(store, session.site_id, meeting.connection_id)
    if connection is None:
        return HostLink(None, no_link(Reason.NEEDS_RECONNECT), timezone)
    try:
        fresh = tokens.call(connection, partial(zoom.get_meeting, meeting_id=meeting.meeting_id))
    except ZoomNotFound:  # deleted at Zoom meanwhile, as if Zoom had told us: the sweep makes a new one
        forget_deleted_meeting(store, meeting.meeting_id)
        return HostLink(None, no_link(Reason.PENDING), timezone)
    except ZoomNeedsReconnect:
        return HostLink(None, no_link(Reason.NEEDS_RECONNECT), timezone)
    except VclinksError as failure:  # Zoom unavailable: the stored link may still open it
        logger.warning("host link not refreshed", extra={"problem": failure.slug})
        return HostLink(outcome.decision.url, None, timezone)
    _store_start_url(store, session, fresh.start_url)
    return HostLink(fresh.start_url, None, timezone)


def _store_start_url(store: Store, session: Session, start_url: str) -> None:
    meeting_id = session.meeting.meeting_id if session.meeting else None

    def apply(current: Session) -> Session:
        if current.meeting is None or current.meeting.meeting_id != meeting_id:
            return current  # changed meanwhile: leave it to the reconciler
        meeting = current.meeting.model_copy(
            update={"start_url": start_url, "start_url_at": datetime.now(UTC)}
        )
        return current.model_copy(update={"meeting": meeting})

    update_session(store, session.site_id, session.session_id, apply)
