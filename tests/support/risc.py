"""Google RISC Security Event Tokens for the tests: an RSA key pair published as a JWKS, SETs
signed with it (or forged), in the shapes of https://developers.google.com/identity/protocols/risc."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://accounts.google.com/"
CONFIGURATION_URL = "https://accounts.google.com/.well-known/risc-configuration"
JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
CLIENT_ID = "our-client.apps.googleusercontent.com"
EVENT = "https://schemas.openid.net/secevent"
TOKENS_REVOKED = f"{EVENT}/oauth/event-type/tokens-revoked"
TOKEN_REVOKED = f"{EVENT}/oauth/event-type/token-revoked"
SESSIONS_REVOKED = f"{EVENT}/risc/event-type/sessions-revoked"
ACCOUNT_DISABLED = f"{EVENT}/risc/event-type/account-disabled"
ACCOUNT_ENABLED = f"{EVENT}/risc/event-type/account-enabled"
ACCOUNT_PURGED = f"{EVENT}/risc/event-type/account-purged"
CREDENTIAL_CHANGE = f"{EVENT}/risc/event-type/account-credential-change-required"
VERIFICATION = f"{EVENT}/risc/event-type/verification"


class RiscKeys:
    """Google's signing keys, as its JWKS publishes them (kid -> private key)."""

    def __init__(self, *kids: str) -> None:
        self.private = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in kids}

    def add(self, kid: str) -> None:
        self.private[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.private.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def public_pem(self, kid: str) -> bytes:
        return (
            self.private[kid]
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def sign(self, claims: dict[str, Any], kid: str, signer: str | None = None) -> str:
        """A SET with `kid` in its header, signed by `signer`'s key (default: the kid's own)."""
        return jwt.encode(claims, self.private[signer or kid], algorithm="RS256", headers={"kid": kid})


def claims(
    event_type: str = TOKENS_REVOKED,
    sub: str = "g-host",
    aud: str = CLIENT_ID,
    iss: str = ISSUER,
    iat: float | None = None,
    **event: Any,
) -> dict[str, Any]:
    """A SET's claims about one Google user (subject_type iss-sub)."""
    subject = {"subject_type": "iss-sub", "iss": ISSUER, "sub": sub}
    return {
        "iss": iss,
        "aud": aud,
        "iat": int(iat or time.time()),
        "jti": secrets.token_hex(16),
        "events": {event_type: {"subject": subject, **event}},
    }


def unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    """A token with any header, signature left empty (alg none)."""
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), ""])


def hmac_signed(payload: dict[str, Any], kid: str, secret: bytes) -> str:
    """HS256 keyed with `secret` (the algorithm-confusion attack keys it with the public key)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps(payload).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
