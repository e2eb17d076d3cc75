"""DynamoDB faults, injected under the store (after botocore's own retries), through the API:
throttling and conditional write conflicts. The answer is a clear problem, nothing is
half-written, and a retry finishes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import SiteHandle
from tests.integration.test_links_api import MEET, START, iso, set_default

original_call = botocore.client.BaseClient._make_api_call


@pytest.fixture
def dynamodb_faults(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """operation name -> how many more calls fail (a throttling or a conditional-check error)."""
    faults: dict[str, int] = {}

    def failing(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and faults.get(operation, 0) > 0:
            faults[operation] -= 1
            code = (
                "ConditionalCheckFailedException"
                if operation == "PutItem" and faults.get("_conflict")
                else ("ProvisionedThroughputExceededException")
            )
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)
        return original_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    return faults


def session(days: int = 0) -> dict[str, Any]:
    start = START + timedelta(days=days)
    return {"service_id": "svc", "start": iso(start), "end": iso(start + timedelta(hours=1))}


def test_throttling_beyond_retries_is_a_503_problem_and_a_retry_succeeds(
    site: SiteHandle, dynamodb_faults: dict[str, int]
) -> None:
    set_default(site, MEET)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    dynamodb_faults["PutItem"] = 100
    answer = site.api.put(f"{site.base}/sessions/s1", session())
    assert answer.status == 503
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json["type"].endswith("/storage-busy")
    dynamodb_faults["PutItem"] = 0
    assert (
        site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).status == 404
    )  # not half-made
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201


def test_a_conditional_write_conflict_is_retried_on_fresh_data(
    site: SiteHandle, dynamodb_faults: dict[str, int]
) -> None:
    set_default(site, MEET)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    dynamodb_faults.update({"_conflict": 1, "PutItem": 2})  # two writers got there first
    moved = site.api.put(f"{site.base}/sessions/s1", session(days=1))
    assert moved.status == 200, moved.text
    assert dynamodb_faults["PutItem"] == 0
