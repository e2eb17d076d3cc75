"""Connecting Zoom through either of the deployment's apps (S01, W07), through the handlers on
moto with the emulator as Zoom: `access=account` picks the admin-managed app; a grant missing
a scope the app needs is refused, naming it, with nothing stored; the redirect URI the flow
sends is the stack output the operator registers; a refused client secret is the deployment's
problem, never a connection's; each app's webhooks are verified with its own Secret Token and
its deauthorization removes only the connections made through it."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from local.template import load_template, output
from local.zoom_emulator import ZoomApp, ZoomEmulator
from shared.bootstrap import container
from tests.support.api import Api, SiteHandle
from tests.support.aws import reset_caches
from tests.support.zoom import (
    ADMIN_APP,
    RETURN_TO,
    WEBHOOK_TOKENS,
    back_from_zoom,
    connect,
    consent,
    decide,
    session,
    start,
    ticket,
)


def consent_and_return(
    site: SiteHandle, emulator: ZoomEmulator, access: str = "user", untick: tuple[str, ...] = ()
) -> Any:
    """The admin's browser: start, Zoom's consent page (unticking `untick`), back to the callback."""
    started = start(site, access)
    assert started.status == 302, started.text
    authorize = started.headers["Location"]
    offered = re.findall(r'name="offered" value="([^"]+)"', httpx.get(authorize).text)
    callback = consent(emulator, authorize, offered=offered, scope=[s for s in offered if s not in untick])
    return back_from_zoom(site.api.as_(None), callback)


def stored_zoom_secrets() -> list[str]:
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return [name for name in names if name.startswith("vclinks/test/zoom/")]


def test_s01_w07_access_account_connects_through_the_admin_managed_app(
    site: SiteHandle,
    zoom: ZoomEmulator,
) -> None:
    started = start(site, "account")
    assert parse_qs(urlsplit(started.headers["Location"]).query)["client_id"] == [ADMIN_APP[0]]

    page = consent_and_return(site, zoom, access="account")
    assert page.status == 200
    done = decide(site.api.as_(None), page)
    assert done.status == 303
    assert "zoom=connected" in done.headers["Location"]
    users = site.api.get(f"{site.base}/zoom/users")
    assert users.status == 200, users.text
    assert {u["id"] for u in users.json["users"]} == {"zu-host", "zu-anna", "zu-bob"}


def test_s01_the_confirmation_pages_form_may_post_to_us_and_land_on_the_sites_return_url_only(
    site: SiteHandle,
    zoom: ZoomEmulator,
) -> None:
    """CSP 3's form-action also covers the redirect after the post: with the pages' usual
    `form-action 'none'` a browser never sends the admin's confirmation (found in Chromium)."""
    from shared.http.pages import STYLE_HASH

    page = consent_and_return(site, zoom)
    assert page.status == 200
    assert page.headers["Content-Security-Policy"] == (
        f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; "
        "form-action 'self' https://admin.studio.test; frame-ancestors 'none'"
    )
    assert urlsplit(RETURN_TO).netloc == "admin.studio.test"


def test_w07_a_user_managed_connection_does_not_list_the_accounts_users(
    site: SiteHandle,
    zoom: ZoomEmulator,
) -> None:
    connect(site, zoom)  # an owner, but through the user-managed app
    refused = site.api.get(f"{site.base}/zoom/users")
    assert refused.status == 403
    assert "access=account" in refused.json["detail"]


@pytest.mark.parametrize(
    ("access", "client_id", "lacking"),
    [
        ("user", "local-client-id", "meeting:write:registrant"),
        ("account", ADMIN_APP[0], "user:read:list_users:admin"),
    ],
)
def test_s01_a_grant_missing_a_needed_scope_is_refused_naming_it_and_nothing_is_stored(
    site: SiteHandle,
    zoom: ZoomEmulator,
    access: str,
    client_id: str,
    lacking: str,
) -> None:
    zoom.apps[client_id].optional_scopes = frozenset({lacking})  # the user may untick it
    back = consent_and_return(site, zoom, access=access, untick=(lacking,))

    assert back.status == 302
    returned = parse_qs(urlsplit(back.headers["Location"]).query)
    assert returned == {"zoom": ["error"], "reason": ["zoom-missing-scopes"], "missing_scopes": [lacking]}
    assert site.api.get(f"{site.base}/vc-account").json["connected"] is False
    assert stored_zoom_secrets() == []  # no tokens kept
    assert zoom.calls().get("token_exchange") == 1  # Zoom was asked; nothing else followed


def test_s01_access_account_is_for_the_sites_zoom_account_not_a_staff_members(
    site: SiteHandle,
    zoom: ZoomEmulator,
) -> None:
    body = {"role": "connect", "access": "account", "staff_id": "anna"}
    refused = site.api.post(f"{site.base}/tokens", body)
    assert refused.status == 400
    assert "staff member" in refused.text
    unknown = site.api.post(f"{site.base}/tokens", {"role": "connect", "access": "everything"})
    assert unknown.status == 400
    assert "body/access" in unknown.text


def test_s01_access_account_without_an_admin_managed_app_says_what_to_configure(
    site: SiteHandle,
    zoom: ZoomEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    only_user_app = {"client_id": zoom.client_id, "client_secret": zoom.client_secret}
    arn = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/user-app-only", SecretString=json.dumps(only_user_app)
    )["ARN"]
    monkeypatch.setenv("ZOOM_APP_SECRET_ARN", arn)
    reset_caches()
    answer = start(site, "account")
    assert answer.status == 503
    assert "ZoomAdminClientId" in answer.json["detail"]
    assert "Location" not in answer.headers


@pytest.mark.parametrize("public_base_url", ["https://links.studio.test", "https://studio.test/vclinks", ""])
def test_s01_the_redirect_uri_sent_is_the_stack_output_the_operator_registers(
    site: SiteHandle,
    zoom: ZoomEmulator,
    monkeypatch: pytest.MonkeyPatch,
    public_base_url: str,
) -> None:
    template = load_template()
    pattern = template["Parameters"]["PublicBaseUrl"]["AllowedPattern"]
    assert re.fullmatch(pattern, public_base_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", public_base_url)
    reset_caches()
    api_host = "abc123def4.execute-api.eu-west-1.amazonaws.com"
    refs = {
        "PublicBaseUrl": public_base_url,
        "HttpApi": "abc123def4",
        "AWS::Region": "eu-west-1",
        "AWS::URLSuffix": "amazonaws.com",
    }
    started = site.api.as_(None).get(
        "/v1/oauth/zoom/start",
        query={"ticket": ticket(site), "return_to": RETURN_TO},
        headers={"Host": api_host},
    )
    sent = parse_qs(urlsplit(started.headers["Location"]).query)["redirect_uri"]
    assert sent == [output(template, "ZoomRedirectUri", refs)]
    base = public_base_url or f"https://{api_host}"
    assert output(template, "ZoomEventNotificationUrl", refs) == f"{base}/v1/zoom/webhook"
    assert output(template, "ZoomDeauthorizationUrl", refs) == f"{base}/v1/zoom/webhook"


@pytest.mark.parametrize(
    "public_base_url", ["https://links.studio.test/", "http://links.studio.test", "links"]
)
def test_a_public_base_url_the_redirect_could_not_match_is_refused_at_deploy(public_base_url: str) -> None:
    pattern = load_template()["Parameters"]["PublicBaseUrl"]["AllowedPattern"]
    assert not re.fullmatch(pattern, public_base_url)


def test_x07_a_refused_client_secret_is_the_deployments_problem_and_no_connection_needs_reconnect(
    site: SiteHandle,
    zoom: ZoomEmulator,
) -> None:
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    app = zoom.apps[zoom.client_id]
    zoom.register_app(
        ZoomApp(app.client_id, "regenerated-in-marketplace", app.managed, app.scopes, **_urls(app))
    )
    zoom.expire_access_tokens()

    moved = site.api.put(f"{site.base}/sessions/s1", session(days=1))
    assert moved.status == 200  # the request's one call (a refused token); the worker refreshes
    stored = site.api.get(f"{site.base}/sessions/s1").json
    assert stored["pending_reason"] == "zoom_error:zoom-app-misconfigured"
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert account["status"] == "connected"  # not needs_reconnect: the grant is fine
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert link["decision"] == "link"  # the meeting still stands

    # The operator deploys the regenerated secret: the warm functions take it within minutes.
    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["ZOOM_APP_SECRET_ARN"])[
            "SecretString"
        ]
    )
    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["ZOOM_APP_SECRET_ARN"],
        SecretString=json.dumps(secret | {"client_secret": "regenerated-in-marketplace"}),
    )
    container().zoom_app.expire()  # their 5 minutes of cache ran out; the Zoom client is the same
    assert site.api.put(f"{site.base}/sessions/s1", session(days=2)).status == 200
    again = site.api.get(f"{site.base}/sessions/s1").json
    assert (again["meeting_state"], again["pending_reason"]) == ("ready", None)


def _urls(app: ZoomApp) -> dict[str, Any]:
    return {
        "redirect_uris": app.redirect_uris,
        "deauthorization_url": app.deauthorization_url,
        "webhook_secret_token": app.webhook_secret_token,
    }


def signed(event: str, payload: dict[str, Any], secret_token: str) -> tuple[str, dict[str, str]]:
    raw = json.dumps({"event": event, "event_ts": int(time.time() * 1000), "payload": payload})
    stamp = str(int(time.time()))
    digest = hmac.new(secret_token.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": f"v0={digest}",
    }
    return raw, headers


def test_s08_each_apps_deauthorization_removes_only_the_connections_made_through_it(
    make_site: Any,
    zoom: ZoomEmulator,
    anonymous: Api,
) -> None:
    through_admin, through_user = make_site("Account-wide"), make_site("Own Zoom")
    connect(through_admin, zoom, access="account")  # zu-host through the admin-managed app
    connect(through_user, zoom)  # zu-host through the user-managed app
    removed = {"account_id": "acct-demo", "user_id": "zu-host", "client_id": zoom.client_id}

    forged = signed("app_deauthorized", removed, "not-a-token-of-ours")
    assert anonymous.post("/v1/zoom/webhook", raw=forged[0], headers=forged[1]).status == 401
    raw, headers = signed("app_deauthorized", removed, WEBHOOK_TOKENS[0])  # the user-managed app's
    assert anonymous.post("/v1/zoom/webhook", raw=raw, headers=headers).status == 200
    assert through_user.api.get(f"{through_user.base}/vc-account").json["connected"] is False
    assert through_admin.api.get(f"{through_admin.base}/vc-account").json["connected"] is True

    raw, headers = signed("app_deauthorized", removed | {"client_id": ADMIN_APP[0]}, WEBHOOK_TOKENS[1])
    assert anonymous.post("/v1/zoom/webhook", raw=raw, headers=headers).status == 200
    assert through_admin.api.get(f"{through_admin.base}/vc-account").json["connected"] is False


def test_endpoint_validation_is_answered_with_the_token_of_the_app_that_asked(
    zoom: ZoomEmulator,
    anonymous: Api,
) -> None:
    raw, headers = signed("endpoint.url_validation", {"plainToken": "plain-1"}, WEBHOOK_TOKENS[1])
    answer = anonymous.post("/v1/zoom/webhook", raw=raw, headers=headers)
    expected = hmac.new(WEBHOOK_TOKENS[1].encode(), b"plain-1", hashlib.sha256).hexdigest()
    assert answer.json == {"plainToken": "plain-1", "encryptedToken": expected}
