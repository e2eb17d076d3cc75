"""Standard Webhooks signatures and the endpoint guard, as pure rules (issue 12).
Spec: https://www.standardwebhooks.com (spec/standard-webhooks.md): `v1,` + base64 of HMAC-SHA256
over `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the base64-decoded `whsec_` secret."""

from __future__ import annotations

import base64
import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from shared.adapters.webhook_sender import WebhookSender
from shared.domain import webhooks


def test_our_signature_is_the_reference_librarys() -> None:
    secret = webhooks.new_secret()
    body = '{"type":"meeting.ready","timestamp":"2031-03-03T17:00:00Z","data":{"session_id":"s1"}}'
    moment = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)

    ours = webhooks.sign(secret, "msg_1", int(moment.timestamp()), body)

    assert ours == Webhook(secret).sign("msg_1", moment, body)


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert webhooks.new_secret() != secret


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.example.com/vclinks", True),
        ("https://93.184.216.34/hook", True),
        ("http://hooks.example.com/vclinks", False),
        ("https://100.64.0.1/hook", False),  # carrier-grade NAT: not global
        ("https://[fe80::1]/hook", False),
        ("https://224.0.0.1/hook", False),
        ("https://hooks.example.com\r\nHost: evil/", False),
        ("https://hooks.example.com:0/", False),
    ],
)
def test_endpoint_rules(url: str, allowed: bool) -> None:
    assert (webhooks.endpoint_problem(url) is None) is allowed


def test_a_name_that_resolves_inside_is_refused_at_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS may point a public-looking name at a private address: the sender checks what it resolves to
    and never connects (the unit tier blocks sockets: a connection attempt would fail differently)."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    attempt = WebhookSender().post("https://hooks.example.com/vclinks", {}, "{}")

    assert attempt.status_code is None
    assert attempt.error == "refused: the endpoint resolves to a private, link-local or reserved address"
    assert attempt.delivered is False
