"""VC accounts of the site and its staff, site settings, scoped tokens for browsers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.repository import get_store
from shared.domain.models import ID_PATTERN
from shared.http.api import handle, load_site_and_caller, logger, make_app
from shared.http.models import (
    AccountInput,
    AccountView,
    SettingsPatch,
    SettingsView,
    StaffAccountInput,
    TokenRequest,
    TokenView,
)
from shared.services import accounts, sites

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
StaffId = Annotated[str, Path(pattern=ID_PATTERN)]


@app.put("/v1/sites/<site>/vc-account")
def put_site_account(site: SiteId, body: Annotated[AccountInput, Body()]) -> AccountView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return accounts.set_default_account(store, record, body)


@app.get("/v1/sites/<site>/vc-account")
def get_site_account(site: SiteId) -> AccountView:
    record, caller = load_site_and_caller(app, site, get_store().get_site)
    caller.require_admin()
    return accounts.account_view(record.default_account)


@app.delete("/v1/sites/<site>/vc-account")
def delete_site_account(site: SiteId) -> AccountView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return accounts.disconnect_default_account(store, record)


@app.put("/v1/sites/<site>/staff/<staff>/vc-account")
def put_staff_account(
    site: SiteId, staff: StaffId, body: Annotated[StaffAccountInput, Body()]
) -> AccountView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin_or_staff(staff)
    return accounts.set_staff_account(store, record, staff, body, caller)


@app.get("/v1/sites/<site>/staff/<staff>/vc-account")
def get_staff_account(site: SiteId, staff: StaffId) -> AccountView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin_or_staff(staff)
    return accounts.get_staff_account(store, record, staff)


@app.delete("/v1/sites/<site>/staff/<staff>/vc-account")
def delete_staff_account(site: SiteId, staff: StaffId) -> AccountView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin_or_staff(staff)
    return accounts.delete_staff_account(store, record, staff)


@app.get("/v1/sites/<site>/settings")
def get_settings(site: SiteId) -> SettingsView:
    record, caller = load_site_and_caller(app, site, get_store().get_site)
    caller.require_admin()
    return sites.settings_view(record)


@app.patch("/v1/sites/<site>/settings")
def patch_settings(site: SiteId, body: Annotated[SettingsPatch, Body()]) -> SettingsView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return sites.update_settings(store, record, body)


@app.post("/v1/sites/<site>/tokens", responses={201: {"description": "The token (shown once)"}})
def create_token(site: SiteId, body: Annotated[TokenRequest, Body()]) -> Response[TokenView]:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return Response(
        201, "application/json", sites.issue_token(store, record, body), {"Cache-Control": "no-store"}
    )


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
