"""Fan-outs: a change that spreads (a service toggled, a course link edited, an account set,
a connection lost) becomes one item per affected session or booking, a page at a time.

Each page reads one narrow index (the upcoming sessions of a service, a staff member, a
connection, or the site; the bookings of a session) and flags an item for each record on
it; the dispatcher then queues those items fairly. A fan-out item keeps its cursor between
pages, and a new change to the same scope starts it again from the first page.
"""

from __future__ import annotations

from datetime import timedelta

from shared.domain.models import BookingStatus
from shared.domain.work import Work, WorkRef
from shared.services.pipeline import StepContext


def to_sessions(ctx: StepContext, work: Work) -> str | None:
    """SESSIONS: a SESSION item for each upcoming session of the scope (site, service, staff, connection)."""
    site_id = work.ref.site_id
    page = ctx.repo.sessions_of(site_id, work.ref.target, ctx.clock(), work.cursor, ctx.page_size)
    _flag(ctx, [WorkRef.session(site_id, session_id) for session_id in page.items])
    return page.cursor


def to_bookings(ctx: StepContext, work: Work) -> str | None:
    """BOOKINGS: a BOOKING item for each booking of the session that may need its registrant or an email."""
    site_id, session_id = work.ref.site_id, work.ref.session_id
    page = ctx.repo.bookings_page(site_id, session_id, work.cursor, ctx.page_size)
    refs = [
        WorkRef.booking(site_id, session_id, booking.booking_id)
        for booking in page.items
        if booking.status is BookingStatus.ACTIVE or booking.registrant is not None
    ]
    _flag(ctx, refs)
    return page.cursor


def _flag(ctx: StepContext, refs: list[WorkRef]) -> None:
    if refs:
        ctx.repo.flag_work(refs, timedelta())
        ctx.queue.send_dispatch()
