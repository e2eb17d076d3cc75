"""No secret is ever logged or returned: a whole day of a site (OAuth connect, meetings,
links, a token refresh, an email, refused calls) logged at DEBUG, then searched for every
secret it handled: the API key, the Zoom app secret, access and refresh tokens, meeting
passwords and host links, join-link secrets."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from local.zoom_emulator import ZoomEmulator
from tests.support.api import Api, SiteHandle
from tests.support.links import START, iso
from tests.support.zoom import connect

ZOOM_TOKEN = re.compile(r"\be[ar]-[A-Za-z0-9_-]{32}")


class Collect(logging.Handler):
    """Every log line as the service's own (Powertools JSON) formatter writes it."""

    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs() -> Iterator[Collect]:
    import shared.http.api  # noqa: F401 - the service's logger, configured

    vclinks = logging.getLogger("vclinks")
    level = vclinks.level
    collect = Collect(vclinks.handlers[0].formatter if vclinks.handlers else None)
    vclinks.addHandler(collect)
    vclinks.setLevel(logging.DEBUG)
    yield collect
    vclinks.removeHandler(collect)
    vclinks.setLevel(level)


def test_no_secret_reaches_the_logs_or_an_error_answer(
    site: SiteHandle,
    zoom: ZoomEmulator,
    debug_logs: Collect,
) -> None:
    from shared.bootstrap import container

    answers: list[str] = []
    connect(site, zoom, access="account")  # the admin-managed app: it may list the users
    body = {"kind": "class", "online": True}
    assert site.api.put(f"{site.base}/services/svc", body).status == 200
    session = {"service_id": "svc", "start": iso(START), "end": iso(START + timedelta(hours=1))}
    assert site.api.put(f"{site.base}/sessions/s1", session).status == 201
    booking = site.api.put(
        f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": "ada@x.test"}
    )
    answers.append(site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).text)
    zoom.expire_access_tokens()
    users = site.api.get(f"{site.base}/zoom/users")  # a refresh, under the lease
    assert users.status == 200, users.text
    answers.append(users.text)
    notify = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1"}
    assert site.api.post(f"{site.base}/notifications", notify).status == 200
    answers.append(site.api.as_(site.api_key + "x").get(f"{site.base}/settings").text)  # refused
    answers.append(site.api.post("/v1/zoom/webhook", {"event": "app_deauthorized"}).text)  # unsigned

    stored = container().repo.get_session(site.site_id, "s1")
    assert stored is not None
    assert stored.meeting is not None
    secrets = {
        "API key": site.api_key,
        "API key secret": site.api_key.partition(".")[2],
        "Zoom client secret": zoom.client_secret,
        "meeting password": stored.meeting.password or "",
        "host link": stored.meeting.start_url,
        "staff join secret": stored.staff_join_secret,
        "client join link": booking.json["join_url"].rsplit("/", 1)[1],
    }
    output = "\n".join(debug_logs.lines)
    assert "zoom connected" in output  # the logs were captured: this search is not vacuous
    for name, secret in secrets.items():
        assert secret
        assert secret not in output, f"{name} was logged"
        assert all(secret not in answer for answer in answers[2:]), f"{name} in an error answer"
    assert not ZOOM_TOKEN.findall(output), "a Zoom access or refresh token was logged"


def test_a_log_line_never_carries_the_previous_requests_site_and_role(
    make_site: Any, anonymous: Api, debug_logs: Collect
) -> None:
    first, second = make_site("First"), make_site("Second")
    assert first.api.get(f"{first.base}/settings").status == 200  # site and role appended
    debug_logs.lines.clear()
    assert anonymous.get(f"{second.base}/settings").status == 401  # the next request, refused
    refused = [json.loads(line) for line in debug_logs.lines if '"request refused"' in line]
    assert refused, debug_logs.lines
    assert all("site_id" not in line and "role" not in line for line in refused)
    debug_logs.lines.clear()
    assert second.api.put(f"{second.base}/vc-account", {"provider": "none"}).status == 400
    logged = [json.loads(line) for line in debug_logs.lines if '"invalid request"' in line]
    assert len(logged) == 1
    assert {(line.get("site_id"), line.get("role")) for line in logged} == {(second.site_id, "admin")}
