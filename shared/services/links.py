"""Reading links: the link of a session for a caller, the /v1/j/{token} join, the report (S06).

A read costs one DynamoDB round trip in the common case and no provider or Secrets Manager
call: the site, the session, the booking, the session's service and staff member in one
BatchGetItem. The service and staff ids come as hints (a join token carries them; the link
route remembers them per warm Lambda), checked against the session read: a session that was
moved to another service or staff member since costs a second trip. The report reads one
page of the site's sessions by start time, then their staff and services in one batch.

Consistency, read by read (DESIGN.md: the resolve bar is 2.5 read units, i.e. 5 items read
eventually; a strong read costs twice):
- join click, every item eventual: a human clicking a link gets the state of up to a second
  ago, which is the state they would have had clicking a second earlier; the token and its
  booking existed long before the email carrying it was read.
- link route, the site, service and staff member eventual (settings a second old are
  harmless) but the session and booking strong: a platform reads back what it just wrote
  (a session it just moved, a booking it just made) and must not see the previous state.
- report: eventual (the by_start index can only be read so; a page a second old is fine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import JoinClicks, LinkContext, LinkHints, Repository
from shared.domain import join_tokens
from shared.domain.auth import Principal, Role, authenticate
from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.models import Audience, Session, Site
from shared.domain.resolver import Decision, Link, NoLink, Reason, Surface, no_link, resolve

MAX_REPORT_DAYS = 366
# Zoom's start_url (the host link) expires 2 hours after it was read; read it again before.
START_URL_FRESH = timedelta(minutes=100)
HIDDEN_FROM_REPORT = (Reason.SERVICE_NOT_ONLINE, Reason.OFFLINE, Reason.SESSION_CANCELLED)
LINK_ROUTE_STRONG = ("links",)  # the session and booking: read-your-writes for the platform
CLICK_WRITE_EVERY = 60.0  # seconds: a warm Lambda records a link's clicks at most this often
MEMORY_ENTRIES = 10_000  # per warm Lambda: a few hundred KB at most
logger = Logger(service="vclinks")


def _now() -> datetime:
    return datetime.now(UTC)


class SessionHints:
    """The service and staff ids of the sessions this warm Lambda read links of (bounded): the
    link route's next read of a session then fetches everything in one round trip."""

    def __init__(self, size: int = MEMORY_ENTRIES) -> None:
        self.size = size
        self._hints: dict[tuple[str, str], LinkHints] = {}

    def get(self, site_id: str, session_id: str) -> LinkHints | None:
        return self._hints.get((site_id, session_id))

    def learn(self, session: Session) -> None:
        key = (session.site_id, session.session_id)
        self._hints.pop(key, None)
        if len(self._hints) >= self.size:
            self._hints.pop(next(iter(self._hints)))
        self._hints[key] = LinkHints(session.service_id, session.staff_id)


class ClickThrottle:
    """X12: a link's clicks are written at most once a minute per warm Lambda (a link scanner
    or a browser's retries then cost one write, not one a request; `last_at` is then exact to
    the minute). Bounded: the oldest links are forgotten first."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        every: float = CLICK_WRITE_EVERY,
        size: int = MEMORY_ENTRIES,
    ) -> None:
        self.clock, self.every, self.size = clock, every, size
        self._written: dict[tuple[str, str, str | None], float] = {}

    def due(self, key: tuple[str, str, str | None]) -> bool:
        moment = self.clock()
        last = self._written.get(key)
        if last is not None and moment - last < self.every:
            return False
        self._written.pop(key, None)
        if len(self._written) >= self.size:
            self._written.pop(next(iter(self._written)))
        self._written[key] = moment
        return True


@dataclass(frozen=True)
class ClicksRead:
    """X12: a link's clicks as read from the store (`joined` None: never opened)."""

    joined: JoinClicks | None


@dataclass(frozen=True)
class SessionLink:
    decision: Decision
    join_url: str  # the stable /v1/j/{token} link of this audience
    site: Site  # read on the way (CORS decides on its allowed origins)


def _decide(
    repo: Repository,
    context: LinkContext,
    session: Session,
    site: Site,
    audience: Audience,
    surface: Surface,
    strong: bool = True,
) -> Decision:
    accounts = context.accounts_of(session)
    if accounts is None:  # no hints, or the session moved since they were made: a second trip
        accounts = repo.load_staff_and_service(
            site.site_id, session.staff_id, session.service_id, strong=strong
        )
    staff, service = accounts
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
    hints: SessionHints,
) -> SessionLink:
    """The link of a session for the caller. Clients read only their own booking (scoped token)."""
    context = repo.load_link_context(
        site_id, session_id, booking_id, hints=hints.get(site_id, session_id), strong=LINK_ROUTE_STRONG
    )
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
    hints.learn(session)
    decision = _decide(repo, context, session, context.site, audience, surface, strong=False)
    return SessionLink(decision, url, context.site)


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


def join(
    repo: Repository, links: join_tokens.JoinLinks, token: str, clicks: ClickThrottle | None = None
) -> JoinOutcome:
    """X01, X03, S07: follow a stable join link at click time. None: unknown or revoked link.
    X12: a known link's click is recorded (one write), whatever page it leads to."""
    outcome, target = _join(repo, links, token)
    decision = outcome.decision
    kind = "unknown" if decision is None else "link" if isinstance(decision, Link) else "no_link"
    put(Metric.JOIN_CLICKS, outcome=kind)  # a log line (EMF): no AWS call on the click's path
    if decision is not None and target is not None and clicks is not None:
        _record_click(repo, clicks, target)
    return outcome


def _record_click(repo: Repository, clicks: ClickThrottle, target: join_tokens.JoinTarget) -> None:
    """X12: the redirect never waits on a failed write: logged and counted, the click goes on."""
    if not clicks.due((target.site_id, target.session_id, target.booking_id)):
        return
    try:
        repo.record_join_click(target.site_id, target.session_id, target.booking_id, repo.now())
    except (ClientError, BotoCoreError) as error:
        logger.warning("join click not recorded", extra={"error": type(error).__name__})
        put(Metric.JOIN_CLICKS_UNRECORDED)


def _join(
    repo: Repository, links: join_tokens.JoinLinks, token: str
) -> tuple[JoinOutcome, join_tokens.JoinTarget | None]:
    unknown = JoinOutcome(None, None, None)
    target = links.parse(token)
    if target is None:
        return unknown, None
    hints = LinkHints(target.service_id, target.staff_id) if target.service_id else None
    context = repo.load_link_context(
        target.site_id, target.session_id, target.booking_id, hints=hints, strong=False
    )
    site, session = context.site, context.session
    if site is None or site.deleted_at is not None or session is None:
        return unknown, None
    if not join_tokens.matches(target, session, context.booking):
        return unknown, None
    audience = Audience.CLIENT if target.booking_id else Audience.STAFF
    decision = _decide(repo, context, session, site, audience, Surface.JOIN, strong=False)
    return JoinOutcome(decision, site, session), target


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
    staff_clicks: JoinClicks | None = None  # X12: None, the staff link was never opened


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
    clicks = repo.join_clicks_of_staff(site.site_id, [e.session.session_id for e in entries])
    entries = [ReportEntry(e.session, e.decision, clicks.get(e.session.session_id)) for e in entries]
    return ReportPage(entries, page.cursor)
