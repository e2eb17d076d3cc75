"""Stable join links (X01): `/v1/j/{token}` redirects at click time to the session's current link.

A token is opaque: it names its site, session and (for a client) booking, with the hints
the join path reads to fetch everything in one round trip (the session's service and staff
ids), encrypted and authenticated under the deployment's join-token key; nobody can read an
id in it or change one. It also carries a check of the random secret stored with the
booking (client) or the session (staff), so it is revoked by the data: a cancelled booking,
or a new staff member (whose secret is new), ends it. Tokens of the first format
(`base64(site, session, booking).secret`, readable ids) are still accepted: they went out in
emails and calendars, and their secret still revokes them.

The construction is SIV (Rogaway and Shrimpton's deterministic authenticated encryption,
the structure of RFC 5297) with HMAC-SHA256 as its PRF: the synthetic IV is
HMAC(k_mac, version || plaintext) cut to 128 bits, it is the tag, and it seeds HMAC(k_enc,
IV || counter), the keystream XORed with the plaintext. Both keys are derived from the one
deployment secret. Why this and not AES:

- It must be deterministic. The same booking must give the same link every time it is
  asked for: an email's dedup marker holds the link, and a link that changed at each read
  would send a retried email twice. That rules out AES-GCM (or any scheme) with a random
  nonce; the deterministic choice in the `cryptography` package is AES-SIV.
- Its cost. On this machine `from cryptography.hazmat.primitives.ciphers.aead import
  AESSIV` plus the first call took 14-23 ms (5 runs) over a floor (boto3, one client,
  Powertools' resolver) of about 1,000 ms: 1.5-2% of a budget of 15% that the whole init
  of resolve_link must fit in (issue 14), and a compiled wheel in the layer. The stdlib
  construction costs 0.1 ms: hmac and hashlib are loaded anyway.
- HMAC-SHA256 is a PRF under standard assumptions, CTR mode with a PRF is IND$-secure, and
  SIV composes them into a deterministic AEAD; reading the cost as above, nothing is lost.

Size: 1 version byte, 16 of tag, an 8-byte secret check and each id with a length byte,
base64url: 28 bytes of overhead, so under 200 characters while the ids fit in 121 bytes
(a 20-character site id and two UUIDs do). When the hints would take the token past 199
characters they are left out (the join path then reads the session first: two round
trips); ids longer than that make a longer token, never a wrong one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from shared.domain.auth import same_secret
from shared.domain.models import Booking, Session

VERSION = 1
MAX_TOKEN_CHARS = 199
TAG_BYTES = 16
CHECK_BYTES = 8
_LEGACY_SEP = "\x1f"


@dataclass(frozen=True)
class JoinKey:
    """The two keys of the construction, derived from the deployment's join-token secret."""

    mac: bytes
    enc: bytes

    @classmethod
    def derive(cls, secret: str) -> JoinKey:
        if len(secret) < 32:
            raise ValueError("the join-token secret must have at least 32 characters")
        master = secret.encode()
        return cls(
            mac=hmac.new(master, b"vclinks join token: tag", hashlib.sha256).digest(),
            enc=hmac.new(master, b"vclinks join token: keystream", hashlib.sha256).digest(),
        )


@dataclass(frozen=True)
class JoinTarget:
    """What a token names. `secret` for a first-format token, `secret_check` for an opaque one;
    `service_id` and `staff_id` are hints (None: not carried), true when the token was made."""

    site_id: str
    session_id: str
    booking_id: str | None
    secret: str | None = None
    secret_check: bytes | None = None
    service_id: str | None = None
    staff_id: str | None = None


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def client_token(booking: Booking, key: JoinKey, session: Session | None = None) -> str:
    """A client's link to one booking; `session` (the booking's) adds the hints."""
    hints = (session.service_id, session.staff_id) if session is not None else None
    ids = (booking.site_id, booking.session_id, booking.booking_id)
    return _token(key, ids, booking.join_secret, hints)


def staff_token(session: Session, key: JoinKey) -> str:
    """The session's staff member's link."""
    ids = (session.site_id, session.session_id, None)
    return _token(key, ids, session.staff_join_secret, (session.service_id, session.staff_id))


def parse(token: str, key: JoinKey) -> JoinTarget | None:
    """The target a token names, or None for anything malformed or forged (answered like an
    unknown link)."""
    if len(token) > 512:
        return None
    if "." in token:
        return _parse_legacy(token)
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:  # binascii.Error, and non-ASCII text
        return None
    plaintext = _open(key, blob)
    return _fields(plaintext) if plaintext is not None else None


def matches(target: JoinTarget, session: Session, booking: Booking | None) -> bool:
    """Constant-time check of the token's secret (or its check) against the stored one."""
    if target.booking_id is None:
        stored = session.staff_join_secret
    elif booking is not None:
        stored = booking.join_secret
    else:
        return False
    if target.secret is not None:
        return same_secret(target.secret, stored)
    return target.secret_check is not None and hmac.compare_digest(target.secret_check, _check(stored))


def join_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v1/j/{token}"


# -- the construction ---------------------------------------------------------------------


def _token(
    key: JoinKey,
    ids: tuple[str, str, str | None],
    secret: str,
    hints: tuple[str | None, str | None] | None,
) -> str:
    with_hints = _encode(key, _plaintext(ids, secret, hints))
    if hints is None or len(with_hints) <= MAX_TOKEN_CHARS:
        return with_hints
    return _encode(key, _plaintext(ids, secret, None))


def _plaintext(
    ids: tuple[str, str, str | None], secret: str, hints: tuple[str | None, str | None] | None
) -> bytes:
    fields = [*ids, *(hints or ())]
    return _check(secret) + b"".join(_field(value or "") for value in fields)


def _field(value: str) -> bytes:
    data = value.encode()
    if len(data) > 255:
        raise ValueError("an id of a join token has at most 255 bytes")
    return bytes([len(data)]) + data


def _fields(plaintext: bytes) -> JoinTarget | None:
    check, rest = plaintext[:CHECK_BYTES], plaintext[CHECK_BYTES:]
    values: list[str] = []
    while rest:
        size = rest[0]
        if len(rest) < 1 + size:
            return None
        try:
            values.append(rest[1 : 1 + size].decode())
        except UnicodeDecodeError:
            return None
        rest = rest[1 + size :]
    if len(check) != CHECK_BYTES or len(values) not in (3, 5) or not values[0] or not values[1]:
        return None
    site_id, session_id, booking_id, *hints = values
    service_id, staff_id = hints if hints else (None, None)
    return JoinTarget(
        site_id=site_id,
        session_id=session_id,
        booking_id=booking_id or None,
        secret_check=check,
        service_id=service_id or None,
        staff_id=staff_id or None,
    )


def _check(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()[:CHECK_BYTES]


def _encode(key: JoinKey, plaintext: bytes) -> str:
    return base64.urlsafe_b64encode(_seal(key, plaintext)).rstrip(b"=").decode()


def _seal(key: JoinKey, plaintext: bytes) -> bytes:
    header = bytes([VERSION])
    iv = hmac.new(key.mac, header + plaintext, hashlib.sha256).digest()[:TAG_BYTES]
    return header + iv + _xor(plaintext, _keystream(key.enc, iv, len(plaintext)))


def _open(key: JoinKey, blob: bytes) -> bytes | None:
    header, iv, ciphertext = blob[:1], blob[1 : 1 + TAG_BYTES], blob[1 + TAG_BYTES :]
    if header != bytes([VERSION]) or len(iv) != TAG_BYTES:
        return None
    plaintext = _xor(ciphertext, _keystream(key.enc, iv, len(ciphertext)))
    expected = hmac.new(key.mac, header + plaintext, hashlib.sha256).digest()[:TAG_BYTES]
    return plaintext if hmac.compare_digest(expected, iv) else None


def _keystream(key: bytes, iv: bytes, size: int) -> bytes:
    blocks = (
        hmac.new(key, iv + n.to_bytes(4, "big"), hashlib.sha256).digest() for n in range(-(-size // 32))
    )
    return b"".join(blocks)[:size]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data) ^ int.from_bytes(stream)).to_bytes(len(data))


def _parse_legacy(token: str) -> JoinTarget | None:
    """A first-format token: `base64url(site \\x1f session \\x1f booking).secret`."""
    encoded, _, secret = token.partition(".")
    if not secret or not encoded:
        return None
    try:
        ids = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = ids.split(_LEGACY_SEP)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    return JoinTarget(site_id=parts[0], session_id=parts[1], booking_id=parts[2] or None, secret=secret)


@dataclass(frozen=True)
class JoinLinks:
    """The stable join links of one deployment: its public base URL and its join-token key."""

    base_url: str
    key: JoinKey

    def client(self, booking: Booking, session: Session | None = None) -> str:
        return join_url(self.base_url, client_token(booking, self.key, session))

    def staff(self, session: Session) -> str:
        return join_url(self.base_url, staff_token(session, self.key))

    def parse(self, token: str) -> JoinTarget | None:
        return parse(token, self.key)
