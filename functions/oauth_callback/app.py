"""Connect flows (Zoom; Google Meet and Microsoft Teams as a site's default), Zoom's webhooks, the
users of a connected Zoom account.

Each route imports the service it runs when it first runs (issue 14): a cold start pays for the
routing, and the first request of a route for its own service and provider client, not for the
five others."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, get_args
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bootstrap import Container
from shared.domain.auth import authenticate, claimed_site
from shared.domain.errors import InvalidInput, VclinksError
from shared.domain.models import ID_PATTERN, GrantProvider, Language
from shared.http import connect_pages, pages
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, BaseUrl, Links, Root
from shared.http.zoom_models import ZoomUsageView, ZoomUsers
from shared.http.zoom_views import zoom_usage_view, zoom_users_view

app = make_app()
HTML = "text/html; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
COOKIE = "__Host-vclinks-zoom"  # every provider's connect flow (one at a time per browser)
PROVIDER_PATTERN = f"^({'|'.join(get_args(GrantProvider))})$"  # /v1/oauth/{provider}/...: Zoom has its own
SET_ERRORS = ["invalid_request", "invalid_key", "invalid_issuer", "invalid_audience", "authentication_failed"]
SET_ERROR = {
    "type": "object",
    "title": "SetError",
    "required": ["err", "description"],
    "properties": {"err": {"type": "string", "enum": SET_ERRORS}, "description": {"type": "string"}},
}
"""RFC 8935 section 2.4's error answer (not a problem document: the SET transmitter reads `err`)."""


@app.get("/v1/oauth/zoom/start")
def zoom_start(
    ticket: Annotated[str, Query(max_length=2048)],
    return_to: Annotated[str, Query(max_length=2000)],
    root: Root,
    base: BaseUrl,
) -> Response[str]:
    """Send the browser to Zoom's consent page, with a connect ticket (single-use; minted with the
    site's API key: POST /v1/sites/{site}/tokens {"role": "connect"}). The ticket names the site,
    the staff member if any, and the Zoom app: `access` "user" (the signed-in Zoom user's own
    meetings) or "account" (every user of the Zoom account, S01, W07). Sets the cookie that ties
    the rest of the flow to this browser."""
    return _start("zoom", ticket, return_to, root, base)


@app.get("/v1/oauth/zoom/callback")
def zoom_callback(
    root: Root,
    base: BaseUrl,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response[str]:
    """Zoom sends the browser back: the page that asks the admin to confirm, or back to the site."""
    return _callback("zoom", root, base, state, code, error)


@app.get("/v1/oauth/<provider>/start")
def provider_start(
    provider: Annotated[str, Path(pattern=PROVIDER_PATTERN)],
    ticket: Annotated[str, Query(max_length=2048)],
    return_to: Annotated[str, Query(max_length=2000)],
    root: Root,
    base: BaseUrl,
) -> Response[str]:
    """Google Meet (X13) or Microsoft Teams (X14) as the site's default account, or a staff member's
    own (a ticket naming them; W04, W05): the browser goes to the provider's consent page, with a
    connect ticket, as for Zoom (same cookie, same confirmation page after the consent; a ticket
    with `access` "account", Zoom's admin-managed app, is refused). The redirect URL to register is
    `{base}/v1/oauth/{provider}/callback`."""
    return _start(provider, ticket, return_to, root, base)


@app.get("/v1/oauth/<provider>/callback")
def provider_callback(
    provider: Annotated[str, Path(pattern=PROVIDER_PATTERN)],
    root: Root,
    base: BaseUrl,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response[str]:
    """The provider sends the browser back: the confirmation page, or back to the site with why."""
    return _callback(provider, root, base, state, code, error)


def _start(name: str, ticket: str, return_to: str, root: Container, base: str) -> Response[str]:
    """One connect flow for every provider (shared.services.connect)."""
    from shared.services import connect

    if not ticket.startswith("vcs_"):
        raise InvalidInput("Only a connect ticket may travel in a URL; never put the API key in one.")
    site_id = claimed_site(ticket)
    record = root.repo.get_site(site_id)
    principal = authenticate(record, site_id, f"Bearer {ticket}", ticket=True)
    assert record is not None
    return_url = connect.check_return_url(return_to, root.settings.allowed_return_urls)
    redirect_uri = f"{base}/v1/oauth/{name}/callback"  # = the stack outputs ZoomRedirectUri, ...
    started = connect.start(root.repo, root.provider(name), record, principal, return_url, redirect_uri)
    cookie = _browser_cookie(base, started.browser_secret, connect.BROWSER_SECONDS)
    return Response(302, "text/plain", "", {**NO_STORE, "Location": started.location}, cookies=[cookie])


def _callback(
    name: str, root: Container, base: str, state: str | None, code: str | None, error: str | None
) -> Response[str]:
    from shared.services import connect

    try:
        result = connect.callback(
            root.repo,
            root.provider(name),
            root.token_secrets,
            state,
            code,
            error,
            _browser_secret(base),
        )
    except VclinksError as failure:
        return _failure_page(failure, name)
    if result.confirmation is not None:
        policy = {"Content-Security-Policy": connect_pages.confirm_page_policy(result.confirmation)}
        return Response(200, HTML, connect_pages.confirm_page(result.confirmation), {**NO_STORE, **policy})
    assert result.redirect_to is not None
    return Response(302, "text/plain", "", {**NO_STORE, "Location": result.redirect_to})


@app.post(connect_pages.CONFIRM_PATH)
def zoom_confirm(root: Root, base: BaseUrl) -> Response[str]:
    """The admin's answer on the confirmation page (an HTML form, in the browser that started), for
    every provider's flow."""
    from shared.services import connect

    form = parse_qs(app.current_event.decoded_body or "")
    request_id = (form.get("request") or [""])[0][:64]
    decision = (form.get("decision") or [""])[0]
    try:
        if not request_id or decision not in ("connect", "cancel"):
            raise InvalidInput("The confirmation form is incomplete. Start again from your site.")
        result = connect.confirm(root.repo, request_id, _browser_secret(base), decision == "connect")
    except VclinksError as failure:
        return _failure_page(failure)
    root.queue.send(result.work)
    assert result.redirect_to is not None
    spent = _browser_cookie(base, "", 0)  # the flow is over: the browser forgets its secret
    headers = {**NO_STORE, "Location": result.redirect_to}
    return Response(303, "text/plain", "", headers, cookies=[spent])


@app.post("/v1/zoom/webhook")
def zoom_webhook(root: Root) -> dict:
    from shared.services.zoom import webhooks

    secret_tokens = root.zoom_app.get().webhook_secret_tokens  # each Zoom app signs with its own
    body = app.current_event.decoded_body or ""
    event, secret_token = webhooks.verify_any(app.current_event.headers, body, secret_tokens)
    answer, work = webhooks.handle(root.repo, secret_token, event, root.zoom.app_of)
    root.queue.send(work)  # Zoom waits 3 s at most: the worker does the rest
    return answer


@app.post(
    "/v1/google/risc",
    responses={
        202: {"description": "The Security Event Token was accepted (no body: RFC 8935 section 2.3)"},
        400: {
            "description": "The token was refused (RFC 8935 section 2.4): `err` is invalid_request, "
            "invalid_key, invalid_issuer, invalid_audience or authentication_failed",
            "content": {"application/json": {"schema": SET_ERROR}},
        },
    },
)
def google_risc(root: Root) -> Response[str]:
    """Google's Cross-Account Protection pushes a Security Event Token here (RFC 8935; the body is
    the JWT, `application/secevent+jwt`). A revoked grant, a disabled or deleted account: the
    user's Google connections need reconnecting at once (X07). Register this URL (stack output
    GoogleRiscReceiverUri) with Google's RISC API: docs/GOOGLE-SETUP.md."""
    from shared.services import google_risc

    token = (app.current_event.decoded_body or "").strip()
    receipt = google_risc.receive(root.repo, root.google_risc, token, root.token_secrets)
    if receipt.refusal is not None:
        err, description = receipt.refusal
        body = json.dumps({"err": err, "description": description})
        return Response(400, "application/json", body, {"Cache-Control": "no-store"})
    root.queue.send(receipt.work)
    return Response(202, None, "", {"Cache-Control": "no-store"})  # RFC 8935 2.2: no body


@app.get("/v1/zoom/host/<token>")
def zoom_host_link(token: Annotated[str, Path(max_length=512)], root: Root, links: Links) -> Response[str]:
    """A staff member's stable join link, when Zoom's host link must be read again (S04, S07)."""
    from shared.services.zoom import host_links

    target = host_links.fresh_host_link(root.repo, links, root.zoom, root.tokens, token)
    if target is None:
        return Response(404, HTML, pages.unknown_link_page(_browser_language()), NO_STORE)
    root.queue.send(target.work)
    if target.url is not None:
        return Response(302, "text/plain", "", {**NO_STORE, "Location": target.url})
    assert target.page is not None
    page = pages.no_link_page(target.page, target.timezone, datetime.now(UTC), target.language)
    return Response(200, HTML, page, NO_STORE)


@app.get("/v1/sites/<site>/zoom/users")
def zoom_users(
    site: Annotated[str, Path(pattern=ID_PATTERN)],
    record: AdminSite,
    root: Root,
    limit: Annotated[int, Query(ge=1, le=300)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ZoomUsers:
    """W07: one page of the users of the admin-connected Zoom account; `next_cursor` reads the next."""
    from shared.services.zoom import users

    page = users.list_zoom_users(root.repo, root.zoom, root.tokens, record, limit, cursor)
    return zoom_users_view(page.connection_id, page.users, page.cursor)


@app.get("/v1/sites/<site>/zoom/usage")
def zoom_usage(
    site: Annotated[str, Path(pattern=ID_PATTERN)], record: AdminSite, root: Root
) -> ZoomUsageView:
    """X11: each Zoom host's meeting creates and updates today, Zoom's daily limit, and the sessions
    whose meeting work waits for 00:00 UTC."""
    from shared.services.zoom import usage

    return zoom_usage_view(usage.zoom_usage(root.repo, record, datetime.now(UTC), usage.ZOOM_DAILY_LIMIT))


def _browser_cookie(base: str, value: str, max_age: int) -> Cookie:
    """The cookie that ties a connect flow to its browser. Over https (every deployment): a
    `__Host-` cookie (Secure, no Domain, Path /), HttpOnly, SameSite=Lax (Zoom's redirect back is a
    top-level GET, which Lax lets through). The local stack serves http, where a browser keeps no
    Secure cookie: there it is a plain HttpOnly cookie of the same name without the prefix."""
    secure = base.startswith("https://")
    name = COOKIE if secure else COOKIE.removeprefix("__Host-")
    return Cookie(
        name, value, path="/", secure=secure, http_only=True, same_site=SameSite.LAX_MODE, max_age=max_age
    )


def _browser_secret(base: str) -> str | None:
    name = _browser_cookie(base, "", 0).name
    for cookie in app.current_event.cookies or []:
        key, _, value = cookie.partition("=")
        if key.strip() == name:
            return value.strip()
    return None


def _failure_page(failure: VclinksError, name: str = "zoom") -> Response[str]:
    logger.info("connect refused", extra={"problem": failure.slug, "provider": name})
    language = _browser_language()
    if name == "zoom":
        page = pages.zoom_not_connected_page(failure.slug, language)
    else:
        page = pages.provider_not_connected_page(failure.slug, connect_pages.TITLES[name], language)
    return Response(failure.status, HTML, page, NO_STORE)


def _browser_language() -> Language:
    """No site at hand: the browser's language, among the seven (X06)."""
    return pages.browser_language(app.current_event.headers.get("accept-language"))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
