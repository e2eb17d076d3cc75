"""What Google's and Microsoft's OAuth 2.0 answers have in common: PKCE (RFC 7636, S256),
the token answer (RFC 6749 section 5.1) read into one shape, and its error codes (section 5.2)
told apart: a dead grant, our own configuration, a failed connect."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.domain.errors import (
    ProviderConnectFailed,
    ProviderMisconfigured,
    ProviderNeedsReconnect,
    ProviderRejected,
    VclinksError,
)

# RFC 6749 5.2 `error` values that mean our app registration is wrong, not the user's grant.
CONFIGURATION_ERRORS = frozenset({"invalid_client", "unauthorized_client", "unsupported_grant_type"})


def new_code_verifier() -> str:
    """43-128 characters of [A-Za-z0-9-._~] (RFC 7636 4.1): 64 url-safe characters."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636 4.2, method S256)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class OAuthTokens:
    """One token answer. `refresh_token` is the one to store from now on: the new one when the
    provider rotated it, else the one we had (Google does not rotate)."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    scopes: frozenset[str] = field(default_factory=frozenset)
    refresh_expires_at: datetime | None = None  # Google's time-limited access only
    id_claims: Mapping[str, Any] = field(default_factory=dict)  # OpenID claims (sub, email) if asked

    def __repr__(self) -> str:  # never print tokens
        return f"OAuthTokens(expires_at={self.expires_at.isoformat()}, scopes={sorted(self.scopes)!r})"


def read_token_answer(
    data: Mapping[str, Any], previous_refresh_token: str = "", now: datetime | None = None
) -> OAuthTokens:
    now = now or datetime.now(UTC)
    refresh = str(data.get("refresh_token") or previous_refresh_token)
    limited = data.get("refresh_token_expires_in")
    return OAuthTokens(
        access_token=str(data["access_token"]),
        refresh_token=refresh,
        expires_at=now + timedelta(seconds=int(data.get("expires_in", 3600))),
        scopes=frozenset(str(data.get("scope", "")).split()),
        refresh_expires_at=now + timedelta(seconds=int(limited)) if limited else None,
        id_claims=_unverified_claims(str(data.get("id_token", ""))),
    )


def token_refusal(provider: str, status: int, data: Mapping[str, Any], *, refreshing: bool) -> VclinksError:
    """The domain error for a 4xx from a token endpoint, chosen by RFC 6749's `error` code (never
    by the description's text: Microsoft says its texts and AADSTS numbers change)."""
    error = str(data.get("error", ""))
    description = str(data.get("error_description", ""))[:200]
    if error in CONFIGURATION_ERRORS:
        return ProviderMisconfigured(
            f"{provider} refused our app credentials ({error}): check the client id, secret and "
            "redirect URL in the deployment's settings.",
            provider=provider,
            oauth_error=error,
        )
    if error in ("invalid_grant", "interaction_required", "consent_required") and refreshing:
        return ProviderNeedsReconnect(
            f"{provider} refused the stored grant ({error}): it was revoked or expired; connect again.",
            provider=provider,
            oauth_error=error,
        )
    if error == "invalid_grant":
        return ProviderConnectFailed(
            f"{provider} refused the authorization code ({description or error}); start connecting again.",
            provider=provider,
            oauth_error=error,
        )
    return ProviderRejected(
        f"{provider} refused the token request with {status} ({error or 'no error code'}).",
        provider=provider,
        oauth_error=error,
    )


def _unverified_claims(id_token: str) -> dict[str, Any]:
    """The payload of an ID token received straight from the token endpoint over TLS, which
    OpenID Connect Core 3.1.3.7 allows to use without checking the signature."""
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
