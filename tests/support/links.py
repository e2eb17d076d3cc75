"""Helpers of the link-rule scenarios: a site's default, a session, a booking, their links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import SiteHandle

MEET = "https://meet.google.com/abc-defg-hij"
TEAMS = "https://teams.example.com/l/anna"
COURSE = "https://meet.jit.si/course-room"
OVERRIDE = "https://whereby.com/special"
START = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def setup_session(
    site: SiteHandle,
    *,
    kind: str = "appointment",
    online: bool = True,
    staff: str | None = "anna",
    session: str = "s1",
    service: str = "svc",
    start: datetime = START,
) -> None:
    assert site.api.put(f"{site.base}/services/{service}", {"kind": kind, "online": online}).status == 200
    answer = site.api.put(
        f"{site.base}/sessions/{session}",
        {
            "service_id": service,
            "staff_id": staff,
            "start": iso(start),
            "end": iso(start + timedelta(hours=1)),
        },
    )
    assert answer.status in (200, 201), answer.text


def book(site: SiteHandle, booking: str = "b1", session: str = "s1") -> dict[str, Any]:
    answer = site.api.put(
        f"{site.base}/sessions/{session}/bookings/{booking}",
        {"client_name": "Bob Client", "client_email": "bob@client.test"},
    )
    assert answer.status in (200, 201), answer.text
    return answer.json


def client_link(site: SiteHandle, booking: str = "b1", session: str = "s1", **query: str) -> dict[str, Any]:
    answer = site.api.get(
        f"{site.base}/sessions/{session}/link", query={"audience": "client", "booking": booking, **query}
    )
    assert answer.status == 200, answer.text
    return answer.json


def staff_token(site: SiteHandle, staff: str = "anna") -> str:
    answer = site.api.post(f"{site.base}/tokens", {"role": "staff", "staff_id": staff})
    assert answer.status == 201, answer.text
    return answer.json["token"]


def set_default(site: SiteHandle, url: str = MEET, **extra: str) -> None:
    answer = site.api.put(f"{site.base}/vc-account", {"provider": "custom", "url": url, **extra})
    assert answer.status == 200, answer.text


def join_path(join_url: str) -> str:
    return join_url[join_url.index("/v1/j/") :]


# -- accounts -----------------------------------------------------------------------------
