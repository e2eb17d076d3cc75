"""The API over a real socket to the running local stack (tests/support/stack.py), with the
shape tests.support.api.Api calls (werkzeug's test client's), so the scenarios written for the
in-process tier run unchanged over HTTP; and what the provider kits need of the stack."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.stack import RETURN_TO, Stack


class HttpResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = {k.decode(): v.decode() for k, v in response.headers.raw}
        self._text = response.text

    def get_data(self, as_text: bool = False) -> str:
        return self._text


class HttpTransport:
    """What tests.support.api.Api needs of a client, over a real socket. With `waits` on, as on
    the integration tier, what a request queued is done before the next request is sent (the
    worker settles): a hosted provider's meeting is the worker's work."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.base_url, timeout=60, follow_redirects=False)
        self.queued = False
        self.waits = False

    def settle(self) -> None:
        if self.queued:
            self.stack.settle()
            self.queued = False

    def open(
        self,
        path: str,
        method: str,
        data: Any = None,
        headers: dict[str, str] | None = None,
        query_string: dict[str, str] | None = None,
    ) -> HttpResponse:
        if self.waits:
            self.settle()
        answer = self.http.request(method, path, content=data, headers=headers, params=query_string)
        self.queued = method != "GET"
        return HttpResponse(answer)


class StackTier:
    """What the provider kits need of the local stack: its emulators, and its worker."""

    return_to = RETURN_TO

    def __init__(self, stack: Stack, transport: HttpTransport) -> None:
        self.urls = json.loads(stack.state_file.read_text())
        self.transport = transport
        transport.waits = False  # a custom link or Jitsi needs no worker: each settle costs ~0.5 s

    def wait_for_worker(self) -> None:
        self.transport.waits = True

    def emulator_url(self, provider: str) -> str:
        return str(self.urls[f"{provider}_url"])

    def settle(self) -> None:
        self.transport.settle()
