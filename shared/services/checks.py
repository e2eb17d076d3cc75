"""X10: checks before each session. A day and an hour before (the site's `meeting_check_hours`),
a session's connection and provider meeting are checked, for every provider through the provider
interface (shared.services.providers): the connection still works (its tokens
refresh), the meeting still exists with the session's time, host and settings (one GET). What can
be repaired is: a meeting gone or moved to another host at Zoom is made again, a time changed there
is put back (both by the session's own item, the reconciler); a Meet space's or Teams meeting's
settings a host changed by hand are put back, for the fields the service sets (S09; one update,
recorded as `settings_put_back:<fields>`); what cannot (the connection must be
connected again, the host was deactivated) is recorded on the session for its admin
(`last_check`), while the client's stable link shows a clear page rather than a dead meeting.

The schedule (the worker's, every minute) reads the check index (sessions with a provider meeting
by start time, across sites; shared.adapters.repository) for each offset a site may choose, and
flags a CHECK item per session due, once per offset; the pipeline does the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.domain.errors import ProviderMeetingNotFound, VclinksError
from shared.domain.meeting_settings import drifted
from shared.domain.meetings import Desired, desired_meeting
from shared.domain.models import CHECK_HOURS, ConnectionStatus, SessionCheck, SessionStatus, Site
from shared.domain.work import Work, WorkRef
from shared.services.meetings import Snapshot, failure_reason, load_snapshot
from shared.services.providers import ChecksGrant, ExpiringHostLink

if TYPE_CHECKING:
    from shared.adapters.queue import WorkQueue
    from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
LOOKBACK = timedelta(minutes=15)
"""A check whose moment passed less than this long ago is still made (a schedule run missed)."""
LEASE_SECONDS = 50
REPAIRED_LENGTH = 200  # SessionCheck.repaired's limit (every field of one provider fits)


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
    """(what the admin must fix, what was repaired): each None when there is nothing to say.
    Through the provider interface, one read of the meeting: gone there -> made again; given to
    another host there -> made again; moved there -> put back (a Meet space has no time); its
    settings changed there -> put back (one update)."""
    repo, session = ctx.repo, snapshot.session
    if desired.blocked is not None:
        return desired.blocked, None
    connection = repo.get_connection(session.site_id, desired.connection_id)
    if connection is None or connection.removal is not None:
        return "needs_reconnect", None
    provider = ctx.meetings.provider(desired.provider)
    if isinstance(provider, ChecksGrant):
        try:
            provider.check_grant(connection)  # the connection still works: its tokens refresh
        except VclinksError as dead:
            return _lasting(dead), None
    meeting = session.meeting
    if meeting is None:  # its meeting is still pending: the reconciler tries again now
        _flag_session(ctx, session.site_id, session.session_id)
        return session.pending_reason or "no_meeting", "retried"
    owner = repo.get_connection(session.site_id, meeting.connection_id)
    if owner is None or owner.status is not ConnectionStatus.CONNECTED:
        return "needs_reconnect", None
    at = ctx.meetings.provider(meeting.provider)
    try:
        actual = at.read(owner, meeting.meeting_id)
    except ProviderMeetingNotFound:  # deleted there: made again
        _forget(ctx, session.site_id, session.session_id, meeting.meeting_id, f"meeting_missing_at_{at.name}")
        return None, "recreated"
    except VclinksError as failure:  # a dead grant, an unsupported account
        return _lasting(failure), None
    if actual.host_user_id and actual.host_user_id != desired.host_user_id:  # given to another host there
        _forget(
            ctx, session.site_id, session.session_id, meeting.meeting_id, f"meeting_host_changed_at_{at.name}"
        )
        return None, "recreated"
    minutes = actual.duration_minutes
    if (actual.start is not None and actual.start != desired.start) or (
        minutes is not None and minutes != desired.duration_minutes
    ):
        repo.note_meeting_at_zoom(
            session.site_id, session.session_id, meeting.meeting_id, actual.start, minutes
        )
        ctx.queue.send([WorkRef.session(session.site_id, session.session_id)])
        return None, "time_put_back"  # Teams: that update sends the settings too
    changed = drifted(meeting.provider, desired.settings, actual.settings)
    if changed:  # a host changed them by hand (Meet's or Teams' own screens): sent again, one update
        try:
            ctx.meetings.put_back_settings(owner, session, desired, meeting)
        except VclinksError as failure:
            return _lasting(failure), None
        return None, f"settings_put_back:{','.join(changed)}"[:REPAIRED_LENGTH]
    if isinstance(at, ExpiringHostLink):  # the host link, fresh for the session
        repo.store_start_url(session, actual.host_url, ctx.clock())
    return None, None


def _lasting(failure: VclinksError) -> str:
    """What the admin sees for a failure that stays (a dead grant, an account that cannot make
    meetings); a passing one (the provider down, its rate limit: 503) is raised, and the worker
    checks again shortly."""
    if failure.status == 503:
        raise failure
    return failure_reason(failure)


def _flag_session(ctx: StepContext, site_id: str, session_id: str) -> None:
    ref = [WorkRef.session(site_id, session_id)]
    ctx.repo.flag_work(ref, timedelta())
    ctx.queue.send(ref)


def _forget(ctx: StepContext, site_id: str, session_id: str, meeting_id: str, reason: str) -> None:
    if ctx.repo.forget_meeting(site_id, session_id, meeting_id, reason):
        ctx.queue.send([WorkRef.session(site_id, session_id)])
