"""Handlers through API Gateway events on moto: HTTP requests become payload 2.0 events (the
local gateway, routes read from template.yaml) and go to the real `lambda_handler`s. The work
each request queues is done right after it (the worker, draining the queue), unless a test
stops the worker to look at what is left."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from tests.support.api import Api, SiteHandle
from tests.support.aws import TEST_ENV, Tables, reset_caches


class WorkerSwitch:
    """Whether the worker runs after each request (on by default, as in AWS, where it is prompt)."""

    def __init__(self, poller: Any) -> None:
        self.poller = poller
        self.running = True

    def after_request(self, _: object) -> None:
        if self.running:
            self.poller.drain()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Requests leave their work queued (to count a request's own calls, or see what it left)."""
        self.running = False
        try:
            yield
        finally:
            self.running = True


@pytest.fixture
def worker_switch(worker: Any) -> WorkerSwitch:
    return WorkerSwitch(worker)


@pytest.fixture
def gateway_client(moto_aws: Tables, worker_switch: WorkerSwitch) -> Client:
    from local.gateway import Gateway
    from local.template import http_routes, load_template

    return Client(Gateway(http_routes(load_template()), after_invoke=worker_switch.after_request))


@pytest.fixture
def anonymous(gateway_client: Client) -> Api:
    return Api(gateway_client)


@pytest.fixture
def make_site(gateway_client: Client) -> Any:
    from shared.bootstrap import container
    from shared.services.sites import create_site

    def make(name: str = "Studio") -> SiteHandle:
        site, key = create_site(container().repo, name)
        return SiteHandle(site.site_id, key, Api(gateway_client, key))

    return make


@pytest.fixture
def site(make_site: Any) -> SiteHandle:
    return make_site("Yoga Studio")


@pytest.fixture
def zoom(moto_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The Zoom emulator in this process with the deployment's two Zoom apps (user- and
    admin-managed), and the deployment's Zoom app secret pointing at it."""
    from local.zoom_emulator import ADMIN_SCOPES, Managed, ZoomApp, ZoomEmulator
    from tests.support.zoom import ADMIN_APP, REDIRECT, WEBHOOK_TOKENS

    emulator = ZoomEmulator(redirect_uris=(REDIRECT,), webhook_secret_token=WEBHOOK_TOKENS[0])
    emulator.register_app(
        ZoomApp(
            *ADMIN_APP,
            Managed.ADMIN,
            ADMIN_SCOPES,
            redirect_uris=(REDIRECT,),
            webhook_secret_token=WEBHOOK_TOKENS[1],
        )
    )
    url = emulator.start()
    secret = {
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "webhook_secret_token": WEBHOOK_TOKENS[0],
        "admin_client_id": ADMIN_APP[0],
        "admin_client_secret": ADMIN_APP[1],
        "admin_webhook_secret_token": WEBHOOK_TOKENS[1],
    }
    secrets = boto3.client("secretsmanager")
    arn = secrets.create_secret(Name="vclinks-test/app", SecretString=json.dumps(secret))
    monkeypatch.setenv("ZOOM_APP_SECRET_ARN", arn["ARN"])
    monkeypatch.setenv("ZOOM_API_BASE_URL", f"{url}/v2")
    monkeypatch.setenv("ZOOM_OAUTH_BASE_URL", url)
    reset_caches()
    yield emulator
    emulator.stop()


@pytest.fixture
def meet_and_teams(moto_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The Google and Microsoft emulators in this process, each with the OAuth client an operator
    registers (the redirect URLs template.yaml outputs), and the deployment's ProviderAppSecret
    naming them (as local/stack.py does for `make dev`)."""
    from local.google_emulator import GoogleEmulator
    from local.microsoft_emulator import MicrosoftEmulator
    from local.template import load_template, output

    template = load_template()
    refs = {"PublicBaseUrl": TEST_ENV["PUBLIC_BASE_URL"]}
    google = GoogleEmulator(redirect_uris=(output(template, "GoogleRedirectUri", refs),))
    microsoft = MicrosoftEmulator(redirect_uris=(output(template, "MicrosoftRedirectUri", refs),))
    google_url, microsoft_url = google.start(), microsoft.start()
    credentials = {
        "google_client_id": google.client_id,
        "google_client_secret": google.client_secret,
        "microsoft_client_id": microsoft.client_id,
        "microsoft_client_secret": microsoft.client_secret,
    }
    secret = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/provider-apps", SecretString=json.dumps(credentials)
    )
    monkeypatch.setenv("PROVIDER_APP_SECRET_ARN", secret["ARN"])
    for name in ("GOOGLE_ACCOUNTS_BASE_URL", "GOOGLE_OAUTH2_BASE_URL", "GOOGLE_MEET_BASE_URL"):
        monkeypatch.setenv(name, google_url)
    monkeypatch.setenv("MICROSOFT_LOGIN_BASE_URL", microsoft_url)
    monkeypatch.setenv("MICROSOFT_GRAPH_BASE_URL", f"{microsoft_url}/v1.0")
    reset_caches()
    yield {"google": google, "microsoft": microsoft}
    google.stop()
    microsoft.stop()


class InProcessTier:
    """What the provider kits (tests/support/provider_kits.py) need of this tier: each provider's
    emulator, started when a test first asks for it; the worker has no catching up to do."""

    return_to = "https://admin.studio.test/providers"

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request

    def emulator_url(self, provider: str) -> str:
        if provider == "zoom":
            return str(self.request.getfixturevalue("zoom").base_url)
        return str(self.request.getfixturevalue("meet_and_teams")[provider].base_url)

    def settle(self) -> None:
        """Nothing to wait for: the worker drains the queue after each request."""

    def wait_for_worker(self) -> None:
        """It always does (WorkerSwitch)."""


@pytest.fixture
def tier(request: pytest.FixtureRequest, worker_switch: WorkerSwitch) -> InProcessTier:
    return InProcessTier(request)


@pytest.fixture
def demo_world(moto_aws: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the sample events name (tests/support/events.py), stored on moto."""
    from tests.support.events import seed_demo_world

    seed_demo_world(monkeypatch)
