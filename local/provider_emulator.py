"""What the Google and Microsoft emulators share: serving with werkzeug on 127.0.0.1 (threaded,
in memory, one lock), faults on demand, call counters, PKCE, and the `/_emulator/...` control
API's common verbs (calls, faults, reset). The Zoom emulator (local/zoom_emulator.py) keeps its
own copy of the same ideas."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Fault:
    """Make the next `times` matching calls fail: answer `status` (with `retry_after` seconds if
    set), after `delay_seconds`; or, with `drop`, carry the call out and then lose the answer."""

    method: str
    path_regex: str
    status: int = 500
    times: int = 1
    delay_seconds: float = 0.0
    drop: bool = False
    retry_after: int | None = None


class EmulatorError(Exception):
    """An answer in the provider's own error shape, raised from a route."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}


class ProviderEmulator:
    """Subclasses list their routes (endpoint `x` is served by method `_x`), say how an
    injected fault looks in their error shape, and build their state in `reset`."""

    name = "emulator"

    def __init__(self, routes: list[Rule], clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.base_url = ""
        self._lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        common = [
            Rule("/_emulator/calls", endpoint="control_calls", methods=["GET"]),
            Rule("/_emulator/faults", endpoint="control_faults", methods=["POST", "DELETE"]),
            Rule("/_emulator/reset", endpoint="control_reset", methods=["POST"]),
        ]
        self._routes = Map([*routes, *common])
        self.reset()

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.counters: Counter[str] = Counter()
            self.faults: list[Fault] = []

    def count(self, name: str) -> None:
        self.counters[name] += 1

    def calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def add_fault(self, method: str, path_regex: str, **options: Any) -> None:
        with self._lock:
            self.faults.append(Fault(method.upper(), path_regex, **options))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def fault_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"code": status, "message": message}}

    # -- serving ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.wsgi_app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )  # a short poll: stop() returns at once
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except NotFound:
            return json_answer(404, self.fault_body(404, "Not found."))
        except HTTPException as error:
            return json_answer(error.code or 405, self.fault_body(error.code or 405, str(error.description)))
        fault = None if str(endpoint).startswith("control_") else self._take_fault(request)
        if fault is not None and not fault.drop:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.status:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return json_answer(fault.status, self.fault_body(fault.status, "Injected fault."), headers)
        try:
            response: Response = getattr(self, f"_{endpoint}")(request, **args)
        except EmulatorError as error:
            response = json_answer(error.status, error.body, error.headers)
        if fault is not None and fault.drop:
            return json_answer(502, self.fault_body(502, "Injected fault: the answer was lost."))
        return response

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method in (request.method, "*") and re.search(fault.path_regex, request.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # -- control API -----------------------------------------------------------------------

    def _control_calls(self, request: Request) -> Response:
        return json_answer(200, self.calls())

    def _control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.clear_faults()
        else:
            self.add_fault(**json_body(request, self.fault_body))
        return json_answer(200, {"faults": len(self.faults)})

    def _control_reset(self, request: Request) -> Response:
        self.reset()
        return json_answer(200, {"status": "reset"})


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    """RFC 7636 4.6: S256 compares BASE64URL(SHA256(verifier)); plain compares the strings."""
    if method == "plain":
        return bool(verifier) and hmac.compare_digest(verifier, challenge)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return bool(verifier) and hmac.compare_digest(digest, challenge)


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    answer = Response(json.dumps(body), status, content_type="application/json; charset=UTF-8")
    for key, value in (headers or {}).items():
        answer.headers[key] = value
    return answer


def redirect(url: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in url else "?"
    return Response(status=302, headers={"Location": f"{url}{separator}{urlencode(params)}"})


def html(status: int, body: str, title: str) -> Response:
    head = f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    page = f"{head}<body>{body}</body></html>"
    return Response(page, status, content_type="text/html; charset=utf-8")


def json_body(request: Request, error_body: Callable[[int, str], dict[str, Any]]) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except json.JSONDecodeError as error:
        raise EmulatorError(400, error_body(400, "The request body is not valid JSON.")) from error
    if not isinstance(data, dict):
        raise EmulatorError(400, error_body(400, "The request body must be a JSON object."))
    return data
