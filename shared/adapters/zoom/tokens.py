"""Zoom access tokens: stored in Secrets Manager, refreshed by one writer at a time.

Zoom's refresh tokens rotate: each refresh returns a new one and the old one stops
working, so two concurrent refreshes would kill the connection. A refresh therefore
takes a DynamoDB lease (a conditional write); the holder re-reads the secret (another
holder may have refreshed just before), refreshes, and writes the new pair to Secrets
Manager before anyone uses it. Callers that lose the lease wait for the fresh token and
reuse it. `invalid_grant` means the grant is gone: the connection is marked
`needs_reconnect` (X07). Warm Lambdas keep the access token in memory until shortly
before it expires.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shared.adapters.repository import Repository
from shared.adapters.zoom.errors import ZoomAccessTokenInvalid
from shared.domain.errors import ZoomNeedsReconnect, ZoomNotConfigured, ZoomUnavailable
from shared.domain.models import ConnectionStatus, ZoomConnection

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from shared.adapters.zoom.client import TokenPair, ZoomClient

REFRESH_MARGIN_SECONDS = 300
LEASE_SECONDS = 20
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class StoredTokens:
    access_token: str
    refresh_token: str
    expires_at: float

    def fresh(self, now: float) -> bool:
        return self.expires_at - REFRESH_MARGIN_SECONDS > now

    def usable(self, now: float, dead: str | None = None) -> bool:
        """Fresh, and not the token Zoom just refused (`dead`)."""
        return self.fresh(now) and self.access_token != dead

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
            }
        )

    @classmethod
    def from_pair(cls, pair: TokenPair) -> StoredTokens:
        return cls(pair.access_token, pair.refresh_token, pair.expires_at.timestamp())


@dataclass(frozen=True)
class AppCredentials:
    """The deployment's Zoom apps: the user-managed one, and optionally an admin-managed one
    (S01, W07), each with the Secret Token that signs its webhooks."""

    client_id: str
    client_secret: str
    webhook_secret_token: str
    admin_client_id: str = ""
    admin_client_secret: str = ""
    admin_webhook_secret_token: str = ""

    @property
    def webhook_secret_tokens(self) -> tuple[str, ...]:
        """Each app signs its own webhooks with its own Secret Token."""
        return tuple(t for t in (self.webhook_secret_token, self.admin_webhook_secret_token) if t)


class TokenSecrets:
    """One Secrets Manager secret per connection, named `{prefix}{site}/{connection}`."""

    def __init__(self, client: SecretsManagerClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def name(self, site_id: str, connection_id: str) -> str:
        return f"{self.prefix}{site_id}/{connection_id}"

    def create(self, name: str, tokens: StoredTokens) -> None:
        try:
            self.client.create_secret(
                Name=name, SecretString=tokens.to_json(), Description="vclinks Zoom tokens"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceExistsException":
                raise
            self.write(name, tokens)

    def read(self, name: str) -> StoredTokens:
        try:
            raw = json.loads(self.client.get_secret_value(SecretId=name)["SecretString"])
        except ClientError as error:
            if error.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"):
                raise ZoomNeedsReconnect(
                    "The Zoom tokens of this connection are gone; connect Zoom again."
                ) from error
            raise
        return StoredTokens(raw["access_token"], raw["refresh_token"], float(raw["expires_at"]))

    def write(self, name: str, tokens: StoredTokens) -> None:
        self.client.put_secret_value(SecretId=name, SecretString=tokens.to_json())

    def delete(self, name: str) -> None:
        try:
            self.client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise

    def app_credentials(self, arn: str) -> AppCredentials:
        raw = json.loads(self.client.get_secret_value(SecretId=arn)["SecretString"])
        return AppCredentials(
            raw.get("client_id", ""),
            raw.get("client_secret", ""),
            raw.get("webhook_secret_token", ""),
            raw.get("admin_client_id", ""),
            raw.get("admin_client_secret", ""),
            raw.get("admin_webhook_secret_token", ""),
        )


class TokenProvider:
    """Access tokens of Zoom connections, refreshed at most once at a time per connection."""

    def __init__(
        self,
        store: Repository,
        secrets: TokenSecrets,
        zoom: ZoomClient,
        on_dead_grant: Callable[[ZoomConnection], None],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.secrets = secrets
        self.zoom = zoom
        self.on_dead_grant = on_dead_grant  # X07: the service marks the connection needs_reconnect
        self.clock = clock
        self.sleep = sleep
        self._cache: dict[str, StoredTokens] = {}
        self._local = threading.Lock()

    def using(self, zoom: ZoomClient) -> TokenProvider:
        """The same tokens (cache and lock shared) over another client (an inline attempt's)."""
        view = copy.copy(self)
        view.zoom = zoom
        return view

    def access_token(self, connection: ZoomConnection) -> str:
        if connection.status is ConnectionStatus.NEEDS_RECONNECT:
            raise ZoomNeedsReconnect("The Zoom connection must be connected again by the site's admin.")
        cached = self._cache.get(connection.secret_name)
        if cached and cached.fresh(self.clock()):
            return cached.access_token
        with self._local:  # threads of one process share one refresh
            tokens = self.secrets.read(connection.secret_name)
            if not tokens.fresh(self.clock()):
                tokens = self._refresh(connection)
            self._cache[connection.secret_name] = tokens
            return tokens.access_token

    def call[T](self, connection: ZoomConnection, action: Callable[[str], T]) -> T:
        """Run `action(access_token)`; if Zoom says the token is invalid (124), once more with a new one."""
        token = self.access_token(connection)
        try:
            return action(token)
        except ZoomAccessTokenInvalid:
            return action(self.replace(connection, token))

    def replace(self, connection: ZoomConnection, dead: str) -> str:
        """A token other than `dead`: another caller's new one, or one refreshed now (under the lease)."""
        with self._local:
            self._cache.pop(connection.secret_name, None)
            tokens = self.secrets.read(connection.secret_name)
            if not tokens.usable(self.clock(), dead):
                tokens = self._refresh(connection, dead)
            self._cache[connection.secret_name] = tokens
            return tokens.access_token

    def _refresh(self, connection: ZoomConnection, dead: str | None = None) -> StoredTokens:
        lease = f"zoom-token#{connection.site_id}#{connection.connection_id}"
        owner = uuid.uuid4().hex
        deadline = self.clock() + WAIT_SECONDS
        while self.clock() < deadline:
            if self.store.take_lease(lease, owner, LEASE_SECONDS):
                try:
                    return self._refresh_holding_lease(connection, dead)
                finally:
                    self.store.release_lease(lease, owner)
            self.sleep(POLL_SECONDS)
            tokens = self.secrets.read(connection.secret_name)
            if tokens.usable(self.clock(), dead):
                return tokens
        raise ZoomUnavailable("Zoom's token refresh did not finish in time; try again.")

    def _refresh_holding_lease(self, connection: ZoomConnection, dead: str | None) -> StoredTokens:
        current = self.secrets.read(connection.secret_name)
        if current.usable(self.clock(), dead):
            return current  # refreshed by the previous holder
        try:
            pair = self.zoom.refresh(current.refresh_token, connection.app)
        except ZoomNeedsReconnect:
            self.on_dead_grant(connection)
            raise
        tokens = StoredTokens.from_pair(pair)
        self.secrets.write(connection.secret_name, tokens)  # before anyone uses the new pair
        return tokens


class AppCredentialsCache:
    """The Zoom app's credentials, read from Secrets Manager at most every few minutes per warm Lambda."""

    def __init__(self, secrets: TokenSecrets, arn: str, ttl: float = 300.0) -> None:
        self.secrets = secrets
        self.arn = arn
        self.ttl = ttl
        self._cached: tuple[float, AppCredentials] | None = None

    def expire(self) -> None:
        """Read the secret again at the next use (as when the cache's minutes have passed)."""
        self._cached = None

    def get(self) -> AppCredentials:
        if self._cached and self._cached[0] > time.time():
            return self._cached[1]
        credentials = self.secrets.app_credentials(self.arn) if self.arn else None
        if credentials is None or not (credentials.client_id and credentials.client_secret):
            raise ZoomNotConfigured(
                "This deployment has no Zoom app: its operator puts the app's credentials in its "
                "ZoomAppSecret (README: Set up your Zoom apps)."
            )
        self._cached = (time.time() + self.ttl, credentials)
        return credentials
