"""Embedded AWS for the local stack: moto's server, tables from template.yaml, SES's outbox."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

import botocore.client

from local.template import generated_secrets, table_specs, ttl_attribute

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

REGION = "eu-west-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
TABLE_NAMES = {"AccountsTable": "accounts", "SessionLinksTable": "session-links"}


class _QueueAttributes(Mapping[str, Any]):
    """A moto queue's attributes, each read when asked for.

    moto builds every attribute of a queue whenever it needs one: SendMessage reads
    `ContentBasedDeduplication` and ReceiveMessage the retention period, twice per message,
    through `Queue.attributes`, whose three message counts walk the whole queue. With the
    10,000 messages of a real backlog a receive took seconds. Same names, same values, as
    `moto.sqs.models.Queue.attributes` gives them; only when they are computed changes."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        names += queue.FIFO_ATTRIBUTES if queue.fifo_queue else []
        names += queue.KMS_ATTRIBUTES if queue.kms_master_key_id else []
        names += ["Policy"] if queue.policy else []
        names += ["RedrivePolicy"] if queue.redrive_policy else []
        self._names = list(dict.fromkeys(names))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        if name == "Policy" and self._queue.policy:
            return self._queue.policy
        if name == "RedrivePolicy" and self._queue.redrive_policy:
            return json.dumps(self._queue.redrive_policy)
        from moto.core.utils import camelcase_to_underscores

        value = getattr(self._queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _lazy_queue_attributes() -> Any:
    """Install `_QueueAttributes`; returns moto's own property (the tests compare the two)."""
    from moto.sqs.models import Queue

    original = Queue.__dict__["attributes"]
    if not isinstance(original, property) or original.fget is not _QueueAttributes:
        Queue.attributes = property(_QueueAttributes)  # type: ignore[assignment,method-assign]
        return original
    return None


MOTO_QUEUE_ATTRIBUTES = _lazy_queue_attributes()


@contextmanager
def count_aws_calls(
    items: Counter[str] | None = None,
    *,
    except_threads: str | None = None,
    units: dict[str, float] | None = None,
) -> Iterator[Counter[str]]:
    """Count every AWS API call any boto3 client of this process makes, by service and operation
    (the resolve path's round trips, in the tests and in `make bench`). With `items`, also the
    DynamoDB items each operation read (what a request's cost grows with). `except_threads`:
    calls from threads whose name contains it are not counted (the local stack's queue pollers,
    whose long polls are not the request's cost). With `units`, the read units each operation
    would be billed on demand, counting each item as under 4 KB: 1 a strongly consistent item,
    0.5 an eventually consistent one (DynamoDB's pricing page)."""
    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(client: Any, operation: str, params: Any) -> Any:
        if except_threads and except_threads in threading.current_thread().name:
            return original(client, operation, params)
        service = client.meta.service_model.service_name
        calls[f"{service}.{operation}"] += 1
        answer = original(client, operation, params)
        if items is not None and service == "dynamodb":
            items[operation] += _items_read(answer)
        if units is not None and service == "dynamodb":
            units[operation] = units.get(operation, 0.0) + _read_units(params, answer)
        return answer

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def _items_read(answer: dict[str, Any]) -> int:
    if "Item" in answer:
        return 1
    if "Responses" in answer:
        return sum(len(found) for found in answer["Responses"].values())
    if "Count" in answer:
        return int(answer["Count"])
    if "Attributes" in answer:  # an update or delete that returned the item
        return 1
    return 0


def _read_units(params: dict[str, Any], answer: dict[str, Any]) -> float:
    def unit(consistent: Any) -> float:
        return 1.0 if consistent else 0.5

    if "Responses" in answer:  # BatchGetItem: consistency is chosen per table
        requested = params.get("RequestItems", {})
        return sum(
            len(found) * unit(requested.get(table, {}).get("ConsistentRead"))
            for table, found in answer["Responses"].items()
        )
    if "Item" in answer or "Count" in answer:
        return _items_read(answer) * unit(params.get("ConsistentRead"))
    return 0.0


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


def create_generated_secrets(
    client: SecretsManagerClient, template: dict[str, Any], prefix: str
) -> dict[str, str]:
    """Create each secret the template has CloudFormation generate, as CloudFormation does:
    GetRandomPassword with the GenerateSecretString options, set at GenerateStringKey of the
    SecretStringTemplate. Logical id -> ARN."""
    arns = {}
    for logical_id, spec in generated_secrets(template).items():
        options = {k: v for k, v in spec.items() if k not in ("SecretStringTemplate", "GenerateStringKey")}
        password = client.get_random_password(**options)["RandomPassword"]
        if "GenerateStringKey" in spec:
            value = json.loads(spec.get("SecretStringTemplate", "{}")) | {spec["GenerateStringKey"]: password}
            secret_string = json.dumps(value)
        else:
            secret_string = password
        name = f"{prefix}/{logical_id}"
        arns[logical_id] = client.create_secret(Name=name, SecretString=secret_string)["ARN"]
    return arns


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
        found.append(SentEmail(message.source, recipients(message.destinations), parsed))
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


def recipients(destinations: list[str]) -> list[str]:
    """Each recipient once. moto's SendRawEmail appends the message's To/Cc/Bcc addresses to the
    Destinations it was given, so a recipient named in both came out twice; SES sends one copy
    to each address (https://docs.aws.amazon.com/ses/latest/APIReference/API_SendRawEmail.html)."""
    seen: dict[str, str] = {}
    for destination in destinations:
        address = parseaddr(destination)[1] or destination
        seen.setdefault(address.lower(), address)
    return list(seen.values())
