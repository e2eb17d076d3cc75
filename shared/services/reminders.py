"""Reminders that send themselves (X08), through the pipeline.

- SESSION, step 3 (`plan_reminders`): the session keeps when its next reminder is due, from the
  site's offsets; that time is the key of the `by_reminder` index (sessions across sites by
  next reminder, in a few shards; a session is in it only while a reminder is to come).
- The schedule (`flag_due`, with the dispatcher's round every minute): reads what is due in
  that index and, for each session, stores its next reminder time together with a REMINDERS
  work item (one per session, offset and start) in one write; the dispatcher then queues the
  items fairly per site.
- REMINDERS (`send_reminders`): each active booking of the session gets that reminder once
  (a marker per booking, offset and start), a page of bookings per attempt. A session moved
  meanwhile is left to the items of its new start; a cancelled or started one gets none.

Why an index by next reminder time, not by start: each site has its own offsets, so a scan by
start would read every upcoming session once per offset in use; the reminder time already
folds the site's offsets in, so the schedule reads only what is due.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from shared.adapters.repository import REMIND_SHARDS, Repository
from shared.domain.errors import VclinksError
from shared.domain.models import BookingStatus, EmailType, Session, Site
from shared.domain.reminders import plan
from shared.domain.work import Work, WorkRef
from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
SCAN_PAGE = 100
SCAN_BUDGET = 2000
"""Sessions one schedule run plans at most (the rest waits a minute: they stay due in the index)."""
REMINDER_PAGE = 25
"""Bookings one attempt of a REMINDERS item emails (the rest is the item's next page)."""


def plan_reminders(ctx: StepContext, work: Work) -> None:
    """SESSION step: the session's next reminder, from the site's offsets (flags one due now).
    Reads nothing more for a site without reminders (what the request or step 1 read suffices)."""
    site = ctx.hint.site if ctx.hint is not None else ctx.repo.get_site(work.ref.site_id)
    if site is None:
        return
    session = ctx.session
    if not site.settings.reminder_offsets_minutes and session is not None and session.reminders is None:
        return
    replan(ctx.repo, site, work.ref.session_id, ctx.clock())


def replan(repo: Repository, site: Site, session_id: str, now: datetime) -> WorkRef | None:
    """Store the session's reminder state, and the REMINDERS item of a reminder due now, at once."""
    offsets = site.settings.reminder_offsets_minutes
    flagged: list[WorkRef] = []

    def change(current: Session | None) -> Session | None:
        flagged.clear()
        if current is None:
            return None
        decided = plan(current, offsets, now)
        if decided.due is not None:
            flagged.append(WorkRef.reminders(site.site_id, session_id, decided.due, current.start))
        return current.model_copy(update={"reminders": decided.state})

    repo.update_session(site.site_id, session_id, change, work=lambda _, __: list(flagged))
    return flagged[0] if flagged else None


def flag_due(repo: Repository, now: datetime) -> list[WorkRef]:
    """The schedule: flag the reminders due by `now`, across sites (bounded per run)."""
    sites: dict[str, Site | None] = {}
    refs: list[WorkRef] = []
    seen = 0
    for shard in range(REMIND_SHARDS):
        cursor: str | None = None
        while seen < SCAN_BUDGET:
            page = repo.reminders_due(shard, now, cursor, SCAN_PAGE)
            for site_id, session_id in page.items:
                seen += 1
                if site_id not in sites:
                    sites[site_id] = repo.get_site(site_id)
                site = sites[site_id]
                if site is None:
                    continue
                try:
                    ref = replan(repo, site, session_id, now)
                except VclinksError:  # a session busy with writes: it stays due, the next run takes it
                    logger.info("reminder not planned; tried again next run", extra={"site_id": site_id})
                    continue
                if ref is not None:
                    refs.append(ref)
            cursor = page.cursor
            if cursor is None:
                break
    return refs


def send_reminders(ctx: StepContext, work: Work) -> str | None:
    """REMINDERS: a page of the session's bookings get the reminder; returns where to go on."""
    from shared.services.notifications import EmailJob  # the email modules: not on the schedule's cold start

    offset, start = work.ref.reminder
    site_id, session_id = work.ref.site_id, work.ref.session_id
    context = ctx.repo.load_link_context(site_id, session_id, None)
    site, session = context.site, context.session
    if site is None or session is None or session.start != start or ctx.clock() >= start:
        return None  # moved (its new start has its own items), gone, or started
    staff, service = ctx.repo.load_staff_and_service(site_id, session.staff_id, session.service_id)
    if service is None:
        return None
    page = ctx.repo.bookings_page(site_id, session_id, work.cursor, REMINDER_PAGE)
    failed: Exception | None = None
    for booking in page.items:
        if booking.status is not BookingStatus.ACTIVE:
            continue
        job = EmailJob(site, service, session, staff, booking, EmailType.REMINDER)
        try:
            ctx.notifier.remind(job, offset, start)
        except Exception as error:  # one client's failure never holds up the others of the page
            failed = failed or error
    if failed is not None:
        raise failed  # the page is tried again: those sent are not sent twice (their markers)
    return page.cursor
