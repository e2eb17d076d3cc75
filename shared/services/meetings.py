"""A session's provider meeting kept in step with the session: desired against actual, reconciled.

The pipeline's first step for a changed session (shared.services.pipeline). The worker
holds the session's work item while this runs, so no two reconciles of one session run at
once; the item stays until the outcome is stored, so a process that dies mid-way leaves
the work listed (DESIGN.md: nothing lost).

One path for every provider (Zoom, Google Meet, Microsoft Teams), through the provider interface
(shared.services.providers); what only some providers have is a capability tested with isinstance:
- none -> wanted: create (before creating, the session is marked `pending: creating`; a retry
  adopts the meeting a lost answer made: by the session's marker where the provider keeps it
  (`FindsLostCreate`: Zoom's agenda), by the request's external id where the provider takes one
  (Teams' createOrGet); a Meet space has neither: docs/PROVIDERS.md);
- times, registration or meeting settings (S09) changed: one update where the meeting keeps times
  (Zoom, Teams; nothing for a Meet space); after a change of settings the links are taken again
  (the update's answer, or one read where it has none: Zoom's passcode and join link may change);
  a meeting gone at the provider -> made anew;
- host changed: the same provider user under a new connection (a reconnect) keeps the meeting;
  another user or provider: delete under the old connection, create under the new;
- no longer wanted (cancelled, in person, custom link, another provider): delete.
A session that has ended is left as it is; one whose account needs its admin first (a dead
grant, a host Zoom deactivated) is left as it is too, saying why. A failure raises; the worker
records why on the session (`pending_reason`) and tries again later. A pending session keeps its
meeting reference, so its links keep working. Always act with the connection that made the meeting.

What the admin must fix is noted on the connection as it is found: a scope the token lacks (Zoom's
4711), an account that cannot make meetings (X15: a Teams user without a licence). Zoom's daily
quota (X11) is counted by Zoom's provider; work past it waits for 00:00 UTC, listed with the host's
counter (GET /v1/sites/{site}/zoom/usage).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.domain.errors import (
    ProviderAccountUnsupported,
    ProviderMeetingNotFound,
    VclinksError,
    ZoomMissingScopes,
    ZoomNeedsReconnect,
    ZoomNotFound,
    ZoomRateLimited,
)
from shared.domain.meeting_settings import applied_part, settled
from shared.domain.meetings import Desired, desired_meeting, marker, same_host, same_setup, same_times
from shared.domain.models import (
    Connection,
    ConnectionStatus,
    MeetingRef,
    MeetingState,
    Service,
    Session,
    Site,
    Staff,
)
from shared.domain.webhooks import EventType
from shared.domain.work import RECONNECT_WAIT, Retry, Work, WorkRef
from shared.services import platform_events

if TYPE_CHECKING:
    from shared.adapters.provider_meeting import MeetingRequest, ProviderMeeting
    from shared.services.pipeline import StepContext
    from shared.services.providers import MeetingProvider

logger = Logger(service="vclinks")
CREATING = "creating"
QUEUED = "queued"
"""Set by the request that changed the session: the worker has not acted yet."""
ROUNDS = 3


@dataclass(frozen=True)
class Snapshot:
    """The records a session's link depends on, as read once for this reconcile."""

    site: Site
    session: Session
    service: Service | None
    staff: Staff | None


def load_snapshot(repo: Repository, site_id: str, session_id: str) -> Snapshot | None:
    """Two round trips: the site and the session, then its service and staff member."""
    context = repo.load_link_context(site_id, session_id, None)
    if context.site is None or context.session is None:
        return None
    staff, service = repo.load_staff_and_service(
        site_id, context.session.staff_id, context.session.service_id
    )
    return Snapshot(context.site, context.session, service, staff)


class Meetings:
    """Brings one session's provider meeting in line with the session.

    `providers` gives a provider by name (the composition root's `Container.provider`, or an inline
    attempt's view of it); each is built on first use: a session on a custom link needs none."""

    def __init__(
        self,
        repo: Repository,
        providers: Callable[[str], MeetingProvider],
        clock: Callable[[], datetime],
    ) -> None:
        self.repo = repo
        self._providers = providers
        self.clock = clock
        self._site: Site | None = None  # the site of the reconcile under way (its webhook endpoint)
        self.flagged: list[WorkRef] = []  # work this reconcile left (a connection's problem, an event)

    def provider(self, name: str) -> MeetingProvider:
        """A provider behind the interface (the checks and the registrants act through it too)."""
        return self._providers(name)

    def reconcile(self, snapshot: Snapshot) -> Session:
        """Act until the stored meeting is what the session wants; the session as stored after."""
        for _ in range(ROUNDS):
            session = self._round(snapshot)
            if session is not None:
                return session
            fresh = load_snapshot(self.repo, snapshot.site.site_id, snapshot.session.session_id)
            if fresh is None:
                return snapshot.session
            snapshot = fresh
        raise Retry("session_changing")

    def _round(self, snap: Snapshot) -> Session | None:
        """One pass; None when the session's meeting was changed under us (read again)."""
        self._site = snap.site
        session = snap.session
        if session.end <= self.clock():
            return session  # over: nothing left to keep in step
        desired = desired_meeting(snap.site, snap.service, session, snap.staff)
        actual = session.meeting
        if desired is None:
            if actual is None:
                return self._settle(session, None)
            self._delete(session.site_id, actual)
            return self._store(session, None)
        if desired.blocked is not None:  # the admin first: the meeting stays as it is meanwhile
            raise Retry(desired.blocked, at=self.clock() + RECONNECT_WAIT)
        if actual is not None and not same_host(desired, actual):
            if (actual.provider, actual.host_user_id) == (desired.provider, desired.host_user_id):
                # a reconnect of the same provider user
                return self._store(
                    session, actual.model_copy(update={"connection_id": desired.connection_id})
                )
            self._delete(session.site_id, actual)
            moved = self._store(session, None, pending="moving_host")
            if moved is None:
                return None
            session, actual = moved, None
        connection = self._connection(session.site_id, desired.connection_id)
        if actual is None:
            return self._create(connection, session, desired)
        if same_times(desired, actual) and same_setup(desired, actual):
            return self._settle(session, actual)
        return self._update(connection, session, desired, actual)

    # -- provider calls --------------------------------------------------------------------

    def _create(self, connection: Connection, session: Session, desired: Desired) -> Session | None:
        """Create the meeting (or adopt the one an interrupted attempt made) and store it."""
        request = self._request(session, desired, None)
        if _maybe_created(session):
            found = self._find_lost(connection, session, desired, request)
            if found is not None:
                return self._store(session, found)
        if session.pending_reason != CREATING:  # if this process dies mid-call, the next one looks first
            marked = self.repo.record_meeting(session, None, MeetingState.PENDING, CREATING)
            if marked is None:
                return None
            session = marked
        made = self._call(connection, lambda p: p.create(connection, request))
        return self._store(session, self._ref(connection, desired, made, self._key(connection, request)))

    def _find_lost(
        self, connection: Connection, session: Session, desired: Desired, request: MeetingRequest
    ) -> MeetingRef | None:
        """A create whose answer was lost: adopt the meeting that carries this session's marker,
        where the provider keeps one (Teams' createOrGet finds its own by the external id)."""
        from shared.services.providers import FindsLostCreate

        provider = self.provider(connection.provider)
        if not isinstance(provider, FindsLostCreate):
            return None
        found = self._call(connection, lambda _: provider.find_lost(connection, request))
        if found is None:
            return None
        logger.info(
            "adopted a meeting whose create answer was lost", extra={"session_id": session.session_id}
        )
        return self._ref(connection, desired, found, None)

    def _update(
        self, connection: Connection, session: Session, desired: Desired, actual: MeetingRef
    ) -> Session | None:
        """One update where the meeting keeps times, or where the provider's own part of the
        service's settings changed (S09); a Meet space has no times: a reschedule sends nothing."""
        provider = self.provider(connection.provider)
        # a field the service cleared that has no default we can send keeps its value (S09)
        given = replace(desired, settings=settled(actual.settings, desired.settings))
        moved_to = actual.model_copy(
            update={
                "start": desired.start,
                "duration_minutes": desired.duration_minutes,
                "registration": desired.registration,
                "settings": given.settings,
            }
        )
        if not provider.keeps_times and same_setup(desired, actual):
            return self._store(session, moved_to)
        request = self._request(session, given, actual)
        try:
            updated = self._call(connection, lambda p: p.update(connection, actual.meeting_id, request))
        except ProviderMeetingNotFound:  # deleted at the provider meanwhile: make a new one
            return self._create(connection, session, desired)
        mine = connection.provider
        if applied_part(mine, actual.settings) != applied_part(mine, given.settings):
            # its settings changed (a passcode given or taken): the links may differ
            fresh = updated or self._call(connection, lambda p: p.read(connection, actual.meeting_id))
            moved_to = self._ref(connection, given, fresh, actual.external_id)
        return self._store(session, moved_to)

    def put_back_settings(
        self, connection: Connection, session: Session, desired: Desired, actual: MeetingRef
    ) -> None:
        """X10: the service's settings sent again to a meeting a host changed by hand (one update;
        the stored reference already holds them)."""
        given = replace(desired, settings=settled(actual.settings, desired.settings))
        request = self._request(session, given, actual)
        self._call(connection, lambda p: p.update(connection, actual.meeting_id, request))

    def _delete(self, site_id: str, actual: MeetingRef) -> None:
        connection = self.repo.get_connection(site_id, actual.connection_id)
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return  # the grant is gone: nothing left to act with; the reference is forgotten
        with contextlib.suppress(ProviderMeetingNotFound):  # already gone at the provider
            self._call(connection, lambda p: p.delete(connection, actual.meeting_id))

    def _connection(self, site_id: str, connection_id: str) -> Connection:
        connection = self.repo.get_connection(site_id, connection_id)
        if connection is None:
            raise ZoomNeedsReconnect("The connection of this account is gone; connect it again.")
        return connection

    def _call(self, connection: Connection, action: Callable[[MeetingProvider], Any]) -> Any:
        """`action` with the connection's provider. What its admin must fix is noted on the
        connection: a scope the token lacks (Zoom's 4711: which one to add); an account that
        cannot make meetings (X15: a Teams user without a licence, a personal account, a Google
        account without Meet) needs connecting again (its sessions wait, clients see the clear page)."""
        from shared.services.connections import mark_needs_reconnect, note_problem

        try:
            return action(self.provider(connection.provider))
        except ZoomMissingScopes as missing:
            self.flagged += note_problem(
                self.repo, connection.site_id, connection.connection_id, failure_reason(missing)
            )
            raise
        except ProviderAccountUnsupported as unsupported:
            self.flagged += mark_needs_reconnect(self.repo, connection, failure_reason(unsupported))
            raise

    def _request(self, session: Session, desired: Desired, actual: MeetingRef | None) -> MeetingRequest:
        """The session's meeting as the provider interface takes it. The external id (Teams'
        createOrGet key) is the session's marker and its start when first made: the same on every
        retry of one create, so a lost answer is found again and never made twice."""
        from shared.adapters.provider_meeting import MeetingRequest

        start = desired.start.astimezone(UTC)
        return MeetingRequest(
            external_id=(actual.external_id if actual else None)
            or f"{marker(session)}:{int(start.timestamp())}",
            subject=desired.topic,
            start=start,
            end=start + timedelta(minutes=desired.duration_minutes),
            host_user_id=desired.host_user_id,
            marker=marker(session),
            registration=desired.registration,
            settings=desired.settings,
            passcode=actual.password if actual else None,  # a meeting keeps its passcode (S09)
            applied=actual.settings if actual else None,
        )

    def _key(self, connection: Connection, request: MeetingRequest) -> str | None:
        """The external id kept with the meeting, where it is the provider's key: one that finds a
        lost create by its marker takes none."""
        from shared.services.providers import FindsLostCreate

        provider = self.provider(connection.provider)
        return None if isinstance(provider, FindsLostCreate) else request.external_id

    # -- outcomes --------------------------------------------------------------------------

    def _settle(self, session: Session, meeting: MeetingRef | None) -> Session | None:
        """Nothing to do at the provider: make the stored state say so, if it does not already."""
        state = MeetingState.READY if meeting is not None else MeetingState.NONE
        if session.meeting_state is state and session.pending_reason is None:
            return session
        return self._store(session, meeting)

    def _store(
        self, session: Session, meeting: MeetingRef | None, pending: str | None = None
    ) -> Session | None:
        if pending is not None:
            state = MeetingState.PENDING
        else:
            state = MeetingState.READY if meeting is not None else MeetingState.NONE
        event = self._ready_event(session, meeting) if state is MeetingState.READY else None
        stored = self.repo.record_meeting(session, meeting, state, pending, work=[event] if event else ())
        if stored is not None and event is not None:
            self.flagged.append(event)
        return stored

    def _ready_event(self, session: Session, meeting: MeetingRef | None) -> WorkRef | None:
        """meeting.ready, when the session gets a meeting it did not hold (its first, or a new one
        under a new host); a moved or re-hosted meeting with the same id raises none."""
        held = session.meeting
        if meeting is None or (held is not None and held.meeting_id == meeting.meeting_id):
            return None
        data = {"session_id": session.session_id, "provider": meeting.provider}
        return platform_events.event_ref(self._site, EventType.MEETING_READY, data, self.clock())

    def _ref(
        self, connection: Connection, desired: Desired, meeting: ProviderMeeting, external_id: str | None
    ) -> MeetingRef:
        return MeetingRef(
            provider=desired.provider,
            meeting_id=meeting.meeting_id,
            connection_id=connection.connection_id,
            host_user_id=desired.host_user_id,
            join_url=meeting.join_url,
            start_url=meeting.host_url,
            password=meeting.passcode,
            start_url_at=self.clock().astimezone(UTC),
            start=desired.start,
            duration_minutes=desired.duration_minutes,
            registration=desired.registration,
            settings=desired.settings,
            external_id=external_id,
        )


def _maybe_created(session: Session) -> bool:
    """An earlier attempt may have created the meeting and lost the answer: it started a create
    (`creating`) or failed after starting one (any failure reason), and nothing was stored."""
    return (
        session.meeting is None
        and session.meeting_state is MeetingState.PENDING
        and session.pending_reason not in (None, QUEUED, "moving_host")
    )


def failure_reason(error: Exception) -> str:
    """The `pending_reason` a session shows when its meeting work failed."""
    from shared.domain.errors import ZoomMissingScopes, ZoomRateLimited, ZoomRefreshLost, ZoomUnavailable

    if isinstance(error, Retry):
        return error.reason
    if isinstance(error, ZoomRateLimited):
        return "zoom_daily_limit" if error.extra.get("daily_limit") else "zoom_rate_limited"
    if isinstance(error, ZoomRefreshLost):
        return "zoom_refresh_lost"
    if isinstance(error, ZoomNeedsReconnect):  # the connection's problem, when it says more
        return str(error.extra.get("problem") or "needs_reconnect")
    if isinstance(error, ZoomMissingScopes):  # 4711: the admin sees which scope to add
        return "zoom_missing_scope:" + " or ".join(error.extra.get("missing_scopes") or ["unnamed"])
    if isinstance(error, ZoomUnavailable):
        return "zoom_unavailable"
    if isinstance(error, ZoomNotFound):
        return "zoom_user_not_found"
    provider_reason = _provider_reason(error)
    if provider_reason is not None:
        return provider_reason
    if isinstance(error, VclinksError):
        return f"zoom_error:{error.slug}"
    return "internal_error"


def _provider_reason(error: Exception) -> str | None:
    """Google's and Microsoft's failures, named with their provider (X15: the admin sees whose)."""
    from shared.domain import errors

    if not isinstance(error, VclinksError) or not error.slug.startswith("provider-"):
        return None
    if isinstance(error, errors.ProviderNeedsReconnect):
        return str(error.extra.get("problem") or "needs_reconnect")
    provider = str(error.extra.get("provider") or "provider")
    names = {
        errors.ProviderAccountUnsupported: "account_unsupported",
        errors.ProviderRateLimited: "rate_limited",
        errors.ProviderUnavailable: "unavailable",
        errors.ProviderScopeMissing: "missing_scope",
        errors.ProviderMisconfigured: "app_misconfigured",
    }
    for kind, name in names.items():
        if isinstance(error, kind):
            return f"{provider}_{name}"
    return f"{provider}_error:{error.slug}"


def reconcile_meeting(ctx: StepContext, work: Work) -> None:
    """SESSION, step 1: the session's meeting in step with the session (the pipeline's table).

    The session and what it depends on are read after the item was claimed, never taken from
    the request that flagged it: a change flagged between that request's reads and the claim
    is in the claimed `gen`, and finishing the item on older records would lose it (20
    concurrent reschedules left the Zoom meeting at an earlier time than the session)."""
    snapshot = load_snapshot(ctx.repo, work.ref.site_id, work.ref.session_id)
    if snapshot is None:
        return
    try:
        ctx.session = ctx.meetings.reconcile(snapshot)
    except (VclinksError, Retry) as error:  # the session says why its meeting is not ready yet
        ctx.session = ctx.repo.mark_pending(work.ref.site_id, work.ref.session_id, failure_reason(error))
        if (
            isinstance(error, ZoomRateLimited)
            and error.extra.get("daily_limit")
            and error.extra.get("host_user_id")
        ):
            day = ctx.clock().astimezone(UTC).date()
            ctx.repo.note_quota_waiting(
                str(error.extra["host_user_id"]), day, work.ref.site_id, work.ref.session_id
            )
        raise
    finally:
        if ctx.meetings.flagged:  # flagged with the meeting; done now rather than in a minute
            ctx.queue.send(ctx.meetings.flagged)
            ctx.meetings.flagged.clear()
    return
