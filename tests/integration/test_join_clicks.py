"""X12: the first and latest click of each client's and staff member's stable link are kept
(times only) and shown to the admin: on the booking, and in the online-meetings report. A click
whose write fails still redirects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Api, SiteHandle
from tests.support.links import MEET, START, book, iso, join_path, set_default, setup_session

T0 = 1_900_000_000.0  # 2030-03-17 17:46:40 UTC


def moment(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, UTC))


@pytest.fixture
def clock(moto_aws: Any) -> Iterator[list[float]]:
    """The store's clock (and so the click throttle's), set by the test."""
    from shared.bootstrap import container

    now = [T0]
    repo = container().repo
    saved = repo.clock
    repo.clock = lambda: now[0]
    yield now
    repo.clock = saved


def booking_of(site: SiteHandle) -> dict[str, Any]:
    answer = site.api.get(f"{site.base}/sessions/s1/bookings/b1")
    assert answer.status == 200, answer.text
    return answer.json


def report(site: SiteHandle) -> list[dict[str, Any]]:
    window = {"from": iso(START - timedelta(days=1)), "to": iso(START + timedelta(days=1))}
    answer = site.api.get(f"{site.base}/reports/online-meetings", query=window)
    assert answer.status == 200, answer.text
    return list(answer.json["items"])


def test_x12_a_booking_says_never_opened_until_its_client_clicks(
    site: SiteHandle, anonymous: Api, clock: list[float]
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    before = booking_of(site)
    assert (before["join_link"], before["joined_first_at"], before["joined_last_at"]) == (
        "never opened",
        None,
        None,
    )

    assert anonymous.get(join).status == 302

    after = booking_of(site)
    assert (after["join_link"], after["joined_first_at"], after["joined_last_at"]) == (
        "opened",
        moment(T0),
        moment(T0),
    )


def test_x12_the_first_click_is_kept_and_the_latest_moves_at_most_once_a_minute(
    site: SiteHandle, anonymous: Api, clock: list[float]
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])

    assert anonymous.get(join).status == 302
    clock[0] = T0 + 30  # the same person again, half a minute later: not written
    assert anonymous.get(join).status == 302
    assert (booking_of(site)["joined_first_at"], booking_of(site)["joined_last_at"]) == (
        moment(T0),
        moment(T0),
    )

    clock[0] = T0 + 3600
    assert anonymous.get(join).status == 302
    assert (booking_of(site)["joined_first_at"], booking_of(site)["joined_last_at"]) == (
        moment(T0),
        moment(T0 + 3600),
    )


def test_x12_a_click_before_the_link_opens_is_on_record_too(
    site: SiteHandle, anonymous: Api, clock: list[float]
) -> None:
    """X03's "opens at" page: the client did try, which is what a no-show dispute asks."""
    set_default(site)
    assert site.api.patch(f"{site.base}/settings", {"join_window_minutes": 10}).status == 200
    setup_session(site)
    join = join_path(book(site)["join_url"])

    answer = anonymous.get(join)

    assert answer.status == 200  # the page that says when it opens
    assert booking_of(site)["joined_first_at"] == moment(T0)


def test_x12_an_unknown_or_forged_link_records_nothing(
    site: SiteHandle, anonymous: Api, clock: list[float]
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])

    assert anonymous.get(join[:-4] + "AAAA").status == 404

    assert booking_of(site)["join_link"] == "never opened"


def test_x12_the_staff_members_clicks_are_in_the_online_meetings_report(
    site: SiteHandle, anonymous: Api, clock: list[float]
) -> None:
    set_default(site)
    setup_session(site)
    setup_session(site, session="s2", start=START + timedelta(hours=2))
    staff_join = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json["join_url"]

    assert anonymous.get(join_path(staff_join)).status == 302

    rows = {row["session_id"]: row for row in report(site)}
    assert {
        k: rows["s1"][k] for k in ("staff_join_link", "staff_joined_first_at", "staff_joined_last_at")
    } == {
        "staff_join_link": "opened",
        "staff_joined_first_at": moment(T0),
        "staff_joined_last_at": moment(T0),
    }
    assert (rows["s2"]["staff_join_link"], rows["s2"]["staff_joined_first_at"]) == ("never opened", None)


def test_x12_a_click_whose_write_fails_still_redirects_and_is_counted(
    site: SiteHandle, anonymous: Api, clock: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.bootstrap import container

    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    events = container().repo.client.meta.events
    events.register("before-call.dynamodb.UpdateItem", _throttled, unique_id="test-click-fault")
    try:
        answer = anonymous.get(join)
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", unique_id="test-click-fault")

    assert (answer.status, answer.headers["Location"]) == (302, MEET)
    out = capsys.readouterr().out
    unrecorded = [json.loads(line) for line in out.splitlines() if '"JoinClicksUnrecorded"' in line]
    assert [point["JoinClicksUnrecorded"] for point in unrecorded] == [[1.0]]
    assert booking_of(site)["join_link"] == "never opened"


def _throttled(**_: Any) -> tuple[Any, dict[str, Any]]:
    """DynamoDB refusing the write (after botocore's own retries), as test_store_faults injects it."""
    error = {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}
    return _Http(), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}


class _Http:
    status_code = 400
    headers: dict[str, str] = {}
    content = b""
