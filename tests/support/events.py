"""The sample events of events/ and the world they name (for the tests that run them)."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

from events import generate
from local.template import Route, http_routes, load_template
from tests.support.aws import reset_caches

TEMPLATE = load_template()
ROUTES = http_routes(TEMPLATE)


def route_of(event: dict[str, Any], function_dir: str) -> Route | None:
    for route in ROUTES:
        if route.route_key == event.get("routeKey") and generate.function_dir(route.module) == function_dir:
            return route
    return None


def seed_demo_world(monkeypatch: Any) -> None:
    """What the samples name: site demo-studio (with the sample API key), staff anna, course yoga
    with a course link, session s-2031-05-05 with its own link, booking b-ada; a Zoom app secret."""
    import boto3

    from shared.bootstrap import container
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
        WebhookEndpoint,
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
    providers = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/provider-apps",
        SecretString=json.dumps(
            {
                "google_client_id": "sample-google-client.apps.googleusercontent.com",
                "google_client_secret": "sample-google-secret",
                "microsoft_client_id": "00000000-0000-4000-8000-0000000000aa",
                "microsoft_client_secret": "sample-microsoft-secret",
            }
        ),
    )["ARN"]
    monkeypatch.setenv("PROVIDER_APP_SECRET_ARN", providers)
    monkeypatch.setenv("ALLOWED_RETURN_URLS", "https://admin.demo-studio.example/")
    reset_caches()

    repo = container().repo
    repo.create_site(
        Site(
            site_id=generate.SITE,
            name="Demo Studio",
            api_key_hash=hash_api_key(generate.API_KEY),
            token_secret="sample-token-secret",
            default_account=CustomLink(url="https://meet.google.com/abc-defg-hij"),
            settings=SiteSettings(allowed_origins=(generate.ORIGIN,)),
            created_at=datetime(2031, 1, 1, tzinfo=UTC),
            webhook=WebhookEndpoint(
                url="https://app.demo-studio.example/hooks/vclinks",
                secret="whsec_c2FtcGxlLXdlYmhvb2stc2VjcmV0LW5vdC1yZWFsLTMyYg==",
                created_at=datetime(2031, 1, 1, tzinfo=UTC),
            ),
        )
    )
    repo.update_staff(
        generate.SITE,
        generate.STAFF,
        lambda _: Staff(
            site_id=generate.SITE,
            staff_id=generate.STAFF,
            account=JitsiAccount(),
            name="Anna",
            email="anna@demo-studio.example",
        ),
    )
    repo.update_service(
        generate.SITE,
        generate.SERVICE,
        lambda _: Service(
            site_id=generate.SITE,
            service_id=generate.SERVICE,
            kind=ServiceKind.COURSE,
            online=True,
            name="Yoga for beginners",
            course_link=CustomLink(url="https://meet.jit.si/demo-studio-yoga-course"),
        ),
    )
    repo.update_session(
        generate.SITE,
        generate.SESSION,
        lambda _: Session(
            site_id=generate.SITE,
            session_id=generate.SESSION,
            service_id=generate.SERVICE,
            staff_id=generate.STAFF,
            start=datetime(2031, 5, 5, 16, 0, tzinfo=UTC),
            end=datetime(2031, 5, 5, 17, 15, tzinfo=UTC),
            override=CustomLink(url="https://teams.microsoft.com/l/meetup-join/demo-studio-anna"),
            jitsi_room="vclinks-sample-room",
            staff_join_secret="sample-staff-join-secret",
        ),
    )
    repo.update_booking(
        generate.SITE,
        generate.SESSION,
        generate.BOOKING,
        lambda _: Booking(
            site_id=generate.SITE,
            session_id=generate.SESSION,
            booking_id=generate.BOOKING,
            client_name="Ada Lovelace",
            client_email="ada@example.com",
            join_secret=generate.JOIN_SECRET,
        ),
    )


def invoke(function: str, module: str, handler: str, event: dict[str, Any]) -> Any:
    from local.gateway import LambdaContext

    return getattr(importlib.import_module(module), handler)(event, LambdaContext(function))
