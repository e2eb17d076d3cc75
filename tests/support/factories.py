"""Build sites, staff, services, sessions and bookings in one line (tests only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.domain.models import (
    Booking,
    CustomLink,
    JitsiAccount,
    MeetingRef,
    Registrant,
    Service,
    ServiceKind,
    Session,
    Site,
    SiteSettings,
    Staff,
    ZoomAccount,
)

SITE = "studio"
START = datetime(2030, 1, 7, 18, 0, tzinfo=UTC)
DEFAULT_URL = "https://meet.google.com/default-room"
STAFF_URL = "https://teams.example.com/anna"
COURSE_URL = "https://meet.jit.si/course-room"
OVERRIDE_URL = "https://zoom.example.com/j/override"


def custom(url: str = DEFAULT_URL, **kw: Any) -> CustomLink:
    return CustomLink(url=url, **kw)


def jitsi() -> JitsiAccount:
    return JitsiAccount()


def zoom_account(connection: str = "conn-1", user: str = "zu-host", **kw: Any) -> ZoomAccount:
    return ZoomAccount(connection_id=connection, zoom_user_id=user, **kw)


def site(default: Any = "custom", **settings: Any) -> Site:
    account = custom() if default == "custom" else default
    return Site(
        site_id=SITE,
        name="Studio",
        api_key_hash="x",
        token_secret="y",
        default_account=account,
        settings=SiteSettings(**settings),
        created_at=START - timedelta(days=30),
    )


def service(kind: str = "appointment", online: bool = True, course_link: CustomLink | None = None) -> Service:
    return Service(
        site_id=SITE, service_id="svc", kind=ServiceKind(kind), online=online, course_link=course_link
    )


def staff(account: Any = None, staff_id: str = "anna") -> Staff:
    return Staff(site_id=SITE, staff_id=staff_id, account=account)


def session(**kw: Any) -> Session:
    fields: dict[str, Any] = {
        "site_id": SITE,
        "session_id": "s1",
        "service_id": "svc",
        "staff_id": "anna",
        "start": START,
        "end": START + timedelta(hours=1),
        "jitsi_room": "vclinks-room-s1",
        "staff_join_secret": "staff-secret",
    }
    fields.update(kw)
    return Session(**fields)


def meeting(connection: str = "conn-1", host: str = "zu-host", meeting_id: str = "111") -> MeetingRef:
    return MeetingRef(
        meeting_id=meeting_id,
        connection_id=connection,
        host_user_id=host,
        join_url=f"https://zoom.example.com/j/{meeting_id}",
        start_url=f"https://zoom.example.com/s/{meeting_id}?zak=host",
        password="zpw",
    )


def booking(booking_id: str = "b1", registrant_of: str | None = None, **kw: Any) -> Booking:
    registrant = (
        Registrant(
            registrant_id=f"r-{booking_id}",
            join_url=f"https://zoom.example.com/w/{registrant_of}?tk={booking_id}",
            meeting_id=registrant_of,
        )
        if registrant_of
        else None
    )
    return Booking(
        site_id=SITE,
        session_id="s1",
        booking_id=booking_id,
        join_secret=f"secret-{booking_id}",
        registrant=registrant,
        **kw,
    )
