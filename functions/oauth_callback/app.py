"""Zoom: the connect flow (start, callback), Zoom's webhooks, the users of a connected account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.repository import get_store
from shared.adapters.zoom.tokens import app_credentials, get_token_secrets
from shared.config import get_settings
from shared.domain.auth import Role
from shared.domain.errors import InvalidInput, PreconditionRequired, VclinksError
from shared.domain.models import ID_PATTERN
from shared.http import pages as join_page
from shared.http.api import base_url, caller, handle, load_site_and_caller, logger, make_app
from shared.http.models import ZoomUsers
from shared.services.zoom import connect as oauth
from shared.services.zoom import host_links, users, webhooks
from shared.services.zoom.wiring import get_token_provider, get_zoom_client

app = make_app()
HTML = "text/html; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@app.get("/v1/oauth/zoom/start")
def zoom_start(
    site: Annotated[str, Query(pattern=ID_PATTERN)],
    return_to: Annotated[str, Query(max_length=2000)],
    staff: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    token: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[str]:
    """Send the browser to Zoom's consent page. Browsers pass a scoped token as `token`."""
    store = get_store()
    record = store.get_site(site)
    if token is not None and not token.startswith("vcs_"):
        raise InvalidInput("Only a scoped token may travel in a URL; never put the API key in one.")
    authorization = f"Bearer {token}" if token else app.current_event.headers.get("authorization")
    principal = caller(app, site, record, authorization)
    principal.require_admin_or_staff(staff)
    assert record is not None
    if principal.role is Role.STAFF and record.default_account is None:
        raise PreconditionRequired(
            "Connect the site's default account before a staff member connects their own (W05)."
        )
    return_url = oauth.check_return_url(return_to, get_settings().allowed_return_urls)
    redirect_uri = f"{base_url(app)}/v1/oauth/zoom/callback"
    target = oauth.start(
        store, get_zoom_client(), app_credentials().client_secret, site, staff, return_url, redirect_uri
    )
    return Response(302, "text/plain", "", {**NO_STORE, "Location": target})


@app.get("/v1/oauth/zoom/callback")
def zoom_callback(
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response[str]:
    try:
        result = oauth.callback(
            get_store(),
            get_zoom_client(),
            get_token_secrets(),
            app_credentials().client_secret,
            state,
            code,
            error,
        )
    except VclinksError as failure:
        logger.info("zoom callback refused", extra={"problem": failure.slug})
        page = join_page.render("Zoom was not connected", failure.detail)
        return Response(failure.status, HTML, page, NO_STORE)
    return Response(302, "text/plain", "", {**NO_STORE, "Location": result.redirect_to})


@app.post("/v1/zoom/webhook")
def zoom_webhook() -> dict:
    secret_token = app_credentials().webhook_secret_token
    event = webhooks.verify(app.current_event.headers, app.current_event.decoded_body or "", secret_token)
    return webhooks.handle(get_store(), get_zoom_client(), get_token_secrets(), secret_token, event)


@app.get("/v1/zoom/host/<token>")
def zoom_host_link(token: Annotated[str, Path(max_length=512)]) -> Response[str]:
    """A staff member's stable join link, when Zoom's host link must be read again (S04, S07)."""
    target = host_links.fresh_host_link(get_store(), get_zoom_client(), get_token_provider(), token)
    if target is None:
        return Response(404, HTML, join_page.unknown_link_page(), NO_STORE)
    if target.url is not None:
        return Response(302, "text/plain", "", {**NO_STORE, "Location": target.url})
    assert target.page is not None
    return Response(
        200, HTML, join_page.no_link_page(target.page, target.timezone, datetime.now(UTC)), NO_STORE
    )


@app.get("/v1/sites/<site>/zoom/users")
def zoom_users(site: Annotated[str, Path(pattern=ID_PATTERN)]) -> ZoomUsers:
    store = get_store()
    record, principal = load_site_and_caller(app, site, store.get_site)
    principal.require_admin()
    return users.list_zoom_users(store, get_zoom_client(), get_token_provider(), record)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
