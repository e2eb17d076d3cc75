"""A local API Gateway (HTTP API, payload 2.0) in front of the real handlers, as a WSGI app.

Routes come from template.yaml (`local.template.http_routes`). A request becomes the
event API Gateway would send; the handler's answer becomes the HTTP response. Extra
local-only routes: `/swagger` (Swagger UI from Powertools' bundled files, no CDN),
`/openapi.json` (the committed document) and `/_local/connected` (a page to come back to
from the Zoom connect flow: a `return_to` that loads).

As in an HTTP API without a CorsConfiguration, an OPTIONS request is routed like any other
method: to the integration of a declared `OPTIONS` route, else `404 {"message":"Not Found"}`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). The
template declares no CorsConfiguration (a test keeps it so), so nothing else is emulated.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from local.template import ROOT, Route

MAX_PAYLOAD = 10 * 1024 * 1024
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/x-www-form-urlencoded",
    "application/xml",
)
SWAGGER_DIR = Path(
    importlib.import_module("aws_lambda_powertools.event_handler.openapi.swagger_ui").__file__ or ""
).parent
CONNECTED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vclinks (local)</title>
</head><body><h1>Back from Zoom</h1><p>The connect flow came back with:</p><ul>{items}</ul>
<p>This page stands in for your admin page: give your own as <code>return_to</code>.</p></body></html>"""
SWAGGER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vclinks API</title>
<link rel="stylesheet" href="/swagger/swagger-ui.min.css"></head>
<body><div id="swagger-ui"></div><script src="/swagger/swagger-ui-bundle.min.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script></body></html>"""


class LambdaContext:
    """The parts of the Lambda context object the handlers (and Powertools) read."""

    def __init__(self, function_name: str, timeout_seconds: float = 15.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:000000000000:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _is_text(content_type: str) -> bool:
    return not content_type or content_type.startswith(TEXT_TYPES)


def build_event(
    route: Route, request: Request, path_parameters: dict[str, str], body: bytes
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway builds for `request`."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookies = [f"{k}={v}" for k, v in request.cookies.items()]
    query: dict[str, str] = {}
    raw_query = request.query_string.decode()
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = headers.get("content-type", "")
    is_base64 = bool(body) and not _is_text(content_type)
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = (
            base64.b64encode(body).decode() if is_base64 else body.decode("utf-8", errors="replace")
        )
    return event


def to_response(result: Any) -> Response:
    """The HTTP response API Gateway makes of a handler's answer (payload 2.0 rules)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return Response(json.dumps(result), 200, content_type="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, int(result["statusCode"]))
    response.headers.clear()
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


def _json(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status, content_type="application/json")


class _PerThread:
    """A data descriptor with one value per thread."""

    def __init__(self, name: str, values: threading.local) -> None:
        self.name = name
        self.values = values

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        try:
            return self.values.value
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        self.values.value = value


def one_event_per_thread() -> None:
    """Powertools' resolvers keep the event being routed in class attributes (`resolve` sets
    `BaseRouter.current_event` and `BaseRouter.lambda_context`): one per process. In Lambda a
    process serves one request at a time; the local stack serves requests in threads of one
    process, where a request read another's cookies, body and headers (the concurrency races
    saw the OAuth callback take one browser's state with another browser's cookie). Here those
    two attributes hold one value per thread, for the class and its instances alike."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    names = ("current_event", "lambda_context")
    if all(isinstance(vars(BaseRouter).get(name), _PerThread) for name in names):
        return
    stores = {name: threading.local() for name in names}
    for name in names:
        setattr(BaseRouter, name, _PerThread(name, stores[name]))  # what an instance reads
    meta = type(BaseRouter)  # and `BaseRouter.current_event = ...`, through its metaclass:
    per_thread = {name: _PerThread(name, stores[name]) for name in names}
    BaseRouter.__class__ = type(f"PerThread{meta.__name__}", (meta,), per_thread)  # type: ignore[method-assign]


class Gateway:
    """WSGI app: match a route like an HTTP API, invoke its handler in-process."""

    def __init__(
        self,
        routes: Iterable[Route],
        before_invoke: Callable[[Route], None] | None = None,
        openapi_file: Path = ROOT / "openapi.json",
        after_invoke: Callable[[Route], None] | None = None,
    ) -> None:
        self.routes = list(routes)
        self.before_invoke = before_invoke
        self.after_invoke = after_invoke  # the tests' worker: done right after each request
        self.openapi_file = openapi_file
        self._idle: dict[str, list[Callable[..., Any]]] = {}
        self._made: set[str] = set()
        self._lock = threading.Lock()
        one_event_per_thread()

    def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        """Run the route's handler in an idle execution environment, as Lambda does: one request at a
        time in each, a new one when all are busy. Module state is per environment in AWS, and
        Powertools' resolver keeps the request being routed in `app.context`: one resolver for
        two requests at once lets one clear the other's (a 500 no deployment can give)."""
        with self._lock:
            idle = self._idle.setdefault(route.module, [])
            handler = idle.pop() if idle else None
        if handler is None:
            handler = self.handler(route)
        try:
            return handler(event, LambdaContext(route.function))
        finally:
            with self._lock:
                self._idle[route.module].append(handler)

    def handler(self, route: Route) -> Callable[..., Any]:
        """A new execution environment's handler: the imported module first, then a fresh copy of it."""
        with self._lock:
            first = route.module not in self._made
            self._made.add(route.module)
        if first:
            return getattr(importlib.import_module(route.module), route.handler)
        spec = importlib.util.find_spec(route.module)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, route.handler)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        local = self._local_route(request)
        if local is not None:
            return local
        matched = self.match(request.method, request.path)
        if matched is None:
            return _json(404, "Not Found")
        if (request.content_length or 0) > MAX_PAYLOAD:
            return _json(413, "Request Entity Too Large")
        body = request.get_data(cache=False)
        if len(body) > MAX_PAYLOAD:
            return _json(413, "Request Entity Too Large")
        route, parameters = matched
        event = build_event(route, request, parameters, body)
        try:
            if self.before_invoke:
                self.before_invoke(route)
            result = self.invoke(route, event)
            if self.after_invoke:
                self.after_invoke(route)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return _json(500, "Internal Server Error")
        return to_response(result)

    def _local_route(self, request: Request) -> Response | None:
        if request.method != "GET":
            return None
        if request.path in ("/swagger", "/swagger/"):
            return Response(SWAGGER_PAGE, 200, content_type="text/html; charset=utf-8")
        if request.path.startswith("/swagger/"):
            name = request.path.removeprefix("/swagger/")
            if name in ("swagger-ui-bundle.min.js", "swagger-ui.min.css"):
                kind = "text/javascript" if name.endswith(".js") else "text/css"
                return Response((SWAGGER_DIR / name).read_bytes(), 200, content_type=kind)
            return _json(404, "Not Found")
        if request.path == "/_local/connected":
            items = "".join(
                f"<li><code>{escape(name)}</code> = <code>{escape(value)}</code></li>"
                for name, value in request.args.items(multi=True)
            )
            return Response(CONNECTED_PAGE.format(items=items), 200, content_type="text/html; charset=utf-8")
        if request.path == "/openapi.json":
            if not self.openapi_file.exists():
                return _json(404, "Not Found")
            return Response(self.openapi_file.read_bytes(), 200, content_type="application/json")
        return None
