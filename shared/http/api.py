"""The HTTP side every handler shares: one resolver factory, problem answers, caller checks.

Every error answer is an RFC 9457 problem document (`application/problem+json`) with a
stable `type`. The mapping from error to answer lives here and only here.

`handle` is every function's entry. Before the resolver sees the event it refuses bodies
no one should parse (413, 415) and, on a site's route with a body, checks the caller: a
request from someone without a valid credential is a 401 whatever its body holds, so the
API's validation never answers (nor spends work on) an unauthenticated caller; only then
is a body nested too deeply refused (400). The caller it checked is kept for the request
(`load_site_and_caller` takes it instead of reading the site again). After the resolver,
every answer gets `X-Content-Type-Options: nosniff`, and HTML pages the headers of
`pages.PAGE_HEADERS`. CORS (`shared.http.cors`): `handle` answers the preflights of the
routes a scoped token may call, and adds `Access-Control-Allow-Origin` to their answers for
an origin the site allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import ClientError

from shared.config import get_settings
from shared.domain.auth import Principal, authenticate
from shared.domain.errors import InvalidInput, NotFound, StorageBusy, VclinksError
from shared.domain.models import ID_PATTERN, Site
from shared.http import cors
from shared.http.body import refuse_too_deep, refuse_unreadable
from shared.http.pages import PAGE_HEADERS

logger = Logger(service="vclinks")

PROBLEM_JSON = "application/problem+json"
API_TITLE = "vclinks"
API_VERSION = "1.0.0"


def problem_response(error: VclinksError, instance: str | None = None) -> Response[str]:
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="vclinks"'
    return Response(
        status_code=error.status,
        content_type=PROBLEM_JSON,
        body=json.dumps(error.problem(instance)),
        headers=headers,
    )


def _validation_problem(exc: RequestValidationError) -> InvalidInput:
    """Say what is wrong and where, without echoing the input (it may hold a password)."""
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        errors.append(
            {"location": "/".join(loc), "message": err.get("msg", "invalid"), "code": err.get("type")}
        )
    if any(e["code"] == "json_invalid" for e in errors):
        return InvalidInput("The request body is not valid JSON.", errors=errors)
    return InvalidInput("The request does not match the API's schema; see 'errors'.", errors=errors)


THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
    }
)


def _aws_problem(error: ClientError) -> VclinksError:
    code = error.response.get("Error", {}).get("Code", "")
    if code in THROTTLING:
        logger.warning("AWS throttled the request after retries", extra={"aws_code": code})
        return StorageBusy("The data store is busy; retry in a few seconds.")
    logger.exception("unexpected AWS error", extra={"aws_code": code})
    return VclinksError("An unexpected error occurred; it has been logged.")


def _log_refusal(error: VclinksError) -> None:
    log = logger.exception if error.status >= 500 else logger.info
    log("request refused", extra={"problem": error.slug, "status": error.status})


_checked_caller: ContextVar[tuple[Site, Principal] | None] = ContextVar("checked_caller", default=None)
_request_site: ContextVar[Site | None] = ContextVar("request_site", default=None)
"""The site of the path, once read for this request (its allowed origins decide CORS)."""


def _check_caller_first(event: dict[str, Any]) -> None:
    """On a site's route with a body: authenticate before anything parses the body."""
    site_id = (event.get("pathParameters") or {}).get("site")
    if not event.get("body") or site_id is None:
        return
    site = _load_site(site_id) if _is_id(site_id) else None  # an id no site can have: no read
    authorization = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("authorization")
    principal = _check(site_id, site, authorization)
    assert site is not None  # authenticate() refuses a missing site
    _checked_caller.set((site, principal))


def _is_id(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None


def _load_site(site_id: str) -> Site | None:
    from shared.adapters.repository import get_store

    return get_store().get_site(site_id)


def _check(site_id: str, site: Site | None, authorization: str | None) -> Principal:
    _request_site.set(site)
    principal = authenticate(site, site_id, authorization)
    logger.append_keys(site_id=site_id, role=principal.role.value)
    return principal


def _early_answer(error: VclinksError, event: dict[str, Any]) -> dict[str, Any]:
    _log_refusal(error)
    path = (event.get("requestContext") or {}).get("http", {}).get("path")
    response = problem_response(error, path)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": PROBLEM_JSON, **response.headers},
        "body": response.body,
        "isBase64Encoded": False,
    }


def handle(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every function's entry: refuse unreadable bodies and unknown callers, then route the event."""
    _checked_caller.set(None)
    _request_site.set(None)
    if cors.route_of(event)[0] == "OPTIONS":
        return with_security_headers(_preflight(event))
    try:
        refused = refuse_unreadable(event)
        if refused is None:
            _check_caller_first(event)
            refused = refuse_too_deep(event)
    except VclinksError as error:
        refused = error
    except ClientError as error:
        refused = _aws_problem(error)
    except Exception:
        logger.exception("unexpected error")
        refused = VclinksError("An unexpected error occurred; it has been logged.")
    answer = _early_answer(refused, event) if refused is not None else app.resolve(event, context)
    return with_security_headers(_with_cors(answer, event))


def _site_of_path(event: dict[str, Any]) -> Site | None:
    site_id = (event.get("pathParameters") or {}).get("site")
    if site_id is None or not _is_id(site_id):
        return None
    return _load_site(site_id)


def _preflight(event: dict[str, Any]) -> dict[str, Any]:
    try:
        return cors.answer_preflight(event, _site_of_path(event))
    except VclinksError as error:
        return _early_answer(error, event)
    except ClientError as error:
        return _early_answer(_aws_problem(error), event)


def _with_cors(answer: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """`Access-Control-Allow-Origin` on a CORS route's answer for an origin the site allows."""
    origin = cors.request_origin(event)
    if origin is None:
        return answer
    headers = dict(answer.get("headers") or {})
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Origin" if vary and "origin" not in vary.lower() else vary or "Origin"
    try:
        site = _request_site.get() or _site_of_path(event)
    except ClientError:
        site = None  # the answer stands; only the browser will not read it
    if cors.is_allowed(origin, site):
        headers.update(cors.allow_origin(origin))
    return {**answer, "headers": headers}


def with_security_headers(answer: dict[str, Any]) -> dict[str, Any]:
    """nosniff on every answer; the page headers (CSP, no framing, no Referer) on HTML."""
    headers = dict(answer.get("headers") or {})
    names = {name.lower(): name for name in headers}
    content_type = str(headers.get(names.get("content-type", ""), ""))
    added = PAGE_HEADERS if content_type.startswith("text/html") else {"X-Content-Type-Options": "nosniff"}
    for name, value in added.items():
        headers[names.get(name.lower(), name)] = value
    return {**answer, "headers": headers}


def make_app() -> APIGatewayHttpResolver:
    """A resolver with validation, the body checks and the problem answers of this API."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(VclinksError)
    def handle_domain_error(error: VclinksError) -> Response[str]:
        _log_refusal(error)
        return problem_response(error, app.current_event.path)

    @app.exception_handler(RequestValidationError)
    def handle_validation_error(error: RequestValidationError) -> Response[str]:
        problem = _validation_problem(error)
        logger.info("invalid request", extra={"problem": problem.slug})
        return problem_response(problem, app.current_event.path)

    @app.not_found
    def handle_not_found(_: NotFoundError) -> Response[str]:
        return problem_response(NotFound("No such route."), app.current_event.path)

    @app.exception_handler(ClientError)
    def handle_aws_error(error: ClientError) -> Response[str]:
        return problem_response(_aws_problem(error))

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return problem_response(VclinksError("An unexpected error occurred; it has been logged."))

    return app


def caller(
    app: APIGatewayHttpResolver, site_id: str, site: Site | None, authorization: str | None = None
) -> Principal:
    """The checked caller of this request for `site_id` (`site`: its record, loaded by the caller)."""
    return _check(site_id, site, authorization or app.current_event.headers.get("authorization"))


def load_site_and_caller(
    app: APIGatewayHttpResolver, site_id: str, load: Callable[[str], Site | None]
) -> tuple[Site, Principal]:
    """The site of the path and its checked caller (checked already when the request had a body)."""
    checked = _checked_caller.get()
    if checked is not None and checked[0].site_id == site_id:
        return checked
    site = load(site_id)
    principal = caller(app, site_id, site)
    assert site is not None  # authenticate() refuses a missing site
    return site, principal


_request_base_url: ContextVar[str] = ContextVar("request_base_url", default="")


def base_url(app: APIGatewayHttpResolver) -> str:
    """The API's public base URL: configured, or the domain this request came to."""
    configured = get_settings().public_base_url
    url = configured or f"https://{app.current_event.request_context.domain_name}"
    _request_base_url.set(url)
    return url


def current_base_url() -> str:
    """The base URL for links made outside a handler's own answer (follow-up steps, the sweep)."""
    return _request_base_url.get() or get_settings().public_base_url
