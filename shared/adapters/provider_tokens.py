"""Access tokens of Google and Microsoft connections, kept in Secrets Manager (one secret per
provider user, as for Zoom: shared.adapters.zoom.tokens.TokenSecrets stores them).

Simpler than Zoom's: neither provider kills the old refresh token when it answers a refresh
(Google sends none and keeps its own; Microsoft sends a new one and the old one keeps working:
docs/PROVIDERS.md), so two refreshes at once cost nothing and need no lease; the newest answer is
stored. A refresh refused for good (`invalid_grant`: revoked, expired) is X07: `on_dead_grant`
marks the grant's connections, and the error is raised. A 401 from the API gets one fresh token
and one more try. A request's inline attempt never gets here: Google and Microsoft work is the
worker's (shared.bootstrap.Container.step_context).

Google's Cross-Account Protection may say that one refresh token was revoked (`token-revoked`),
naming it only by a hash: `GrantIndexedSecrets` stores each Google grant's tokens as TokenSecrets
does and keeps, beside them, the lookup from that hash to the grant's secret
(shared.services.google_risc acts on it). The token itself is never stored outside its secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.adapters.oauth import OAuthTokens
from shared.adapters.zoom.tokens import StoredTokens, TokenSecrets
from shared.domain.errors import ProviderAccessTokenInvalid, ProviderNeedsReconnect, VclinksError
from shared.domain.models import Connection, ConnectionStatus

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from shared.adapters.repository import Repository

TOKEN_INDEX_DAYS = 190
"""How long a grant's token lookup outlives its last write: a refresh token unused for six months
expires (https://developers.google.com/identity/protocols/oauth2#expiration); each process that
stores the grant's tokens writes the lookup again."""


def risc_token_hash(refresh_token: str) -> str:
    """Google's `hash_base64_sha512_sha512` token identifier: "the double hash of the token using
    SHA-512" (https://developers.google.com/identity/protocols/risc, "OAuth token identifiers"),
    base64 of SHA-512 over the SHA-512 digest of the token's UTF-8 bytes."""
    inner = hashlib.sha512(refresh_token.encode()).digest()
    return base64.b64encode(hashlib.sha512(inner).digest()).decode()


def canonical_token_hash(identifier: str) -> str | None:
    """An event's hash in the form `risc_token_hash` writes (standard base64, padded), whatever
    base64 alphabet or padding it came in; None when it is no SHA-512 digest."""
    text = identifier.strip().replace("-", "+").replace("_", "/")
    try:
        digest = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(digest).decode() if len(digest) == hashlib.sha512().digest_size else None


class GrantIndexedSecrets(TokenSecrets):
    """TokenSecrets that also index each Google grant by its refresh token's RISC hash, when the
    grant is stored (the connect callback's `create`) and when a refresh stores it again (`write`):
    a grant stored before the index existed is indexed by its next refresh. Once per process and
    token (a warm Lambda does not write the same lookup at every refresh)."""

    def __init__(
        self,
        client: SecretsManagerClient,
        prefix: str,
        repo: Repository,
        google_prefix: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(client, prefix, sleep)
        self.repo = repo
        self.google_prefix = google_prefix  # the names of Google grants' secrets start with it
        self._indexed: dict[str, str] = {}  # secret name -> hash indexed by this process

    def create(self, name: str, tokens: StoredTokens) -> None:
        super().create(name, tokens)
        self._index(name, tokens)

    def write(self, name: str, tokens: StoredTokens) -> None:
        super().write(name, tokens)
        self._index(name, tokens)

    def _index(self, name: str, tokens: StoredTokens) -> None:
        if not name.startswith(self.google_prefix) or not tokens.refresh_token:
            return
        token_hash = risc_token_hash(tokens.refresh_token)
        if self._indexed.get(name) != token_hash:
            self.repo.index_refresh_token(token_hash, name, TOKEN_INDEX_DAYS)
            self._indexed[name] = token_hash


def stored(tokens: OAuthTokens) -> StoredTokens:
    return StoredTokens(tokens.access_token, tokens.refresh_token, tokens.expires_at.timestamp())


@dataclass
class ProviderTokens:
    secrets: TokenSecrets
    refresh: Callable[[str], OAuthTokens]
    on_dead_grant: Callable[[Connection, VclinksError], None]
    clock: Callable[[], float] = time.time
    _cache: dict[str, StoredTokens] = field(default_factory=dict)

    def call[T](self, connection: Connection, action: Callable[[str], T]) -> T:
        """`action(access_token)`; on a 401, once more with a refreshed token."""
        if connection.status is ConnectionStatus.NEEDS_RECONNECT:
            raise ProviderNeedsReconnect(
                "The connection must be connected again by the site's admin.",
                provider=connection.provider,
                problem=connection.problem,
            )
        try:
            return action(self._access_token(connection, fresh=False))
        except ProviderAccessTokenInvalid:
            return action(self._access_token(connection, fresh=True))

    def _access_token(self, connection: Connection, *, fresh: bool) -> str:
        name = connection.secret_name
        cached = self._cache.get(name)
        if not fresh and cached and cached.fresh(self.clock()):
            return cached.access_token
        tokens = self.secrets.read(name)
        if fresh or not tokens.fresh(self.clock()):
            try:
                tokens = stored(self.refresh(tokens.refresh_token))
            except ProviderNeedsReconnect as dead:
                self.on_dead_grant(connection, dead)
                raise
            self.secrets.write(name, tokens)
        self._cache[name] = tokens
        return tokens.access_token
