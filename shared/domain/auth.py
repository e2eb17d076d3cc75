"""Who is calling: the site's API key, or a short-lived scoped token minted with it.

- API keys (`vcl_{site}.{secret}`) name their site and carry 256 random bits; only their
  SHA-256 is stored (a fast hash is right for a high-entropy secret: nothing to
  brute-force). Naming the site lets a key used on another site's path be answered 404,
  exactly like an unknown site, while a wrong key for the right site is 401.
- Scoped tokens (`vcs_...`) are for browsers: `payload.signature`, the payload a compact
  JSON of the site, role, scope and expiry, the signature an HMAC-SHA256 with the site's
  own token secret. A staff token acts only for its staff member; a client token reads only
  its booking's link; a connect ticket opens the Zoom connect flow once (it names the staff
  member and the Zoom app, and carries an id the flow spends) and does nothing else. Rotating a
  site's token secret revokes every token at once. Only the API key mints tokens.
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
    CONNECT = "connect"  # a single-use ticket for the Zoom connect flow, nothing else


@dataclass(frozen=True)
class Principal:
    """The caller of one request, already checked against the site in the path."""

    site_id: str
    role: Role
    staff_id: str | None = None
    session_id: str | None = None
    booking_id: str | None = None
    scoped: bool = False  # a scoped token (for a browser), not the site's API key
    ticket_id: str | None = None  # a connect ticket's single-use id
    access: str | None = None  # a connect ticket's Zoom app: "user" or "account"
    expires_at: int | None = None

    def require_admin(self) -> None:
        if self.role is not Role.ADMIN:
            raise Forbidden("This action needs the site's API key.")

    def require_api_key(self) -> None:
        """Minting tokens needs the API key itself: a token never mints another."""
        if self.role is not Role.ADMIN or self.scoped:
            raise Forbidden("Only the site's API key mints tokens; a scoped token cannot.")

    def require_admin_or_staff(self, staff_id: str | None) -> None:
        """Allow the admin, or the staff member `staff_id` with their own staff token."""
        if self.role is Role.ADMIN:
            return
        if self.role is Role.STAFF and staff_id is not None and self.staff_id == staff_id:
            return
        raise Forbidden("This token may act only for its own staff member.")


def new_api_key(site_id: str) -> str:
    return f"{API_KEY_PREFIX}{site_id}.{secrets.token_urlsafe(32)}"


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


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
    access: str | None = None,
    now: float | None = None,
) -> tuple[str, int]:
    """A scoped token and its expiry (epoch seconds). A connect ticket gets a single-use id."""
    expires = int((now if now is not None else time.time()) + min(ttl_seconds, MAX_TOKEN_SECONDS))
    claims: dict[str, str | int] = {"s": site.site_id, "r": role.value, "e": expires}
    ticket_id = secrets.token_urlsafe(12) if role is Role.CONNECT else None
    pairs = (("t", staff_id), ("x", session_id), ("b", booking_id), ("a", access), ("j", ticket_id))
    claims.update({k: v for k, v in pairs if v})
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
    site: Site | None,
    site_id: str,
    authorization: str | None,
    now: float | None = None,
    *,
    ticket: bool = False,
) -> Principal:
    """Check the caller's credential for the site `site_id` of the path (`site`: its record, or None).

    Missing, malformed or wrong credentials are 401. A valid-looking credential of another
    site is 404, the same answer as a site that does not exist: one site never learns
    which ids another has (W02).
    """
    credential = bearer(authorization)
    if claimed_site(credential) != site_id or site is None:
        raise NotFound(f"No site '{site_id}' for this credential.")
    if credential.startswith(TOKEN_PREFIX):
        principal = _verify_token(site, credential, now)
        if (principal.role is Role.CONNECT) is not ticket:  # a ticket opens the connect flow, nothing else
            raise Forbidden(
                "A connect ticket only opens the Zoom connect flow."
                if principal.role is Role.CONNECT
                else "The Zoom connect flow takes a connect ticket (tokens with role 'connect')."
            )
        return principal
    if hmac.compare_digest(hash_api_key(credential), site.api_key_hash):
        return Principal(site_id=site_id, role=Role.ADMIN)
    raise Unauthorized("The API key is not valid for this site.")


def _verify_token(site: Site, token: str, now: float | None) -> Principal:
    payload, _, signature = token[len(TOKEN_PREFIX) :].partition(".")
    if not signature or not hmac.compare_digest(_sign(site.token_secret, payload), signature):
        raise Unauthorized("The token's signature is not valid.")
    try:
        claims = json.loads(_unb64(payload))
        role = Role(claims["r"])
        expires = int(claims["e"])
    except (ValueError, KeyError, TypeError) as error:
        raise Unauthorized("The token is malformed.") from error
    if expires < (now if now is not None else time.time()):
        raise Unauthorized("The token has expired; ask the booking platform for a new one.")
    return Principal(
        site_id=site.site_id,
        role=role,
        staff_id=claims.get("t"),
        session_id=claims.get("x"),
        booking_id=claims.get("b"),
        scoped=True,
        ticket_id=claims.get("j"),
        access=claims.get("a"),
        expires_at=expires,
    )
