"""Stable join links (X01): `/v1/j/{token}` redirects at click time to the session's current link.

A token names its site, session and (for a client) booking, and carries a random secret
that must match the one stored with the booking (client) or the session (staff). So a
token is unguessable, scoped to one booking or one session's staff member, and revoked
by the data: a cancelled booking, or a new staff member (whose secret is new), ends it.
Naming the records lets the join path read them directly: two DynamoDB round trips.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from shared.domain.auth import same_secret
from shared.domain.models import Booking, Session

_SEP = "\x1f"


@dataclass(frozen=True)
class JoinTarget:
    site_id: str
    session_id: str
    booking_id: str | None
    secret: str


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def _encode(target_ids: str) -> str:
    return base64.urlsafe_b64encode(target_ids.encode()).rstrip(b"=").decode()


def client_token(booking: Booking) -> str:
    ids = _SEP.join((booking.site_id, booking.session_id, booking.booking_id))
    return f"{_encode(ids)}.{booking.join_secret}"


def staff_token(session: Session) -> str:
    ids = _SEP.join((session.site_id, session.session_id, ""))
    return f"{_encode(ids)}.{session.staff_join_secret}"


def parse(token: str) -> JoinTarget | None:
    """The target a token names, or None for anything malformed (answered like an unknown link)."""
    if len(token) > 512:
        return None
    encoded, dot, secret = token.partition(".")
    if not dot or not secret or not encoded:
        return None
    try:
        ids = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = ids.split(_SEP)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    return JoinTarget(site_id=parts[0], session_id=parts[1], booking_id=parts[2] or None, secret=secret)


def matches(target: JoinTarget, session: Session, booking: Booking | None) -> bool:
    """Constant-time check of the token's secret against the stored one."""
    if target.booking_id is None:
        return same_secret(target.secret, session.staff_join_secret)
    return booking is not None and same_secret(target.secret, booking.join_secret)


def join_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v1/j/{token}"
