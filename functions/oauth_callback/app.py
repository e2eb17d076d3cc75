"""Zoom: the connect flow (start, callback), Zoom's webhooks, the users of a connected account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.auth import Role, authenticate
from shared.domain.errors import InvalidInput, PreconditionRequired, VclinksError
from shared.domain.models import ID_PATTERN, Language, ZoomAppType
from shared.http import pages
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, BaseUrl, Links, Root
from shared.http.models import ZoomUsers
from shared.http.views import zoom_users_view
from shared.services.zoom import connect, host_links, users, webhooks

app = make_app()
HTML = "text/html; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@app.get("/v1/oauth/zoom/start")
def zoom_start(
    site: Annotated[str, Query(pattern=ID_PATTERN)],
    return_to: Annotated[str, Query(max_length=2000)],
    root: Root,
    base: BaseUrl,
    staff: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    token: Annotated[str | None, Query(max_length=2048)] = None,
    access: Annotated[ZoomAppType, Query()] = ZoomAppType.USER_MANAGED,
) -> Response[str]:
    """Send the browser to Zoom's consent page. Browsers pass a scoped token as `token`.

    `access=user` (default): the user-managed app, the signed-in Zoom user's own meetings.
    `access=account`: the admin-managed app, every user of the Zoom account (S01, W07)."""
    record = root.repo.get_site(site)
    if token is not None and not token.startswith("vcs_"):
        raise InvalidInput("Only a scoped token may travel in a URL; never put the API key in one.")
    authorization = f"Bearer {token}" if token else app.current_event.headers.get("authorization")
    principal = authenticate(record, site, authorization)
    principal.require_admin_or_staff(staff)
    assert record is not None
    if principal.role is Role.STAFF and record.default_account is None:
        raise PreconditionRequired(
            "Connect the site's default account before a staff member connects their own (W05)."
        )
    return_url = connect.check_return_url(return_to, root.settings.allowed_return_urls)
    redirect_uri = f"{base}/v1/oauth/zoom/callback"  # = the stack output ZoomRedirectUri
    secret = root.zoom_app.get().client_secret
    target = connect.start(root.repo, root.zoom, secret, site, staff, return_url, redirect_uri, app=access)
    return Response(302, "text/plain", "", {**NO_STORE, "Location": target})


@app.get("/v1/oauth/zoom/callback")
def zoom_callback(
    root: Root,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response[str]:
    try:
        secret = root.zoom_app.get().client_secret
        result = connect.callback(root.repo, root.zoom, root.token_secrets, secret, state, code, error)
    except VclinksError as failure:
        logger.info("zoom callback refused", extra={"problem": failure.slug})
        page = pages.zoom_not_connected_page(failure.slug, _browser_language())
        return Response(failure.status, HTML, page, NO_STORE)
    root.queue.send(result.work)
    return Response(302, "text/plain", "", {**NO_STORE, "Location": result.redirect_to})


@app.post("/v1/zoom/webhook")
def zoom_webhook(root: Root) -> dict:
    secret_tokens = root.zoom_app.get().webhook_secret_tokens  # each Zoom app signs with its own
    body = app.current_event.decoded_body or ""
    event, secret_token = webhooks.verify_any(app.current_event.headers, body, secret_tokens)
    answer, work = webhooks.handle(root.repo, secret_token, event, root.zoom.app_of)
    root.queue.send(work)  # Zoom waits 3 s at most: the worker does the rest
    return answer


@app.get("/v1/zoom/host/<token>")
def zoom_host_link(token: Annotated[str, Path(max_length=512)], root: Root, links: Links) -> Response[str]:
    """A staff member's stable join link, when Zoom's host link must be read again (S04, S07)."""
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
    page = users.list_zoom_users(root.repo, root.zoom, root.tokens, record, limit, cursor)
    return zoom_users_view(page.connection_id, page.users, page.cursor)


def _browser_language() -> Language:
    """No site at hand: the browser's language, among the seven (X06)."""
    return pages.browser_language(app.current_event.headers.get("accept-language"))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
