"""The API's surface: template.yaml, the resolvers and openapi.json say the same thing."""

from __future__ import annotations

import importlib
import json
import re

from werkzeug.test import Client

from local.openapi import FUNCTIONS, OPENAPI_FILE, render
from local.template import Route, http_routes, load_template
from shared.http.cors import CORS_ROUTES


def _resolver_routes(function_dir: str) -> set[tuple[str, str]]:
    """The routes a function's resolver answers, read from its own OpenAPI schema."""
    app = importlib.import_module(f"functions.{function_dir}.app").app
    paths = app.get_openapi_schema().paths or {}
    methods = ("get", "put", "post", "patch", "delete")
    return {(m.upper(), p) for p, item in paths.items() for m in methods if getattr(item, m, None)}


def test_openapi_json_is_generated_from_the_code() -> None:
    """`make openapi` writes it; this fails when the code and the committed file differ."""
    assert OPENAPI_FILE.read_text() == render(), "openapi.json differs from the code: run `make openapi`"


def test_every_reference_of_openapi_json_resolves() -> None:
    """Generators (the TypeScript client's) refuse a document with a dangling $ref."""
    text = OPENAPI_FILE.read_text()
    schemas = json.loads(text)["components"]["schemas"]
    referenced = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text))
    assert referenced <= set(schemas), referenced - set(schemas)


def _api_routes() -> list[Route]:
    """The template's routes but the CORS preflights (answered by shared/http/cors.py, not documented)."""
    return [route for route in http_routes(load_template()) if route.method != "OPTIONS"]


def test_every_template_route_has_an_operation_and_every_operation_a_route() -> None:
    document = json.loads(OPENAPI_FILE.read_text())
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    in_template = {(r.method, r.path) for r in _api_routes()}
    assert documented == in_template


def test_the_preflight_routes_are_the_cors_routes_and_their_methods_exist() -> None:
    routes = http_routes(load_template())
    assert {r.path for r in routes if r.method == "OPTIONS"} == set(CORS_ROUTES)
    for path, methods in CORS_ROUTES.items():
        assert methods <= {r.method for r in routes if r.path == path}, path


def test_the_http_api_leaves_cors_to_the_functions() -> None:
    """With a CorsConfiguration API Gateway answers every preflight itself, with one static list
    of origins, and drops the functions' CORS headers; per-site origins need the functions to
    answer (shared/http/cors.py), and the local gateway emulates no CorsConfiguration."""
    api = load_template()["Resources"]["HttpApi"]["Properties"]
    assert "CorsConfiguration" not in api


def test_each_function_is_given_only_its_own_routes() -> None:
    """DESIGN.md: each function has only its own routes; the template and the resolvers agree."""
    by_function: dict[str, set[tuple[str, str]]] = {}
    for route in _api_routes():
        by_function.setdefault(route.module.split(".")[1], set()).add((route.method, route.path))
    assert set(by_function) == set(FUNCTIONS)
    for function_dir in FUNCTIONS:
        assert _resolver_routes(function_dir) == by_function[function_dir], function_dir


def test_swagger_ui_is_served_from_local_files(gateway_client: Client) -> None:
    page = gateway_client.get("/swagger")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert gateway_client.get(asset if asset.startswith("/") else f"/swagger/{asset}").status_code == 200
    spec = gateway_client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.get_json()["info"]["title"]
