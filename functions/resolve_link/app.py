"""Reading links: health, the link of a session, stable join links, the online meetings report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.repository import get_store
from shared.domain.models import ID_PATTERN, Audience
from shared.domain.resolver import Link, Surface
from shared.http import pages as join_page
from shared.http.api import API_VERSION, base_url, handle, load_site_and_caller, logger, make_app
from shared.http.models import Health, LinkView, Report, UtcDatetime
from shared.services import links

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@app.get("/v1/health")
def health() -> Health:
    return Health(status="ok", version=API_VERSION)


@app.get("/v1/sites/<site>/sessions/<session>/link")
def session_link(
    site: SiteId,
    session: Annotated[str, Path(pattern=ID_PATTERN)],
    audience: Annotated[Audience, Query()] = Audience.CLIENT,
    booking: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    surface: Annotated[Surface, Query()] = Surface.API,
) -> LinkView:
    authorization = app.current_event.headers.get("authorization")
    return links.session_link(
        get_store(), site, session, authorization, audience, booking, surface, base_url(app)
    )


@app.get("/v1/j/<token>")
def join(token: Annotated[str, Path(max_length=512)]) -> Response[str]:
    outcome = links.join(get_store(), token)
    if outcome.decision is None or outcome.site is None:
        return Response(404, "text/html; charset=utf-8", join_page.unknown_link_page(), NO_STORE)
    if links.host_link_is_stale(outcome):  # Zoom's host link expired: read it again first
        location = f"{base_url(app)}/v1/zoom/host/{token}"
        return Response(302, "text/plain", "", {**NO_STORE, "Location": location})
    if isinstance(outcome.decision, Link):
        return Response(302, "text/plain", "", {**NO_STORE, "Location": outcome.decision.url})
    page = join_page.no_link_page(outcome.decision, outcome.site.settings.timezone, datetime.now(UTC))
    return Response(200, "text/html; charset=utf-8", page, NO_STORE)


@app.get("/v1/sites/<site>/reports/online-meetings")
def online_meetings(
    site: SiteId,
    from_: Annotated[UtcDatetime, Query(alias="from")],
    to: Annotated[UtcDatetime, Query()],
    staff: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> Report:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return links.online_meetings_report(store, record, from_, to, staff, base_url(app))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
