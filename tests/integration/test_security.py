"""Every site route, with a valid request (its sample event), refuses: no credential (401),
a wrong key (401), another site's key (404, as if the site did not exist), and a client
token acting as an admin (403). Nothing is written by a refused request."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from events import generate
from tests.support.events import invoke, route_of

SITE_SAMPLES = [
    relative
    for relative in sorted(generate.existing_samples())
    if json.loads((generate.EVENTS_DIR / relative).read_text()).get("rawPath", "").startswith("/v1/sites/")
    and not relative.name.startswith("options-")  # CORS preflights carry no credential: see below
]
WRONG_KEY = f"vcl_{generate.SITE}.this-is-not-the-key-of-this-site-at-all"


def _call(relative: Path, authorization: str | None) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(json.loads((generate.EVENTS_DIR / relative).read_text()))
    event["headers"].pop("authorization", None)
    if authorization is not None:
        event["headers"]["authorization"] = authorization
    route = route_of(event, relative.parent.name)
    assert route is not None
    result = invoke(route.function, route.module, route.handler, event)
    return int(result["statusCode"]), json.loads(result.get("body") or "{}")


def _snapshot() -> list[dict[str, Any]]:
    import boto3

    from shared.bootstrap import container

    client, settings = boto3.client("dynamodb"), container().settings
    items = []
    for table in (settings.accounts_table, settings.session_links_table):
        items += client.scan(TableName=table)["Items"]
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))


def test_there_are_site_routes_to_check() -> None:
    """Every site route has a sample event, so the table below grows with each new route (38 with
    the site's own life and webhook routes of issue 12); this floor keeps it from shrinking."""
    assert len(SITE_SAMPLES) >= 38
    routes = {json.loads((generate.EVENTS_DIR / r).read_text())["routeKey"] for r in SITE_SAMPLES}
    assert {
        "POST /v1/sites/{site}/api-keys/rotate",
        "POST /v1/sites/{site}/api-keys/retire",
        "POST /v1/sites/{site}/token-secret/rotate",
        "GET /v1/sites/{site}/export",
        "DELETE /v1/sites/{site}",
        "PUT /v1/sites/{site}/webhook",
        "GET /v1/sites/{site}/webhook",
        "DELETE /v1/sites/{site}/webhook",
        "GET /v1/sites/{site}/webhook/deliveries",
    } <= routes


@pytest.mark.parametrize("relative", SITE_SAMPLES, ids=str)
def test_every_site_route_refuses_wrong_credentials(relative: Path, demo_world: None) -> None:
    from shared.bootstrap import container
    from shared.services.sites import create_site

    _, other_key = create_site(container().repo, "Another Studio")
    before = _snapshot()
    for authorization, expected in (
        (None, 401),
        ("Bearer ", 401),
        (f"Bearer {WRONG_KEY}", 401),
        (f"Basic {generate.API_KEY}", 401),
        (f"Bearer {other_key}", 404),
    ):
        status, body = _call(relative, authorization)
        assert status == expected, f"{relative} with {authorization!r}: {status} {body}"
        assert body["status"] == expected
        assert "meet.google.com" not in json.dumps(body)
    assert _snapshot() == before  # nothing written by any refused request


@pytest.mark.parametrize("relative", SITE_SAMPLES, ids=str)
def test_a_client_token_cannot_act_as_the_admin(relative: Path, demo_world: None) -> None:
    from shared.bootstrap import container
    from shared.domain.auth import Role
    from shared.services.sites import issue_token

    store = container().repo
    site = store.get_site(generate.SITE)
    assert site is not None
    token, _ = issue_token(
        store, site, Role.CLIENT, 900, session_id=generate.SESSION, booking_id=generate.BOOKING
    )
    status, _ = _call(relative, f"Bearer {token}")
    event = json.loads((generate.EVENTS_DIR / relative).read_text())
    own_link = event["routeKey"] == "GET /v1/sites/{site}/sessions/{session}/link"
    assert status == (200 if own_link else 403), f"{relative}: {status}"


# -- hardening: what an attacker sends is a 4xx, never a 500 --------------------------------

FAR = 4_000_000_000
YEAR_1 = json.dumps(
    {"service_id": "yoga", "start": "0001-01-01T00:00:00+14:00", "end": "0001-01-01T01:00+14:00"}
)
YEAR_9999 = json.dumps(
    {"service_id": "yoga", "start": "9999-12-31T20:00-14:00", "end": "9999-12-31T21:00-14:00"}
)


def _sample(relative: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((generate.EVENTS_DIR / relative).read_text()))


def _send(event: dict[str, Any], folder: str) -> tuple[int, dict[str, str], str]:
    route = route_of(event, folder)
    assert route is not None
    result = invoke(route.function, route.module, route.handler, event)
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return int(result["statusCode"]), headers, result.get("body") or ""


def _on_site(event: dict[str, Any], site_id: str) -> dict[str, Any]:
    """The same request on another site's path."""
    for holder, key in ((event, "rawPath"), (event["requestContext"]["http"], "path")):
        holder[key] = holder[key].replace(f"/sites/{generate.SITE}/", f"/sites/{site_id}/")
    event["pathParameters"]["site"] = site_id
    return event


def _token_of(site_id: str, signature: str) -> str:
    from shared.domain.auth import _b64

    claims = json.dumps({"s": site_id, "r": "admin", "e": FAR}, separators=(",", ":"))
    return f"vcs_{_b64(claims.encode())}.{signature}"


def _legacy_join_token(secret: str) -> str:
    ids = "\x1f".join((generate.SITE, generate.SESSION, generate.BOOKING)).encode()
    return f"{base64.urlsafe_b64encode(ids).rstrip(b'=').decode()}.{secret}"


def _with_header(relative: str, name: str, value: str) -> dict[str, Any]:
    event = _sample(relative)
    event["headers"][name] = value
    return event


def _with_path_token(relative: str, token: str) -> dict[str, Any]:
    event = _sample(relative)
    old = event["pathParameters"]["token"]
    event["pathParameters"]["token"] = token
    event["rawPath"] = event["requestContext"]["http"]["path"] = event["rawPath"].replace(old, token)
    return event


def _with_query(relative: str, **params: str) -> dict[str, Any]:
    event = _sample(relative)
    event["queryStringParameters"] = params
    event["rawQueryString"] = urlencode(params)
    return event


def _webhook(**headers: str) -> dict[str, Any]:
    event = _sample("oauth_callback/post-zoom-webhook.json")
    event["headers"].update(headers)
    return event


NON_ASCII = [
    pytest.param(
        lambda: _with_header(
            "accounts/get-sites-site-settings.json", "authorization", f"Bearer vcl_{generate.SITE}.clé-é"
        ),
        401,
        id="api-key",
    ),
    pytest.param(
        lambda: _with_header(
            "accounts/get-sites-site-settings.json",
            "authorization",
            f"Bearer {_token_of(generate.SITE, 'é')}",
        ),
        401,
        id="scoped-token",
    ),
    pytest.param(
        lambda: _with_path_token("resolve_link/get-j-token.json", _legacy_join_token("sécret")),
        404,
        id="join-token",
    ),
    pytest.param(
        lambda: _with_path_token("oauth_callback/get-zoom-host-token.json", _legacy_join_token("sécret")),
        404,
        id="host-link-token",
    ),
    pytest.param(
        lambda: _with_query("oauth_callback/get-oauth-zoom-callback.json", state="nonce.é", code="c"),
        400,
        id="oauth-state",
    ),
    pytest.param(
        lambda: _webhook(**{"x-zm-request-timestamp": str(int(time.time())), "x-zm-signature": "v0=é"}),
        401,
        id="webhook-signature",
    ),
    pytest.param(
        lambda: _webhook(**{"x-zm-request-timestamp": "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰"}),  # superscripts: isdigit(), not int()
        401,
        id="webhook-timestamp",
    ),
]


@pytest.mark.parametrize(("make_event", "expected"), NON_ASCII)
def test_a_non_ascii_credential_is_refused_never_a_500(
    make_event: Any,
    expected: int,
    demo_world: None,
) -> None:
    event = make_event()
    assert _send(event, _folder_of(event))[0] == expected


def _folder_of(event: dict[str, Any]) -> str:
    return next(
        relative.parent.name
        for relative in generate.existing_samples()
        if json.loads((generate.EVENTS_DIR / relative).read_text()).get("routeKey") == event.get("routeKey")
    )


@pytest.mark.parametrize("relative", SITE_SAMPLES, ids=str)
def test_an_unknown_site_and_a_wrong_key_are_the_same_401(relative: Path, demo_world: None) -> None:
    """Trying keys tells nobody which sites exist; another site's real key stays 404 (W02, above)."""
    for site_id, credential in (
        (generate.SITE, f"vcl_{generate.SITE}.wrong"),
        ("no-such-site", "vcl_no-such-site.wrong"),
        (generate.SITE, _token_of(generate.SITE, "wrong")),
        ("no-such-site", _token_of("no-such-site", "wrong")),
    ):
        event = _on_site(_sample(str(relative)), site_id)
        event["headers"]["authorization"] = f"Bearer {credential}"
        status, _, body = _send(event, relative.parent.name)
        problem = json.loads(body)
        assert (status, problem["title"]) == (401, "Missing or invalid credentials"), (relative, site_id)
        kind = "key" if credential.startswith("vcl_") else "token"
        expected = {
            "key": "The API key is not valid for this site.",
            "token": "The token's signature is not valid.",
        }[kind]
        assert problem["detail"] == expected


BODY_SAMPLES = [relative for relative in SITE_SAMPLES if _sample(str(relative)).get("body")]


def test_there_are_site_routes_with_a_body() -> None:
    assert len(BODY_SAMPLES) >= 10


@pytest.mark.parametrize("relative", BODY_SAMPLES, ids=str)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"not": "this route\'s schema"}', id="wrong-schema"),
        pytest.param("{not json", id="not-json"),
        pytest.param("[" * 30_000, id="30000-brackets"),
        pytest.param(
            YEAR_1,
            id="year-1",
        ),
    ],
)
def test_authentication_comes_before_the_body_is_read(
    relative: Path,
    body: str,
    demo_world: None,
) -> None:
    """A bad body from an unauthenticated caller is a 401, not a 400 that tells the schema."""
    for authorization in (None, f"Bearer vcl_{generate.SITE}.wrong"):
        event = _sample(str(relative))
        event["body"] = body
        event["headers"].pop("authorization", None)
        if authorization:
            event["headers"]["authorization"] = authorization
        status, _, answer = _send(event, relative.parent.name)
        assert status == 401, (relative, authorization, answer[:300])
        assert json.loads(answer)["status"] == 401


@pytest.mark.parametrize(
    ("relative", "body"),
    [
        ("accounts/patch-sites-site-settings.json", "[" * 30_000),
        ("session_hooks/put-sites-site-sessions-session.json", "[" * 30_000),
        ("session_hooks/put-sites-site-sessions-session.json", '{"a":' * 12_000),
        (
            "session_hooks/put-sites-site-sessions-session.json",
            YEAR_1,
        ),
        (
            "session_hooks/put-sites-site-sessions-session.json",
            YEAR_9999,
        ),
    ],
)
def test_hostile_bodies_from_the_admin_are_a_400(relative: str, body: str, demo_world: None) -> None:
    event = _sample(relative)
    event["body"] = body
    status, headers, answer = _send(event, Path(relative).parent.name)
    assert status == 400, answer[:300]
    assert headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "moments",
    [
        {"from": "0001-01-01T00:00:00+14:00", "to": "0001-01-02T00:00:00+14:00"},
        {"from": "9999-12-30T00:00:00-14:00", "to": "9999-12-31T23:00:00-14:00"},
    ],
)
def test_a_report_at_the_ends_of_the_calendar_is_a_400(moments: dict[str, str], demo_world: None) -> None:
    event = _with_query("resolve_link/get-sites-site-reports-online-meetings.json", **moments)
    status, _, answer = _send(event, "resolve_link")
    assert status == 400, answer[:300]


HTTP_SAMPLES = sorted(
    relative
    for relative in generate.existing_samples()
    if "requestContext" in json.loads((generate.EVENTS_DIR / relative).read_text())  # not a schedule or SQS
)


@pytest.mark.parametrize("relative", HTTP_SAMPLES, ids=str)
def test_every_answer_says_nosniff_and_every_page_locks_itself_down(
    relative: Path,
    demo_world: None,
) -> None:
    from shared.http.pages import STYLE_HASH

    for authorization in (None, f"Bearer {generate.API_KEY}"):
        event = _sample(str(relative))
        event["headers"].pop("authorization", None)
        if authorization:
            event["headers"]["authorization"] = authorization
        headers = _send(event, relative.parent.name)[1]
        assert headers["x-content-type-options"] == "nosniff", relative
        if headers.get("content-type", "").startswith("text/html"):
            assert headers["content-security-policy"] == (
                f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            )
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["x-frame-options"] == "DENY"


def test_the_pages_style_is_the_one_its_policy_allows() -> None:
    from shared.http.pages import STYLE_HASH, unknown_link_page

    page = unknown_link_page()
    style = page[page.index("<style>") + len("<style>") : page.index("</style>")]
    assert "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() == STYLE_HASH
    assert "<script" not in page


def test_the_join_token_key_is_generated_as_the_template_says(moto_aws: object) -> None:
    """The tests (and the local stack) make the key as CloudFormation does from GenerateSecretString."""
    import os
    import string

    import boto3

    from local.template import generated_secrets, load_template

    spec = generated_secrets(load_template())["JoinTokenKey"]
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["JOIN_TOKEN_KEY_ARN"])
    key = json.loads(secret["SecretString"])[spec["GenerateStringKey"]]
    assert len(key) == spec["PasswordLength"] == 64
    assert set(key) <= set(string.ascii_letters + string.digits)


PREFLIGHT_SAMPLES = sorted(
    relative for relative in generate.existing_samples() if relative.name.startswith("options-")
)


def test_every_cors_route_has_a_preflight_sample() -> None:
    from shared.http.cors import CORS_ROUTES

    assert {_sample(str(relative))["routeKey"].split(" ", 1)[1] for relative in PREFLIGHT_SAMPLES} == set(
        CORS_ROUTES
    )


@pytest.mark.parametrize("relative", PREFLIGHT_SAMPLES, ids=str)
def test_a_preflight_takes_no_credential_writes_nothing_and_serves_only_the_sites_origins(
    relative: Path,
    demo_world: None,
) -> None:
    from shared.bootstrap import container
    from shared.services.sites import create_site

    _, other_key = create_site(container().repo, "Another Studio")
    before = _snapshot()
    for origin, authorization, expected in (
        (generate.ORIGIN, None, 204),
        (generate.ORIGIN, f"Bearer {other_key}", 204),  # a credential changes nothing: none is read
        ("https://evil.example", None, 403),
        ("https://evil.example", f"Bearer {generate.API_KEY}", 403),
        ("null", None, 403),
    ):
        event = _sample(str(relative))
        event["headers"]["origin"] = origin
        if authorization:
            event["headers"]["authorization"] = authorization
        status, headers, body = _send(event, relative.parent.name)
        assert status == expected, (relative, origin, body[:200])
        assert headers.get("access-control-allow-origin") == (origin if expected == 204 else None)
        assert headers["x-content-type-options"] == "nosniff"
    unknown = _on_site(_sample(str(relative)), "no-such-site")
    assert _send(unknown, relative.parent.name)[0] == 403
    assert _snapshot() == before


@pytest.mark.parametrize("site_id", ["x" * 3000, "not a site", "..", "é"])
def test_a_path_no_site_can_have_is_refused_without_a_read(site_id: str, demo_world: None) -> None:
    """Before the body, as for any site: 401 for a credential naming it, 404 for another's."""
    from local.aws import count_aws_calls

    for credential, expected in ((f"vcl_{site_id}.x", 401), (generate.API_KEY, 404)):
        event = _on_site(_sample("accounts/patch-sites-site-settings.json"), site_id)
        event["headers"]["authorization"] = f"Bearer {credential}"
        event["body"] = '{"not": "the schema"}'
        with count_aws_calls() as calls:
            status, _, body = _send(event, "accounts")
        assert status == expected, body[:300]
        assert dict(calls) == {}
