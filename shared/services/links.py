"""Reading links: the link of a session for a caller, the /v1/j/{token} join, the report (S06).

A read costs two DynamoDB round trips and no provider or Secrets Manager call: the site,
session and booking in one batch, then the staff member and the service. The report reads
one page of the site's sessions by start time, and their staff and services in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import LinkContext, Repository
from shared.domain import join_tokens
from shared.domain.auth import Principal, Role, authenticate
from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.models import Audience, Session, Site
from shared.domain.resolver import Decision, Link, NoLink, Reason, Surface, no_link, resolve

MAX_REPORT_DAYS = 366
# Zoom's start_url (the host link) expires 2 hours after it was read; read it again before.
START_URL_FRESH = timedelta(minutes=100)
HIDDEN_FROM_REPORT = (Reason.SERVICE_NOT_ONLINE, Reason.OFFLINE, Reason.SESSION_CANCELLED)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionLink:
    decision: Decision
    join_url: str  # the stable /v1/j/{token} link of this audience
    site: Site  # read on the way (CORS decides on its allowed origins)


def _decide(
    repo: Repository, context: LinkContext, session: Session, site: Site, audience: Audience, surface: Surface
) -> Decision:
    staff, service = repo.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
    if service is None:
        return no_link(Reason.SERVICE_NOT_ONLINE)
    return resolve(site, service, session, staff, audience, context.booking, _now(), surface)


def session_link(
    repo: Repository,
    join: join_tokens.JoinLinks,
    site_id: str,
    session_id: str,
    authorization: str | None,
    audience: Audience,
    booking_id: str | None,
    surface: Surface,
) -> SessionLink:
    """The link of a session for the caller. Clients read only their own booking (scoped token)."""
    context = repo.load_link_context(site_id, session_id, booking_id)
    caller = authenticate(context.site, site_id, authorization)
    audience, surface = _check_scope(caller, audience, booking_id, session_id, surface)
    assert context.site is not None
    session = context.session
    if session is None or (caller.role is Role.STAFF and session.staff_id != caller.staff_id):
        raise NotFound(f"No session '{session_id}'.")
    if audience is Audience.CLIENT:
        if booking_id is None:
            raise InvalidInput("Ask for a client's link with the booking id: ?audience=client&booking=...")
        if context.booking is None:
            raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
        url = join.client(context.booking, session)
    else:
        url = join.staff(session)
    return SessionLink(_decide(repo, context, session, context.site, audience, surface), url, context.site)


def _check_scope(
    caller: Principal, audience: Audience, booking_id: str | None, session_id: str, surface: Surface
) -> tuple[Audience, Surface]:
    if caller.role is Role.CLIENT:
        if (
            audience is not Audience.CLIENT
            or booking_id != caller.booking_id
            or session_id != caller.session_id
        ):
            raise Forbidden("A client token reads only its own booking's link.")
        return Audience.CLIENT, Surface.MEMBERS_AREA  # W15: the client's own page
    if caller.role is Role.STAFF and audience is not Audience.STAFF:
        raise Forbidden("A staff token reads only the staff member's own link (audience=staff).")
    return audience, surface


@dataclass(frozen=True)
class JoinOutcome:
    """Where a join link leads now: a URL to redirect to, or a reason to show on a page."""

    decision: Decision | None
    site: Site | None
    session: Session | None


def join(repo: Repository, links: join_tokens.JoinLinks, token: str) -> JoinOutcome:
    """X01, X03, S07: follow a stable join link at click time. None: unknown or revoked link."""
    outcome = _join(repo, links, token)
    decision = outcome.decision
    kind = "unknown" if decision is None else "link" if isinstance(decision, Link) else "no_link"
    put(Metric.JOIN_CLICKS, outcome=kind)  # a log line (EMF): no AWS call on the click's path
    return outcome


def _join(repo: Repository, links: join_tokens.JoinLinks, token: str) -> JoinOutcome:
    target = links.parse(token)
    if target is None:
        return JoinOutcome(None, None, None)
    context = repo.load_link_context(target.site_id, target.session_id, target.booking_id)
    site, session = context.site, context.session
    if site is None or site.deleted_at is not None or session is None:
        return JoinOutcome(None, None, None)
    if not join_tokens.matches(target, session, context.booking):
        return JoinOutcome(None, None, None)
    audience = Audience.CLIENT if target.booking_id else Audience.STAFF
    return JoinOutcome(_decide(repo, context, session, site, audience, Surface.JOIN), site, session)


def host_link_is_stale(outcome: JoinOutcome, now: datetime | None = None) -> bool:
    """A staff member's Zoom host link read from Zoom too long ago to still open the meeting."""
    decision, session = outcome.decision, outcome.session
    if not isinstance(decision, Link) or decision.kind != "host" or decision.provider != "zoom":
        return False
    meeting = session.meeting if session is not None else None
    if meeting is None:
        return False
    if meeting.start_url_at is None:  # never recorded when it was read: read it again
        return True
    return (now or _now()) - meeting.start_url_at > START_URL_FRESH


@dataclass(frozen=True)
class ReportEntry:
    session: Session
    decision: Decision


@dataclass(frozen=True)
class ReportPage:
    entries: list[ReportEntry]
    cursor: str | None


def online_meetings_report(
    repo: Repository,
    site: Site,
    start: datetime,
    end: datetime,
    staff_id: str | None,
    limit: int,
    cursor: str | None,
) -> ReportPage:
    """S06: one page of the online sessions of a period (a page may hold fewer than `limit`:
    sessions that are not online are left out after reading); `cursor` gives the next one."""
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise InvalidInput(f"A report covers at most {MAX_REPORT_DAYS} days.")
    page = repo.sessions_between(site.site_id, start, end, cursor, limit)
    sessions = [s for s in page.items if staff_id in (None, s.staff_id)]
    staff_members, services = repo.load_accounts(
        site.site_id, {s.staff_id for s in sessions if s.staff_id}, {s.service_id for s in sessions}
    )
    entries = []
    now = _now()
    for session in sessions:
        service = services.get(session.service_id)
        if service is None:
            continue
        staff = staff_members.get(session.staff_id) if session.staff_id else None
        decision = resolve(site, service, session, staff, Audience.ADMIN, None, now)
        if isinstance(decision, NoLink) and decision.reason in HIDDEN_FROM_REPORT:
            continue
        entries.append(ReportEntry(session, decision))
    return ReportPage(entries, page.cursor)
