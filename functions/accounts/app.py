"""VC accounts of the site and its staff, staff names and addresses, site settings, the site's
own sender address, scoped tokens for browsers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.auth import Role
from shared.domain.models import ID_PATTERN, VcAccount
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, AnyCaller, Root
from shared.http.models import (
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
from shared.http.views import account_view, sender_view, settings_view, staff_view
from shared.services import sites
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
        root.accounts.zoom_user_account(who.site, body.connection_id, body.zoom_user_id)
        if isinstance(body, ZoomUserInput)
        else body.to_record()
    )
    return account_view(root.accounts.set_staff_account(who.site, staff, account, who.principal))


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
    site: SiteId, body: Annotated[TokenRequest, Body()], record: AdminSite, root: Root
) -> Response[TokenView]:
    token, expires = sites.issue_token(
        root.repo,
        record,
        Role(body.role),
        body.ttl_seconds,
        staff_id=body.staff_id,
        session_id=body.session_id,
        booking_id=body.booking_id,
    )
    view = TokenView(token=token, expires_at=expires, role=body.role)
    return Response(201, "application/json", view, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
