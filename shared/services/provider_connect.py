"""Connecting Google Meet (X13) or Microsoft Teams (X14) as a site's or a staff member's account: the Zoom
connect flow's rules (shared.services.zoom.connect), with the provider interface's account half
(shared.services.providers.AccountProvider) in place of the Zoom client.

- As the site's default account or a staff member's own (W04, W05: only once the site has a
  default); the connect ticket names the staff member.
- `/v1/oauth/{provider}/start` spends a single-use connect ticket, records a signed state (PKCE
  verifier, return URL, the browser's hash; ten minutes) and sets the browser's cookie.
- The callback refuses a forged, used or expired state and another browser; it exchanges the
  code (the provider's client refuses a consent without the meeting scope), stores the grant's
  tokens in Secrets Manager (one secret per provider user) and a connection waiting for its
  admin's confirmation, and shows the confirmation page. The confirmation itself is Zoom's
  (`POST /v1/oauth/zoom/confirm`, shared.services.zoom.connect.confirm): it attaches whatever
  provider's connection the record names.

"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shared.adapters.oauth import code_challenge, new_code_verifier
from shared.adapters.provider_tokens import stored
from shared.adapters.repository import Repository
from shared.adapters.zoom.tokens import SECRET_NAME_UNSAFE, TokenSecrets, grant_lease
from shared.domain.auth import Principal, Role
from shared.domain.errors import (
    Forbidden,
    InvalidInput,
    PreconditionRequired,
    VclinksError,
)
from shared.domain.models import HostedProvider, Site, ZoomConnection
from shared.domain.work import WorkRef
from shared.services.connections import CONFIRM_SECONDS
from shared.services.providers import AccountProvider
from shared.services.zoom.connect import (
    STATE_SECONDS,
    Confirmation,
    ConnectResult,
    Started,
    _same_browser,
    _sign,
    _spend_ticket_and_save_state,
    _take_state,
    _with_query,
)

logger = Logger(service="vclinks")
PROVIDERS: tuple[HostedProvider, ...] = ("google", "microsoft")


def secret_name(prefix: str, provider: str, user_id: str) -> str:
    """The grant's secret: one per provider user, shared by every connection of that user."""
    return prefix + "/".join(SECRET_NAME_UNSAFE.sub("_", part) for part in (provider, user_id))


def start(
    store: Repository,
    provider: AccountProvider,
    client_secret: str,
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
    if ticket.staff_id and site.default_account is None:
        raise PreconditionRequired(
            "Connect the site's default account before a staff member connects their own (W05)."
        )
    nonce, verifier, browser = secrets.token_urlsafe(32), new_code_verifier(), secrets.token_urlsafe(32)
    expires = int((now or time.time()) + STATE_SECONDS)
    target = provider.authorize_url(
        redirect_uri, f"{nonce}.{_sign(client_secret, nonce)}", code_challenge(verifier)
    )
    fields = {"return_to": return_to, "code_verifier": verifier, "redirect_uri": redirect_uri}
    _spend_ticket_and_save_state(
        store, site, ticket, nonce, expires, {**fields, "provider": provider.name}, browser
    )
    return Started(target, browser)


def callback(
    store: Repository,
    provider: AccountProvider,
    token_secrets: TokenSecrets,
    secret_prefix: str,
    client_secret: str,
    state: str | None,
    code: str | None,
    error: str | None,
    browser_secret: str | None,
    now: float | None = None,
) -> ConnectResult:
    """The provider sends the browser back: a denial or a refusal goes back to the site with the
    reason; a consent leaves a connection for the admin to confirm."""
    moment = now or time.time()
    record = _take_state(store, client_secret, state, moment)
    _same_browser(record, browser_secret)
    name = provider.name
    return_to = str(record["return_to"])
    if record.get("provider") != name:  # a state made for another provider's flow
        raise InvalidInput("The connect request is not valid for this provider. Start again from your site.")
    if error or not code:
        return ConnectResult(
            _with_query(return_to, **{name: "denied" if error == "access_denied" else "error"})
        )
    try:
        grant = provider.connect(code, str(record["redirect_uri"]), str(record["code_verifier"]))
    except VclinksError as failure:
        logger.info("connect failed", extra={"problem": failure.slug, "provider": name})
        return ConnectResult(_with_query(return_to, **{name: "error"}, reason=failure.slug))
    site_id, staff_id = str(record["site_id"]), record.get("staff_id")
    connection = ZoomConnection(
        site_id=site_id,
        connection_id=f"{name[0]}c-{secrets.token_hex(8)}",
        provider=name,
        staff_id=str(staff_id) if staff_id else None,
        zoom_account_id=grant.organization,
        zoom_user_id=grant.user_id,
        email=grant.email,
        secret_name=secret_name(secret_prefix, name, grant.user_id),
        created_at=datetime.fromtimestamp(moment, UTC),
        confirmed=False,
    )
    ref = WorkRef.connection(site_id, connection.connection_id)  # gone if never confirmed
    with grant_lease(store, connection.secret_name):
        token_secrets.create(connection.secret_name, stored(grant.tokens))
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
        zoom_email=grant.email,
        zoom_account_id=grant.organization,
        account_wide=False,
        return_to=return_to,
        provider=name,
    )
    return ConnectResult(None, confirmation, connection)
