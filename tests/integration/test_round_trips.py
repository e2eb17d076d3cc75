"""The resolve path's cost (DESIGN.md bar): one DynamoDB read round trip in the common case (two
after a reassignment), every read's consistency as chosen, at most one write (the click, X12),
no Zoom, no Secrets Manager."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local.aws import count_aws_calls
from tests.support.api import Api, SiteHandle
from tests.support.links import MEET, START, book, iso, join_path, set_default, setup_session

CLIENT_LINK = {"audience": "client", "booking": "b1"}


@pytest.fixture
def aws_calls() -> Iterator[Counter[str]]:
    """Every AWS API call any boto3 client makes, by service and operation."""
    with count_aws_calls() as calls:
        yield calls


@pytest.fixture
def batch_reads(moto_aws: Any) -> Iterator[list[dict[str, bool]]]:
    """Each BatchGetItem the store sends: table -> ConsistentRead, as DynamoDB receives it."""
    from shared.bootstrap import container

    sent: list[dict[str, bool]] = []
    repo = container().repo
    names = {repo.accounts: "accounts", repo.links: "links"}

    def seen(params: dict[str, Any], **_: Any) -> None:
        sent.append({names[table]: r["ConsistentRead"] for table, r in params["RequestItems"].items()})

    events = repo.client.meta.events
    events.register("provide-client-params.dynamodb.BatchGetItem", seen, unique_id="test-consistency")
    yield sent
    events.unregister("provide-client-params.dynamodb.BatchGetItem", unique_id="test-consistency")


def reassign(site: SiteHandle, staff: str = "ben") -> None:
    body = {"service_id": "svc", "staff_id": staff, "start": iso(START), "end": iso(START.replace(hour=18))}
    assert site.api.put(f"{site.base}/sessions/s1", body).status == 200


def test_x01_join_click_costs_one_read_round_trip_and_one_write(
    site: SiteHandle, anonymous: Api, aws_calls: Counter[str], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    aws_calls.clear()

    with worker_switch.paused():
        answer = anonymous.get(join)

    assert (answer.status, answer.headers["Location"]) == (302, MEET)
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 1, "dynamodb.UpdateItem": 1}


def test_x01_join_click_after_a_reassignment_costs_a_second_round_trip(
    site: SiteHandle, anonymous: Api, aws_calls: Counter[str], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    set_default_for_ben = site.api.put(
        f"{site.base}/staff/ben/vc-account", {"provider": "custom", "url": MEET}
    )
    assert set_default_for_ben.status == 200
    join = join_path(book(site)["join_url"])  # its hints name anna
    reassign(site, "ben")
    aws_calls.clear()

    with worker_switch.paused():
        answer = anonymous.get(join)

    assert (answer.status, answer.headers["Location"]) == (302, MEET)
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 2, "dynamodb.UpdateItem": 1}


def test_x01_a_token_made_without_hints_still_opens_in_two_round_trips(
    site: SiteHandle, anonymous: Api, aws_calls: Counter[str], worker_switch: Any
) -> None:
    from shared.bootstrap import container
    from shared.domain.join_tokens import client_token

    set_default(site)
    setup_session(site)
    book(site)
    booking = container().repo.get_booking(site.site_id, "s1", "b1")
    assert booking is not None
    hintless = client_token(booking, container().join_key)  # as mailed before hints were carried
    aws_calls.clear()

    with worker_switch.paused():
        answer = anonymous.get(f"/v1/j/{hintless}")

    assert (answer.status, answer.headers["Location"]) == (302, MEET)
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 2, "dynamodb.UpdateItem": 1}


def test_x01_join_click_reads_everything_eventually_consistent(
    site: SiteHandle, anonymous: Api, batch_reads: list[dict[str, bool]], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    batch_reads.clear()

    with worker_switch.paused():
        assert anonymous.get(join).status == 302

    assert batch_reads == [{"accounts": False, "links": False}]


def test_link_route_reads_the_session_and_booking_strongly_and_the_accounts_eventually(
    site: SiteHandle, batch_reads: list[dict[str, bool]], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    book(site)
    batch_reads.clear()

    with worker_switch.paused():
        first = site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK)
        again = site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK)

    assert (first.status, again.status) == (200, 200)
    assert batch_reads == [
        {"accounts": False, "links": True},  # a warm Lambda's first read of s1
        {"accounts": False},  # ... learns its service and staff member
        {"accounts": False, "links": True},  # then reads everything at once
    ]


def test_link_route_costs_one_round_trip_once_a_warm_lambda_knows_the_session(
    site: SiteHandle, aws_calls: Counter[str], worker_switch: Any
) -> None:
    from shared import bootstrap

    set_default(site)
    setup_session(site)
    book(site)
    bootstrap.container().session_hints.__init__()  # a warm Lambda that never read s1
    aws_calls.clear()
    with worker_switch.paused():
        assert site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK).status == 200
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 2}

    aws_calls.clear()
    with worker_switch.paused():
        answer = site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK)
    assert (answer.status, answer.json["url"]) == (200, MEET)
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 1}


def test_link_route_after_a_reassignment_reads_the_new_staff_member(
    site: SiteHandle, aws_calls: Counter[str], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    book(site)
    ben = "https://meet.example/ben"
    assert site.api.put(f"{site.base}/staff/ben/vc-account", {"provider": "custom", "url": ben}).status == 200
    assert site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK).json["url"] == MEET
    reassign(site, "ben")  # this warm Lambda's hint still names anna
    aws_calls.clear()

    with worker_switch.paused():
        answer = site.api.get(f"{site.base}/sessions/s1/link", query=CLIENT_LINK)

    assert (answer.status, answer.json["url"]) == (200, ben)
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 2}


def test_the_join_token_key_is_read_once_per_warm_lambda(
    site: SiteHandle, anonymous: Api, aws_calls: Counter[str], worker_switch: Any
) -> None:
    from shared import bootstrap

    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    bootstrap.reset()  # a new Lambda: its first join reads the key
    aws_calls.clear()
    with worker_switch.paused():
        assert anonymous.get(join).status == 302
    assert dict(aws_calls) == {
        "secretsmanager.GetSecretValue": 1,
        "dynamodb.BatchGetItem": 1,
        "dynamodb.UpdateItem": 1,
    }
    aws_calls.clear()
    with worker_switch.paused():
        for _ in range(3):
            assert anonymous.get(join).status == 302
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 3}  # X12: the click was written a moment ago
