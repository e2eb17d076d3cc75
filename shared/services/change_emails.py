"""X02: clients who were emailed hear of a change, once (the pipeline's "tell" steps).

SESSION, step 2 (`tell_clients`), after the meeting is in step: if what the session's
clients see changed since its bookings were last brought in step (the link, its meeting,
the times, the host, a cancellation), every booking gets a BOOKING item, through a paged
fan-out. BOOKING, step 2 (`tell_client`): the client's email saying what changed since
their last one (or that the booking or the session is cancelled), none when nothing they
see changed; one refused address never holds up another client's, and a refusal for good
is recorded on the booking.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from shared.domain.models import Audience, Session
from shared.domain.resolver import Decision, Link, NoLink, resolve
from shared.domain.webhooks import EventType
from shared.domain.work import Deferred, Work, WorkRef
from shared.services import platform_events
from shared.services.notifications import EmailJob, change_email_type
from shared.services.pipeline import StepContext


def tell_clients(ctx: StepContext, work: Work) -> None:
    site_id, session_id = work.ref.site_id, work.ref.session_id
    context = ctx.repo.load_link_context(site_id, session_id, None)
    site, session = context.site, context.session
    if site is None or session is None or site.deleted_at is not None:
        return
    staff, service = ctx.repo.load_staff_and_service(site_id, session.staff_id, session.service_id)
    if service is None:
        return
    decision = resolve(site, service, session, staff, Audience.CLIENT, None, ctx.clock())
    meeting = session.meeting
    seen = json.dumps(
        [
            decision.model_dump(mode="json", exclude={"opens_at"}),
            meeting.meeting_id if meeting and meeting.registration else None,
            session.start.isoformat(),
            session.end.isoformat(),
            session.status.value,
            session.staff_id,
        ],
        sort_keys=True,
    )
    fingerprint = hashlib.sha256(seen.encode()).hexdigest()[:32]
    if fingerprint == session.clients_fingerprint:
        return
    if ctx.repo.bookings_page(site_id, session_id, None, 1).items:  # no bookings yet: nobody to tell
        ctx.repo.flag_work([WorkRef.bookings(site_id, session_id)], timedelta())
        ctx.queue.send_dispatch()
    event = None
    if session.clients_fingerprint is not None:  # a change of what was seen, not the first look
        event = platform_events.event_ref(
            site, EventType.SESSION_LINK_CHANGED, link_event(session, decision), ctx.clock()
        )
    ctx.repo.set_clients_fingerprint(session, fingerprint, [event] if event else ())
    if event is not None:
        ctx.queue.send([event])
    return


def link_event(session: Session, decision: Decision) -> dict[str, Any]:
    """What session.link_changed says: whether clients have a link now, from where, or why not."""
    return {
        "session_id": session.session_id,
        "status": session.status.value,
        "link_available": isinstance(decision, Link),
        "provider": decision.provider if isinstance(decision, Link) else None,
        "reason": decision.reason.value if isinstance(decision, NoLink) else None,
    }


def tell_client(ctx: StepContext, work: Work) -> None:
    site_id, session_id, booking_id = work.ref.site_id, work.ref.session_id, work.ref.booking_id
    context = ctx.repo.load_link_context(site_id, session_id, booking_id)
    site, session, booking = context.site, context.session, context.booking
    if site is None or session is None or booking is None or site.deleted_at is not None:
        return
    staff, service = ctx.repo.load_staff_and_service(site_id, session.staff_id, session.service_id)
    if service is None:
        return
    if not ctx.notifier.links.base_url:  # a request that knows no public URL: the worker does
        raise Deferred("no public base URL here for the join links")
    job = EmailJob(site, service, session, staff, booking, change_email_type(service))
    ctx.notifier.tell_of_change(job)
    return
