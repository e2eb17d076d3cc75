"""Support for the tests that drive the Zoom emulator with the real ZoomClient: the
emulator's two apps, a browser on its consent page, and a receiver for its webhooks."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.zoom_emulator import ZoomEmulator
from shared.adapters.zoom.client import TokenPair, ZoomClient
from shared.adapters.zoom.scopes import ZoomAppType

REDIRECT = "http://127.0.0.1/callback"
ADMIN_CLIENT_ID = "emulated-admin-app"
ADMIN_CLIENT_SECRET = "emulated-admin-secret"
ADMIN_WEBHOOK_TOKEN = "emulated-admin-webhook-token"


def zoom_client(zoom: ZoomEmulator, http: httpx.Client | None = None, **credentials: str) -> ZoomClient:
    """The real client, with the emulator's two apps (or the credentials given)."""
    apps = {
        "client_id": zoom.client_id,
        "client_secret": zoom.client_secret,
        "admin_client_id": ADMIN_CLIENT_ID,
        "admin_client_secret": ADMIN_CLIENT_SECRET,
    }
    return ZoomClient(
        api_base_url=f"{zoom.base_url}/v2",
        oauth_base_url=zoom.base_url,
        http=http or httpx.Client(),
        sleep=lambda _: None,
        **(apps | credentials),
    )


def consent(
    zoom: ZoomEmulator,
    client: ZoomClient,
    user: str,
    app: ZoomAppType = ZoomAppType.USER_MANAGED,
    untick: tuple[str, ...] = (),
    redirect_uri: str = REDIRECT,
) -> tuple[httpx.Response, str]:
    """A browser on the consent page: signs in as `user`, unticks `untick`, allows. Returns
    Zoom's answer (a redirect, or a refusal page) and the PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = client.authorize_url(redirect_uri, "state-1", challenge, app)
    page = httpx.get(authorize)
    if page.status_code != 200:
        return page, verifier
    offered = re.findall(r'name="offered" value="([^"]+)"', page.text)
    form = [(k, v[0]) for k, v in parse_qs(urlsplit(authorize).query).items()]
    form += [("user", user), ("allow", "1")] + [("offered", s) for s in offered]
    form += [("scope", s) for s in offered if s not in untick]  # the boxes left ticked
    posted = httpx.post(
        f"{zoom.base_url}/oauth/authorize",
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    return posted, verifier


def connect(
    zoom: ZoomEmulator,
    client: ZoomClient,
    user: str,
    app: ZoomAppType = ZoomAppType.USER_MANAGED,
    untick: tuple[str, ...] = (),
) -> TokenPair:
    answer, verifier = consent(zoom, client, user, app, untick)
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return client.exchange_code(code, REDIRECT, verifier, app)


@dataclass
class Received:
    """What a webhook endpoint was sent: headers and raw body of each POST."""

    requests: list[tuple[dict[str, str], str]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, Received]]:
    """A local endpoint (its URL) recording what Zoom posts to it, answering 200."""
    received = Received()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        received.requests.append((dict(request.headers), request.get_data(as_text=True)))
        received.arrived.set()
        return Response("{}", 200, content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/webhook", received
    finally:
        server.shutdown()
        server.server_close()
