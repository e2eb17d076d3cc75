"""Embedded AWS for the local stack: moto's server, tables from template.yaml, SES's outbox."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from typing import TYPE_CHECKING, Any

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
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
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
        os.environ.update(CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()


def sent_emails(endpoint: str) -> list[dict[str, Any]]:
    """The emails SES accepted, oldest first (moto keeps them; this reads its inspection API)."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as answer:
        data = json.load(answer)
    messages = []
    for region_messages in _ses_messages(data):
        messages.extend(region_messages)
    return messages


def _ses_messages(data: dict[str, Any]) -> list[list[dict[str, Any]]]:
    found = []
    for service in ("ses", "sesv2"):
        for backend in (data.get(service) or {}).values():
            if isinstance(backend, dict) and "sent_messages" in backend:
                found.append(list(backend["sent_messages"]))
    return found
