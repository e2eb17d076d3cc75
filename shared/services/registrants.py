"""S03: in a group class, each client's own Zoom registrant (a join link of their own) in the
class's one meeting; cancelled with the booking. The BOOKING item's first step.

The registrant follows the meeting: a booking whose registrant belongs to an older meeting
(the class moved to another host) gets a new one. While the session's meeting is not ready,
nothing is done here: the session's own item fans out to its bookings once it is.
"""

from __future__ import annotations

import contextlib

from shared.adapters.zoom.errors import ZoomNotFound
from shared.domain.models import BookingStatus, ConnectionStatus, MeetingState, Registrant
from shared.domain.work import Work
from shared.services.pipeline import StepContext


def sync_registrant(ctx: StepContext, work: Work) -> None:
    site_id, session_id, booking_id = work.ref.site_id, work.ref.session_id, work.ref.booking_id
    context = ctx.repo.load_link_context(site_id, session_id, booking_id)
    session, booking = context.session, context.booking
    if session is None or booking is None:
        return
    meeting = session.meeting
    if meeting is None or not meeting.registration or session.meeting_state is not MeetingState.READY:
        return
    current = (
        booking.registrant
        if booking.registrant and booking.registrant.meeting_id == meeting.meeting_id
        else None
    )
    active = booking.status is BookingStatus.ACTIVE
    wanted = active and current is None and bool(booking.client_email)  # Zoom registers by email
    unwanted = not active and current is not None
    if not (wanted or unwanted):
        return
    connection = ctx.repo.get_connection(site_id, meeting.connection_id)
    if connection is None or connection.status is not ConnectionStatus.CONNECTED:
        return  # the session's item settles the meeting first
    zoom, tokens = ctx.meetings.zoom, ctx.meetings.tokens
    if wanted:
        first, _, last = (booking.client_name or "Client").partition(" ")
        email = booking.client_email or ""
        added = tokens.call(
            connection, lambda token: zoom.add_registrant(token, meeting.meeting_id, email, first, last)
        )
        registrant = Registrant(
            registrant_id=added.registrant_id, join_url=added.join_url, meeting_id=meeting.meeting_id
        )
        ctx.repo.set_registrant(booking, registrant)
    else:
        assert current is not None
        pair = [(current.registrant_id, booking.client_email or "")]
        with contextlib.suppress(ZoomNotFound):
            tokens.call(connection, lambda token: zoom.cancel_registrants(token, meeting.meeting_id, pair))
        ctx.repo.set_registrant(booking, None)
    return
