"""VC accounts of the site and its staff, site settings, scoped tokens for browsers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bootstrap import container
from shared.domain.auth import Role
from shared.domain.models import ID_PATTERN, VcAccount
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, AnyCaller, Caller, KeyHolderSite, Root
from shared.http.models import (
    AccountInput,
    AccountView,
    SettingsPatch,
    SettingsView,
    StaffAccountInput,
    TokenRequest,
    TokenView,
    ZoomUserInput,
)
from shared.http.views import account_view, settings_view
from shared.services import sites

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


@app.get("/v1/sites/<site>/settings")
def get_settings(site: SiteId, record: AdminSite) -> SettingsView:
    return settings_view(record.settings)


@app.patch("/v1/sites/<site>/settings")
def patch_settings(
    site: SiteId, body: Annotated[SettingsPatch, Body()], record: AdminSite, root: Root
) -> SettingsView:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return settings_view(sites.update_settings(root.repo, record, changes))


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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
