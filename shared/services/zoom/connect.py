"""Connecting Zoom (S01): OAuth authorization code with PKCE and a signed, single-use state.

The state is `nonce.signature`: the nonce names a stored record (site, staff member,
return URL, PKCE verifier; ten minutes of life) that the callback deletes as it reads it,
so a state works once; the signature (HMAC with a key derived from the Zoom app's client
secret) refuses forged states before any read. The browser is sent back only to a URL
under one of the allow-listed prefixes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

from aws_lambda_powertools import Logger

from shared.adapters.repository import Store
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.tokens import StoredTokens, TokenSecrets
from shared.domain.auth import same_secret
from shared.domain.errors import Conflict, Gone, InvalidInput, VclinksError
from shared.domain.models import Session
from shared.services.zoom.connections import (
    ZoomConnection,
    attach,
    delete_connection,
    detach,
    list_connections,
    save_connection,
)

logger = Logger(service="vclinks")
STATE_SECONDS = 600
ADMIN_ROLES = ("owner", "admin")


@dataclass(frozen=True)
class ConnectResult:
    redirect_to: str
    connection: ZoomConnection | None


def _state_key(client_secret: str) -> bytes:
    return hmac.new(client_secret.encode(), b"vclinks-oauth-state", hashlib.sha256).digest()


def _sign(client_secret: str, nonce: str) -> str:
    digest = hmac.new(_state_key(client_secret), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _within(url: SplitResult, allowed: SplitResult) -> bool:
    """Same scheme and host (and port), and a path under the allowed one once its dot segments
    are resolved as a browser would: a prefix written without its trailing slash still never
    admits `https://admin.example.com.evil.test`, and `/admin/../evil` is not under `/admin`."""
    if (url.scheme, url.netloc.lower()) != (allowed.scheme, allowed.netloc.lower()):
        return False
    base = allowed.path.rstrip("/")
    path = _resolved(url.path)
    return path == base or path.startswith(base + "/") or not base


def _resolved(path: str) -> str:
    """The path with `.` and `..` segments (`%2e` counts as a dot, as browsers read it) resolved."""
    segments: list[str] = []
    for segment in re.sub("%2e", ".", path, flags=re.IGNORECASE).split("/"):
        if segment == "..":
            if len(segments) > 1:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    return "/".join(segments)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_return_url(return_to: str, allowed: tuple[str, ...]) -> str:
    if _CONTROL.search(return_to) or _CONTROL.search(unquote(return_to)):
        raise InvalidInput("return_to must not contain line breaks or other control characters.")
    parts = urlsplit(return_to)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(return_to) > 2000:
        raise InvalidInput("return_to must be an absolute http(s) URL.")
    if parts.username or parts.password or "\\" in return_to:
        raise InvalidInput("return_to must not carry credentials or backslashes.")
    if not any(_within(parts, urlsplit(prefix)) for prefix in allowed):
        raise InvalidInput(
            "return_to is not one of the allowed return URLs of this deployment (AllowedReturnUrls)."
        )
    return return_to


def start(
    store: Store,
    zoom: ZoomClient,
    client_secret: str,
    site_id: str,
    staff_id: str | None,
    return_to: str,
    redirect_uri: str,
    now: float | None = None,
) -> str:
    """Record a state and give the URL of Zoom's consent page."""
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    expires = int((now or time.time()) + STATE_SECONDS)
    record = {
        "pk": f"OAUTH#{nonce}",
        "sk": "STATE",
        "site_id": site_id,
        "return_to": return_to,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "expires_at": expires,
    }
    if staff_id:
        record["staff_id"] = staff_id
    store.put_raw(store.accounts, record)
    return zoom.authorize_url(redirect_uri, f"{nonce}.{_sign(client_secret, nonce)}", _challenge(verifier))


def _with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"


def callback(
    store: Store,
    zoom: ZoomClient,
    token_secrets: TokenSecrets,
    client_secret: str,
    state: str | None,
    code: str | None,
    error: str | None,
    now: float | None = None,
) -> ConnectResult:
    """Finish the connect flow. A bad state changes nothing and raises; other outcomes redirect."""
    record = _take_state(store, client_secret, state, now or time.time())
    return_to = str(record["return_to"])
    if error or not code:
        return ConnectResult(
            _with_query(return_to, zoom="denied" if error == "access_denied" else "error"), None
        )
    try:
        pair = zoom.exchange_code(code, str(record["redirect_uri"]), str(record["code_verifier"]))
        user = zoom.get_user(pair.access_token)
    except VclinksError as failure:
        logger.info("zoom connect failed", extra={"problem": failure.slug})
        return ConnectResult(_with_query(return_to, zoom="error", reason=failure.slug), None)
    site_id, staff_id = str(record["site_id"]), record.get("staff_id")
    connection_id = f"zc-{secrets.token_hex(8)}"
    secret_name = token_secrets.name(site_id, connection_id)
    token_secrets.create(secret_name, StoredTokens.from_pair(pair))
    connection = ZoomConnection(
        site_id=site_id,
        connection_id=connection_id,
        staff_id=str(staff_id) if staff_id else None,
        zoom_account_id=user.account_id,
        zoom_user_id=user.id,
        email=user.email,
        can_list_users=(user.role_name or "").lower() in ADMIN_ROLES,
        secret_name=secret_name,
        created_at=datetime.now(UTC),
    )
    _replace_previous(store, zoom, token_secrets, connection)
    save_connection(store, connection)
    attach(store, connection)
    logger.info("zoom connected", extra={"connection_id": connection_id, "site_id": site_id})
    return ConnectResult(_with_query(return_to, zoom="connected", connection_id=connection_id), connection)


def _take_state(store: Store, client_secret: str, state: str | None, now: float) -> dict[str, object]:
    nonce, _, signature = (state or "").partition(".")
    if not nonce or not signature or not same_secret(_sign(client_secret, nonce), signature):
        raise InvalidInput(
            "The connect request is not valid (unknown or forged state). Start again from your site."
        )
    record = store.take(store.accounts, {"pk": f"OAUTH#{nonce}", "sk": "STATE"})
    if record is None:
        raise Conflict("This connect request was already used. Start again from your site.")
    if int(str(record["expires_at"])) < now:
        raise Gone("This connect request has expired. Start again from your site.")
    return record


def _replace_previous(
    store: Store, zoom: ZoomClient, token_secrets: TokenSecrets, new: ZoomConnection
) -> None:
    """One connection per owner (the site default, or a staff member): the previous one goes."""
    for old in list_connections(store, new.site_id):
        if old.staff_id == new.staff_id:
            remove_connection(store, zoom, token_secrets, old, revoke=True)


def remove_connection(
    store: Store, zoom: ZoomClient, token_secrets: TokenSecrets, connection: ZoomConnection, *, revoke: bool
) -> None:
    """S08: revoke (when we still can), delete the tokens and the stored Zoom data, detach the accounts."""
    if revoke:
        try:
            tokens = token_secrets.read(connection.secret_name)
            zoom.revoke(tokens.refresh_token)
        except VclinksError as failure:
            logger.info("zoom revoke failed; removing anyway", extra={"problem": failure.slug})
    token_secrets.delete(connection.secret_name)
    detach(store, connection)
    forget_meetings(store, connection)
    delete_connection(store, connection)


def forget_meetings(store: Store, connection: ZoomConnection) -> None:
    """Drop the meeting references made with a connection (its data is deleted, S08).

    Upcoming sessions are left pending: the sweep gives them a meeting of whatever account
    the site connects next (adopting the old meeting when it is the same Zoom user), or
    settles them with no meeting when the site stays without Zoom."""
    from shared.domain.models import MeetingState, SessionStatus
    from shared.services.sessions import update_session

    now = datetime.now(UTC)
    for site_session in store.list_sessions_of_site(connection.site_id):
        meeting = site_session.meeting
        if meeting is None or meeting.connection_id != connection.connection_id:
            continue
        upcoming = site_session.status is SessionStatus.SCHEDULED and site_session.end > now
        change: dict[str, object] = {
            "meeting": None,
            "meeting_state": MeetingState.PENDING if upcoming else MeetingState.NONE,
            "pending_reason": "zoom_disconnected" if upcoming else None,
        }
        update_session(store, connection.site_id, site_session.session_id, partial(_apply, change=change))


def _apply(session: Session, change: dict[str, object]) -> Session:
    return session.model_copy(update=change)
