"""Turning the providers' published descriptions into JSON Schema for the contract tests.

- Google discovery documents: `$ref` names a key under `schemas`; `readOnly: true` marks output
  only fields (a request carrying one is refused here); unknown field names are refused (Google's
  JSON parser answers 400 "Unknown name"); `required` is not in the format and comes from REQUIRED.
- Microsoft Graph OpenAPI 3.0: `allOf` inheritance is merged into one object (validating each
  branch alone would see the other branch's properties as "additional"), `nullable` becomes a
  null type, and OData control keys (`@odata.context`...) are allowed beside the entity's own.
  Graph's `additionalProperties: {type: object}` is kept: an unknown property whose value is not
  an object (a typo'd string field) is refused; except in InnerError, "service-specific" by its
  own description, whose real keys (`date`, `request-id`) are strings.
"""

from __future__ import annotations

from typing import Any

import jsonschema

# What Google's prose says is always there ("Output only" fields of a created space, the
# resource name). Hand-written: discovery documents carry no `required`.
REQUIRED: dict[str, list[str]] = {"Space": ["name", "meetingUri", "meetingCode"]}


def discovery_schema(doc: dict[str, Any], name: str, *, request: bool) -> dict[str, Any]:
    definitions = {key: _discovery(schema, request) for key, schema in doc["schemas"].items()}
    for key, fields in REQUIRED.items():
        if not request and key in definitions:
            definitions[key]["required"] = fields
    return {"$ref": f"#/definitions/{name}", "definitions": definitions}


def _discovery(schema: dict[str, Any], request: bool) -> dict[str, Any]:
    if "$ref" in schema:
        return {"$ref": f"#/definitions/{schema['$ref']}"}
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if kind in ("string", "boolean", "array", "object"):
        out["type"] = kind
    elif kind in ("integer", "number"):
        out["type"] = ["integer", "string"] if schema.get("format") in ("int64", "uint64") else kind
    if "enum" in schema:
        out["enum"] = schema["enum"]
    if kind == "array":
        out["items"] = _discovery(schema.get("items", {}), request)
    if kind == "object" or "properties" in schema:
        properties = {
            key: _discovery(sub, request)
            for key, sub in schema.get("properties", {}).items()
            if not (request and sub.get("readOnly"))
        }
        out["properties"] = properties
        if "additionalProperties" in schema:
            out["additionalProperties"] = _discovery(schema["additionalProperties"], request)
        else:
            out["additionalProperties"] = False
    return out


def openapi_schema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    definitions = {key: _openapi(sub, doc) for key, sub in doc["components"]["schemas"].items()}
    return {**_openapi(schema, doc), "definitions": definitions}


def _openapi(schema: Any, doc: dict[str, Any]) -> Any:
    if isinstance(schema, list):
        return [_openapi(s, doc) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return {"$ref": "#/definitions/" + schema["$ref"].rsplit("/", 1)[1]}
    if "allOf" in schema:
        return _merged(schema, doc)
    if "service-specific" in str(schema.get("description", "")):
        return {"type": "object"}  # ODataErrors.InnerError: its real keys (date, request-id) are strings
    out = {
        k: _openapi(v, doc)
        for k, v in schema.items()
        if k not in ("nullable", "example") and not k.startswith("x-")
    }
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if schema.get("nullable") and "enum" in out:
        out["enum"] = [*out["enum"], None]
    if "properties" in out:
        out["patternProperties"] = {r"^@odata\.": {}}
    return out


def _merged(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """allOf [base, own] -> one object with both property sets (OpenAPI inheritance)."""
    properties: dict[str, Any] = {}
    additional: Any = True
    for part in schema["allOf"]:
        if "$ref" in part:
            part = doc["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
        flat = _merged(part, doc) if "allOf" in part else _openapi(part, doc)
        properties.update(flat.get("properties", {}))
        additional = flat.get("additionalProperties", additional)
    return {
        "type": "object",
        "properties": properties,
        "patternProperties": {r"^@odata\.": {}},
        "additionalProperties": additional,
    }


def violations(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=str)
    ]


# google.rpc.Status as AIP-193 describes it (hand-written: not part of any discovery document).
GOOGLE_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "status": {"type": "string", "pattern": "^[A-Z_]+$"},
                "details": {"type": "array", "items": {"type": "object", "required": ["@type"]}},
            },
        }
    },
}
