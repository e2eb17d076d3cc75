"""The sample events of events/ (for `sam local invoke`): one per route of template.yaml, up to
date with events/generate.py, and each answered by its real handler on moto without a 5xx."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from events import generate
from local.template import Route, http_routes, load_template, schedules
from tests.conftest import Tables, reset_caches

TEMPLATE = load_template()
ROUTES = http_routes(TEMPLATE)
SAMPLE_FILES = sorted(generate.existing_samples())

EXPECTED_STATUS = {
    "resolve_link/get-j-token.json": 302,  # the client's join link redirects to the session's link
    "accounts/post-sites-site-tokens.json": 201,
    "session_hooks/delete-sites-site-services-service.json": 204,
    "session_hooks/delete-sites-site-sessions-session.json": 204,
    "session_hooks/delete-sites-site-sessions-session-bookings-booking.json": 204,
    "oauth_callback/get-zoom-host-token.json": 302,  # a link that needs no refresh: straight there
    "oauth_callback/get-oauth-zoom-start.json": 302,  # to Zoom's consent page
    "oauth_callback/get-oauth-zoom-callback.json": 400,  # a made-up state is refused
    "oauth_callback/post-zoom-webhook.json": 401,  # a made-up signature is refused
    "oauth_callback/get-sites-site-zoom-users.json": 404,  # the site's default account is not Zoom
    "accounts/options-sites-site-staff-staff-vc-account.json": 204,  # CORS preflights of the front-end
    "resolve_link/options-sites-site-sessions-session-link.json": 204,
    "session_hooks/options-sites-site-sessions-session-link-remove.json": 204,
}
"""Status of each sample's answer; every other HTTP sample answers 200."""

PROBLEM_HTML = {"oauth_callback/get-oauth-zoom-callback.json"}
"""4xx answers made for a browser (an HTML page), not a problem document."""


def _route_of(event: dict[str, Any], function_dir: str) -> Route | None:
    for route in ROUTES:
        if route.route_key == event.get("routeKey") and generate.function_dir(route.module) == function_dir:
            return route
    return None


# -- coverage -----------------------------------------------------------------------------


def test_every_route_has_a_sample_event() -> None:
    missing = [
        f"{route.route_key} ({route.function}) -> events/{generate.relative_path(route)}"
        for route in ROUTES
        if generate.relative_path(route) not in SAMPLE_FILES
    ]
    assert not missing, "Routes without a sample event; run `python -m events.generate`:\n" + "\n".join(
        missing
    )


def test_every_sample_event_names_a_route_of_the_template() -> None:
    scheduled = {generate.schedule_path(schedule).parent for schedule in schedules(TEMPLATE)}
    orphans = []
    for relative in SAMPLE_FILES:
        event = json.loads((generate.EVENTS_DIR / relative).read_text())
        if event.get("source") == "aws.events":
            if relative.parent not in scheduled:
                orphans.append(f"{relative}: no function of that folder has a Schedule event")
            continue
        route = _route_of(event, relative.parent.name)
        if route is None:
            orphans.append(f"{relative}: no route '{event.get('routeKey')}' in {relative.parent.name}")
        elif generate.relative_path(route) != relative:
            orphans.append(f"{relative}: route '{route.route_key}' has its sample in another file")
    assert not orphans, "Sample events of routes that no longer exist:\n" + "\n".join(orphans)


def test_sample_events_are_what_the_generator_writes() -> None:
    expected = {path: generate.render(event) for path, event in generate.build_events(TEMPLATE).items()}
    stale = [
        str(path)
        for path in sorted(set(expected) | set(SAMPLE_FILES))
        if path not in SAMPLE_FILES
        or path not in expected
        or (generate.EVENTS_DIR / path).read_text() != expected[path]
    ]
    assert not stale, "Sample events out of date; run `python -m events.generate`: " + ", ".join(stale)


def test_http_samples_have_the_shape_of_the_local_gateway_events() -> None:
    for relative in SAMPLE_FILES:
        event = json.loads((generate.EVENTS_DIR / relative).read_text())
        if event.get("source") == "aws.events":
            assert event["detail-type"] == "Scheduled Event"
            continue
        context = event["requestContext"]
        assert event["version"] == "2.0"
        assert event["routeKey"] == context["routeKey"]
        assert event["rawPath"] == context["http"]["path"]
        assert context["http"]["method"] == event["routeKey"].split(" ")[0]
        assert context["stage"] == "$default"
        assert all(name == name.lower() for name in event["headers"]), relative
        assert isinstance(event["isBase64Encoded"], bool)


# -- every sample through its handler ------------------------------------------------------


@pytest.fixture
def demo_world(moto_aws: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the samples name: site demo-studio (with the sample API key), staff anna, course yoga
    with a course link, session s-2031-05-05 with its own link, booking b-ada; a Zoom app secret."""
    import boto3

    from shared.adapters.repository import get_store
    from shared.domain.auth import hash_api_key
    from shared.domain.models import (
        Booking,
        CustomLink,
        JitsiAccount,
        Service,
        ServiceKind,
        Session,
        Site,
        SiteSettings,
        Staff,
    )

    arn = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/zoom-app",
        SecretString=json.dumps(
            {
                "client_id": "sample-client-id",
                "client_secret": "sample-client-secret",
                "webhook_secret_token": "sample-webhook-secret-token",
            }
        ),
    )["ARN"]
    monkeypatch.setenv("ZOOM_APP_SECRET_ARN", arn)
    monkeypatch.setenv("ALLOWED_RETURN_URLS", "https://admin.demo-studio.example/")
    reset_caches()

    store = get_store()
    store.create_site(
        Site(
            site_id=generate.SITE,
            name="Demo Studio",
            api_key_hash=hash_api_key(generate.API_KEY),
            token_secret="sample-token-secret",
            default_account=CustomLink(url="https://meet.google.com/abc-defg-hij"),
            settings=SiteSettings(allowed_origins=(generate.ORIGIN,)),
            created_at=datetime(2031, 1, 1, tzinfo=UTC),
        )
    )
    store.save_staff(
        Staff(
            site_id=generate.SITE,
            staff_id=generate.STAFF,
            account=JitsiAccount(),
            name="Anna",
            email="anna@demo-studio.example",
        )
    )
    store.save_service(
        Service(
            site_id=generate.SITE,
            service_id=generate.SERVICE,
            kind=ServiceKind.COURSE,
            online=True,
            name="Yoga for beginners",
            course_link=CustomLink(url="https://meet.jit.si/demo-studio-yoga-course"),
        )
    )
    store.save_session(
        Session(
            site_id=generate.SITE,
            session_id=generate.SESSION,
            service_id=generate.SERVICE,
            staff_id=generate.STAFF,
            start=datetime(2031, 5, 5, 16, 0, tzinfo=UTC),
            end=datetime(2031, 5, 5, 17, 15, tzinfo=UTC),
            override=CustomLink(url="https://teams.microsoft.com/l/meetup-join/demo-studio-anna"),
            jitsi_room="vclinks-sample-room",
            staff_join_secret="sample-staff-join-secret",
        )
    )
    store.save_booking(
        Booking(
            site_id=generate.SITE,
            session_id=generate.SESSION,
            booking_id=generate.BOOKING,
            client_name="Ada Lovelace",
            client_email="ada@example.com",
            join_secret=generate.JOIN_SECRET,
        )
    )


def _invoke(function: str, module: str, handler: str, event: dict[str, Any]) -> Any:
    from local.gateway import LambdaContext

    return getattr(importlib.import_module(module), handler)(event, LambdaContext(function))


@pytest.mark.parametrize("relative", SAMPLE_FILES, ids=str)
def test_sample_event_is_answered_by_its_handler(relative: Path, demo_world: None) -> None:
    event = json.loads((generate.EVENTS_DIR / relative).read_text())
    if event.get("source") == "aws.events":
        schedule = next(s for s in schedules(TEMPLATE) if generate.schedule_path(s) == relative)
        result = _invoke(schedule.function, schedule.module, schedule.handler, event)
        assert isinstance(result, dict)
        assert isinstance(result["swept"], int)
        return

    route = _route_of(event, relative.parent.name)
    assert route is not None, f"{relative} names no route of template.yaml"
    result = _invoke(route.function, route.module, route.handler, event)
    assert isinstance(result, dict), result
    assert "statusCode" in result, result
    status = int(result["statusCode"])
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    detail = f"{relative}: {status} {result.get('body', '')[:500]}"
    assert status == EXPECTED_STATUS.get(str(relative), 200), detail
    if status >= 400 and str(relative) not in PROBLEM_HTML:
        assert headers.get("content-type", "").startswith("application/problem+json"), detail
        assert json.loads(result["body"])["status"] == status
