"""The resolve path's cost (DESIGN.md bar): at most 2 DynamoDB round trips, no Zoom, no Secrets Manager."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local.aws import count_aws_calls
from tests.support.api import Api, SiteHandle
from tests.support.links import book, join_path, set_default, setup_session


@pytest.fixture
def aws_calls() -> Iterator[Counter[str]]:
    """Every AWS API call any boto3 client makes, by service and operation."""
    with count_aws_calls() as calls:
        yield calls


def test_resolve_link_costs_two_dynamodb_round_trips(
    site: SiteHandle, aws_calls: Counter[str], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    book(site)
    aws_calls.clear()

    with worker_switch.paused():
        answer = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "client", "booking": "b1"})

    assert answer.status == 200
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 2}


def test_join_redirect_costs_two_dynamodb_round_trips(
    site: SiteHandle, anonymous: Api, aws_calls: Counter[str], worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    aws_calls.clear()

    with worker_switch.paused():
        answer = anonymous.get(join)

    assert answer.status == 302
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
    assert dict(aws_calls) == {"secretsmanager.GetSecretValue": 1, "dynamodb.BatchGetItem": 2}
    aws_calls.clear()
    with worker_switch.paused():
        for _ in range(3):
            assert anonymous.get(join).status == 302
    assert dict(aws_calls) == {"dynamodb.BatchGetItem": 6}
