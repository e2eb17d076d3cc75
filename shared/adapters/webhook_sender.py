"""Sending one webhook attempt over HTTP, to a public address only (SSRF guard at delivery time).

The endpoint's name is resolved here, every address it resolves to is checked
(shared.domain.webhooks.address_problem), and the request goes to the checked address itself,
with the name as Host and as TLS SNI (the certificate is verified against the name): a DNS
answer that changes between the check and the connection (DNS rebinding) cannot send the
request anywhere else. Redirects are not followed; the answer's body is not read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from shared.domain.webhooks import address_problem, endpoint_problem

TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Attempt:
    status_code: int | None  # None: no HTTP answer (refused, timed out, unsafe address)
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    def __init__(self, allow_loopback: bool = False, timeout: float = TIMEOUT_SECONDS) -> None:
        self.allow_loopback = allow_loopback
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, headers: dict[str, str], body: str) -> Attempt:
        began = time.monotonic()
        problem = endpoint_problem(url, allow_loopback=self.allow_loopback)
        if problem is not None:
            return Attempt(None, f"refused: {problem}", 0)
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = self._checked_address(host, port)
        except (OSError, ValueError) as error:
            return Attempt(None, f"refused: {error}", _ms(began))
        netloc = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
        sent = {**headers, "host": parts.netloc.rpartition("@")[2], "user-agent": "vclinks-webhooks/1"}
        try:
            with self.client.stream(
                "POST", target, content=body.encode(), headers=sent, extensions={"sni_hostname": host}
            ) as answer:
                return Attempt(answer.status_code, None, _ms(began))
        except httpx.HTTPError as error:
            return Attempt(None, type(error).__name__, _ms(began))

    def _checked_address(self, host: str, port: int) -> str:
        """The first address of `host`, if every address it resolves to may be called."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise ValueError("the endpoint's name does not resolve")
        for address in addresses:
            problem = address_problem(ipaddress.ip_address(address), allow_loopback=self.allow_loopback)
            if problem is not None:
                raise ValueError(problem)
        return addresses[0]


def _ms(began: float) -> int:
    return int((time.monotonic() - began) * 1000)
