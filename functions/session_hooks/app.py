"""Calls from the booking platform: services, sessions, bookings, session and course links."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.models import ID_PATTERN
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, AnyCaller, Links, Root
from shared.http.models import CustomLinkInput
from shared.http.session_models import (
    BookingInput,
    BookingView,
    ServiceInput,
    ServiceView,
    SessionInput,
    SessionView,
)
from shared.http.session_views import booking_view, service_view, session_view

app = make_app()
UPSERT: dict[int, OpenAPIResponse] = {200: {"description": "Updated"}, 201: {"description": "Created"}}
GONE: dict[int, OpenAPIResponse] = {204: {"description": "Cancelled (or deleted)"}}
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
ItemId = Annotated[str, Path(pattern=ID_PATTERN)]


@app.put("/v1/sites/<site>/services/<service>")
def put_service(
    site: SiteId, service: ItemId, body: Annotated[ServiceInput, Body()], record: AdminSite, root: Root
) -> ServiceView:
    return service_view(
        root.sessions.put_service(
            record, service, body.kind, body.online, body.name, body.meeting_settings.to_record()
        )
    )


@app.delete("/v1/sites/<site>/services/<service>", responses=GONE)
def delete_service(site: SiteId, service: ItemId, record: AdminSite, root: Root) -> Response[str]:
    root.sessions.delete_service(record, service)
    return Response(204, None, "")


@app.put("/v1/sites/<site>/services/<service>/link")
def put_course_link(
    site: SiteId, service: ItemId, body: Annotated[CustomLinkInput, Body()], record: AdminSite, root: Root
) -> ServiceView:
    return service_view(root.sessions.set_course_link(record, service, body.to_record()))


@app.delete("/v1/sites/<site>/services/<service>/link")
def delete_course_link(site: SiteId, service: ItemId, record: AdminSite, root: Root) -> ServiceView:
    return service_view(root.sessions.set_course_link(record, service, None))


@app.put("/v1/sites/<site>/sessions/<session>", responses=UPSERT)
def put_session(
    site: SiteId,
    session: ItemId,
    body: Annotated[SessionInput, Body()],
    record: AdminSite,
    root: Root,
    links: Links,
) -> Response[SessionView]:
    saved, service, created = root.sessions.put_session(
        record,
        session,
        service_id=body.service_id,
        staff_id=body.staff_id,
        start=body.start,
        end=body.end,
        online=body.online,
    )
    return Response(201 if created else 200, "application/json", session_view(saved, service, links))


@app.get("/v1/sites/<site>/sessions/<session>")
def get_session(site: SiteId, session: ItemId, record: AdminSite, root: Root, links: Links) -> SessionView:
    """A session as stored: its meeting's state, and why it is not ready yet (pending_reason)."""
    return session_view(*root.sessions.get_session(record, session), links)


@app.delete("/v1/sites/<site>/sessions/<session>", responses=GONE)
def cancel_session(site: SiteId, session: ItemId, record: AdminSite, root: Root) -> Response[str]:
    root.sessions.cancel_session(record, session)
    return Response(204, None, "")


@app.put("/v1/sites/<site>/sessions/<session>/link")
def put_session_link(
    site: SiteId,
    session: ItemId,
    body: Annotated[CustomLinkInput, Body()],
    who: AnyCaller,
    root: Root,
    links: Links,
) -> SessionView:
    return session_view(
        *root.sessions.set_session_link(who.site, session, body.to_record(), who.principal), links
    )


@app.delete("/v1/sites/<site>/sessions/<session>/link")
def restore_session_link(
    site: SiteId, session: ItemId, who: AnyCaller, root: Root, links: Links
) -> SessionView:
    return session_view(*root.sessions.restore_session_link(who.site, session, who.principal), links)


@app.post("/v1/sites/<site>/sessions/<session>/link/remove")
def remove_session_link(
    site: SiteId, session: ItemId, who: AnyCaller, root: Root, links: Links
) -> SessionView:
    return session_view(*root.sessions.remove_session_link(who.site, session, who.principal), links)


@app.put("/v1/sites/<site>/sessions/<session>/bookings/<booking>", responses=UPSERT)
def put_booking(
    site: SiteId,
    session: ItemId,
    booking: ItemId,
    body: Annotated[BookingInput, Body()],
    record: AdminSite,
    root: Root,
    links: Links,
) -> Response[BookingView]:
    saved, of, created = root.sessions.put_booking(
        record, session, booking, body.client_name, body.client_email
    )
    return Response(201 if created else 200, "application/json", booking_view(saved, links, of))


@app.get("/v1/sites/<site>/sessions/<session>/bookings/<booking>")
def get_booking(
    site: SiteId, session: ItemId, booking: ItemId, record: AdminSite, root: Root, links: Links
) -> BookingView:
    """A booking as the admin sees it: the client's stable link, when the client opened it (X12),
    and an email refused for good."""
    saved, of, joined = root.sessions.get_booking(record, session, booking)
    return booking_view(saved, links, of, joined)


@app.delete("/v1/sites/<site>/sessions/<session>/bookings/<booking>", responses=GONE)
def cancel_booking(
    site: SiteId, session: ItemId, booking: ItemId, record: AdminSite, root: Root
) -> Response[str]:
    root.sessions.cancel_booking(record, session, booking)
    return Response(204, None, "")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
