"""CORS per site (issue 12, browsers): a booking front-end on its own origin calls the routes of
scoped tokens, and only those, and only from the origins the site allows. Through the local
gateway (routes from template.yaml) and the real handlers on moto."""

from __future__ import annotations

from typing import Any

import pytest

from shared.http.cors import CORS_ROUTES
from tests.support.api import Api, SiteHandle
from tests.support.links import book, set_default, setup_session, staff_token

APP = "https://app.studio.test"
OTHER = "https://evil.example"


@pytest.fixture
def shop(site: SiteHandle) -> SiteHandle:
    """A site whose booking front-end at APP may call the scoped-token routes."""
    answer = site.api.patch(f"{site.base}/settings", {"allowed_origins": [APP]})
    assert answer.status == 200, answer.text
    return site


def preflight(api: Api, path: str, origin: str, method: str, headers: str = "authorization") -> Any:
    return api.call(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def concrete(path: str, site_id: str) -> str:
    return path.format(site=site_id, session="s1", staff="anna")


def test_allowed_origins_are_a_setting_kept_exact() -> None:
    from shared.http.account_models import SettingsPatch

    patch = SettingsPatch(allowed_origins=["https://App.Studio.test:443/", "http://localhost:5173", APP])
    assert patch.allowed_origins == [APP, "http://localhost:5173"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.studio.test/booking",
        "https://*.studio.test",
        "null",
        "ftp://app.studio.test",
        "https://app.studio.test?x=1",
        "https://user@app.studio.test",
        "https://app.studio.test:99999",
        "app.studio.test",
    ],
)
def test_an_origin_that_is_not_exact_is_refused(site: SiteHandle, origin: str) -> None:
    answer = site.api.patch(f"{site.base}/settings", {"allowed_origins": [origin]})
    assert answer.status == 400, answer.text
    assert site.api.get(f"{site.base}/settings").json["allowed_origins"] == []


def test_the_list_is_read_back_replaced_and_bounded(site: SiteHandle) -> None:
    assert site.api.patch(f"{site.base}/settings", {"allowed_origins": [APP, APP]}).json[
        "allowed_origins"
    ] == [APP]
    assert site.api.get(f"{site.base}/settings").json["allowed_origins"] == [APP]
    assert site.api.patch(f"{site.base}/settings", {"allowed_origins": []}).json["allowed_origins"] == []
    many = [f"https://shop{n}.studio.test" for n in range(21)]
    assert site.api.patch(f"{site.base}/settings", {"allowed_origins": many}).status == 400
    assert site.api.patch(f"{site.base}/settings", {"allowed_origins": None}).status == 400


@pytest.mark.parametrize(
    ("path", "method"),
    [(path, method) for path, methods in CORS_ROUTES.items() for method in sorted(methods)],
)
def test_a_preflight_from_an_allowed_origin_is_answered(
    shop: SiteHandle, anonymous: Api, path: str, method: str
) -> None:
    answer = preflight(anonymous, concrete(path, shop.site_id), APP, method, "authorization,content-type")
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert answer.headers["Access-Control-Allow-Methods"] == ", ".join(sorted(CORS_ROUTES[path]))
    assert answer.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert answer.headers["Access-Control-Max-Age"] == "600"
    assert answer.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in answer.headers


@pytest.mark.parametrize("path", sorted(CORS_ROUTES))
def test_a_preflight_is_refused_alike_for_another_origin_an_unknown_site_or_another_method(
    shop: SiteHandle, anonymous: Api, path: str
) -> None:
    method = sorted(CORS_ROUTES[path])[0]
    refusals = [
        preflight(anonymous, concrete(path, shop.site_id), OTHER, method),
        preflight(anonymous, concrete(path, "no-such-site"), APP, method),
        preflight(anonymous, concrete(path, shop.site_id), APP, "PATCH"),
        preflight(anonymous, concrete(path, shop.site_id), APP, method, "authorization,x-forwarded-for"),
        anonymous.call("OPTIONS", concrete(path, shop.site_id), headers={"Origin": APP}),
    ]
    for answer in refusals:
        assert answer.status == 403, answer.text
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert answer.json["type"] == "https://vclinks.dev/problems/cors-refused"
    assert refusals[0].json["detail"] == refusals[1].json["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sites/{site}/settings",
        "/v1/sites/{site}/tokens",
        "/v1/sites/{site}/vc-account",
        "/v1/sites/{site}/sessions/s1",
        "/v1/sites/{site}/services/svc",
        "/v1/sites/{site}/sessions/s1/bookings/b1",
        "/v1/sites/{site}/reports/online-meetings",
        "/v1/j/anything",
    ],
)
def test_no_other_route_answers_a_preflight(shop: SiteHandle, anonymous: Api, path: str) -> None:
    answer = preflight(anonymous, path.format(site=shop.site_id), APP, "GET")
    assert answer.status == 404  # API Gateway: no OPTIONS route there
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_answers_carry_the_origin_only_when_the_site_allows_it(shop: SiteHandle) -> None:
    set_default(shop)
    setup_session(shop)
    book(shop)
    anna = shop.api.as_(staff_token(shop))
    link = f"{shop.base}/sessions/s1/link"

    allowed = anna.get(link, query={"audience": "staff"}, headers={"Origin": APP})
    other = anna.get(link, query={"audience": "staff"}, headers={"Origin": OTHER})
    refused = shop.api.as_("vcs_not.valid").get(link, query={"audience": "staff"}, headers={"Origin": APP})
    edited = anna.put(link, {"url": "https://meet.example/anna"}, headers={"Origin": APP})
    account = anna.get(f"{shop.base}/staff/anna/vc-account", headers={"Origin": APP})

    for answer in (allowed, edited, account):
        assert answer.status == 200, answer.text
        assert answer.headers["Access-Control-Allow-Origin"] == APP
        assert answer.headers["Vary"] == "Origin"
    assert refused.status == 401  # a front-end can read why, and mint a new token
    assert refused.headers["Access-Control-Allow-Origin"] == APP
    assert other.status == 200  # the server answers; the browser will not let the page read it
    assert "Access-Control-Allow-Origin" not in other.headers


def test_admin_routes_never_carry_cors_headers(shop: SiteHandle) -> None:
    settings = shop.api.get(f"{shop.base}/settings", headers={"Origin": APP})
    token = shop.api.post(
        f"{shop.base}/tokens", {"role": "staff", "staff_id": "anna"}, headers={"Origin": APP}
    )
    assert (settings.status, token.status) == (200, 201)
    for answer in (settings, token):
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Vary" not in answer.headers


def test_a_cross_origin_link_read_costs_no_more_reads(shop: SiteHandle, worker_switch: Any) -> None:
    """The link route reads the site inside its own batch and hands it to the CORS answer: a
    browser's call (with Origin) costs the same one round trip as a server's (a warm Lambda that
    read the session before)."""
    from local.aws import count_aws_calls

    set_default(shop)
    setup_session(shop)
    book(shop)
    anna = shop.api.as_(staff_token(shop))
    link = f"{shop.base}/sessions/s1/link"
    anna.get(link, query={"audience": "staff"})  # warm
    with count_aws_calls() as calls, worker_switch.paused():
        assert anna.get(link, query={"audience": "staff"}).status == 200
    assert dict(calls) == {"dynamodb.BatchGetItem": 1}
    with count_aws_calls() as calls, worker_switch.paused():
        answer = anna.get(link, query={"audience": "staff"}, headers={"Origin": APP})
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert dict(calls) == {"dynamodb.BatchGetItem": 1}
