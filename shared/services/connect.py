"""Connecting a provider's account (S01, W04, W05, W07, X13, X14): OAuth 2.0 authorization code
with PKCE and a signed, single-use state, one flow for every provider with accounts (Zoom, Google
Meet, Microsoft Teams). What differs between them is the provider interface's account half
(shared.services.providers.AccountProvider): its consent page, turning a consent into a grant (the
provider refuses one without the scopes it needs), where the grant's tokens are kept, and which
grant kinds it offers (`access`: "user", the signed-in user's own meetings, everywhere; "account",
every user of the Zoom account, with Zoom's admin-managed app only).

Who may start, and in which browser it ends:
- `/start` takes a connect ticket (a scoped token of role `connect`, minted with the site's
  API key, single-use: its id is spent here); it names the site, the staff member if any and
  the grant kind. Never the API key or an admin token in a URL.
- `/start` sets a cookie holding a random secret; the state record keeps its hash. The
  callback, and the confirmation after it, refuse a browser without it: a consent link that
  reaches another person's browser (another site's owner, say) connects nothing.
- After the consent the callback stores the grant's tokens (a provider keeps one grant per user
  and app: they are the grant's now, for every connection of that user) and a connection waiting
  for confirmation, then shows a page naming the site and the provider account. Only the
  confirmation attaches it; a cancel, or no answer within ten minutes, removes it (its grant
  revoked unless another connection of that user uses it).

The state is `nonce.signature`: the nonce names a stored record (site, staff member, provider,
grant kind, return URL, PKCE verifier, the browser's hash; ten minutes of life) that the callback
deletes as it reads it, so a state works once; the signature (HMAC with a key derived from the
provider's client secret) refuses forged states before any read, and a state made for one
provider's flow is refused by another's. The browser is sent back only to a URL under one of the
allow-listed prefixes.
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

from shared.adapters.oauth import code_challenge, new_code_verifier
from shared.adapters.provider_meeting import USER
from shared.adapters.provider_tokens import stored
from shared.adapters.repository import Repository
from shared.adapters.zoom.tokens import TokenSecrets, grant_lease, secret_name
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
from shared.domain.models import Connection, Removal, Site, ZoomAppType
from shared.domain.work import WorkRef
from shared.services.connections import CONFIRM_SECONDS, attach, start_removal
from shared.services.providers import AccountProvider

logger = Logger(service="vclinks")
STATE_SECONDS = 600
BROWSER_SECONDS = STATE_SECONDS + CONFIRM_SECONDS
"""How long the browser's cookie lives: through the consent and the confirmation after it."""


@dataclass(frozen=True)
class Started:
    """Where to send the browser (the provider's consent page), and the secret its cookie must hold."""

    location: str
    browser_secret: str


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page names: the site, who the connection is for, the provider account."""

    request_id: str
    site_name: str
    staff_id: str | None
    email: str | None
    account_id: str  # the provider account's id (Zoom) or the provider's name (Google, Microsoft)
    account_wide: bool
    return_to: str  # where the form's answer redirects: the page's CSP must allow it (form-action)
    provider: str


@dataclass(frozen=True)
class ConnectResult:
    """Where the browser goes next: back to the site (`redirect_to`), or the confirmation page."""

    redirect_to: str | None
    confirmation: Confirmation | None = None
    connection: Connection | None = None
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
    provider: AccountProvider,
    site: Site,
    ticket: Principal,
    return_to: str,
    redirect_uri: str,
    now: float | None = None,
) -> Started:
    """Spend the connect ticket, record a state and give the URL of the provider's consent page."""
    if ticket.role is not Role.CONNECT or not ticket.ticket_id:
        raise Forbidden(
            "The connect flow takes a connect ticket (POST /v1/sites/{site}/tokens with role 'connect'), "
            "not another token."
        )
    access = ticket.access or USER
    if access not in provider.accesses:
        raise InvalidInput(
            f"access={access} is not a way to connect {provider.name} (it offers "
            f"{', '.join(sorted(provider.accesses))}): ask your site for a ticket without it."
        )
    if ticket.staff_id and site.default_account is None:
        raise PreconditionRequired(
            "Connect the site's default account before a staff member connects their own (W05)."
        )
    nonce, verifier, browser = secrets.token_urlsafe(32), new_code_verifier(), secrets.token_urlsafe(32)
    expires = int((now or time.time()) + STATE_SECONDS)
    target = provider.authorize_url(
        redirect_uri, f"{nonce}.{_sign(provider.state_key(), nonce)}", code_challenge(verifier), access
    )  # first: an app the deployment lacks refuses before the ticket is spent
    fields = {
        "return_to": return_to,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "provider": provider.name,
        "app": access,
    }
    _spend_ticket_and_save_state(store, site, ticket, nonce, expires, fields, browser)
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
    provider: AccountProvider,
    token_secrets: TokenSecrets,
    state: str | None,
    code: str | None,
    error: str | None,
    browser_secret: str | None,
    now: float | None = None,
) -> ConnectResult:
    """The provider sends the browser back. A bad state, or another browser, changes nothing and
    raises; a denial or a refusal goes back to the site with the reason; a consent leaves a
    connection for the admin to confirm."""
    moment = now or time.time()
    record = _take_state(store, provider.state_key(), state, moment)
    _same_browser(record, browser_secret)
    name = provider.name
    return_to = str(record["return_to"])
    if record.get("provider", "zoom") != name:  # a state made for another provider's flow
        raise InvalidInput("The connect request is not valid for this provider. Start again from your site.")
    if error or not code:
        return ConnectResult(
            _with_query(return_to, **{name: "denied" if error == "access_denied" else "error"})
        )
    access = str(record.get("app", USER))
    try:
        grant = provider.connect(code, str(record["redirect_uri"]), str(record["code_verifier"]), access)
    except VclinksError as failure:
        logger.info("connect refused", extra={"problem": failure.slug, "provider": name})
        missing = failure.extra.get("missing_scopes")
        scopes = {"missing_scopes": " ".join(missing)} if missing else {}
        return ConnectResult(_with_query(return_to, **{name: "error"}, reason=failure.slug, **scopes))
    site_id, staff_id = str(record["site_id"]), record.get("staff_id")
    connection = Connection(
        site_id=site_id,
        connection_id=f"{name[0]}c-{secrets.token_hex(8)}",
        provider=name,
        staff_id=str(staff_id) if staff_id else None,
        zoom_account_id=grant.organization,
        zoom_user_id=grant.user_id,
        email=grant.email,
        can_list_users=grant.account_wide,
        app=ZoomAppType(grant.access),
        secret_name=secret_name(provider.secret_prefix, provider.secret_parts(grant)),
        created_at=datetime.fromtimestamp(moment, UTC),
        zoom_user_type=grant.user_type,
        confirmed=False,
    )
    ref = WorkRef.connection(site_id, connection.connection_id)  # gone if never confirmed
    with grant_lease(store, connection.secret_name):  # the pair first, then who uses it
        token_secrets.create(connection.secret_name, stored(grant.tokens))
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
    logger.info("consent given; waiting for confirmation", extra={"site_id": site_id, "provider": name})
    confirmation = Confirmation(
        request_id=request_id,
        site_name=site.name if site else site_id,
        staff_id=connection.staff_id,
        email=grant.email,
        account_id=grant.organization,
        account_wide=grant.account_wide,
        return_to=return_to,
        provider=name,
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
