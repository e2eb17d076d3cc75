"""The HTTP side every handler shares: one resolver factory, problem answers, caller checks.

Every error answer is an RFC 9457 problem document (`application/problem+json`) with a
stable `type`. The mapping from error to answer lives here and only here.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import ClientError

from shared.domain.errors import (
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    StorageBusy,
    UnsupportedMediaType,
    VclinksError,
)

logger = Logger(service="vclinks")

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 64 * 1024
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


FORM_ROUTES = frozenset({"POST /v1/oauth/zoom/confirm"})
"""Routes a browser's HTML form posts to (application/x-www-form-urlencoded); every other takes JSON."""


def _refuse_body(event: dict[str, Any]) -> VclinksError | None:
    """Oversized and non-JSON bodies are refused before anything parses them (413, 415)."""
    body = event.get("body")
    if not body:
        return None
    limit = MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1)
    if len(body) > limit:
        return PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded" and event.get("routeKey") in FORM_ROUTES:
        return None
    if content_type not in ("application/json", "application/merge-patch+json", ""):
        return UnsupportedMediaType("Send the request body as application/json.")
    return None


THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
    }
)


def handle(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every function's entry: refuse unreadable bodies, then let the resolver route the event."""
    refused = _refuse_body(event)
    if refused is not None:
        logger.info("request refused", extra={"problem": refused.slug, "status": refused.status})
        path = (event.get("requestContext") or {}).get("http", {}).get("path")
        headers = {"Content-Type": PROBLEM_JSON, "Cache-Control": "no-store"}
        return {"statusCode": refused.status, "headers": headers, "body": json.dumps(refused.problem(path))}
    return app.resolve(event, context)


def make_app() -> APIGatewayHttpResolver:
    """A resolver with validation, the body checks and the problem answers of this API."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(VclinksError)
    def handle_domain_error(error: VclinksError) -> Response[str]:
        log = logger.exception if error.status >= 500 else logger.info
        log("request refused", extra={"problem": error.slug, "status": error.status})
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
        code = error.response.get("Error", {}).get("Code", "")
        if code in THROTTLING:
            logger.warning("AWS throttled the request after retries", extra={"aws_code": code})
            return problem_response(StorageBusy("The data store is busy; retry in a few seconds."))
        logger.exception("unexpected AWS error", extra={"aws_code": code})
        return problem_response(VclinksError("An unexpected error occurred; it has been logged."))

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return problem_response(VclinksError("An unexpected error occurred; it has been logged."))

    return app
