"""Google's Cross-Account Protection (RISC): verifying the Security Event Tokens Google pushes.

https://developers.google.com/identity/protocols/risc ("Validate and decode the token"): the
token is a JWT (RFC 8417) signed RS256 with a key of the JWKS that Google's RISC configuration
(`/.well-known/risc-configuration`) names; `iss` must be the configuration's `issuer`, `aud` one
of our OAuth client ids; `exp` is not checked (a SET tells of an event that happened, it does not
expire). Only RS256 is accepted: a token saying `none` or `HS256` (HMAC keyed with the public key)
is refused before any key is looked at (algorithm confusion).

The configuration and the keys are read once an hour per warm Lambda; a token signed with a key
the cached JWKS does not hold makes one fresh read of the JWKS (Google rotates its keys), at most
once a minute, so forged `kid`s cannot make us fetch Google's keys on every request.

A refusal carries RFC 8935 section 2.4's error code (`invalid_request`, `invalid_key`,
`invalid_issuer`, `invalid_audience`, `authentication_failed`); the route answers 400 with it.

PyJWT (with `cryptography`) is imported by this module only, and this module only by the RISC
route's service: no other function's cold start pays for the crypto library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from shared.domain.errors import ProviderUnavailable

GOOGLE_RISC_CONFIGURATION = "https://accounts.google.com/.well-known/risc-configuration"
CACHE_SECONDS = 3600
KEY_REREAD_SECONDS = 60
ALGORITHM = "RS256"


class SetRefused(Exception):
    """The SET is not accepted; `err` is RFC 8935's error code, `description` says why."""

    def __init__(self, err: str, description: str) -> None:
        super().__init__(f"{err}: {description}")
        self.err, self.description = err, description


@dataclass
class RiscVerifier:
    """`fetch_json(url)` reads Google's configuration and JWKS (raises to say Google is down);
    `audiences()` our Google OAuth client ids (read when a token arrives, not when built)."""

    configuration_url: str
    audiences: Callable[[], tuple[str, ...]]
    fetch_json: Callable[[str], dict[str, Any]]
    clock: Callable[[], float] = time.time
    _configuration: tuple[float, dict[str, Any]] | None = field(default=None, repr=False)
    _keys: tuple[float, dict[str, jwt.PyJWK]] | None = field(default=None, repr=False)
    _forced_at: float | None = field(default=None, repr=False)

    def verify(self, token: str) -> dict[str, Any]:
        """The SET's claims, once its signature, issuer and audience hold; else SetRefused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise SetRefused("invalid_request", "The body is not a JWT.") from error
        if header.get("alg") != ALGORITHM:
            raise SetRefused("invalid_key", f"Only {ALGORITHM} signed tokens are accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise SetRefused("invalid_key", "The token names no signing key (kid).")
        configuration = self._read_configuration()
        key = self._key(kid, configuration)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=list(self.audiences()),
                issuer=str(configuration.get("issuer", "")),
                options={
                    "verify_exp": False,  # a SET is a historical event (Google's RISC page)
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["iss", "aud", "iat", "jti", "events"],
                },
            )
        except jwt.InvalidSignatureError as error:
            raise SetRefused("authentication_failed", "The token's signature does not verify.") from error
        except jwt.InvalidAudienceError as error:
            raise SetRefused("invalid_audience", "The token is not addressed to this app.") from error
        except jwt.InvalidIssuerError as error:
            raise SetRefused("invalid_issuer", "The token was not issued by Google's RISC.") from error
        except jwt.PyJWTError as error:
            raise SetRefused(
                "invalid_request", f"The token is not a valid SET ({type(error).__name__})."
            ) from error
        if not isinstance(claims.get("events"), dict) or not isinstance(claims.get("jti"), str):
            raise SetRefused("invalid_request", "The SET has no events object or no jti.")
        return claims

    # -- configuration and keys -------------------------------------------------------------

    def _read_configuration(self) -> dict[str, Any]:
        now = self.clock()
        if self._configuration is None or now - self._configuration[0] >= CACHE_SECONDS:
            configuration = self.fetch_json(self.configuration_url)
            if not configuration.get("issuer") or not configuration.get("jwks_uri"):
                raise ProviderUnavailable(
                    "Google's RISC configuration has no issuer or keys.", provider="google"
                )
            self._configuration = (now, configuration)
        return self._configuration[1]

    def _key(self, kid: str, configuration: dict[str, Any]) -> jwt.PyJWK:
        now = self.clock()
        if self._keys is None or now - self._keys[0] >= CACHE_SECONDS:
            self._keys = (now, self._read_keys(configuration))
        elif kid not in self._keys[1] and (
            self._forced_at is None or now - self._forced_at >= KEY_REREAD_SECONDS
        ):
            self._forced_at = now  # keys rotate: one fresh read before refusing
            self._keys = (now, self._read_keys(configuration))
        key = self._keys[1].get(kid)
        if key is None:
            raise SetRefused("invalid_key", "The token is signed with a key Google does not publish.")
        return key

    def _read_keys(self, configuration: dict[str, Any]) -> dict[str, jwt.PyJWK]:
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in self.fetch_json(str(configuration["jwks_uri"])).get("keys", []):
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
                continue
            try:
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm=ALGORITHM)
            except jwt.PyJWTError:
                continue  # a key we cannot use signs nothing we accept
        return keys


def http_fetcher(timeout: float = 5.0) -> Callable[[str], dict[str, Any]]:
    """`fetch_json` over httpx: Google's configuration and keys (a failure is ProviderUnavailable:
    the route answers 503 and Google delivers the SET again)."""
    import httpx

    client = httpx.Client(timeout=timeout)

    def fetch(url: str) -> dict[str, Any]:
        try:
            answer = client.get(url)
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnavailable("Google's RISC keys could not be read.", provider="google") from error
        if not isinstance(data, dict):
            raise ProviderUnavailable("Google's RISC keys could not be read.", provider="google")
        return data

    return fetch
