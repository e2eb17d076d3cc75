"""The composition root: the one place that builds what the functions act with.

Each function process has one Container (`container()`), and each part is built on first
use, so a handler that only reads links creates a DynamoDB client and nothing else (cold
start). Nothing registers itself on import; handlers receive what they need through
Powertools' `Depends` (shared.http.dependencies). The local stack and the tests call
`reset()` after they change the environment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, cast

import boto3

from shared.adapters.repository import Repository, dynamodb_client
from shared.config import Settings
from shared.domain.join_tokens import JoinKey, JoinLinks
from shared.domain.models import ZoomAppType

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from shared.adapters.google.risc import RiscVerifier
    from shared.adapters.mailer import Mailer
    from shared.adapters.queue import WorkQueue
    from shared.adapters.webhook_sender import WebhookSender
    from shared.adapters.zoom.client import ZoomClient
    from shared.adapters.zoom.tokens import AppCredentialsCache, TokenProvider, TokenSecrets
    from shared.domain.errors import VclinksError
    from shared.domain.models import Connection
    from shared.services.accounts import Accounts
    from shared.services.links import ClickThrottle, SessionHints
    from shared.services.notifications import Notifier
    from shared.services.pipeline import StepContext
    from shared.services.providers import Provider
    from shared.services.senders import Senders
    from shared.services.sessions import Sessions
    from shared.services.worker import Followup, Worker


PROVIDERS: dict[str, str] = {
    "zoom": "shared.adapters.zoom.build",
    "google": "shared.adapters.google.build",
    "microsoft": "shared.adapters.microsoft.build",
}
"""Each provider's `build(root)` module, imported on the provider's first use: the package makes
its provider from what this root offers (shared.adapters.provider_root), and a process that never
calls a provider never loads it."""
INLINE_PROVIDERS = frozenset({"zoom"})
"""The providers whose credentials the request functions may read (template.yaml): only these are
built for a request's inline attempt."""


class Container:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self._providers: dict[str, Provider] = {}  # built once per warm Lambda, as the Zoom client

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_environ()

    # -- adapters --------------------------------------------------------------------------

    @cached_property
    def repo(self) -> Repository:
        s = self.settings
        return Repository(dynamodb_client(), s.accounts_table, s.session_links_table, time.time)

    @cached_property
    def queue(self) -> WorkQueue:
        from shared.adapters.queue import WorkQueue  # only functions that queue work (cold start)

        return WorkQueue(boto3.client("sqs"), self.settings.work_queue_url)

    @cached_property
    def sesv2(self) -> SESV2Client:
        return boto3.client("sesv2")

    @cached_property
    def mailer(self) -> Mailer:
        from shared.adapters.mailer import Mailer
        from shared.adapters.metrics import MeasuredMailer

        mailer = Mailer(self.sesv2, self.settings.email_configuration_set)
        return cast("Mailer", MeasuredMailer(mailer))  # counted, same shape

    @cached_property
    def senders(self) -> Senders:
        from shared.adapters.mailer import SenderIdentities
        from shared.services.senders import Senders

        identities = SenderIdentities(self.sesv2, self.settings.stack_name)
        return Senders(self.repo, identities, self.settings.sender_email, self.repo.now)

    @cached_property
    def token_secrets(self) -> TokenSecrets:
        """Every grant's tokens; a Google grant's also indexed by its refresh token's RISC hash."""
        from shared.adapters.provider_tokens import GrantIndexedSecrets

        s = self.settings
        google = (
            s.provider_token_secret_prefix + "google/"
        )  # GoogleMeet.secret_parts under the provider prefix
        return GrantIndexedSecrets(
            boto3.client("secretsmanager"), s.zoom_token_secret_prefix, self.repo, google
        )

    @cached_property
    def zoom_app(self) -> AppCredentialsCache:
        from shared.adapters.zoom.tokens import AppCredentialsCache

        return AppCredentialsCache(self.token_secrets, self.settings.zoom_app_secret_arn)

    @cached_property
    def zoom(self) -> ZoomClient:
        """The Zoom client (raises ZoomNotConfigured when the deployment has no Zoom app)."""
        import httpx  # only where Zoom is called (cold start)

        from shared.adapters.zoom.client import ZoomClient

        s = self.settings
        apps = self.zoom_app
        apps.get()  # a deployment without a Zoom app says so now

        def pairs() -> dict[ZoomAppType, tuple[str, str]]:
            """Read again on each OAuth call (5 minutes of cache): credentials an operator fixed
            take effect in a warm function."""
            credentials = apps.get()
            return {
                ZoomAppType.USER_MANAGED: (credentials.client_id, credentials.client_secret),
                ZoomAppType.ADMIN_MANAGED: (credentials.admin_client_id, credentials.admin_client_secret),
            }

        return ZoomClient(
            api_base_url=s.zoom_api_base_url,
            oauth_base_url=s.zoom_oauth_base_url,
            credentials=pairs,
            http=httpx.Client(timeout=s.zoom_timeout_seconds),
            timeout=s.zoom_timeout_seconds,
            max_attempts=3,  # 3 x 5 s plus backoff stays inside a request's 29 s
        )

    @cached_property
    def tokens(self) -> TokenProvider:
        from shared.adapters.zoom.tokens import TokenProvider

        return TokenProvider(self.repo, self.token_secrets, self.zoom, self.dead_grant)

    def dead_grant(self, connection: Connection, why: VclinksError) -> None:
        """X07: a grant refused for good (any provider's); its connections and accounts at once."""
        from shared.services.connections import mark_needs_reconnect
        from shared.services.meetings import failure_reason

        problem = failure_reason(why)  # the plain refusal needs no more words than the status
        self.queue.send(
            mark_needs_reconnect(self.repo, connection, None if problem == "needs_reconnect" else problem)
        )

    @cached_property
    def provider_apps(self) -> dict[str, str]:
        """Google's and Microsoft's OAuth client ids and secrets (read once per warm Lambda)."""
        import json

        arn = self.settings.provider_app_secret_arn
        if not arn:
            return {}
        raw = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        return {str(k): str(v) for k, v in json.loads(raw).items()}

    def provider_credentials(self, name: str) -> tuple[str, str]:
        """(client id, client secret) of a provider's OAuth client; refused when the operator set none."""
        from shared.domain.errors import ProviderMisconfigured

        apps = self.provider_apps
        client_id, secret = apps.get(f"{name}_client_id", ""), apps.get(f"{name}_client_secret", "")
        if not (client_id and secret):
            raise ProviderMisconfigured(
                f"This deployment has no {name} app: its operator puts the OAuth client in the "
                "ProviderAppSecret (docs/GOOGLE-SETUP.md, docs/MICROSOFT-SETUP.md).",
                provider=name,
            )
        return client_id, secret

    def provider(self, name: str) -> Provider:
        """Zoom, Google Meet or Microsoft Teams behind the provider interface
        (shared.services.providers): one client and token cache per provider and process."""
        if name not in self._providers:
            self._providers[name] = self._build_provider(name)
        return self._providers[name]

    def register(self, name: str, provider: Provider) -> None:
        """A provider built elsewhere, in place of the one this root would build (a test's double)."""
        self._providers[name] = provider

    def _build_provider(self, name: str) -> Provider:
        if name not in PROVIDERS:
            raise ValueError(f"unknown provider {name!r}")
        build: Callable[[Container], Provider] = import_module(PROVIDERS[name]).build
        return build(self)

    @cached_property
    def google_risc(self) -> RiscVerifier:
        """Verifies Google's Security Event Tokens; caches Google's configuration and keys an hour
        per warm Lambda. Only the RISC route builds it (PyJWT and cryptography load here)."""
        from shared.adapters.google.risc import RiscVerifier, http_fetcher

        return RiscVerifier(
            self.settings.google_risc_configuration_url,
            lambda: (self.provider_credentials("google")[0],),  # our OAuth client: the SETs' audience
            http_fetcher(),
        )

    @cached_property
    def join_key(self) -> JoinKey:
        """Read once per warm Lambda: minting and parsing join tokens then costs no AWS call."""
        from shared.adapters.join_key import read_join_key

        return read_join_key(boto3.client("secretsmanager"), self.settings.join_token_key_arn)

    @cached_property
    def webhook_sender(self) -> WebhookSender:
        """Events to the platform's endpoint (only the worker sends them: httpx is imported here)."""
        from shared.adapters.webhook_sender import WebhookSender

        return WebhookSender(allow_loopback=self.settings.webhook_allow_loopback)

    @cached_property
    def session_hints(self) -> SessionHints:
        """The link route's memory of each session's service and staff ids (one round trip)."""
        from shared.services.links import SessionHints

        return SessionHints()

    @cached_property
    def join_clicks(self) -> ClickThrottle:
        """X12: how often this warm Lambda records a link's clicks."""
        from shared.services.links import ClickThrottle

        return ClickThrottle(clock=lambda: self.repo.clock())  # the store's clock (tests move it)

    def join_links(self, base_url: str) -> JoinLinks:
        return JoinLinks(base_url, self.join_key)

    # -- services --------------------------------------------------------------------------

    def notifier(self, base_url: str) -> Notifier:
        from shared.services.notifications import Notifier

        return Notifier(self.repo, self.mailer, self.senders, self.join_links(base_url), self.repo.now)

    def step_context(self, inline: bool) -> StepContext:
        """What one attempt of a work item acts with; an inline attempt may call Zoom once."""
        from shared.domain.work import Deferred
        from shared.services.connections import Revoker
        from shared.services.meetings import Meetings
        from shared.services.pipeline import StepContext
        from shared.services.providers import ActsInline, MeetingProvider

        views: dict[str, MeetingProvider] = {}  # an inline attempt's view of each provider

        def providers(name: str) -> MeetingProvider:
            """An inline attempt calls a provider that can act within its budget (Zoom: one call);
            the others' meetings are the worker's, deferred before their credentials are read (the
            request functions have no access to Google's and Microsoft's)."""
            if not inline:
                return self.provider(name)
            if name not in views:
                provider = self.provider(name) if name in INLINE_PROVIDERS else None
                if not isinstance(provider, ActsInline):
                    raise Deferred(f"{name} meetings are made by the worker")
                views[name] = provider.inline()
            return views[name]

        return StepContext(
            repo=self.repo,
            meetings=Meetings(self.repo, providers, self.repo.now),
            notifier=self.notifier(self.settings.public_base_url),
            revoker=Revoker(self.repo, self.provider, self.token_secrets),
            token_secrets=self.token_secrets,
            queue=self.queue,
            clock=self.repo.now,
            webhooks=None if inline else self.webhook_sender,
        )

    @cached_property
    def worker(self) -> Worker:
        from shared.services.worker import Worker

        return Worker(self.repo, self.queue, self.step_context, self.repo.now)

    @cached_property
    def followup(self) -> Followup:
        from shared.services.worker import Followup

        return Followup(lambda: self.worker, self.queue)

    @cached_property
    def sessions(self) -> Sessions:
        from shared.services.sessions import Sessions

        return Sessions(self.repo, self.followup)

    @cached_property
    def accounts(self) -> Accounts:
        from shared.services.accounts import Accounts

        return Accounts(self.repo, self.followup)


_container: Container | None = None


def container() -> Container:
    """This process's container (one per warm Lambda)."""
    global _container
    if _container is None:
        _container = Container()
    return _container


def reset(settings: Settings | None = None) -> Container:
    """A new container (after the environment changed: tests, the local stack)."""
    global _container
    _container = Container(settings)
    return _container
