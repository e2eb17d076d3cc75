"""Webhooks to the booking platform, as the Standard Webhooks specification says (pure rules).

Spec: https://www.standardwebhooks.com (github.com/standard-webhooks/standard-webhooks,
spec/standard-webhooks.md):
- a message is `{"type": "...", "timestamp": "<ISO 8601>", "data": {...}}`, sent by POST;
- headers `webhook-id` (the message id: the same on every retry, for the receiver's
  idempotency), `webhook-timestamp` (integer Unix seconds of this attempt), and
  `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`;
- the secret is shown as `whsec_` + base64 of the key; the key is the decoded bytes
  (24 to 64 bytes; ours are 32);
- receivers refuse timestamps more than 5 minutes away (against replays).

The endpoint's URL is checked against server-side request forgery (`endpoint_problem`,
`address_problem`): https only, and no loopback, private, link-local or otherwise non-public
address, whether written in the URL or resolved from its name at delivery time. Only the
local stack (`allow_loopback`, a setting no deployment sets) may send to 127.0.0.1 over http.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from enum import StrEnum
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_URL = 2000


class EventType(StrEnum):
    SESSION_LINK_CHANGED = "session.link_changed"
    MEETING_READY = "meeting.ready"
    CONNECTION_NEEDS_RECONNECT = "connection.needs_reconnect"
    EMAIL_BOUNCED = "email.bounced"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header of one attempt."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def endpoint_problem(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why `url` cannot be a webhook endpoint (None: it can, as far as its text shows)."""
    if len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "the URL is too long or holds spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the URL cannot be read"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "the URL must not carry credentials"
    if port == 0:
        return "the URL's port is not valid"
    local = allow_loopback and _is_loopback_name(host)
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        return "the URL must be https://"
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return None if local else "the URL's host is a local name"
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name: its addresses are checked when it is resolved, at each delivery
    return address_problem(literal, allow_loopback=allow_loopback)


def address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool = False
) -> str | None:
    """Why a delivery must not go to `address` (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "the endpoint resolves to a loopback address"
    if not address.is_global or address.is_multicast:
        return "the endpoint resolves to a private, link-local or reserved address"
    return None


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
