"""Connecting Zoom (S01, W04, W07): OAuth authorization code with PKCE and a signed,
single-use state, through one of the deployment's two Zoom apps: the user-managed one (the
default: the signed-in user's own meetings) or the admin-managed one (`access=account`: every
user of the Zoom account). The callback checks the scopes Zoom granted against the exact
scopes that app needs (shared.adapters.zoom.scopes) and stores nothing when one is missing.

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
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

from aws_lambda_powertools import Logger

from shared.adapters.repository import Repository
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.scopes import missing_scopes
from shared.adapters.zoom.tokens import StoredTokens, TokenSecrets
from shared.domain.auth import same_secret
from shared.domain.errors import Conflict, Gone, InvalidInput, VclinksError
from shared.domain.models import ZoomAppType, ZoomConnection
from shared.domain.work import WorkRef
from shared.services.connections import attach

logger = Logger(service="vclinks")
STATE_SECONDS = 600


@dataclass(frozen=True)
class ConnectResult:
    redirect_to: str
    connection: ZoomConnection | None
    work: tuple[WorkRef, ...] = ()  # what the new connection implies, for the worker


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
    store: Repository,
    zoom: ZoomClient,
    client_secret: str,
    site_id: str,
    staff_id: str | None,
    return_to: str,
    redirect_uri: str,
    now: float | None = None,
    app: ZoomAppType = ZoomAppType.USER_MANAGED,
) -> str:
    """Record a state and give the URL of Zoom's consent page (of `app`)."""
    if app is ZoomAppType.ADMIN_MANAGED and staff_id:
        raise InvalidInput(
            "access=account connects the site's Zoom account (admin-managed app); a staff member "
            "connects their own Zoom without it."
        )
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    expires = int((now or time.time()) + STATE_SECONDS)
    target = zoom.authorize_url(
        redirect_uri, f"{nonce}.{_sign(client_secret, nonce)}", _challenge(verifier), app
    )  # first: an app the deployment lacks refuses before anything is stored
    record = {
        "site_id": site_id,
        "return_to": return_to,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "app": app.value,
    }
    if staff_id:
        record["staff_id"] = staff_id
    store.save_oauth_state(nonce, record, expires)
    return target


def _with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"


def callback(
    store: Repository,
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
    app = ZoomAppType(str(record.get("app", ZoomAppType.USER_MANAGED.value)))
    try:
        pair = zoom.exchange_code(code, str(record["redirect_uri"]), str(record["code_verifier"]), app)
        missing = missing_scopes(app, pair.scope)
        if missing:  # the user unticked them, or the app lacks them: store nothing
            logger.info("zoom connect refused: scopes missing", extra={"missing_scopes": missing})
            return ConnectResult(
                _with_query(
                    return_to, zoom="error", reason="zoom-missing-scopes", missing_scopes=" ".join(missing)
                ),
                None,
            )
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
        can_list_users=app is ZoomAppType.ADMIN_MANAGED,
        app=app,
        secret_name=secret_name,
        created_at=datetime.now(UTC),
    )
    work = attach(store, connection)  # the owner's previous connection is replaced through the pipeline
    logger.info("zoom connected", extra={"connection_id": connection_id, "site_id": site_id})
    redirect = _with_query(return_to, zoom="connected", connection_id=connection_id)
    return ConnectResult(redirect, connection, tuple(work))


def _take_state(store: Repository, client_secret: str, state: str | None, now: float) -> dict[str, object]:
    nonce, _, signature = (state or "").partition(".")
    if not nonce or not signature or not same_secret(_sign(client_secret, nonce), signature):
        raise InvalidInput(
            "The connect request is not valid (unknown or forged state). Start again from your site."
        )
    record = store.take_oauth_state(nonce)
    if record is None:
        raise Conflict("This connect request was already used. Start again from your site.")
    if int(str(record["expires_at"])) < now:
        raise Gone("This connect request has expired. Start again from your site.")
    return record
