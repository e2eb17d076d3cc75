"""Access tokens of Google and Microsoft connections, kept in Secrets Manager (one secret per
provider user, as for Zoom: shared.adapters.zoom.tokens.TokenSecrets stores them).

Simpler than Zoom's: neither provider kills the old refresh token when it answers a refresh
(Google sends none and keeps its own; Microsoft sends a new one and the old one keeps working:
docs/PROVIDERS.md), so two refreshes at once cost nothing and need no lease; the newest answer is
stored. A refresh refused for good (`invalid_grant`: revoked, expired) is X07: `on_dead_grant`
marks the grant's connections, and the error is raised. A 401 from the API gets one fresh token
and one more try. A request's inline attempt never gets here: Google and Microsoft work is the
worker's (shared.bootstrap.Container.step_context).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.adapters.oauth import OAuthTokens
from shared.adapters.zoom.tokens import StoredTokens, TokenSecrets
from shared.domain.errors import ProviderAccessTokenInvalid, ProviderNeedsReconnect, VclinksError
from shared.domain.models import ConnectionStatus, ZoomConnection


def stored(tokens: OAuthTokens) -> StoredTokens:
    return StoredTokens(tokens.access_token, tokens.refresh_token, tokens.expires_at.timestamp())


@dataclass
class ProviderTokens:
    secrets: TokenSecrets
    refresh: Callable[[str], OAuthTokens]
    on_dead_grant: Callable[[ZoomConnection, VclinksError], None]
    clock: Callable[[], float] = time.time
    _cache: dict[str, StoredTokens] = field(default_factory=dict)

    def call[T](self, connection: ZoomConnection, action: Callable[[str], T]) -> T:
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

    def _access_token(self, connection: ZoomConnection, *, fresh: bool) -> str:
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
