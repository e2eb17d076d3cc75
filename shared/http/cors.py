"""CORS for browsers on a booking platform's own origin, per site (its `allowed_origins`).

Only the routes a scoped token may call answer CORS: the session link (a client's or a
staff member's link), the session link edits (a staff member's own session), and the staff
account routes (a staff member's own account). No other route gives a browser on another
origin anything: the API key never belongs in a browser, and `/v1/j/{token}` is opened by
navigation, which needs no CORS.

Why the function answers preflights, not API Gateway: an HTTP API's CorsConfiguration
holds one static list of origins for the whole API, and when it is set API Gateway answers
every preflight itself and drops the CORS headers of the integration's answers
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). Each
site's origins are data, so template.yaml declares an `OPTIONS` route (without
authorization: a preflight carries no credential) for exactly the paths below, and
`answer_preflight` checks the request against the site's list. A test keeps the template's
OPTIONS routes and CORS_ROUTES the same.

Every CORS route needs an `Authorization` header, so every cross-origin call is
preflighted; the real answer carries `Access-Control-Allow-Origin` again (the browser
checks both) only for an allowed origin. No cookies are involved: no
`Access-Control-Allow-Credentials`.
"""

from __future__ import annotations

from typing import Any

from shared.domain.errors import Forbidden, NotFound
from shared.domain.models import Site

CORS_ROUTES: dict[str, frozenset[str]] = {
    "/v1/sites/{site}/sessions/{session}/link": frozenset({"GET", "PUT", "DELETE"}),
    "/v1/sites/{site}/sessions/{session}/link/remove": frozenset({"POST"}),
    "/v1/sites/{site}/staff/{staff}/vc-account": frozenset({"GET", "PUT", "DELETE"}),
}
"""The paths a scoped token may call from a browser, and their methods."""

ALLOWED_HEADERS = frozenset({"authorization", "content-type"})
MAX_AGE_SECONDS = 600
NOT_ALLOWED = "This origin may not call this site's API from a browser (the site's allowed_origins)."


def route_of(event: dict[str, Any]) -> tuple[str, str]:
    """(method, path template) of the event's route: `GET /v1/sites/{site}/...`."""
    method, _, path = str(event.get("routeKey", "")).partition(" ")
    return method, path


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}


def request_origin(event: dict[str, Any]) -> str | None:
    """The Origin of a request on a CORS route (None: not a cross-origin browser call we serve)."""
    method, path = route_of(event)
    if path not in CORS_ROUTES or (method != "OPTIONS" and method not in CORS_ROUTES[path]):
        return None
    return _headers(event).get("origin")


def is_allowed(origin: str, site: Site | None) -> bool:
    return site is not None and origin in site.settings.allowed_origins


def answer_preflight(event: dict[str, Any], site: Site | None) -> dict[str, Any]:
    """204 with the CORS headers for an allowed origin, method and headers; otherwise a 403
    (the same for an unknown site and an origin not on its list)."""
    _, path = route_of(event)
    headers = _headers(event)
    origin = headers.get("origin")
    method = headers.get("access-control-request-method", "").upper()
    if path not in CORS_ROUTES:
        raise NotFound("No such route.")
    if not origin or not method:
        raise PreflightRefused("A preflight needs Origin and Access-Control-Request-Method headers.")
    if method not in CORS_ROUTES[path]:
        raise PreflightRefused(f"{method} is not called from browsers on this route.")
    asked = {h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")} - {""}
    if not asked <= ALLOWED_HEADERS:
        raise PreflightRefused(f"Only the headers {', '.join(sorted(ALLOWED_HEADERS))} may be sent.")
    if not is_allowed(origin, site):
        raise PreflightRefused(NOT_ALLOWED)
    return {
        "statusCode": 204,
        "headers": {
            **allow_origin(origin),
            "Access-Control-Allow-Methods": ", ".join(sorted(CORS_ROUTES[path])),
            "Access-Control-Allow-Headers": ", ".join(sorted(ALLOWED_HEADERS)),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        },
        "body": "",
        "isBase64Encoded": False,
    }


def allow_origin(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


class PreflightRefused(Forbidden):
    """A preflight this API does not allow: the browser then never sends the request."""

    slug = "cors-refused"
    title = "Not allowed from this origin"
