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

from shared.domain.models import Audience
from shared.domain.resolver import resolve
from shared.domain.work import Deferred, Work, WorkRef
from shared.services.notifications import EmailJob, change_email_type
from shared.services.pipeline import StepContext


def tell_clients(ctx: StepContext, work: Work) -> None:
    site_id, session_id = work.ref.site_id, work.ref.session_id
    context = ctx.repo.load_link_context(site_id, session_id, None)
    site, session = context.site, context.session
    if site is None or session is None:
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
    ctx.repo.set_clients_fingerprint(session, fingerprint)
    return


def tell_client(ctx: StepContext, work: Work) -> None:
    site_id, session_id, booking_id = work.ref.site_id, work.ref.session_id, work.ref.booking_id
    context = ctx.repo.load_link_context(site_id, session_id, booking_id)
    site, session, booking = context.site, context.session, context.booking
    if site is None or session is None or booking is None:
        return
    staff, service = ctx.repo.load_staff_and_service(site_id, session.staff_id, session.service_id)
    if service is None:
        return
    if not ctx.notifier.links.base_url:  # a request that knows no public URL: the worker does
        raise Deferred("no public base URL here for the join links")
    job = EmailJob(site, service, session, staff, booking, change_email_type(service))
    ctx.notifier.tell_of_change(job)
    return
