"""The Zoom Meeting API's own OpenAPI document (the subset in tests/contract/fixtures), read as
data: its operations, its schemas as JSON Schema, values built from its examples. Shared by the
client's and the emulator's contract tests (test modules never import each other)."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jsonschema

from tests.support.stack import ROOT

SUBSET_PATH = ROOT / "tests" / "contract" / "fixtures" / "zoom_meeting_api_subset.json"
SUBSET: dict[str, Any] = json.loads(SUBSET_PATH.read_text())

API_BASE = SUBSET["servers"][0]["url"]  # https://api.zoom.us/v2

# -- OpenAPI 3.0 schemas as JSON Schema ------------------------------------------------------

FORMATS = jsonschema.FormatChecker(formats=())
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises on 2024-13-40
    return True


@FORMATS.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or bool(EMAIL.match(value))


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


def json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 schema object -> JSON Schema draft 4 (`nullable` is the only rewrite needed;
    `example`, `x-*` and the like are annotations draft 4 ignores)."""
    if isinstance(schema, list):
        return [json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def violations(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(json_schema(schema), format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message} (rule {e.validator!r})"
        for e in validator.iter_errors(instance)
    ]


def build_instance(schema: dict[str, Any]) -> Any:
    """A value for `schema` from the spec's own examples; where there is none, a minimal valid one."""
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            rest = {k: v for k, v in schema.items() if k != combinator}
            return build_instance({**rest, **schema[combinator][0]})
    kind = schema.get("type")
    if "example" in schema and kind != "object":
        return copy.deepcopy(schema["example"])
    if kind == "object" or "properties" in schema:
        return {name: build_instance(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [build_instance(schema.get("items", {}))]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    return {"string": "x", "integer": 1, "number": 1, "boolean": False}.get(kind or "string", "x")


def json_body_schema(container: dict[str, Any] | None) -> dict[str, Any] | None:
    content = (container or {}).get("content", {})
    media = content.get("application/json")
    return media["schema"] if media else None


# -- Zoom, played from its spec --------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]
    pattern: re.Pattern[str]

    @property
    def id(self) -> str:
        return str(self.spec["operationId"])

    @property
    def success(self) -> tuple[int, dict[str, Any]]:
        code = min(c for c in self.spec["responses"] if c.startswith("2"))
        return int(code), self.spec["responses"][code]


def _operations() -> list[Operation]:
    ops = []
    for template, item in SUBSET["paths"].items():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, spec in item.items():
            ops.append(Operation(method.upper(), template, spec, re.compile(f"^{regex}$")))
    # literal segments win over parameters (e.g. .../registrants/status)
    return sorted(ops, key=lambda op: op.template.count("{"))


OPERATIONS = _operations()
