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


# The concurrency races' summary (tests/e2e/test_concurrency.py). These run in the controller
# process, which under pytest-xdist loads only this conftest, not tests/e2e/conftest.py.
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The controller's side of the hand-over (an xdist hook: optional when xdist is absent)."""
    from tests.support.concurrency import RECORDED, from_json

    figures = getattr(node, "workeroutput", {}).get("concurrency")
    if figures:
        RECORDED.extend(from_json(figures))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The concurrency races' figures (tests/e2e/test_concurrency.py), when they ran."""
    from tests.support.concurrency import RECORDED, summary

    if RECORDED:
        terminalreporter.write_sep("-", "concurrency races: lost updates, dead join links, 409s")
        terminalreporter.write_line(summary())
