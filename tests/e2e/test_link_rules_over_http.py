"""The link rules (tests/support/link_rules.py: W01-W15, S02-S07, X01, X03, X04,
bad input, credentials) run again, unchanged, over real HTTP against the running local
stack: sites made by the console command, every request through the HTTP server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.api import Api, SiteHandle
from tests.support.link_rules import *  # noqa: F403 - the same scenarios, another transport
from tests.support.stack import RETURN_TO, Stack


class HttpResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = {k.decode(): v.decode() for k, v in response.headers.raw}
        self._text = response.text

    def get_data(self, as_text: bool = False) -> str:
        return self._text


class HttpTransport:
    """What tests.support.api.Api needs of a client, over a real socket. As on the integration
    tier, what a request queued is done before the next request is sent (the worker settles)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.Client(base_url=stack.base_url, timeout=60, follow_redirects=False)
        self.queued = False

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

    def emulator_url(self, provider: str) -> str:
        return str(self.urls[f"{provider}_url"])

    def settle(self) -> None:
        self.transport.settle()


@pytest.fixture(scope="module")
def transport(stack: Stack) -> HttpTransport:
    return HttpTransport(stack)


@pytest.fixture
def tier(stack: Stack, transport: HttpTransport) -> StackTier:
    return StackTier(stack, transport)


@pytest.fixture
def anonymous(transport: HttpTransport) -> Api:
    return Api(transport)  # type: ignore[arg-type]


@pytest.fixture
def make_site(stack: Stack, transport: HttpTransport) -> Any:
    def make(name: str = "Studio") -> SiteHandle:
        created = stack.create_site(name)
        return SiteHandle(created.site_id, created.api_key, Api(transport, created.api_key))  # type: ignore[arg-type]

    return make


@pytest.fixture
def site(make_site: Any) -> SiteHandle:
    return make_site("Yoga Studio")  # type: ignore[no-any-return]
