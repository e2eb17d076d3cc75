"""The OpenAPI document of the whole API, generated from the five functions' resolvers.

python -m local.openapi --write    # regenerate openapi.json
python -m local.openapi --check    # exit 1 if openapi.json differs from the code
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from shared.http.api import API_TITLE, API_VERSION

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_FILE = ROOT / "openapi.json"
FUNCTIONS = ("accounts", "oauth_callback", "resolve_link", "send_confirmation", "session_hooks")
DESCRIPTION = (
    "Video-conference links for booking platforms. Site routes take the site's API key or a scoped token "
    "as `Authorization: Bearer ...`. Errors are RFC 9457 problem documents (`application/problem+json`)."
)


PROBLEM = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
ERRORS = {
    "400": "The request is not valid (bad JSON, wrong types, missing fields)",
    "401": "Missing or invalid credentials",
    "403": "Not allowed for this credential",
    "404": "No such site (for this credential), or no such record",
    "409": "Conflicts with the current state, or a required step comes first",
    "413": "The request body is too large",
    "415": "The request body must be JSON",
    "429": "This site's writes (or scoped tokens minted) this minute are over its limit; retry after "
    "the Retry-After header's seconds",
    "502": "The video provider (Zoom, Google, Microsoft) or the email service refused the request",
    "503": "The video provider is unavailable or not configured; try again later",
}
# Routes that call Zoom or SES while the caller waits (others leave that work pending).
UPSTREAM = ("/v1/oauth/", "/v1/zoom/", "/zoom/users", "/notifications")


def _problem_responses(path: str, method: str) -> dict[str, Any]:
    codes = ["400", "404"]
    if path.startswith("/v1/sites/"):
        codes += ["401", "403", "409"]
    if method in ("put", "post", "patch"):
        codes += ["413", "415"]
    if path.startswith("/v1/sites/") and method in ("put", "post", "patch", "delete"):
        codes.append("429")  # the per-site write limit (shared/services/limits.py)
    if path.startswith("/v1/oauth/"):
        codes += ["401", "409"]  # a connect ticket not valid or used; a state or confirmation used
    if path == "/v1/zoom/webhook":
        codes.append("401")  # a bad or stale signature
    if path == "/v1/google/risc":
        codes.append("503")  # Google's RISC keys could not be read: Google delivers the SET again
    if any(part in path for part in UPSTREAM):
        codes += ["502", "503"]
    return {
        code: {"description": ERRORS[code], "content": {"application/problem+json": {"schema": PROBLEM}}}
        for code in sorted(codes)
    }


def build() -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": API_TITLE, "version": API_VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    for name in FUNCTIONS:
        app = importlib.import_module(f"functions.{name}.app").app
        schema = app.get_openapi_schema(title=API_TITLE, version=API_VERSION).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        for path, operations in schema.get("paths", {}).items():
            target = merged["paths"].setdefault(path, {})
            for method, operation in operations.items():
                if path.startswith("/v1/sites/"):
                    operation["security"] = [{"bearer": []}]
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for code, answer in _problem_responses(path, method).items():
                    responses.setdefault(code, answer)
                target[method] = operation
        merged["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        merged["components"]["schemas"].pop(unused, None)
    merged["components"]["schemas"]["Problem"] = PROBLEM_SCHEMA
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__)
    mode = args.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    parsed = args.parse_args(argv)
    text = render()
    if parsed.write:
        OPENAPI_FILE.write_text(text)
        return 0
    if not OPENAPI_FILE.exists() or OPENAPI_FILE.read_text() != text:
        print("openapi.json differs from the code: run `make openapi`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
