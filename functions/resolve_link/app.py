"""Reading links: health, the link of a session, stable join links, the online meetings report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.models import ID_PATTERN, Audience
from shared.domain.resolver import Link, Surface
from shared.http import pages
from shared.http.api import API_VERSION, handle, logger, make_app
from shared.http.dependencies import AdminSite, BaseUrl, Root, State
from shared.http.link_models import Health, LinkView, Report
from shared.http.link_views import link_view, report_view
from shared.http.moments import UtcDatetime
from shared.services import links

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
HTML = "text/html; charset=utf-8"


@app.get("/v1/health")
def health() -> Health:
    return Health(status="ok", version=API_VERSION)


@app.get("/v1/sites/<site>/sessions/<session>/link")
def session_link(
    site: SiteId,
    session: Annotated[str, Path(pattern=ID_PATTERN)],
    root: Root,
    base: BaseUrl,
    state: State,
    audience: Annotated[Audience, Query()] = Audience.CLIENT,
    booking: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    surface: Annotated[Surface, Query()] = Surface.API,
) -> LinkView:
    """The site, the session and the booking come in one batch: the caller is checked on it."""
    authorization = app.current_event.headers.get("authorization")
    join = root.join_links(base)
    found = links.session_link(
        root.repo, join, site, session, authorization, audience, booking, surface, root.session_hints
    )
    state.remember_site(found.site)  # CORS reads its allowed origins without another read
    return link_view(found.decision, found.join_url)


@app.get("/v1/j/<token>")
def join(token: Annotated[str, Path()], root: Root, base: BaseUrl) -> Response[str]:
    """X01: no length limit here: any token a browser brings, however mangled or long, gets the
    unknown-link page (shared.domain.join_tokens.parse), never a JSON validation error."""
    outcome = links.join(root.repo, root.join_links(base), token, root.join_clicks)
    if outcome.decision is None or outcome.site is None:
        language = pages.browser_language(app.current_event.headers.get("accept-language"))
        return Response(404, HTML, pages.unknown_link_page(language), NO_STORE)
    if links.host_link_is_stale(outcome):  # Zoom's host link expired: read it again first
        return Response(302, "text/plain", "", {**NO_STORE, "Location": f"{base}/v1/zoom/host/{token}"})
    if isinstance(outcome.decision, Link):
        return Response(302, "text/plain", "", {**NO_STORE, "Location": outcome.decision.url})
    settings = outcome.site.settings
    page = pages.no_link_page(outcome.decision, settings.timezone, datetime.now(UTC), settings.language)
    return Response(200, HTML, page, NO_STORE)


@app.get("/v1/sites/<site>/reports/online-meetings")
def online_meetings(
    site: SiteId,
    from_: Annotated[UtcDatetime, Query(alias="from")],
    to: Annotated[UtcDatetime, Query()],
    record: AdminSite,
    root: Root,
    base: BaseUrl,
    staff: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Report:
    """S06: one page of the online sessions of a period; `next_cursor` reads the next page."""
    page = links.online_meetings_report(root.repo, record, from_, to, staff, limit, cursor)
    return report_view(page, root.join_links(base))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
