"""The HTTP side every handler shares: one resolver factory, problem answers, caller checks.

Every error answer is an RFC 9457 problem document (`application/problem+json`) with a
stable `type`. The mapping from error to answer lives here and only here.

`handle` is every function's entry. Before the resolver sees the event it refuses bodies
no one should parse (413, 415) and, on a site's route with a body, checks the caller: a
request from someone without a valid credential is a 401 whatever its body holds, so the
API's validation never answers (nor spends work on) an unauthenticated caller; only then
is a body nested too deeply refused (400). The caller it checked is kept for the request
(the `caller` dependency of shared.http.dependencies takes it instead of reading the site
again). After the resolver,
every answer gets `X-Content-Type-Options: nosniff`, and HTML pages the headers of
`pages.PAGE_HEADERS`. CORS (`shared.http.cors`): `handle` answers the preflights of the
routes a scoped token may call, and adds `Access-Control-Allow-Origin` to their answers for
an origin the site allows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import ClientError

from shared.domain.auth import Principal, authenticate
from shared.domain.errors import InvalidInput, NotFound, RateLimited, StorageBusy, VclinksError
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
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
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


@dataclass
class RequestState:
    """What one invocation learnt before or while its route ran (the resolver's context carries
    it to the dependencies; `handle` reads it after): the site of the path once read (its
    allowed origins decide CORS) and the caller once checked."""

    site: Site | None = None
    site_read: bool = False
    checked: tuple[Site, Principal] | None = None

    def remember_site(self, site: Site) -> None:
        """A route that read the site itself (in a batch with other items) says so."""
        self.site, self.site_read = site, True

    def load_site(self, site_id: str) -> Site | None:
        if not self.site_read:
            from shared.bootstrap import container

            self.site = container().repo.get_site(site_id) if is_site_id(site_id) else None
            self.site_read = True  # an id no site can have: no read
        return self.site

    def check(self, site_id: str, authorization: str | None) -> tuple[Site, Principal]:
        if self.checked is not None and self.checked[0].site_id == site_id:
            return self.checked
        site = self.load_site(site_id)
        principal = authenticate(site, site_id, authorization)
        assert site is not None  # authenticate() refuses a missing site
        logger.append_keys(site_id=site_id, role=principal.role.value)
        self.checked = (site, principal)
        return self.checked


def _check_caller_first(event: dict[str, Any], state: RequestState) -> None:
    """On a site's route with a body: authenticate before anything parses the body."""
    site_id = (event.get("pathParameters") or {}).get("site")
    if not event.get("body") or site_id is None:
        return
    authorization = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("authorization")
    state.check(site_id, authorization)


WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})


def _charge_writes(event: dict[str, Any], state: RequestState) -> None:
    """A write or a token minted counts against its site's limit, once its caller is checked (an
    unknown caller spends nobody's share). Reads, the link-resolve path among them, never count."""
    method, path = cors.route_of(event)
    site_id = (event.get("pathParameters") or {}).get("site")
    if method not in WRITE_METHODS or site_id is None:
        return
    authorization = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("authorization")
    state.check(site_id, authorization)
    from shared.bootstrap import container
    from shared.services.limits import charge_request

    root = container()
    charge_request(root.repo, root.settings, site_id, tokens=path.endswith("/tokens"))


def is_site_id(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None


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
    state = RequestState()
    if cors.route_of(event)[0] == "OPTIONS":
        return with_security_headers(_preflight(event, state))
    try:
        refused = refuse_unreadable(event)
        if refused is None:
            _check_caller_first(event, state)
            refused = refuse_too_deep(event)
            if refused is None:
                _charge_writes(event, state)
    except VclinksError as error:
        refused = error
    except ClientError as error:
        refused = _aws_problem(error)
    except Exception:
        logger.exception("unexpected error")
        refused = VclinksError("An unexpected error occurred; it has been logged.")
    if refused is not None:
        answer = _early_answer(refused, event)
    else:
        app.append_context(request_state=state)
        answer = app.resolve(event, context)
    return with_security_headers(_with_cors(answer, event, state))


def _site_of_path(event: dict[str, Any], state: RequestState) -> Site | None:
    site_id = (event.get("pathParameters") or {}).get("site")
    return state.load_site(site_id) if site_id is not None else None


def _preflight(event: dict[str, Any], state: RequestState) -> dict[str, Any]:
    try:
        return cors.answer_preflight(event, _site_of_path(event, state))
    except VclinksError as error:
        return _early_answer(error, event)
    except ClientError as error:
        return _early_answer(_aws_problem(error), event)


def _with_cors(answer: dict[str, Any], event: dict[str, Any], state: RequestState) -> dict[str, Any]:
    """`Access-Control-Allow-Origin` on a CORS route's answer for an origin the site allows."""
    origin = cors.request_origin(event)
    if origin is None:
        return answer
    headers = dict(answer.get("headers") or {})
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Origin" if vary and "origin" not in vary.lower() else vary or "Origin"
    try:
        site = _site_of_path(event, state)
    except ClientError:
        site = None  # the answer stands; only the browser will not read it
    if cors.is_allowed(origin, site):
        headers.update(cors.allow_origin(origin))
    return {**answer, "headers": headers}


def with_security_headers(answer: dict[str, Any]) -> dict[str, Any]:
    """nosniff on every answer; the page headers (CSP, no framing, no Referer) on HTML. A page that
    sets its own Content-Security-Policy (a form's page: form-action) keeps it."""
    headers = dict(answer.get("headers") or {})
    names = {name.lower(): name for name in headers}
    content_type = str(headers.get(names.get("content-type", ""), ""))
    added = PAGE_HEADERS if content_type.startswith("text/html") else {"X-Content-Type-Options": "nosniff"}
    for name, value in added.items():
        if name == "Content-Security-Policy" and name.lower() in names:
            continue
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
