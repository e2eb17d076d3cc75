"""Fixtures shared by the test tiers: AWS on moto, tables and queues from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.aws import TEST_ENV, Tables, create_world, reset_caches


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    yield dict(TEST_ENV)
    reset_caches()


@pytest.fixture
def moto_world(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Tables, Any]]:
    """DynamoDB, SQS, Secrets Manager and SES on moto: both tables and the work queue of
    template.yaml, and the queue's poller (the worker, as Lambda would run it)."""
    from moto import mock_aws

    with mock_aws():
        for name in ("ACCOUNTS_TABLE", "SESSION_LINKS_TABLE", "WORK_QUEUE_URL", "JOIN_TOKEN_KEY_ARN"):
            monkeypatch.setenv(name, "")  # restored by monkeypatch after the test
        yield create_world()


@pytest.fixture
def moto_aws(moto_world: tuple[Tables, Any]) -> Tables:
    return moto_world[0]


@pytest.fixture
def worker(moto_world: tuple[Tables, Any]) -> Any:
    """The work queue's poller: `worker.drain()` does everything queued, as the worker function would."""
    return moto_world[1]
