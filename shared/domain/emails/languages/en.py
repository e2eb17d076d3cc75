"""English (en-GB conventions: day before month, 24-hour clock)."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Hello [recipient_name],",
        greeting_unnamed="Hello,",
        signoff="Kind regards,",
        when="When: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "Your booking is confirmed: [service_name]",
                "Your booking for [service_name] is confirmed.",
            ),
            T.REMINDER: (
                "Reminder: [service_name] on [session_day]",
                "This is a reminder of your upcoming session: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "Your booking has changed: [service_name]",
                "Your booking for [service_name] has been changed.",
            ),
            T.COURSE_CHANGED: (
                "Your course has changed: [service_name]",
                "The details of your course [service_name] have been changed.",
            ),
            T.REQUEST_APPROVED: (
                "Your request is approved: [service_name]",
                "Your booking request for [service_name] has been approved.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"New booking: [client_name], [service_name], {_ON}",
                "[client_name] has booked [service_name].",
            ),
            T.REMINDER: (
                f"Reminder: [service_name] with [client_name], {_ON}",
                "This is a reminder of your upcoming session with [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Booking changed: [client_name], [service_name], {_ON}",
                "The booking of [client_name] for [service_name] has been changed.",
            ),
            T.COURSE_CHANGED: (
                f"Course changed: [client_name], [service_name], {_ON}",
                "The course [service_name] booked by [client_name] has been changed.",
            ),
            T.REQUEST_APPROVED: (
                f"Request approved: [client_name], [service_name], {_ON}",
                "The booking request of [client_name] for [service_name] has been approved.",
            ),
        },
        booking_cancelled=(
            "Your booking is cancelled: [service_name]",
            "Your booking for [service_name] has been cancelled.",
        ),
        session_cancelled=(
            "Session cancelled: [service_name] on [session_day]",
            "Unfortunately, we have had to cancel the session [service_name]. Your booking is "
            "therefore cancelled. We apologise for the inconvenience.",
        ),
        staff_booking_cancelled=(
            f"Booking cancelled: [client_name], [service_name], {_ON}",
            "The booking of [client_name] for [service_name] has been cancelled.",
        ),
        staff_session_cancelled=(
            f"Session cancelled: [service_name], {_ON}",
            "The session [service_name] has been cancelled; the booking of [client_name] is "
            "cancelled with it.",
        ),
        changes_heading="What has changed:",
        time_changed="New time: {new} (was: {old})",
        link_changed="The link to join has changed: please use the one below.",
        now_in_person="This session now takes place in person: there is no link to join any more.",
        now_online="This session now takes place online: join with the link below.",
        password_changed="New password: {password}",
        host_changed="Your session is now with {new}.",
        host_instead=" (instead of {old})",
        host_changed_unnamed="Your session will be led by someone else.",
        join_heading="Join online",
        join_button="Join the session",
        join_link="Link to join",
        host_heading="Your host link",
        host_button="Start the meeting",
        host_link="Host link",
        password="Password",
        colon=": ",
        opens_at="The link opens at {time}.",
        opens_on="The link opens on {date} at {time}.",
    ),
    page=PageWording(
        unknown_title="This link is not valid",
        unknown_message="The link may be mistyped, or the booking was cancelled.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "No meeting link",
                "The business has no video-conference account connected. Please contact them.",
            ),
            Reason.SERVICE_NOT_ONLINE: ("No meeting link", "This service has no online meeting."),
            Reason.SESSION_CANCELLED: (
                "This session was cancelled",
                "The business has cancelled this session.",
            ),
            Reason.OFFLINE: ("This session takes place in person", "There is no online meeting for it."),
            Reason.BOOKING_CANCELLED: (
                "This booking was cancelled",
                "Its link no longer opens the meeting.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "No meeting link here",
                "The business does not show meeting links here. Please use the link in your email.",
            ),
            Reason.NOT_YET_OPEN: (
                "The meeting is not open yet",
                "The link opens shortly before the session starts.",
            ),
            Reason.NEEDS_RECONNECT: (
                "The meeting is not available",
                "The business must connect its video-conference account again. Please try again "
                "later or contact them.",
            ),
            Reason.PENDING: ("The meeting is being prepared", "Please try again in a moment."),
        },
        opens_at="It opens on {date} at {time} ({zone}).",
        zoom_failed_title="Zoom was not connected",
        zoom_failed={
            "invalid-input": "This connect request is not valid. Please start again from your site.",
            "conflict": "This connect request was already used. Please start again from your site.",
            "gone": "This connect request has expired. Please start again from your site.",
            "default": "Something went wrong. Please start again from your site.",
        },
    ),
)
