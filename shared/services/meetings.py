"""A session's provider meeting kept in step with the session: desired against actual, reconciled.

The pipeline's first step for a changed session (shared.services.pipeline). The worker
holds the session's work item while this runs, so no two reconciles of one session run at
once; the item stays until the outcome is stored, so a process that dies mid-way leaves
the work listed (DESIGN.md: nothing lost).

- none -> wanted: create (before creating, the session is marked `pending: creating`; a
  retry first looks for a meeting carrying the session's marker in its agenda, so a lost
  answer never makes a duplicate);
- times, registration or meeting settings (S09) changed: PATCH (the link stays; after a change
  of settings the meeting is read again, its passcode and join link may have changed);
  404/3001 -> recreate;
- host changed: the same Zoom user under a new connection (a reconnect) keeps the meeting;
  another user: delete under the old connection, create under the new;
- no longer wanted (cancelled, in person, custom link, another provider): DELETE.
A session that has ended is left as it is; one whose account needs its admin first (a dead
grant, a host Zoom deactivated) is left as it is too, saying why. A failure raises; the worker
records why on the session (`pending_reason`) and tries again later. A pending session keeps its
meeting reference, so its links keep working. Always act with the connection that made the meeting.

Zoom's quotas (X11): each host may have 100 meeting creates and updates per UTC day; each is
counted (one counter per host and day) before it is sent, and work past the limit waits for
00:00 UTC, listed with the host's counter (GET /v1/sites/{site}/zoom/usage). A scope the
connection's token lacks (Zoom's 4711) is noted on the connection, so its admin sees which.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.adapters.zoom.errors import ZoomNotFound
from shared.domain.errors import (
    ProviderAccountUnsupported,
    ProviderMeetingNotFound,
    VclinksError,
    ZoomMissingScopes,
    ZoomNeedsReconnect,
    ZoomRateLimited,
)
from shared.domain.meetings import Desired, desired_meeting, marker, same_host, same_setup, same_times
from shared.domain.models import (
    ConnectionStatus,
    MeetingRef,
    MeetingState,
    Service,
    Session,
    Site,
    Staff,
    ZoomConnection,
)
from shared.domain.webhooks import EventType
from shared.domain.work import RECONNECT_WAIT, Deferred, Retry, Work, WorkRef
from shared.services import platform_events

if TYPE_CHECKING:
    from shared.adapters.provider_meeting import MeetingRequest
    from shared.adapters.zoom.client import MeetingSpec, ZoomClient, ZoomMeeting
    from shared.adapters.zoom.tokens import TokenProvider
    from shared.services.pipeline import StepContext
    from shared.services.providers import MeetingProvider

logger = Logger(service="vclinks")
ZOOM_DAILY_LIMIT = 100
"""Meeting creates and updates per host per UTC day (SOURCE.md "daily limit")."""
PASSCODE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
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
    """Brings one session's Zoom meeting in line with the session.

    The Zoom client and tokens are built on first use (`zoom_access`): a deployment without
    Zoom, or a session on a custom link, never needs them."""

    def __init__(
        self,
        repo: Repository,
        zoom_access: Callable[[], tuple[ZoomClient, TokenProvider]],
        clock: Callable[[], datetime],
        daily_limit: int = ZOOM_DAILY_LIMIT,
        hosted: Callable[[str], MeetingProvider] | None = None,
    ) -> None:
        self.repo = repo
        self._hosted = hosted  # Google Meet, Teams: the provider interface (shared.services.providers)
        self._zoom_access = zoom_access
        self._zoom: tuple[ZoomClient, TokenProvider] | None = None
        self.clock = clock
        self.daily_limit = daily_limit
        self._site: Site | None = None  # the site of the reconcile under way (its webhook endpoint)
        self.flagged: list[WorkRef] = []  # work this reconcile left (a connection's problem, an event)

    @property
    def zoom(self) -> ZoomClient:
        return self._access()[0]

    @property
    def tokens(self) -> TokenProvider:
        return self._access()[1]

    def _access(self) -> tuple[ZoomClient, TokenProvider]:
        if self._zoom is None:
            self._zoom = self._zoom_access()
        return self._zoom

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
        if desired.provider != "zoom":
            return self._hosted_round(connection, session, desired, actual)
        if actual is None:
            return self._create(connection, session, desired)
        if same_times(desired, actual) and same_setup(desired, actual):
            return self._settle(session, actual)
        spec = self._spec(session, desired, actual)
        try:
            self._counted(
                connection, desired, lambda token: self.zoom.update_meeting(token, actual.meeting_id, spec)
            )
        except ZoomNotFound:  # deleted at Zoom meanwhile: make a new one
            return self._create(connection, session, desired)
        moved_to = actual.model_copy(
            update={
                "start": desired.start,
                "duration_minutes": desired.duration_minutes,
                "registration": desired.registration,
                "settings": desired.settings,
            }
        )
        if actual.settings != desired.settings:  # a passcode given or taken: the links may differ
            full = self._call(connection, partial(self.zoom.get_meeting, meeting_id=actual.meeting_id))
            moved_to = self._ref(connection, desired, full)
        return self._store(session, moved_to)

    # -- provider calls --------------------------------------------------------------------

    def _create(self, connection: ZoomConnection, session: Session, desired: Desired) -> Session | None:
        """Create the meeting (or adopt the one an interrupted attempt made) and store it."""
        if _maybe_created(session):
            found = self._find_lost(connection, session, desired)
            if found is not None:
                return self._store(session, found)
        if session.pending_reason != CREATING:  # if this process dies mid-call, the next one looks first
            marked = self.repo.record_meeting(session, None, MeetingState.PENDING, CREATING)
            if marked is None:
                return None
            session = marked
        spec = self._spec(session, desired, None)
        meeting = self._counted(
            connection, desired, lambda token: self.zoom.create_meeting(token, desired.host_user_id, spec)
        )
        return self._store(session, self._ref(connection, desired, meeting))

    def _find_lost(self, connection: ZoomConnection, session: Session, desired: Desired) -> MeetingRef | None:
        """A create whose answer was lost: adopt the meeting that carries this session's marker."""
        meetings = self._call(connection, lambda token: self.zoom.list_meetings(token, desired.host_user_id))
        for meeting in meetings:
            if (meeting.agenda or "").strip() == marker(session):
                full = self._call(connection, partial(self.zoom.get_meeting, meeting_id=meeting.id))
                logger.info(
                    "adopted a meeting whose create answer was lost", extra={"session_id": session.session_id}
                )
                return self._ref(connection, desired, full)
        return None

    def _delete(self, site_id: str, actual: MeetingRef) -> None:
        connection = self.repo.get_connection(site_id, actual.connection_id)
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return  # the grant is gone: nothing left to act with; the reference is forgotten
        if actual.provider != "zoom":
            with contextlib.suppress(ProviderMeetingNotFound):
                self._hosted_call(connection, lambda p: p.delete(connection, actual.meeting_id))
            return
        with contextlib.suppress(ZoomNotFound):  # already gone at Zoom
            self._call(connection, lambda token: self.zoom.delete_meeting(token, actual.meeting_id))

    def _connection(self, site_id: str, connection_id: str) -> ZoomConnection:
        connection = self.repo.get_connection(site_id, connection_id)
        if connection is None:
            raise ZoomNeedsReconnect("The Zoom connection of this account is gone; connect Zoom again.")
        return connection

    def _call(self, connection: ZoomConnection, action: Callable[[str], Any]) -> Any:
        try:
            return self.tokens.call(connection, action)
        except ZoomMissingScopes as missing:  # 4711: the connection's admin sees which scope to add
            from shared.services.connections import note_problem

            self.flagged += note_problem(
                self.repo, connection.site_id, connection.connection_id, failure_reason(missing)
            )
            raise

    def _counted(self, connection: ZoomConnection, desired: Desired, action: Callable[[str], Any]) -> Any:
        """A meeting create or update: counted against the host's daily limit before it is sent (X11)."""
        host, day = desired.host_user_id, self.clock().astimezone(UTC).date()
        if not self.repo.spend_zoom_quota(host, day, self.daily_limit):
            raise ZoomRateLimited(
                f"The Zoom user reached the daily limit of {self.daily_limit} meeting creations and "
                "updates; the work resumes after 00:00 UTC.",
                daily_limit=True,
                host_user_id=host,
            )
        try:
            return self._call(connection, action)
        except ZoomRateLimited as limited:
            if limited.extra.get("daily_limit"):  # Zoom counts the host's calls by other apps too
                self.repo.fill_zoom_quota(host, day, self.daily_limit)
                limited.extra["host_user_id"] = host
            raise
        except Deferred:  # never sent (an inline attempt's budget went on a token refresh)
            self.repo.refund_zoom_quota(host, day)
            raise

    # -- Google Meet, Microsoft Teams (the provider interface) ------------------------------

    def _hosted_round(
        self, connection: ZoomConnection, session: Session, desired: Desired, actual: MeetingRef | None
    ) -> Session | None:
        """Create once; a change of times is one update where the meeting keeps times (Teams),
        none where it has none (a Meet space); a change of the provider's settings (S09) is one
        update; a meeting gone at the provider is made anew."""
        if actual is None:
            return self._hosted_create(connection, session, desired)
        if same_times(desired, actual) and same_setup(desired, actual):
            return self._settle(session, actual)
        provider = self._provider(desired.provider)
        if provider.keeps_times or not same_setup(desired, actual):  # S09: a Meet space's settings
            request = self._request(session, desired, actual.external_id)
            try:
                self._hosted_call(connection, lambda p: p.update(connection, actual.meeting_id, request))
            except ProviderMeetingNotFound:
                return self._hosted_create(connection, session, desired)
        moved = actual.model_copy(
            update={
                "start": desired.start,
                "duration_minutes": desired.duration_minutes,
                "settings": desired.settings,
            }
        )
        return self._store(session, moved)

    def _hosted_create(
        self, connection: ZoomConnection, session: Session, desired: Desired
    ) -> Session | None:
        if session.pending_reason != CREATING:
            marked = self.repo.record_meeting(session, None, MeetingState.PENDING, CREATING)
            if marked is None:
                return None
            session = marked
        request = self._request(session, desired, None)
        made = self._hosted_call(connection, lambda p: p.create(connection, request))
        ref = MeetingRef(
            provider=desired.provider,
            meeting_id=made.meeting_id,
            connection_id=connection.connection_id,
            host_user_id=desired.host_user_id,
            join_url=made.join_url,
            start_url=made.host_url,
            password=made.passcode,
            start_url_at=self.clock().astimezone(UTC),
            start=desired.start,
            duration_minutes=desired.duration_minutes,
            settings=desired.settings,
            external_id=request.external_id,
        )
        return self._store(session, ref)

    def _request(self, session: Session, desired: Desired, external_id: str | None) -> MeetingRequest:
        """The session's meeting as the provider interface takes it. The external id (Teams'
        createOrGet key) is the session's marker and its start when first made: the same on every
        retry of one create, so a lost answer is found again and never made twice."""
        from shared.adapters.provider_meeting import MeetingRequest

        start = desired.start.astimezone(UTC)
        return MeetingRequest(
            external_id=external_id or f"{marker(session)}:{int(start.timestamp())}",
            subject=desired.topic,
            start=start,
            end=start + timedelta(minutes=desired.duration_minutes),
            settings=desired.settings,
        )

    def provider(self, name: str) -> MeetingProvider:
        """A provider behind the interface (the pre-session checks read meetings with it)."""
        return self._provider(name)

    def _provider(self, name: str) -> MeetingProvider:
        if self._hosted is None:
            raise RuntimeError("this deployment builds no Google or Microsoft provider")
        return self._hosted(name)

    def _hosted_call(self, connection: ZoomConnection, action: Callable[[MeetingProvider], Any]) -> Any:
        """X15: an account that cannot make meetings (a Microsoft user without a Teams licence, a
        personal account, a Google account without Meet) is the admin's to fix: its connection says
        why and needs connecting again (its sessions wait, clients see the clear page)."""
        try:
            return action(self._provider(connection.provider))
        except ProviderAccountUnsupported as unsupported:
            from shared.services.connections import mark_needs_reconnect

            self.flagged += mark_needs_reconnect(self.repo, connection, failure_reason(unsupported))
            raise

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

    def _spec(self, session: Session, desired: Desired, actual: MeetingRef | None) -> MeetingSpec:
        from shared.adapters.zoom.client import MeetingSpec

        password = None
        if desired.settings.passcode_required:  # the meeting's own passcode is kept once it has one
            password = (actual.password if actual else None) or _passcode()
        return MeetingSpec(
            topic=desired.topic,
            start_time=desired.start,
            duration_minutes=desired.duration_minutes,
            timezone="UTC",
            agenda=marker(session),
            registration=desired.registration,
            settings=desired.settings,
            password=password,
        )

    def _ref(self, connection: ZoomConnection, desired: Desired, meeting: ZoomMeeting) -> MeetingRef:
        return MeetingRef(
            meeting_id=str(meeting.id),
            connection_id=connection.connection_id,
            host_user_id=desired.host_user_id,
            join_url=meeting.join_url,
            start_url=meeting.start_url,
            password=meeting.password or None,
            start_url_at=self.clock().astimezone(UTC),
            start=desired.start,
            duration_minutes=desired.duration_minutes,
            registration=desired.registration,
            settings=desired.settings,
        )


def _passcode() -> str:
    """Zoom's rule: at most 10 characters of letters, digits and @ - _ * (its spec, `password`)."""
    return "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(10))


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
