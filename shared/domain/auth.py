"""Who is calling: the site's API key, or a short-lived scoped token minted with it.

- API keys (`vcl_{site}.{secret}`) name their site and carry 256 random bits; only their
  SHA-256 is stored (a fast hash is right for a high-entropy secret: nothing to
  brute-force).
- Scoped tokens (`vcs_...`) are for browsers: `payload.signature`, the payload a compact
  JSON of the site, role, scope and expiry, the signature an HMAC-SHA256 with the site's
  own token secret. A staff token acts only for its staff member; a client token reads only
  its booking's link; a connect ticket opens the Zoom connect flow once (it names the staff
  member and the Zoom app, and carries an id the flow spends) and does nothing else. Only an
  API key mints tokens.

What a caller learns from a refusal (W02, and no oracle of which sites exist):

- A credential that names another site than the path's is 404, the answer of a site that
  does not exist, and it is not even checked: whether the path's site exists, or the named
  one, or whether the credential is genuine, changes nothing in the answer. So a valid key
  of site A on site B's path is 404, as W02 says.
- A credential that names the path's site is checked: a wrong secret and a site that does
  not exist answer the same 401, word for word, after the same work (the hash is compared
  with a stand-in when there is no site). So `Bearer vcl_{id}.x` tells nobody whether site
  `{id}` exists, for API keys and scoped tokens alike.
- Rotation (issue 12): a new API key leaves the previous one valid until
  `previous_key_expires_at` (an overlap, so the platform can roll its servers over), and a new
  token secret leaves the previous one valid for MAX_TOKEN_SECONDS, as long as a token signed
  with it can still be unexpired. Both hashes and both secrets are in the site record that every
  request reads anyway: a rotation adds no read to any route. The previous key cannot rotate,
  retire or delete (`require_current_key`): whoever holds a leaked key cannot keep it alive.
- A site whose deletion was accepted answers as a site that does not exist (401), at once.
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
from datetime import datetime, timedelta
from enum import StrEnum

from shared.domain.errors import Forbidden, NotFound, Unauthorized
from shared.domain.models import Site

API_KEY_PREFIX = "vcl_"
TOKEN_PREFIX = "vcs_"
MAX_TOKEN_SECONDS = 24 * 3600


DEFAULT_KEY_OVERLAP = timedelta(hours=24)
MAX_KEY_OVERLAP = timedelta(days=30)


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    CLIENT = "client"
    CONNECT = "connect"  # a single-use ticket for the Zoom connect flow, nothing else


class Credential(StrEnum):
    """What the caller showed: the site's API key, the previous one (during an overlap), a token."""

    API_KEY = "api_key"
    PREVIOUS_API_KEY = "previous_api_key"
    TOKEN = "token"


@dataclass(frozen=True)
class Principal:
    """The caller of one request, already checked against the site in the path."""

    site_id: str
    role: Role
    staff_id: str | None = None
    session_id: str | None = None
    booking_id: str | None = None
    credential: Credential = Credential.API_KEY
    ticket_id: str | None = None  # a connect ticket's single-use id
    access: str | None = None  # a connect ticket's Zoom app: "user" or "account"
    expires_at: int | None = None

    @property
    def scoped(self) -> bool:
        """A scoped token (for a browser), not one of the site's API keys."""
        return self.credential is Credential.TOKEN

    def require_current_key(self) -> None:
        """Rotating, retiring and deleting take the site's current API key itself."""
        if self.credential is not Credential.API_KEY:
            raise Forbidden(NOT_CURRENT_KEY)

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


_NO_KEY_HASH = "0" * 64
_NO_TOKEN_SECRET = secrets.token_urlsafe(32)
"""What a credential is checked against when its site does not exist: the same work, the same 401."""

WRONG_KEY = "The API key is not valid for this site."
NOT_CURRENT_KEY = "This action needs the site's current API key (not a token, not the previous key)."
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

    Missing, malformed or wrong credentials, and credentials of a site that does not exist,
    are 401; a credential naming another site is 404 (see the module's docstring).
    """
    credential = bearer(authorization)
    if claimed_site(credential) != site_id:
        raise NotFound(f"No site '{site_id}' for this credential.")
    if site is not None and site.deleted_at is not None:
        site = None  # deleting: as if it did not exist, from the moment the deletion was accepted
    moment = now if now is not None else time.time()
    if credential.startswith(TOKEN_PREFIX):
        secrets_ = _token_secrets(site, moment) if site else (_NO_TOKEN_SECRET,)
        principal = _verify_token(secrets_, site_id, credential, moment)
        if site is None:
            raise Unauthorized(WRONG_SIGNATURE)
        if (principal.role is Role.CONNECT) is not ticket:  # a ticket opens the connect flow, nothing else
            raise Forbidden(
                "A connect ticket only opens the Zoom connect flow."
                if principal.role is Role.CONNECT
                else "The Zoom connect flow takes a connect ticket (tokens with role 'connect')."
            )
        return principal
    given = hash_api_key(credential)
    current = same_secret(given, site.api_key_hash if site else _NO_KEY_HASH)
    previous = same_secret(given, _previous_key_hash(site, moment))
    if site is not None and (current or previous):
        kind = Credential.API_KEY if current else Credential.PREVIOUS_API_KEY
        return Principal(site_id=site_id, role=Role.ADMIN, credential=kind)
    raise Unauthorized(WRONG_KEY)


def _previous_key_hash(site: Site | None, now: float) -> str:
    """The previous key's hash while its overlap lasts (else a stand-in that matches nothing)."""
    if site is None or not site.previous_api_key_hash or site.previous_key_expires_at is None:
        return _NO_KEY_HASH
    return site.previous_api_key_hash if now < site.previous_key_expires_at.timestamp() else _NO_KEY_HASH


def _token_secrets(site: Site, now: float) -> tuple[str, ...]:
    """The secrets a token may be signed with: the current one, and the previous one while a token
    it signed can still be unexpired."""
    until = site.previous_token_secret_until
    if site.previous_token_secret and until is not None and now < until.timestamp():
        return (site.token_secret, site.previous_token_secret)
    return (site.token_secret,)


def rotate_api_key(site: Site, now: datetime, overlap: timedelta = DEFAULT_KEY_OVERLAP) -> tuple[Site, str]:
    """A new API key; the current one stays valid for `overlap` (zero: retired at once)."""
    api_key = new_api_key(site.site_id)
    keep = overlap > timedelta(0)
    return site.model_copy(
        update={
            "api_key_hash": hash_api_key(api_key),
            "previous_api_key_hash": site.api_key_hash if keep else None,
            "previous_key_expires_at": now + overlap if keep else None,
        }
    ), api_key


def retire_previous_key(site: Site) -> Site:
    return site.model_copy(update={"previous_api_key_hash": None, "previous_key_expires_at": None})


def rotate_token_secret(site: Site, now: datetime) -> Site:
    """A new token secret; tokens signed with the current one stay valid until they expire."""
    return site.model_copy(
        update={
            "token_secret": new_token_secret(),
            "previous_token_secret": site.token_secret,
            "previous_token_secret_until": now + timedelta(seconds=MAX_TOKEN_SECONDS),
        }
    )


def _verify_token(token_secrets: tuple[str, ...], site_id: str, token: str, now: float) -> Principal:
    payload, _, signature = token[len(TOKEN_PREFIX) :].partition(".")
    genuine = [same_secret(_sign(secret, payload), signature) for secret in token_secrets]
    if not signature or not any(genuine):
        raise Unauthorized(WRONG_SIGNATURE)
    try:
        claims = json.loads(_unb64(payload))
        role = Role(claims["r"])
        expires = int(claims["e"])
    except (ValueError, KeyError, TypeError) as error:
        raise Unauthorized("The token is malformed.") from error
    if expires < now:
        raise Unauthorized("The token has expired; ask the booking platform for a new one.")
    return Principal(
        site_id=site_id,
        role=role,
        staff_id=claims.get("t"),
        session_id=claims.get("x"),
        booking_id=claims.get("b"),
        credential=Credential.TOKEN,
        ticket_id=claims.get("j"),
        access=claims.get("a"),
        expires_at=expires,
    )
