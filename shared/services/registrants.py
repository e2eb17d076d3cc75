"""S03: in a group class, each client's own Zoom registrant (a join link of their own) in the
class's one meeting; cancelled with the booking. The BOOKING item's first step. Through the
provider's `Registrants` capability (shared.services.providers): Zoom has it, Meet and Teams not.

The registrant follows the meeting: a booking whose registrant belongs to an older meeting
(the class moved to another host) gets a new one. While the session's meeting is not ready,
nothing is done here: the session's own item fans out to its bookings once it is. A meeting
without registration (a Basic host's: Zoom takes no registrants) gives every client its join link.

Zoom adds the same registrant to a meeting at most 3 times a day: past that, this booking's
item waits for 00:00 UTC (the other bookings go on); its client has the meeting's own join
link meanwhile. A host Zoom says is Basic after all (code 200) is noted: the class's meeting
is set to take no registrants.
"""

from __future__ import annotations

from shared.domain.errors import ZoomHostNotLicensed, ZoomMissingScopes, ZoomRegistrantRateLimited
from shared.domain.models import BASIC_ZOOM_USER, BookingStatus, ConnectionStatus, MeetingState, Registrant
from shared.domain.work import Retry, Work, next_utc_midnight
from shared.services import connections
from shared.services.pipeline import StepContext
from shared.services.providers import Registrants


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
    provider = ctx.meetings.provider(meeting.provider)
    if not isinstance(provider, Registrants):
        return  # a provider without registrants: every client has the meeting's join link
    if wanted:
        first, _, last = (booking.client_name or "Client").partition(" ")
        email = booking.client_email or ""
        try:
            added = provider.add_registrant(connection, meeting.meeting_id, email, first, last)
        except ZoomRegistrantRateLimited as limited:  # this registrant only, for today
            raise Retry("zoom_registrant_daily_limit", at=next_utc_midnight(ctx.clock())) from limited
        except ZoomHostNotLicensed:  # a Basic host after all: its meetings take no registrants
            if meeting.host_user_id == connection.zoom_user_id:
                ctx.queue.send(connections.note_user_type(ctx.repo, connection, BASIC_ZOOM_USER))
            return
        except ZoomMissingScopes as missing:
            from shared.services.meetings import failure_reason

            ctx.queue.send(
                connections.note_problem(ctx.repo, site_id, connection.connection_id, failure_reason(missing))
            )
            raise
        registrant = Registrant(
            registrant_id=added.registrant_id, join_url=added.join_url, meeting_id=meeting.meeting_id
        )
        ctx.repo.set_registrant(booking, registrant)
    else:
        assert current is not None
        provider.cancel_registrant(
            connection, meeting.meeting_id, current.registrant_id, booking.client_email or ""
        )  # a meeting gone at the provider took its registrant with it
        ctx.repo.set_registrant(booking, None)
    return
