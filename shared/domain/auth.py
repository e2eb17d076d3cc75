"""Who is calling: the site's API key, or a short-lived scoped token minted with it.

- API keys (`vcl_{site}.{secret}`) name their site and carry 256 random bits; only their
  SHA-256 is stored (a fast hash is right for a high-entropy secret: nothing to
  brute-force).
- Scoped tokens (`vcs_...`) are for browsers: `payload.signature`, the payload a compact
  JSON of the site, role, scope and expiry, the signature an HMAC-SHA256 with the site's
  own token secret. A staff token acts only for its staff member; a client token reads only
  its booking's link.

What a caller learns from a refusal (W02, and no oracle of which sites exist):

- A credential that names another site than the path's is 404, the answer of a site that
  does not exist, and it is not even checked: whether the path's site exists, or the named
  one, or whether the credential is genuine, changes nothing in the answer. So a valid key
  of site A on site B's path is 404, as W02 says.
- A credential that names the path's site is checked: a wrong secret and a site that does
  not exist answer the same 401, word for word, after the same work (the hash is compared
  with a stand-in when there is no site). So `Bearer vcl_{id}.x` tells nobody whether site
  `{id}` exists, for API keys and scoped tokens alike.
- Secrets are compared as UTF-8 bytes (`same_secret`): `hmac.compare_digest` raises
  TypeError on a str with non-ASCII characters, and a credential is whatever was sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from shared.domain.errors import Forbidden, NotFound, Unauthorized
from shared.domain.models import Site

API_KEY_PREFIX = "vcl_"
TOKEN_PREFIX = "vcs_"
MAX_TOKEN_SECONDS = 24 * 3600


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    CLIENT = "client"


@dataclass(frozen=True)
class Principal:
    """The caller of one request, already checked against the site in the path."""

    site_id: str
    role: Role
    staff_id: str | None = None
    session_id: str | None = None
    booking_id: str | None = None

    def require_admin(self) -> None:
        if self.role is not Role.ADMIN:
            raise Forbidden("This action needs the site's API key.")

    def require_admin_or_staff(self, staff_id: str | None) -> None:
        """Allow the admin, or the staff member `staff_id` with their own staff token."""
        if self.role is Role.ADMIN:
            return
        if self.role is Role.STAFF and staff_id is not None and self.staff_id == staff_id:
            return
        raise Forbidden("This token may act only for its own staff member.")


_NO_KEY_HASH = "0" * 64
_NO_TOKEN_SECRET = secrets.token_urlsafe(32)
"""What a credential is checked against when its site does not exist: the same work, the same 401."""

WRONG_KEY = "The API key is not valid for this site."
WRONG_SIGNATURE = "The token's signature is not valid."


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of two secrets, whatever characters the caller sent."""
    return hmac.compare_digest(_utf8(given), _utf8(expected))


def new_api_key(site_id: str) -> str:
    return f"{API_KEY_PREFIX}{site_id}.{secrets.token_urlsafe(32)}"


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(_utf8(api_key)).hexdigest()


def new_token_secret() -> str:
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def mint_token(
    site: Site,
    role: Role,
    ttl_seconds: int,
    *,
    staff_id: str | None = None,
    session_id: str | None = None,
    booking_id: str | None = None,
    now: float | None = None,
) -> tuple[str, int]:
    """A scoped token and its expiry (epoch seconds)."""
    expires = int((now if now is not None else time.time()) + min(ttl_seconds, MAX_TOKEN_SECONDS))
    claims = {"s": site.site_id, "r": role.value, "e": expires}
    claims.update({k: v for k, v in (("t", staff_id), ("x", session_id), ("b", booking_id)) if v})
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{TOKEN_PREFIX}{payload}.{_sign(site.token_secret, payload)}", expires


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Send the site's API key or a scoped token as 'Authorization: Bearer ...'.")
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <key or token>'.")
    return credential.strip()


def claimed_site(credential: str) -> str:
    """The site a credential says it belongs to (not yet verified)."""
    if credential.startswith(API_KEY_PREFIX):
        site_id, dot, secret = credential[len(API_KEY_PREFIX) :].rpartition(".")
        if dot and site_id and secret:
            return site_id
    elif credential.startswith(TOKEN_PREFIX):
        payload = credential[len(TOKEN_PREFIX) :].partition(".")[0]
        try:
            return str(json.loads(_unb64(payload))["s"])
        except (ValueError, KeyError, TypeError):
            pass
    raise Unauthorized("The credential is malformed: expected a site API key or a scoped token.")


def authenticate(
    site: Site | None, site_id: str, authorization: str | None, now: float | None = None
) -> Principal:
    """Check the caller's credential for the site `site_id` of the path (`site`: its record, or None).

    Missing, malformed or wrong credentials, and credentials of a site that does not exist,
    are 401; a credential naming another site is 404 (see the module's docstring).
    """
    credential = bearer(authorization)
    if claimed_site(credential) != site_id:
        raise NotFound(f"No site '{site_id}' for this credential.")
    if credential.startswith(TOKEN_PREFIX):
        principal = _verify_token(site.token_secret if site else _NO_TOKEN_SECRET, site_id, credential, now)
        if site is None:
            raise Unauthorized(WRONG_SIGNATURE)
        return principal
    key_hash = site.api_key_hash if site else _NO_KEY_HASH
    if same_secret(hash_api_key(credential), key_hash) and site is not None:
        return Principal(site_id=site_id, role=Role.ADMIN)
    raise Unauthorized(WRONG_KEY)


def _verify_token(token_secret: str, site_id: str, token: str, now: float | None) -> Principal:
    payload, _, signature = token[len(TOKEN_PREFIX) :].partition(".")
    if not signature or not same_secret(_sign(token_secret, payload), signature):
        raise Unauthorized(WRONG_SIGNATURE)
    try:
        claims = json.loads(_unb64(payload))
        role = Role(claims["r"])
        expires = int(claims["e"])
    except (ValueError, KeyError, TypeError) as error:
        raise Unauthorized("The token is malformed.") from error
    if expires < (now if now is not None else time.time()):
        raise Unauthorized("The token has expired; ask the booking platform for a new one.")
    return Principal(
        site_id=site_id,
        role=role,
        staff_id=claims.get("t"),
        session_id=claims.get("x"),
        booking_id=claims.get("b"),
    )
