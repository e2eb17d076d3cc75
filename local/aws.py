"""Embedded AWS for the local stack: moto's server, tables from template.yaml, SES's outbox."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import botocore.client

from local.template import table_specs, ttl_attribute

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "eu-west-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
TABLE_NAMES = {"AccountsTable": "accounts", "SessionLinksTable": "session-links"}


@contextmanager
def count_aws_calls() -> Iterator[Counter[str]]:
    """Count every AWS API call any boto3 client of this process makes, by service and operation
    (the resolve path's round trips, in the tests and in `make bench`)."""
    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(client: Any, operation: str, params: Any) -> Any:
        calls[f"{client.meta.service_model.service_name}.{operation}"] += 1
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def table_name(logical_id: str, prefix: str) -> str:
    suffix = TABLE_NAMES.get(logical_id, logical_id.lower())
    return f"{prefix}-{suffix}"


def create_tables(client: DynamoDBClient, template: dict[str, Any], prefix: str) -> dict[str, str]:
    """Create every table of the template (keys, indexes, TTL as declared); logical id -> name."""
    names = {}
    for logical_id, spec in table_specs(template).items():
        name = table_name(logical_id, prefix)
        client.create_table(TableName=name, **spec)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        ttl = ttl_attribute(template, logical_id)
        if ttl:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
            )
        names[logical_id] = name
    return names


class MotoServer:
    """moto's server (DynamoDB, Secrets Manager, SES, ...) on 127.0.0.1, in this process."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        self._server.start()
        server = self._server._server  # werkzeug's server: its `app` serves each request
        assert server is not None
        server.app = _OneDynamoDBRequestAtATime(server.app)
        os.environ.update(CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()


class _OneDynamoDBRequestAtATime:
    """DynamoDB applies each request to an item atomically; moto's threaded server does not (an
    UpdateItem that creates an item shows it with its keys only to a request running alongside,
    whose condition then passes and whose update fails). One DynamoDB request at a time makes
    moto's tables behave as DynamoDB's items do; other services (SQS's long polls) stay concurrent."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


@dataclass(frozen=True)
class SentEmail:
    source: str
    destinations: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str:
        """The decoded text of the first part of this type ("text/plain", "text/html", "text/calendar")."""
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return str(part.get_content())
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.destinations,
            "subject": self.subject,
            "text": self.part("text/plain"),
            "html": self.part("text/html"),
            "ics": self.part("text/calendar"),
            "has_ics": bool(self.part("text/calendar")),
        }


def sent_emails(region: str = REGION) -> list[SentEmail]:
    """The emails SES accepted, oldest first: moto keeps them in this process (mock or server)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    found = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = message_from_bytes(raw.encode() if isinstance(raw, str) else raw, policy=policy.default)
        found.append(SentEmail(message.source, list(message.destinations), parsed))
    return found


def create_queues(
    client: Any, template: dict[str, Any], prefix: str, visibility_seconds: int | None = None
) -> dict[str, str]:
    """Create every SQS queue of the template; refs: `Logical` -> URL, `Logical.Arn`, `Logical.QueueName`.

    `visibility_seconds` scales the visibility timeout down for the local stack and the tests
    (a failed message comes back in seconds, not the template's minutes); the redrive to the
    dead-letter queue is kept as declared."""
    from local.template import queue_specs

    refs: dict[str, str] = {}
    for logical_id, props in queue_specs(template).items():
        name = f"{prefix}-{logical_id}"
        attributes: dict[str, str] = {}
        visibility = visibility_seconds if visibility_seconds is not None else props.get("VisibilityTimeout")
        if visibility is not None:
            attributes["VisibilityTimeout"] = str(visibility)
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]
            dead_letter = (target.value if isinstance(target.value, str) else target.value[0]).split(".")[0]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": refs[f"{dead_letter}.Arn"],
                    "maxReceiveCount": str(redrive["maxReceiveCount"]),
                }
            )
        url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        refs.update({logical_id: url, f"{logical_id}.Arn": arn, f"{logical_id}.QueueName": name})
    return refs
