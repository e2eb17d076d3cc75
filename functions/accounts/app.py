"""VC accounts of the site and its staff, staff names and addresses, site settings, the site's
own sender address, scoped tokens for browsers; the site's own life: key and token-secret
rotation, export, deletion, its webhook endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bootstrap import container
from shared.domain.auth import Role
from shared.domain.models import ID_PATTERN, VcAccount, WebhookEndpoint
from shared.domain.webhooks import EventType
from shared.http.account_models import (
    AccountInput,
    AccountView,
    SenderInput,
    SenderView,
    SettingsPatch,
    SettingsView,
    StaffAccountInput,
    StaffInput,
    StaffView,
    TokenRequest,
    TokenView,
    ZoomUserInput,
)
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, AnyCaller, Caller, KeyHolderSite, Root
from shared.http.site_models import (
    Deliveries,
    Delivery,
    ExportPage,
    ExportRecord,
    KeyRotation,
    KeyState,
    NewApiKey,
    SiteDeletion,
    TokenSecretRotated,
    WebhookInput,
    WebhookView,
)
from shared.http.views import account_view, sender_view, settings_view, staff_view
from shared.services import platform_events, sites
from shared.services import staff as staff_profiles

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
StaffId = Annotated[str, Path(pattern=ID_PATTERN)]


@app.put("/v1/sites/<site>/vc-account")
def put_site_account(
    site: SiteId, body: Annotated[AccountInput, Body()], record: AdminSite, root: Root
) -> AccountView:
    return account_view(root.accounts.set_default_account(record, body.to_record()))


@app.get("/v1/sites/<site>/vc-account")
def get_site_account(site: SiteId, record: AdminSite) -> AccountView:
    return account_view(record.default_account)


@app.delete("/v1/sites/<site>/vc-account")
def delete_site_account(site: SiteId, record: AdminSite, root: Root) -> AccountView:
    root.accounts.disconnect_default_account(record)
    return account_view(None)


@app.put("/v1/sites/<site>/staff/<staff>/vc-account")
def put_staff_account(
    site: SiteId, staff: StaffId, body: Annotated[StaffAccountInput, Body()], who: AnyCaller, root: Root
) -> AccountView:
    who.principal.require_admin_or_staff(staff)
    account: VcAccount = (
        body.to_record() if not isinstance(body, ZoomUserInput) else _zoom_user(who, staff, body)
    )
    return account_view(root.accounts.set_staff_account(who.site, staff, account, who.principal))


def _zoom_user(who: Caller, staff: str, body: ZoomUserInput) -> VcAccount:
    """W07: checked with Zoom when saved (imported here: only this request needs the Zoom client)."""
    from shared.services.zoom.users import staff_zoom_account

    root = container()
    return staff_zoom_account(
        root.repo,
        root.zoom,
        root.tokens,
        who.site,
        who.principal,
        staff,
        body.connection_id,
        body.zoom_user_id,
    )


@app.get("/v1/sites/<site>/staff/<staff>/vc-account")
def get_staff_account(site: SiteId, staff: StaffId, who: AnyCaller, root: Root) -> AccountView:
    who.principal.require_admin_or_staff(staff)
    return account_view(root.accounts.get_staff_account(who.site, staff))


@app.delete("/v1/sites/<site>/staff/<staff>/vc-account")
def delete_staff_account(site: SiteId, staff: StaffId, who: AnyCaller, root: Root) -> AccountView:
    who.principal.require_admin_or_staff(staff)
    root.accounts.delete_staff_account(who.site, staff)
    return account_view(None)


@app.put("/v1/sites/<site>/staff/<staff>")
def put_staff(
    site: SiteId, staff: StaffId, body: Annotated[StaffInput, Body()], who: AnyCaller, root: Root
) -> StaffView:
    who.principal.require_admin_or_staff(staff)
    return staff_view(staff_profiles.set_profile(root.repo, who.site, staff, body.name, body.email))


@app.get("/v1/sites/<site>/staff/<staff>")
def get_staff(site: SiteId, staff: StaffId, who: AnyCaller, root: Root) -> StaffView:
    who.principal.require_admin_or_staff(staff)
    return staff_view(staff_profiles.get_profile(root.repo, who.site, staff))


@app.get("/v1/sites/<site>/settings")
def get_settings(site: SiteId, record: AdminSite) -> SettingsView:
    return settings_view(record.settings, record.sender)


@app.patch("/v1/sites/<site>/settings")
def patch_settings(
    site: SiteId, body: Annotated[SettingsPatch, Body()], record: AdminSite, root: Root
) -> SettingsView:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return settings_view(sites.update_settings(root.repo, record, changes, root.followup), record.sender)


@app.post(
    "/v1/sites/<site>/sender",
    responses={
        200: {"description": "Already verified"},
        202: {"description": "SES emailed the address a link"},
    },
)
def post_sender(
    site: SiteId, body: Annotated[SenderInput, Body()], record: AdminSite, root: Root
) -> Response[SenderView]:
    """The site's own From address: SES emails it a verification link; it is used once verified."""
    sender = root.senders.request(record, body.email)
    view = sender_view(sender, root.settings.sender_email)
    return Response(202 if sender.status.value == "pending" else 200, "application/json", view)


@app.get("/v1/sites/<site>/sender")
def get_sender(site: SiteId, record: AdminSite, root: Root) -> SenderView:
    return sender_view(root.senders.current(record), root.settings.sender_email)


@app.delete(
    "/v1/sites/<site>/sender", responses={204: {"description": "Emails go from the deployment's address"}}
)
def delete_sender(site: SiteId, record: AdminSite, root: Root) -> Response[str]:
    root.senders.remove(record)
    return Response(204, None, "")


@app.post("/v1/sites/<site>/tokens", responses={201: {"description": "The token (shown once)"}})
def create_token(
    site: SiteId, body: Annotated[TokenRequest, Body()], record: KeyHolderSite, root: Root
) -> Response[TokenView]:
    """Only the API key mints tokens (a scoped token never mints another). A `connect` ticket opens
    the Zoom connect flow once: `GET /v1/oauth/zoom/start?ticket=...&return_to=...`."""
    token, expires = sites.issue_token(
        root.repo,
        record,
        Role(body.role),
        body.ttl_seconds,
        staff_id=body.staff_id,
        session_id=body.session_id,
        booking_id=body.booking_id,
        access=body.access,
    )
    view = TokenView(token=token, expires_at=expires, role=body.role)
    return Response(201, "application/json", view, {"Cache-Control": "no-store"})


# -- the site's own life (issue 12) -------------------------------------------------------------

NO_STORE = {"Cache-Control": "no-store"}
Cursor = Annotated[str | None, Query(max_length=4096)]


@app.post("/v1/sites/<site>/api-keys/rotate", responses={201: {"description": "The new key (shown once)"}})
def rotate_api_key(
    site: SiteId, body: Annotated[KeyRotation, Body()], who: AnyCaller, root: Root
) -> Response[NewApiKey]:
    """A new API key; the current one keeps working for `overlap_seconds` (default 24 h)."""
    who.principal.require_current_key()
    after, key = sites.rotate_api_key(root.repo, who.site, timedelta(seconds=body.overlap_seconds))
    return Response(
        201,
        "application/json",
        NewApiKey(api_key=key, previous_key_expires_at=after.previous_key_expires_at),
        NO_STORE,
    )


@app.post("/v1/sites/<site>/api-keys/retire")
def retire_previous_key(site: SiteId, who: AnyCaller, root: Root) -> KeyState:
    """End a rotation's overlap now: only the newest key works."""
    who.principal.require_current_key()
    return KeyState(
        previous_key_expires_at=sites.retire_previous_key(root.repo, who.site).previous_key_expires_at
    )


@app.post("/v1/sites/<site>/token-secret/rotate")
def rotate_token_secret(site: SiteId, who: AnyCaller, root: Root) -> TokenSecretRotated:
    """A new secret for scoped tokens; tokens already minted keep working until they expire."""
    who.principal.require_current_key()
    after = sites.rotate_token_secret(root.repo, who.site)
    assert after.previous_token_secret_until is not None
    return TokenSecretRotated(previous_secret_valid_until=after.previous_token_secret_until)


@app.get("/v1/sites/<site>/export")
def export_site(
    site: SiteId,
    record: AdminSite,
    root: Root,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> Response[ExportPage]:
    """A page of every record of the site (never a secret or a key hash): take it before deleting."""
    items, next_cursor = sites.export_page(root.repo, record, cursor, limit)
    page = ExportPage(items=[ExportRecord.model_validate(i) for i in items], next_cursor=next_cursor)
    return Response(200, "application/json", page, NO_STORE)


@app.delete("/v1/sites/<site>", responses={202: {"description": "Accepted: the site is being deleted"}})
def delete_site(site: SiteId, who: AnyCaller, root: Root) -> Response[SiteDeletion]:
    """Delete the site: it answers as a site that does not exist at once; its Zoom grants are
    revoked, their secrets and every item of the site deleted by the pipeline."""
    who.principal.require_current_key()
    after = sites.request_deletion(root.repo, root.queue, who.site)
    assert after.deleted_at is not None
    view = SiteDeletion(site_id=after.site_id, status="deleting", deleted_at=after.deleted_at)
    return Response(202, "application/json", view, NO_STORE)


def _webhook_view(endpoint: WebhookEndpoint, secret: str | None = None) -> WebhookView:
    return WebhookView(
        url=endpoint.url, created_at=endpoint.created_at, secret=secret, events=[e.value for e in EventType]
    )


@app.put("/v1/sites/<site>/webhook")
def put_webhook(
    site: SiteId, body: Annotated[WebhookInput, Body()], record: AdminSite, root: Root
) -> Response[WebhookView]:
    """Where the platform hears of events (Standard Webhooks); a new endpoint's secret is shown once."""
    endpoint, secret = platform_events.set_endpoint(
        root.repo,
        record,
        body.url,
        rotate_secret=body.rotate_secret,
        allow_loopback=root.settings.webhook_allow_loopback,
    )
    return Response(200, "application/json", _webhook_view(endpoint, secret), NO_STORE)


@app.get("/v1/sites/<site>/webhook")
def get_webhook(site: SiteId, record: AdminSite) -> WebhookView:
    return _webhook_view(platform_events.endpoint_of(record))


@app.delete("/v1/sites/<site>/webhook", responses={204: {"description": "No endpoint any more"}})
def delete_webhook(site: SiteId, record: AdminSite, root: Root) -> Response[str]:
    platform_events.delete_endpoint(root.repo, record)
    return Response(204, "application/json", "", NO_STORE)


@app.get("/v1/sites/<site>/webhook/deliveries")
def webhook_deliveries(
    site: SiteId,
    record: AdminSite,
    root: Root,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> Deliveries:
    """The delivery attempts of the last 14 days, newest first."""
    page = platform_events.deliveries(root.repo, record, cursor, limit)
    return Deliveries(items=[Delivery.model_validate(e) for e in page.items], next_cursor=page.cursor)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
