"""Reading links: the link of a session for a caller, the /v1/j/{token} join, the report (S06).

Each read costs two DynamoDB round trips and no Zoom or Secrets Manager call: the site,
session and booking in one batch, then the staff member and the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.adapters.join_key import get_join_key
from shared.adapters.repository import LinkContext, Store
from shared.domain import join_tokens
from shared.domain.auth import Principal, Role, authenticate
from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.models import Audience, Session, Site
from shared.domain.resolver import Decision, Link, NoLink, Surface, resolve
from shared.http.models import LinkView, Report, ReportRow

MAX_REPORT_DAYS = 366
# Zoom's start_url (the host link) expires 2 hours after it was read; read it again before.
START_URL_FRESH = timedelta(minutes=100)


def _now() -> datetime:
    return datetime.now(UTC)


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


def _decide(
    store: Store,
    context: LinkContext,
    session: Session,
    site: Site,
    audience: Audience,
    surface: Surface,
    now: datetime,
) -> Decision:
    staff, service = store.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
    if service is None:
        from shared.domain.resolver import Reason, no_link

        return no_link(Reason.SERVICE_NOT_ONLINE)
    return resolve(site, service, session, staff, audience, context.booking, now, surface)


def session_link(
    store: Store,
    site_id: str,
    session_id: str,
    authorization: str | None,
    audience: Audience,
    booking_id: str | None,
    surface: Surface,
    base_url: str,
) -> LinkView:
    """The link of a session for the caller. Clients read only their own booking (scoped token)."""
    context = store.load_link_context(site_id, session_id, booking_id)
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
        token = join_tokens.client_token(context.booking, get_join_key(), session)
    else:
        token = join_tokens.staff_token(session, get_join_key())
    decision = _decide(store, context, session, context.site, audience, surface, _now())
    return link_view(decision, join_tokens.join_url(base_url, token))


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


def join(store: Store, token: str, now: datetime | None = None) -> JoinOutcome:
    """X01, X03, S07: follow a stable join link at click time. None: unknown or revoked link."""
    target = join_tokens.parse(token, get_join_key())
    if target is None:
        return JoinOutcome(None, None, None)
    context = store.load_link_context(target.site_id, target.session_id, target.booking_id)
    site, session = context.site, context.session
    if site is None or session is None or not join_tokens.matches(target, session, context.booking):
        return JoinOutcome(None, None, None)
    audience = Audience.CLIENT if target.booking_id else Audience.STAFF
    decision = _decide(store, context, session, site, audience, Surface.JOIN, now or _now())
    return JoinOutcome(decision, site, session)


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


def online_meetings_report(
    store: Store, site: Site, start: datetime, end: datetime, staff_id: str | None, base_url: str
) -> Report:
    """S06: the online sessions of a period, with the host link an admin opens the meeting with."""
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise InvalidInput(f"A report covers at most {MAX_REPORT_DAYS} days.")
    sessions = [
        s for s in store.list_sessions_between(site.site_id, start, end) if staff_id in (None, s.staff_id)
    ]
    services = {}
    staff_members = {s.staff_id: s for s in store.list_staff(site.site_id)}
    rows = []
    now = _now()
    for session in sessions:
        if session.service_id not in services:
            services[session.service_id] = store.get_service(site.site_id, session.service_id)
        service = services[session.service_id]
        if service is None:
            continue
        staff = staff_members.get(session.staff_id) if session.staff_id else None
        decision = resolve(site, service, session, staff, Audience.ADMIN, None, now)
        if isinstance(decision, NoLink) and decision.reason.value in (
            "service_not_online",
            "offline",
            "session_cancelled",
        ):
            continue
        rows.append(_report_row(session, decision, base_url))
    return Report(items=rows)


def _report_row(session: Session, decision: Decision, base_url: str) -> ReportRow:
    base = {
        "session_id": session.session_id,
        "service_id": session.service_id,
        "staff_id": session.staff_id,
        "start": session.start,
        "end": session.end,
    }
    if isinstance(decision, Link):
        return ReportRow(
            **base,
            decision="link",
            provider=decision.provider,
            source=decision.source.value,
            url=decision.url,
            open_url=join_tokens.join_url(base_url, join_tokens.staff_token(session, get_join_key())),
        )
    return ReportRow(**base, decision="none", reason=decision.reason.value)
