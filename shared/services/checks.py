"""X10: checks before each session. A day and an hour before (the site's `meeting_check_hours`),
a session's connection and provider meeting are checked: the connection still works (its tokens
refresh), the meeting still exists with the session's time and host (one GET). What can be
repaired is: a meeting gone or moved to another host at Zoom is made again, a time changed there
is put back (both by the session's own item, the reconciler); what cannot (the connection must be
connected again, the host was deactivated) is recorded on the session for its admin
(`last_check`), while the client's stable link shows a clear page rather than a dead meeting.

The schedule (the worker's, every minute) reads the check index (sessions with a provider meeting
by start time, across sites; shared.adapters.repository) for each offset a site may choose, and
flags a CHECK item per session due, once per offset; the pipeline does the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.adapters.zoom.errors import ZoomNotFound
from shared.domain.errors import ProviderMeetingNotFound, VclinksError, ZoomNeedsReconnect
from shared.domain.meetings import Desired, desired_meeting
from shared.domain.models import CHECK_HOURS, ConnectionStatus, SessionCheck, SessionStatus, Site
from shared.domain.work import Work, WorkRef
from shared.services.meetings import Snapshot, failure_reason, load_snapshot

if TYPE_CHECKING:
    from shared.adapters.queue import WorkQueue
    from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
LOOKBACK = timedelta(minutes=15)
"""A check whose moment passed less than this long ago is still made (a schedule run missed)."""
LEASE_SECONDS = 50


def flag_due_checks(repo: Repository, queue: WorkQueue, now: datetime) -> int:
    """The schedule's part: flag the CHECK items that fell due since LOOKBACK ago; how many."""
    owner = f"checks-{now.timestamp()}"
    if not repo.take_lease("zoom-checks", owner, LEASE_SECONDS):
        return 0
    try:
        flagged = []
        sites: dict[str, Site | None] = {}
        for hours in CHECK_HOURS:
            ahead = timedelta(hours=hours)
            for site_id, session_id, start, done in repo.sessions_starting(
                now + ahead - LOOKBACK, now + ahead
            ):
                if hours in done:
                    continue
                if site_id not in sites:
                    sites[site_id] = repo.get_site(site_id)
                site = sites[site_id]
                if site is None or hours not in site.settings.meeting_check_hours:
                    continue
                if repo.flag_check(site_id, session_id, start, hours):
                    flagged.append(WorkRef.check(site_id, session_id))
        queue.send(flagged)
        return len(flagged)
    finally:
        repo.release_lease("zoom-checks", owner)


def check_before_session(ctx: StepContext, work: Work) -> None:
    """CHECK: the session's connection and provider meeting, repaired or the problem recorded."""
    snapshot = load_snapshot(ctx.repo, work.ref.site_id, work.ref.session_id)
    if snapshot is None:
        return
    session, now = snapshot.session, ctx.clock()
    if session.end <= now or session.status is SessionStatus.CANCELLED:
        return
    desired = desired_meeting(snapshot.site, snapshot.service, session, snapshot.staff)
    if desired is None:
        return  # no provider meeting wanted: nothing to check
    problem, repaired = _check(ctx, snapshot, desired)
    outcome = SessionCheck(at=now, problem=problem, repaired=repaired)
    ctx.repo.record_check(session.site_id, session.session_id, outcome)
    logger.info("session checked", extra={"problem": problem, "repaired": repaired})
    return


def _check(ctx: StepContext, snapshot: Snapshot, desired: Desired) -> tuple[str | None, str | None]:
    """(what the admin must fix, what was repaired): each None when there is nothing to say."""
    repo, session = ctx.repo, snapshot.session
    if desired.blocked is not None:
        return desired.blocked, None
    if desired.provider != "zoom":
        return _check_hosted(ctx, snapshot, desired)
    connection = repo.get_connection(session.site_id, desired.connection_id)
    if connection is None or connection.removal is not None:
        return "needs_reconnect", None
    tokens, zoom = ctx.meetings.tokens, ctx.meetings.zoom
    try:
        tokens.access_token(connection)  # the connection still works: its tokens refresh
    except ZoomNeedsReconnect as dead:
        return failure_reason(dead), None
    meeting = session.meeting
    if meeting is None:  # its meeting is still pending: the reconciler tries again now
        _flag_session(ctx, session.site_id, session.session_id)
        return session.pending_reason or "no_meeting", "retried"
    owner = repo.get_connection(session.site_id, meeting.connection_id)
    if owner is None or owner.status is not ConnectionStatus.CONNECTED:
        return "needs_reconnect", None
    try:
        actual = tokens.call(owner, partial(zoom.get_meeting, meeting_id=meeting.meeting_id))
    except ZoomNeedsReconnect as dead:  # its grant was refused on the way
        return failure_reason(dead), None
    except ZoomNotFound:  # deleted at Zoom: made again
        _forget(ctx, session.site_id, session.session_id, meeting.meeting_id, "meeting_missing_at_zoom")
        return None, "recreated"
    if actual.host_id and actual.host_id != desired.host_user_id:  # given to another host there
        _forget(ctx, session.site_id, session.session_id, meeting.meeting_id, "meeting_host_changed_at_zoom")
        return None, "recreated"
    starts = actual.starts_at()
    if (starts is not None and starts != desired.start) or (
        actual.duration is not None and actual.duration != desired.duration_minutes
    ):
        repo.note_meeting_at_zoom(
            session.site_id, session.session_id, meeting.meeting_id, starts, actual.duration
        )
        ctx.queue.send([WorkRef.session(session.site_id, session.session_id)])
        return None, "time_put_back"
    repo.store_start_url(session, actual.start_url, ctx.clock())  # the host link, fresh for the session
    return None, None


def _check_hosted(ctx: StepContext, snapshot: Snapshot, desired: Desired) -> tuple[str | None, str | None]:
    """Google Meet, Teams: the same checks through the provider interface (one read). A meeting
    gone there is made again; a Teams meeting moved there is put back (a Meet space has no time)."""
    repo, session, meeting = ctx.repo, snapshot.session, snapshot.session.meeting
    connection = repo.get_connection(session.site_id, desired.connection_id)
    if connection is None or connection.removal is not None:
        return "needs_reconnect", None
    if meeting is None:  # its meeting is still pending: the reconciler tries again now
        _flag_session(ctx, session.site_id, session.session_id)
        return session.pending_reason or "no_meeting", "retried"
    owner = repo.get_connection(session.site_id, meeting.connection_id)
    if owner is None or owner.status is not ConnectionStatus.CONNECTED:
        return "needs_reconnect", None
    try:
        actual = ctx.meetings.provider(meeting.provider).read(owner, meeting.meeting_id)
    except ProviderMeetingNotFound:
        _forget(ctx, session.site_id, session.session_id, meeting.meeting_id, "meeting_missing_at_provider")
        return None, "recreated"
    except VclinksError as failure:  # a dead grant, an unsupported account, the provider down
        return failure_reason(failure), None
    if actual.start is not None and actual.end is not None:
        minutes = round((actual.end - actual.start).total_seconds() / 60)
        if actual.start != desired.start or minutes != desired.duration_minutes:
            repo.note_meeting_at_zoom(
                session.site_id, session.session_id, meeting.meeting_id, actual.start, minutes
            )
            ctx.queue.send([WorkRef.session(session.site_id, session.session_id)])
            return None, "time_put_back"
    return None, None


def _flag_session(ctx: StepContext, site_id: str, session_id: str) -> None:
    ref = [WorkRef.session(site_id, session_id)]
    ctx.repo.flag_work(ref, timedelta())
    ctx.queue.send(ref)


def _forget(ctx: StepContext, site_id: str, session_id: str, meeting_id: str, reason: str) -> None:
    if ctx.repo.forget_meeting(site_id, session_id, meeting_id, reason):
        ctx.queue.send([WorkRef.session(site_id, session_id)])
