"""Calls from the booking platform: services, sessions, bookings, session and course links."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.repository import Store, get_store
from shared.domain.models import ID_PATTERN, Site
from shared.http.api import base_url, handle, load_site_and_caller, logger, make_app
from shared.http.models import (
    BookingInput,
    BookingView,
    CustomLinkInput,
    ServiceInput,
    ServiceView,
    SessionInput,
    SessionView,
)
from shared.services import (
    change_emails,  # noqa: F401 - registers X02 emails, after the Zoom steps
    sessions,
)
from shared.services.zoom import wiring as zoom_service  # registers the Zoom follow-up steps

app = make_app()
UPSERT: dict[int, OpenAPIResponse] = {200: {"description": "Updated"}, 201: {"description": "Created"}}
GONE: dict[int, OpenAPIResponse] = {204: {"description": "Cancelled (or deleted)"}}
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
ItemId = Annotated[str, Path(pattern=ID_PATTERN)]


def _admin_site(site: str) -> tuple[Store, Site]:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return store, record


@app.put("/v1/sites/<site>/services/<service>")
def put_service(site: SiteId, service: ItemId, body: Annotated[ServiceInput, Body()]) -> ServiceView:
    store, record = _admin_site(site)
    return sessions.put_service(store, record, service, body)


@app.delete("/v1/sites/<site>/services/<service>", responses=GONE)
def delete_service(site: SiteId, service: ItemId) -> Response[str]:
    store, record = _admin_site(site)
    sessions.delete_service(store, record, service)
    return Response(204, None, "")


@app.put("/v1/sites/<site>/services/<service>/link")
def put_course_link(site: SiteId, service: ItemId, body: Annotated[CustomLinkInput, Body()]) -> ServiceView:
    store, record = _admin_site(site)
    return sessions.set_course_link(store, record, service, body)


@app.delete("/v1/sites/<site>/services/<service>/link")
def delete_course_link(site: SiteId, service: ItemId) -> ServiceView:
    store, record = _admin_site(site)
    return sessions.set_course_link(store, record, service, None)


@app.put("/v1/sites/<site>/sessions/<session>", responses=UPSERT)
def put_session(
    site: SiteId, session: ItemId, body: Annotated[SessionInput, Body()]
) -> Response[SessionView]:
    store, record = _admin_site(site)
    view, created = sessions.put_session(store, record, session, body, base_url(app))
    return Response(201 if created else 200, "application/json", view)


@app.delete("/v1/sites/<site>/sessions/<session>", responses=GONE)
def cancel_session(site: SiteId, session: ItemId) -> Response[str]:
    store, record = _admin_site(site)
    sessions.cancel_session(store, record, session)
    return Response(204, None, "")


@app.put("/v1/sites/<site>/sessions/<session>/link")
def put_session_link(site: SiteId, session: ItemId, body: Annotated[CustomLinkInput, Body()]) -> SessionView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    return sessions.set_session_link(store, record, session, body, caller, base_url(app))


@app.delete("/v1/sites/<site>/sessions/<session>/link")
def restore_session_link(site: SiteId, session: ItemId) -> SessionView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    return sessions.restore_session_link(store, record, session, caller, base_url(app))


@app.post("/v1/sites/<site>/sessions/<session>/link/remove")
def remove_session_link(site: SiteId, session: ItemId) -> SessionView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    return sessions.remove_session_link(store, record, session, caller, base_url(app))


@app.put("/v1/sites/<site>/sessions/<session>/bookings/<booking>", responses=UPSERT)
def put_booking(
    site: SiteId, session: ItemId, booking: ItemId, body: Annotated[BookingInput, Body()]
) -> Response[BookingView]:
    store, record = _admin_site(site)
    view, created = sessions.put_booking(store, record, session, booking, body, base_url(app))
    return Response(201 if created else 200, "application/json", view)


@app.delete("/v1/sites/<site>/sessions/<session>/bookings/<booking>", responses=GONE)
def cancel_booking(site: SiteId, session: ItemId, booking: ItemId) -> Response[str]:
    store, record = _admin_site(site)
    sessions.cancel_booking(store, record, session, booking)
    return Response(204, None, "")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if event.get("source") == "aws.events":  # the schedule: finish pending meeting work
        return {"swept": zoom_service.sweep()}
    return handle(app, event, context)
