"""X01: join links sent before tokens became opaque (readable ids, then the secret) keep working,
and are still revoked by their secret."""

from __future__ import annotations

import base64

from tests.support.api import Api, SiteHandle
from tests.support.links import MEET, book, set_default, setup_session


def first_format(site_id: str, session_id: str, booking_id: str, secret: str) -> str:
    ids = "\x1f".join((site_id, session_id, booking_id)).encode()
    return f"/v1/j/{base64.urlsafe_b64encode(ids).rstrip(b'=').decode()}.{secret}"


def test_x01_links_sent_in_the_first_format_keep_working(site: SiteHandle, anonymous: Api) -> None:
    from shared.bootstrap import container

    set_default(site)
    setup_session(site)
    book(site)
    store = container().repo
    booking = store.get_booking(site.site_id, "s1", "b1")
    session = store.get_session(site.site_id, "s1")
    assert booking is not None
    assert session is not None

    client = anonymous.get(first_format(site.site_id, "s1", "b1", booking.join_secret))
    staff = anonymous.get(first_format(site.site_id, "s1", "", session.staff_join_secret))
    assert (client.status, client.headers["Location"]) == (302, MEET)
    assert (staff.status, staff.headers["Location"]) == (302, MEET)

    assert anonymous.get(first_format(site.site_id, "s1", "b1", "not-the-secret")).status == 404
    assert site.api.delete(f"{site.base}/sessions/s1/bookings/b1").status == 204
    cancelled = anonymous.get(first_format(site.site_id, "s1", "b1", booking.join_secret))
    assert cancelled.status == 200
    assert "cancelled" in cancelled.text
