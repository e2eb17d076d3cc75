"""Zoom access tokens: stored in Secrets Manager, refreshed by one writer at a time.

Zoom keeps one grant per user per app ("the last token issued is valid"), so tokens are
kept per grant: one secret and one refresh lease per (app, Zoom account, Zoom user), shared
by every connection of that user (two sites, or a site's default and a staff member's own).
Signing in again overwrites the pair; the grant's record in DynamoDB lists the connections
that use it, so the last one to go revokes it.

Zoom's refresh tokens rotate: each refresh returns a new one and the old one stops
working, so two concurrent refreshes would kill the grant. A refresh therefore takes the
grant's lease (a conditional write); the holder re-reads the secret (another holder may
have refreshed just before), notes that a refresh with this refresh token is under way,
refreshes, and writes the new pair to Secrets Manager (retried) before anyone uses it.
If the answer was lost, or the pair could not be saved, the note stays: the next refusal
of that token (`invalid_grant`) is then told as what it is (ZoomRefreshLost) rather than as
a grant the user revoked. Either way the connections need reconnecting (X07). Warm Lambdas
keep the access token in memory until shortly before it expires.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from shared.adapters.repository import Repository
from shared.adapters.zoom.errors import ZoomAccessTokenInvalid
from shared.domain.errors import (
    VclinksError,
    ZoomNeedsReconnect,
    ZoomNotConfigured,
    ZoomRefreshLost,
    ZoomUnavailable,
)
from shared.domain.models import Connection, ConnectionStatus
from shared.domain.work import Deferred

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from shared.adapters.zoom.client import TokenPair, ZoomClient

REFRESH_MARGIN_SECONDS = 300
LEASE_SECONDS = 20
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.1
WRITE_ATTEMPTS = 4
SECRET_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_+=.@-]")


def secret_name(prefix: str, parts: tuple[str, ...]) -> str:
    """A grant's secret: one per provider user (and Zoom app), shared by every connection of that
    user (AccountProvider.secret_parts); characters Secrets Manager refuses become `_`."""
    return prefix + "/".join(SECRET_NAME_UNSAFE.sub("_", part) for part in parts)


def lease_name(secret_name: str) -> str:
    """The refresh lease of one grant (every connection of the Zoom user shares it)."""
    return f"zoom-token#{secret_name}"


def fingerprint(refresh_token: str) -> str:
    """What the refresh note keeps of a refresh token (never the token itself)."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


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
    """One Secrets Manager secret per Zoom grant, named `{prefix}{app}/{zoom account}/{zoom user}`."""

    def __init__(
        self, client: SecretsManagerClient, prefix: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.sleep = sleep

    def create(self, name: str, tokens: StoredTokens) -> None:
        """Store a new pair, or overwrite the grant's (signing in again replaces the grant)."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self.client.create_secret(
                    Name=name, SecretString=tokens.to_json(), Description="vclinks Zoom tokens"
                )
                return
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code == "ResourceExistsException":
                    self.write(name, tokens)
                    return
                # a secret of that name just deleted is still being removed: try again shortly
                if code != "InvalidRequestException" or attempt == WRITE_ATTEMPTS - 1:
                    raise
                self.sleep(0.5 * 2**attempt)

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
        """Save a pair, retried: after a refresh, Zoom has already forgotten the previous one."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self.client.put_secret_value(SecretId=name, SecretString=tokens.to_json())
                return
            except (ClientError, BotoCoreError) as error:
                code = error.response["Error"]["Code"] if isinstance(error, ClientError) else ""
                if code == "ResourceNotFoundException" or attempt == WRITE_ATTEMPTS - 1:
                    raise
                self.sleep(0.2 * 2**attempt)

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
        on_dead_grant: Callable[[Connection, VclinksError], None],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.secrets = secrets
        self.zoom = zoom
        self.on_dead_grant = on_dead_grant  # X07: the service marks the grant's connections, saying why
        self.clock = clock
        self.sleep = sleep
        self._cache: dict[str, StoredTokens] = {}
        self._local = threading.Lock()

    def using(self, zoom: ZoomClient) -> TokenProvider:
        """The same tokens (cache and lock shared) over another client (an inline attempt's)."""
        view = copy.copy(self)
        view.zoom = zoom
        return view

    def access_token(self, connection: Connection) -> str:
        if connection.status is ConnectionStatus.NEEDS_RECONNECT:
            raise ZoomNeedsReconnect(
                "The Zoom connection must be connected again by the site's admin.", problem=connection.problem
            )
        cached = self._cache.get(connection.secret_name)
        if cached and cached.fresh(self.clock()):
            return cached.access_token
        with self._local:  # threads of one process share one refresh
            tokens = self.secrets.read(connection.secret_name)
            if not tokens.fresh(self.clock()):
                tokens = self._refresh(connection)
            self._cache[connection.secret_name] = tokens
            return tokens.access_token

    def call[T](self, connection: Connection, action: Callable[[str], T]) -> T:
        """Run `action(access_token)`; if Zoom says the token is invalid (124), once more with a new one."""
        token = self.access_token(connection)
        try:
            return action(token)
        except ZoomAccessTokenInvalid:
            return action(self.replace(connection, token))

    def replace(self, connection: Connection, dead: str) -> str:
        """A token other than `dead`: another caller's new one, or one refreshed now (under the lease)."""
        with self._local:
            self._cache.pop(connection.secret_name, None)
            tokens = self.secrets.read(connection.secret_name)
            if not tokens.usable(self.clock(), dead):
                tokens = self._refresh(connection, dead)
            self._cache[connection.secret_name] = tokens
            return tokens.access_token

    def _refresh(self, connection: Connection, dead: str | None = None) -> StoredTokens:
        owner = uuid.uuid4().hex
        deadline = self.clock() + WAIT_SECONDS
        while self.clock() < deadline:
            if self.store.take_lease(lease_name(connection.secret_name), owner, LEASE_SECONDS):
                try:
                    return self._refresh_holding_lease(connection, dead)
                finally:
                    self.store.release_lease(lease_name(connection.secret_name), owner)
            self.sleep(POLL_SECONDS)
            tokens = self.secrets.read(connection.secret_name)
            if tokens.usable(self.clock(), dead):
                return tokens
        raise ZoomUnavailable("Zoom's token refresh did not finish in time; try again.")

    def _refresh_holding_lease(self, connection: Connection, dead: str | None) -> StoredTokens:
        name = connection.secret_name
        current = self.secrets.read(name)
        if current.usable(self.clock(), dead):
            return current  # refreshed by the previous holder
        used = fingerprint(current.refresh_token)
        unsettled = self.store.note_refresh(name, used)  # before Zoom rotates it
        try:
            pair = self.zoom.refresh(current.refresh_token, connection.app)
        except ZoomNeedsReconnect as refused:
            return self._refused(connection, current, refused, lost=unsettled == used)
        except Deferred:  # never sent (an inline attempt's budget is spent): nothing rotated
            self.store.settle_refresh(name)
            raise
        except VclinksError as failure:
            if not failure.extra.get("uncertain"):
                self.store.settle_refresh(name)  # refused before anything rotated
            raise  # uncertain: Zoom may have rotated it; the note stays to say so later
        tokens = StoredTokens.from_pair(pair)
        try:
            self.secrets.write(name, tokens)  # before anyone uses the new pair
        except (ClientError, BotoCoreError) as error:
            lost = ZoomRefreshLost(
                "Zoom gave this connection new tokens but they could not be saved; the old ones no "
                "longer work. The Zoom user must connect Zoom again."
            )
            self.on_dead_grant(connection, lost)
            raise lost from error
        self.store.settle_refresh(name)
        return tokens

    def _refused(
        self, connection: Connection, used: StoredTokens, refused: ZoomNeedsReconnect, *, lost: bool
    ) -> StoredTokens:
        """Zoom refused the refresh token (`invalid_grant`): a newer sign-in may have replaced the
        pair meanwhile (use it); else the grant is dead, and why is said exactly."""
        latest = self.secrets.read(connection.secret_name)
        if latest.refresh_token != used.refresh_token:
            self.store.settle_refresh(connection.secret_name)
            if latest.usable(self.clock()):
                return latest
            return self._refresh_holding_lease(connection, None)
        self.store.settle_refresh(connection.secret_name)
        error: ZoomNeedsReconnect = refused
        if lost:
            error = ZoomRefreshLost(
                "Zoom rotated this connection's tokens but the answer never reached vclinks (it was "
                "lost on the way); the old ones no longer work. The Zoom user must connect Zoom again."
            )
        self.on_dead_grant(connection, error)
        if error is refused:
            raise refused
        raise error from refused


@contextmanager
def grant_lease(store: Repository, name: str) -> Iterator[None]:
    """Hold a grant's lease (the one its refreshes take): a new sign-in stores its pair and joins
    the grant under it, so that no refresh in flight overwrites the pair with the dead grant's and
    no removal of the user's last other connection revokes the grant in between."""
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + LEASE_SECONDS + 1  # a stuck holder's lease has expired by then
    while not store.take_lease(lease_name(name), owner, LEASE_SECONDS):
        if time.monotonic() > deadline:
            raise ZoomUnavailable("Zoom's tokens of this user are being refreshed; try again.")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        store.release_lease(lease_name(name), owner)


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
