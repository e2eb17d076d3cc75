"""Connecting Zoom (S01, W04, W07): OAuth authorization code with PKCE and a signed,
single-use state, through one of the deployment's two Zoom apps: the user-managed one (the
default: the signed-in user's own meetings) or the admin-managed one (`access=account`: every
user of the Zoom account). The callback checks the scopes Zoom granted against the exact
scopes that app needs (shared.adapters.zoom.scopes) and stores nothing when one is missing.

Who may start, and in which browser it ends:
- `/start` takes a connect ticket (a scoped token of role `connect`, minted with the site's
  API key, single-use: its id is spent here); it names the site, the staff member if any and
  the Zoom app. Never the API key or an admin token in a URL.
- `/start` sets a cookie holding a random secret; the state record keeps its hash. The
  callback, and the confirmation after it, refuse a browser without it: a consent link that
  reaches another person's browser (another site's owner, say) connects nothing.
- After Zoom's consent the callback stores the grant's tokens (Zoom has just ended the user's
  previous grant of this app, so they are the grant's now, for every connection of that user)
  and a connection waiting for confirmation, then shows a page naming the site and the Zoom
  account. Only the confirmation attaches it; a cancel, or no answer within ten minutes,
  removes it (its grant revoked unless another connection of that user uses it).

The state is `nonce.signature`: the nonce names a stored record (site, staff member, app,
return URL, PKCE verifier, the browser's hash; ten minutes of life) that the callback deletes
as it reads it, so a state works once; the signature (HMAC with a key derived from the Zoom
app's client secret) refuses forged states before any read. The browser is sent back only to
a URL under one of the allow-listed prefixes.
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

from shared.adapters.oauth import code_challenge
from shared.adapters.repository import Repository
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.scopes import missing_scopes
from shared.adapters.zoom.tokens import StoredTokens, TokenSecrets, grant_lease
from shared.domain.auth import Principal, Role, same_secret
from shared.domain.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    PreconditionRequired,
    Unauthorized,
    VclinksError,
)
from shared.domain.models import Removal, Site, ZoomAppType, ZoomConnection
from shared.domain.work import WorkRef
from shared.services.connections import CONFIRM_SECONDS, attach, start_removal

logger = Logger(service="vclinks")
STATE_SECONDS = 600
BROWSER_SECONDS = STATE_SECONDS + CONFIRM_SECONDS
"""How long the browser's cookie lives: through Zoom's consent and the confirmation after it."""


@dataclass(frozen=True)
class Started:
    """Where to send the browser (Zoom's consent page), and the secret its cookie must hold."""

    location: str
    browser_secret: str


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page names: the site, who the connection is for, the Zoom account."""

    request_id: str
    site_name: str
    staff_id: str | None
    zoom_email: str | None
    zoom_account_id: str
    account_wide: bool
    return_to: str  # where the form's answer redirects: the page's CSP must allow it (form-action)
    provider: str = "zoom"  # whose consent it was (shared.services.provider_connect: google, microsoft)


@dataclass(frozen=True)
class ConnectResult:
    """Where the browser goes next: back to the site (`redirect_to`), or the confirmation page."""

    redirect_to: str | None
    confirmation: Confirmation | None = None
    connection: ZoomConnection | None = None
    work: tuple[WorkRef, ...] = ()  # what the change implies, for the worker


def _state_key(client_secret: str) -> bytes:
    return hmac.new(client_secret.encode(), b"vclinks-oauth-state", hashlib.sha256).digest()


def _sign(client_secret: str, nonce: str) -> str:
    digest = hmac.new(_state_key(client_secret), nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _browser_hash(secret: str | None) -> str:
    return hashlib.sha256((secret or "").encode()).hexdigest()


def _same_browser(record: dict[str, object], browser_secret: str | None) -> None:
    if not browser_secret or not same_secret(_browser_hash(browser_secret), str(record["browser"])):
        raise Forbidden(
            "This connect request was started in another browser: nothing was connected. "
            "Start again from your site, in this browser."
        )


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
    site: Site,
    ticket: Principal,
    return_to: str,
    redirect_uri: str,
    now: float | None = None,
) -> Started:
    """Spend the connect ticket, record a state and give the URL of Zoom's consent page."""
    if ticket.role is not Role.CONNECT or not ticket.ticket_id:
        raise Forbidden(
            "The connect flow takes a connect ticket (POST /v1/sites/{site}/tokens with role 'connect'), "
            "not another token."
        )
    app = ZoomAppType(ticket.access or ZoomAppType.USER_MANAGED.value)
    if ticket.staff_id and site.default_account is None:
        raise PreconditionRequired(
            "Connect the site's default account before a staff member connects their own (W05)."
        )
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    browser = secrets.token_urlsafe(32)
    expires = int((now or time.time()) + STATE_SECONDS)
    target = zoom.authorize_url(
        redirect_uri, f"{nonce}.{_sign(client_secret, nonce)}", code_challenge(verifier), app
    )  # first: an app the deployment lacks refuses before the ticket is spent
    fields = {"return_to": return_to, "code_verifier": verifier, "redirect_uri": redirect_uri}
    _spend_ticket_and_save_state(store, site, ticket, nonce, expires, {**fields, "app": app.value}, browser)
    return Started(target, browser)


def _spend_ticket_and_save_state(
    store: Repository,
    site: Site,
    ticket: Principal,
    nonce: str,
    expires: int,
    fields: dict[str, str],
    browser: str,
) -> None:
    """The ticket works once; the state the callback takes (once) holds the flow's `fields`, who
    the connection is for and a hash of the browser's secret."""
    assert ticket.ticket_id is not None  # the callers refuse any other principal first
    if not store.use_ticket(site.site_id, ticket.ticket_id, ticket.expires_at or expires):
        raise Unauthorized("This connect ticket was used already; ask your site for a new one.")
    record = {"site_id": site.site_id, **fields, "browser": _browser_hash(browser)}
    if ticket.staff_id:
        record["staff_id"] = ticket.staff_id
    store.save_oauth_state(nonce, record, expires)


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
    browser_secret: str | None,
    now: float | None = None,
) -> ConnectResult:
    """Zoom sends the browser back. A bad state, or another browser, changes nothing and raises;
    a denial or a refusal goes back to the site; a consent leaves a connection to confirm."""
    moment = now or time.time()
    record = _take_state(store, client_secret, state, moment)
    _same_browser(record, browser_secret)
    return_to = str(record["return_to"])
    if error or not code:
        return ConnectResult(_with_query(return_to, zoom="denied" if error == "access_denied" else "error"))
    app = ZoomAppType(str(record.get("app", ZoomAppType.USER_MANAGED.value)))
    try:
        pair = zoom.exchange_code(code, str(record["redirect_uri"]), str(record["code_verifier"]), app)
        missing = missing_scopes(app, pair.scope)
        if missing:  # the user unticked them, or the app lacks them: store nothing
            logger.info("zoom connect refused: scopes missing", extra={"missing_scopes": missing})
            return ConnectResult(
                _with_query(
                    return_to, zoom="error", reason="zoom-missing-scopes", missing_scopes=" ".join(missing)
                )
            )
        user = zoom.get_user(pair.access_token)
    except VclinksError as failure:
        logger.info("zoom connect failed", extra={"problem": failure.slug})
        return ConnectResult(_with_query(return_to, zoom="error", reason=failure.slug))
    site_id, staff_id = str(record["site_id"]), record.get("staff_id")
    connection = ZoomConnection(
        site_id=site_id,
        connection_id=f"zc-{secrets.token_hex(8)}",
        staff_id=str(staff_id) if staff_id else None,
        zoom_account_id=user.account_id,
        zoom_user_id=user.id,
        email=user.email,
        can_list_users=app is ZoomAppType.ADMIN_MANAGED,
        app=app,
        secret_name=token_secrets.name_for(app, user.account_id, user.id),
        created_at=datetime.fromtimestamp(moment, UTC),
        zoom_user_type=user.type,
        confirmed=False,
    )
    ref = WorkRef.connection(site_id, connection.connection_id)  # gone if never confirmed
    with grant_lease(store, connection.secret_name):  # the pair first, then who uses it
        token_secrets.create(connection.secret_name, StoredTokens.from_pair(pair))
        store.settle_refresh(connection.secret_name)
        store.join_grant(connection.secret_name, site_id, connection.connection_id)
        store.update_connection(site_id, connection.connection_id, lambda _: connection, [ref])
    request_id = secrets.token_urlsafe(24)
    pending = {
        "site_id": site_id,
        "connection_id": connection.connection_id,
        "return_to": return_to,
        "browser": record["browser"],
    }
    store.save_confirmation(request_id, pending, int(moment) + CONFIRM_SECONDS)
    site = store.get_site(site_id)
    logger.info("zoom consent given; waiting for confirmation", extra={"site_id": site_id})
    confirmation = Confirmation(
        request_id=request_id,
        site_name=site.name if site else site_id,
        staff_id=connection.staff_id,
        zoom_email=user.email,
        zoom_account_id=user.account_id,
        account_wide=connection.can_list_users,
        return_to=return_to,
    )
    return ConnectResult(None, confirmation, connection)


def confirm(
    store: Repository, request_id: str, browser_secret: str | None, attach_it: bool, now: float | None = None
) -> ConnectResult:
    """The admin confirms (the connection is attached) or cancels (it is removed) on the page."""
    record = store.take_confirmation(request_id)
    if record is None:
        raise Conflict("This connection was already confirmed or cancelled. Start again from your site.")
    _same_browser(record, browser_secret)
    if int(str(record["expires_at"])) < (now or time.time()):
        raise Gone("This confirmation has expired: nothing was connected. Start again from your site.")
    site_id, connection_id = str(record["site_id"]), str(record["connection_id"])
    return_to = str(record["return_to"])
    connection = store.get_connection(site_id, connection_id)
    if connection is None or connection.removal is not None:
        raise Gone("This connection is gone: nothing was connected. Start again from your site.")
    provider = connection.provider  # the return URL's query names it: zoom=, google=, microsoft=
    if not attach_it:
        start_removal(store, connection, Removal.DISCONNECTED)
        logger.info(f"{provider} connection cancelled by its admin", extra={"site_id": site_id})
        return ConnectResult(
            _with_query(return_to, **{provider: "cancelled"}),
            work=(WorkRef.connection(site_id, connection_id),),
        )
    work = [WorkRef.connection(site_id, connection_id), *attach(store, connection)]  # its expiry is moot
    logger.info(f"{provider} connected", extra={"connection_id": connection_id, "site_id": site_id})
    redirect = _with_query(return_to, **{provider: "connected"}, connection_id=connection_id)
    return ConnectResult(redirect, connection=connection, work=tuple(work))


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
