"""DynamoDB faults through the API, injected into the client's own request pipeline (botocore's
`before-call` event, as botocore's Stubber does) after its retries: throttling and conditional
write conflicts. The answer is a clear problem, nothing is half-written, and a retry finishes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.support.api import SiteHandle
from tests.support.links import MEET, START, iso, set_default


class Faults:
    """operation -> how many more calls fail, and with which DynamoDB error code."""

    def __init__(self) -> None:
        self.left: dict[str, int] = {}
        self.code: dict[str, str] = {}

    def fail(self, operation: str, times: int, code: str) -> None:
        self.left[operation], self.code[operation] = times, code

    def __call__(self, model: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if self.left.get(model.name, 0) <= 0:
            return None
        self.left[model.name] -= 1
        error: dict[str, Any] = {"Code": self.code[model.name], "Message": "injected"}
        parsed: dict[str, Any] = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        if self.code[model.name] == "TransactionCanceledException":
            parsed["CancellationReasons"] = [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}]
        return _Http(400), parsed


class _Http:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.content = b""


@pytest.fixture
def dynamodb_faults(moto_aws: Any) -> Iterator[Faults]:
    from shared.bootstrap import container

    faults = Faults()
    events = container().repo.client.meta.events
    events.register("before-call.dynamodb", faults, unique_id="test-faults")
    yield faults
    events.unregister("before-call.dynamodb", unique_id="test-faults")


def session(days: int = 0) -> dict[str, Any]:
    start = START + timedelta(days=days)
    return {"service_id": "svc", "start": iso(start), "end": iso(start + timedelta(hours=1))}


def stored_start(site: SiteHandle) -> str | None:
    from shared.bootstrap import container

    stored = container().repo.get_session(site.site_id, "s1")
    return iso(stored.start) if stored else None


def test_throttling_beyond_retries_is_a_503_problem_and_a_retry_succeeds(
    site: SiteHandle, dynamodb_faults: Faults
) -> None:
    set_default(site, MEET)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    dynamodb_faults.fail("TransactWriteItems", 100, "ProvisionedThroughputExceededException")
    answer = site.api.put(f"{site.base}/sessions/s1", session())
    assert answer.status == 503
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json["type"].endswith("/storage-busy")
    dynamodb_faults.fail("TransactWriteItems", 0, "ProvisionedThroughputExceededException")
    assert stored_start(site) is None  # not half-made
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert stored_start(site) == iso(START)


def test_a_conditional_write_conflict_is_retried_on_fresh_data(
    site: SiteHandle, dynamodb_faults: Faults
) -> None:
    set_default(site, MEET)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    dynamodb_faults.fail(
        "TransactWriteItems", 2, "TransactionCanceledException"
    )  # two writers got there first
    moved = site.api.put(f"{site.base}/sessions/s1", session(days=1))
    assert moved.status == 200, moved.text
    assert dynamodb_faults.left["TransactWriteItems"] == 0
    assert moved.json["start"].startswith(iso(START + timedelta(days=1))[:16])
    assert stored_start(site) == iso(START + timedelta(days=1))  # the session moved
