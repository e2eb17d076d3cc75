"""How the emulator answers: Zoom's JSON error shape, redirects, request bodies, times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response


class ZoomError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def zoom_json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status, content_type="application/json;charset=UTF-8")


def redirect(url: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in url else "?"
    return Response(status=302, headers={"Location": f"{url}{separator}{urlencode(params)}"})


def json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except json.JSONDecodeError as error:
        raise ZoomError(400, 300, "Request body must be JSON.") from error
    if not isinstance(data, dict):
        raise ZoomError(400, 300, "Request body must be a JSON object.")
    return data
