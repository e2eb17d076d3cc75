"""Sample events for `sam local invoke`: one API Gateway HTTP API (payload 2.0) event per route
of template.yaml, the worker's SQS batch, and the scheduled dispatcher's event.

Regenerate after adding or changing a route (tests/integration/test_events.py fails until you do):

    .venv/bin/python -m events.generate

It writes `events/<function-dir>/<method>-<path-slug>.json` (for example
`events/resolve_link/get-sites-site-sessions-session-link.json`),
`events/worker/sqs-work.json`, `events/worker/schedule-dispatch.json` and
`events/worker/rule-emailevents.json` (a bounce SES publishes through the EventBridge rule),
and removes samples of routes that are gone. Invoke a function with one of them (`sam local
invoke` needs Docker; from the repository root):

    sam local invoke ResolveLinkFunction -e events/resolve_link/get-health.json
    sam local invoke WorkerFunction -e events/worker/sqs-work.json

The samples use the site `demo-studio` (API key `vcl_demo-studio.sample-api-key-not-real`),
staff member `anna`, course `yoga`, session `s-2031-05-05` and booking `b-ada`; against an
empty table an authenticated sample answers 404 (no such site), which is what the real API
would say. tests/integration/test_events.py seeds these records on moto and runs every sample
through its real handler. The webhook sample carries a fake signature and a past timestamp
(401), the OAuth callback sample a fake state (400): genuine ones cannot be written ahead of time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.template import (
    EventRule,
    QueueSource,
    Route,
    Schedule,
    event_rules,
    http_routes,
    load_template,
    queue_sources,
    schedules,
)
from shared.adapters.mailer import tag_value

EVENTS_DIR = Path(__file__).resolve().parent

SITE = "demo-studio"
STAFF = "anna"
SERVICE = "yoga"
SESSION = "s-2031-05-05"
BOOKING = "b-ada"
EMAIL_TYPE = "booking_confirmation"
API_KEY = f"vcl_{SITE}.sample-api-key-not-real"
JOIN_SECRET = "sample-join-secret-not-real"
"""The `join_secret` of booking `b-ada`: the /v1/j/{token} sample is that booking's client link."""

DOMAIN = "abc123defg.execute-api.eu-west-1.amazonaws.com"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
REQUEST_TIME = datetime(2031, 5, 4, 9, 30, tzinfo=UTC)
"""Fixed, so that regenerating changes nothing unless a route or a sample changes."""


def client_join_token() -> str:
    """Booking b-ada's link in the first token format (readable ids, then the secret): links of
    that format went out before join tokens became opaque and must keep working. An opaque
    token needs the deployment's key, which a sample cannot know ahead of time."""
    ids = "\x1f".join((SITE, SESSION, BOOKING)).encode()
    return f"{base64.urlsafe_b64encode(ids).rstrip(b'=').decode()}.{JOIN_SECRET}"


def path_values() -> dict[str, str]:
    return {
        "site": SITE,
        "staff": STAFF,
        "service": SERVICE,
        "session": SESSION,
        "booking": BOOKING,
        "type": EMAIL_TYPE,
        "token": client_join_token(),
        "provider": "google",  # the sample connects Google Meet (X13); "microsoft" is the same shape
    }


CUSTOM_LINK = {
    "provider": "custom",
    "url": "https://meet.google.com/abc-defg-hij",
    "description": "Google Meet room of Demo Studio",
}
SESSION_LINK = {
    "provider": "custom",
    "url": "https://teams.microsoft.com/l/meetup-join/demo-studio-anna",
    "password": "lotus",
    "description": "Anna teaches this session from Teams",
}
TEMPLATE_BODY = (
    "Hello [recipient_name],\n\n"
    "your place in [service_name] on [session_date] at [session_time] ([timezone]) is confirmed.\n"
    "Join online: [online_meeting_link]\n\n"
    "See you soon,\n[site_name]"
)
WEBHOOK_TIMESTAMP = str(int(REQUEST_TIME.timestamp()))

PUBLIC = frozenset(
    {
        "GET /v1/health",
        "GET /v1/j/{token}",
        "GET /v1/zoom/host/{token}",
        "GET /v1/oauth/zoom/callback",
        "POST /v1/oauth/zoom/confirm",
        "POST /v1/zoom/webhook",
        "POST /v1/google/risc",
        "GET /v1/oauth/zoom/start",
        "GET /v1/oauth/{provider}/start",
        "GET /v1/oauth/{provider}/callback",
    }
)
"""Routes that take no `Authorization` header (the others get the site's API key)."""

ORIGIN = "https://app.demo-studio.example"
"""The demo site's booking front-end: the one origin in its `allowed_origins`."""
PREFLIGHT = {"origin": ORIGIN, "access-control-request-headers": "authorization,content-type"}

SAMPLES: dict[str, dict[str, Any]] = {
    # resolve_link
    "GET /v1/health": {},
    "GET /v1/sites/{site}/sessions/{session}/link": {"query": {"audience": "client", "booking": BOOKING}},
    "GET /v1/sites/{site}/sessions/{session}/bookings/{booking}": {},
    "GET /v1/sites/{site}/sessions/{session}": {},
    "OPTIONS /v1/sites/{site}/sessions/{session}/link": {
        "headers": PREFLIGHT | {"access-control-request-method": "PUT"}
    },
    "GET /v1/j/{token}": {"headers": {"accept": "text/html"}},
    "GET /v1/zoom/host/{token}": {"headers": {"accept": "text/html"}},
    "GET /v1/sites/{site}/reports/online-meetings": {
        "query": {"from": "2031-05-01T00:00:00Z", "to": "2031-06-01T00:00:00Z", "staff": STAFF}
    },
    # accounts
    "PUT /v1/sites/{site}/vc-account": {"body": CUSTOM_LINK},
    "GET /v1/sites/{site}/vc-account": {},
    "DELETE /v1/sites/{site}/vc-account": {},
    "PUT /v1/sites/{site}/staff/{staff}/vc-account": {
        "body": {"provider": "jitsi", "base_url": "https://meet.jit.si"}
    },
    "GET /v1/sites/{site}/staff/{staff}/vc-account": {},
    "DELETE /v1/sites/{site}/staff/{staff}/vc-account": {},
    "OPTIONS /v1/sites/{site}/staff/{staff}/vc-account": {
        "headers": PREFLIGHT | {"access-control-request-method": "PUT"}
    },
    "GET /v1/sites/{site}/settings": {},
    "PATCH /v1/sites/{site}/settings": {
        "body": {"timezone": "Europe/Paris", "language": "fr", "join_window_minutes": 15}
    },
    "POST /v1/sites/{site}/tokens": {"body": {"role": "connect", "staff_id": STAFF, "ttl_seconds": 900}},
    "PUT /v1/sites/{site}/staff/{staff}": {
        "body": {"name": "Anna Rossi", "email": "anna@demo-studio.example"}
    },
    "GET /v1/sites/{site}/staff/{staff}": {},
    "POST /v1/sites/{site}/sender": {"body": {"email": "hello@demo-studio.example"}},
    "GET /v1/sites/{site}/sender": {},
    "DELETE /v1/sites/{site}/sender": {},
    "POST /v1/sites/{site}/api-keys/rotate": {"body": {"overlap_seconds": 86400}},
    "POST /v1/sites/{site}/api-keys/retire": {},
    "POST /v1/sites/{site}/token-secret/rotate": {},
    "GET /v1/sites/{site}/export": {"query": {"limit": "100"}},
    "DELETE /v1/sites/{site}": {},
    "PUT /v1/sites/{site}/webhook": {"body": {"url": "https://app.demo-studio.example/hooks/vclinks"}},
    "GET /v1/sites/{site}/webhook": {},
    "DELETE /v1/sites/{site}/webhook": {},
    "GET /v1/sites/{site}/webhook/deliveries": {"query": {"limit": "50"}},
    # session_hooks
    "PUT /v1/sites/{site}/services/{service}": {
        "body": {"kind": "course", "online": True, "name": "Yoga for beginners"}
    },
    "DELETE /v1/sites/{site}/services/{service}": {},
    "PUT /v1/sites/{site}/services/{service}/link": {
        "body": {
            "provider": "custom",
            "url": "https://meet.jit.si/demo-studio-yoga-course",
            "description": "The course room, the same for every class",
        }
    },
    "DELETE /v1/sites/{site}/services/{service}/link": {},
    "PUT /v1/sites/{site}/sessions/{session}": {
        "body": {
            "service_id": SERVICE,
            "staff_id": STAFF,
            "start": "2031-05-05T18:00:00+02:00",
            "end": "2031-05-05T19:15:00+02:00",
            "online": True,
        }
    },
    "DELETE /v1/sites/{site}/sessions/{session}": {},
    "PUT /v1/sites/{site}/sessions/{session}/link": {"body": SESSION_LINK},
    "DELETE /v1/sites/{site}/sessions/{session}/link": {},
    "POST /v1/sites/{site}/sessions/{session}/link/remove": {},
    "OPTIONS /v1/sites/{site}/sessions/{session}/link/remove": {
        "headers": PREFLIGHT | {"access-control-request-method": "POST"}
    },
    "PUT /v1/sites/{site}/sessions/{session}/bookings/{booking}": {
        "body": {"client_name": "Ada Lovelace", "client_email": "ada@example.com"}
    },
    "DELETE /v1/sites/{site}/sessions/{session}/bookings/{booking}": {},
    # oauth_callback
    "GET /v1/oauth/zoom/start": {
        "query": {
            "ticket": "vcs_c2FtcGxlLXRpY2tldC1ub3QtcmVhbA.c2FtcGxlLXNpZ25hdHVyZS1ub3QtcmVhbA",
            "return_to": "https://admin.demo-studio.example/settings/video",
        },
        "headers": {"accept": "text/html"},
    },
    "GET /v1/oauth/{provider}/start": {
        "query": {
            "ticket": "vcs_c2FtcGxlLXRpY2tldC1ub3QtcmVhbA.c2FtcGxlLXNpZ25hdHVyZS1ub3QtcmVhbA",
            "return_to": "https://admin.demo-studio.example/settings/video",
        },
        "headers": {"accept": "text/html"},
    },
    "GET /v1/oauth/{provider}/callback": {
        "query": {
            "state": "sample-nonce-not-real.c2FtcGxlLXNpZ25hdHVyZS1ub3QtcmVhbA",
            "code": "sample-authorization-code-not-real",
        },
        "cookies": ["__Host-vclinks-zoom=sample-browser-secret-not-real"],
        "headers": {"accept": "text/html"},
    },
    "POST /v1/oauth/zoom/confirm": {
        "form": {"request": "sample-request-not-real", "decision": "connect"},
        "cookies": ["__Host-vclinks-zoom=sample-browser-secret-not-real"],
        "headers": {"accept": "text/html"},
    },
    "GET /v1/oauth/zoom/callback": {
        "query": {
            "state": "sample-nonce-not-real.c2FtcGxlLXNpZ25hdHVyZS1ub3QtcmVhbA",
            "code": "sample-authorization-code-not-real",
        },
        "headers": {"accept": "text/html"},
    },
    "POST /v1/zoom/webhook": {
        "body": {
            "event": "endpoint.url_validation",
            "event_ts": int(REQUEST_TIME.timestamp() * 1000),
            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
        },
        "headers": {
            "user-agent": "Zoom Marketplace/1.0a",
            "x-zm-request-timestamp": WEBHOOK_TIMESTAMP,
            "x-zm-signature": "v0=" + "0" * 64,
        },
    },
    "POST /v1/google/risc": {
        # A made-up Security Event Token (its header names no Google key: refused before any key is
        # read, so the sample needs no network); Google's real ones are signed RS256 with a kid.
        "raw": ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in (
                {"alg": "RS256", "typ": "secevent+jwt"},
                {
                    "iss": "https://accounts.google.com/",
                    "aud": "sample-client.apps.googleusercontent.com",
                    "iat": int(REQUEST_TIME.timestamp()),
                    "jti": "756e69717565206964656e746966696572",
                    "events": {
                        "https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked": {
                            "subject": {
                                "subject_type": "iss-sub",
                                "iss": "https://accounts.google.com/",
                                "sub": "7375626a656374",
                            }
                        }
                    },
                },
            )
        )
        + ".c2lnbmF0dXJlLW5vdC1yZWFs",
        "content_type": "application/secevent+jwt",
        "headers": {"user-agent": "Google-RISC"},
    },
    "GET /v1/sites/{site}/zoom/users": {},
    "GET /v1/sites/{site}/zoom/usage": {},
    # send_confirmation
    "POST /v1/sites/{site}/notifications": {
        "body": {
            "type": EMAIL_TYPE,
            "session_id": SESSION,
            "booking_id": BOOKING,
            "staff_email": "anna@demo-studio.example",
            "idempotency_key": "b-ada-confirmation-1",
        }
    },
    "GET /v1/sites/{site}/email-templates/{type}": {"query": {"language": "en"}},
    "PUT /v1/sites/{site}/email-templates/{type}": {
        "body": {
            "show_online_section": True,
            "language": "en",
            "subject": "See you at [service_name] on [session_date]",
            "body": TEMPLATE_BODY,
        }
    },
    "DELETE /v1/sites/{site}/email-templates/{type}": {},
}
"""What each route's sample sends beyond the defaults: query, JSON body, extra headers."""


def function_dir(route_module: str) -> str:
    """`functions.resolve_link.app` -> `resolve_link`."""
    return route_module.split(".")[-2]


def file_name(route: Route) -> str:
    slug = re.sub(r"[{}]", "", route.path.removeprefix("/v1/")).strip("/").replace("/", "-")
    return f"{route.method.lower()}-{slug}.json"


def relative_path(route: Route) -> Path:
    return Path(function_dir(route.module)) / file_name(route)


def schedule_path(schedule: Schedule) -> Path:
    return Path(function_dir(schedule.module)) / f"schedule-{schedule.event.lower()}.json"


def http_event(route: Route) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends for `route` (the shape of `local.gateway.build_event`)."""
    if route.route_key not in SAMPLES:
        raise KeyError(f"No sample for route '{route.route_key}': add it to SAMPLES in events/generate.py")
    sample = SAMPLES[route.route_key]
    values = path_values()
    parameters = {name: values[name] for name in re.findall(r"\{([^}/]+)\}", route.path)}
    path = re.sub(r"\{([^}/]+)\}", lambda m: values[m.group(1)], route.path)
    query: dict[str, str] = sample.get("query", {})
    body = json.dumps(sample["body"]) if "body" in sample else None
    form = urlencode(sample["form"]) if "form" in sample else None
    raw: str | None = sample.get("raw")
    user_agent = "vclinks-sample/1.0"
    headers = {
        "accept": "application/json",
        "host": DOMAIN,
        "user-agent": user_agent,
        "x-amzn-trace-id": "Root=1-6818c7a8-3f2a5b6c7d8e9f0a1b2c3d4e",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if route.route_key not in PUBLIC and route.method != "OPTIONS":  # a preflight has no credential
        headers["authorization"] = f"Bearer {API_KEY}"
    if body is not None:
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(body.encode()))
    if form is not None:  # an HTML form's post
        body = form
        headers["content-type"] = "application/x-www-form-urlencoded"
        headers["content-length"] = str(len(body.encode()))
    if raw is not None:  # not text: API Gateway (and local.gateway) hands it over base64-encoded
        headers["content-type"] = sample["content_type"]
        headers["content-length"] = str(len(raw.encode()))
        body = base64.b64encode(raw.encode()).decode()
    cookies: list[str] = sample.get("cookies", [])
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    headers.update(sample.get("headers", {}))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": urlencode(query),
        "headers": dict(sorted(headers.items())),
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": DOMAIN.split(".")[0],
            "domainName": DOMAIN,
            "domainPrefix": DOMAIN.split(".")[0],
            "http": {
                "method": route.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": headers["user-agent"],
            },
            "requestId": str(uuid.uuid5(uuid.NAMESPACE_URL, route.route_key)),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": REQUEST_TIME.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(REQUEST_TIME.timestamp() * 1000),
        },
        "isBase64Encoded": raw is not None,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if parameters:
        event["pathParameters"] = parameters
    if body is not None:
        event["body"] = body
    return event


def scheduled_event(function: str, event_name: str) -> dict[str, Any]:
    """What EventBridge Scheduler sends for a `Schedule` event of `function`."""
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{function}/{event_name}")),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": REQUEST_TIME.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/vclinks-{function}{event_name}-EXAMPLE"],
        "detail": {},
    }


def rule_path(rule: EventRule) -> Path:
    return Path(function_dir(rule.module)) / f"rule-{rule.event.lower()}.json"


def rule_event(rule: EventRule) -> dict[str, Any]:
    """What EventBridge sends for an `EventBridgeRule` event: SES's bounce of booking b-ada's email."""
    from local.ses import ses_event

    tags = {"vclinks-site": SITE, "vclinks-session": SESSION, "vclinks-booking": BOOKING}
    tags = {name: tag_value(value) for name, value in tags.items()} | {"vclinks-audience": "client"}
    event = ses_event(
        "Bounce",
        "ada@example.com",
        "bookings@demo-studio.example",
        tags,
        "vclinks-EmailConfigurationSet-EXAMPLE",
        region=REGION,
        account=ACCOUNT,
    )
    stamp = REQUEST_TIME.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    event["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rule.function}/{rule.event}"))
    event["time"] = REQUEST_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    detail = event["detail"]
    detail["mail"].update(timestamp=stamp, messageId="0102018f-sample-message-id-000000")
    detail["bounce"].update(timestamp=stamp, feedbackId="0102018f-sample-feedback-id-000000")
    return event


def queue_path(source: QueueSource) -> Path:
    return Path(function_dir(source.module)) / f"sqs-{source.queue.lower().removesuffix('queue')}.json"


def sqs_event(source: QueueSource) -> dict[str, Any]:
    """What Lambda's SQS poller sends: a batch of work messages (a session's item, a dispatch round)."""
    from shared.adapters.queue import DISPATCH
    from shared.domain.work import WorkRef

    bodies = [
        WorkRef.session(SITE, SESSION).message(),
        WorkRef.booking(SITE, SESSION, BOOKING).message(),
        DISPATCH,
    ]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:vclinks-{source.queue}-EXAMPLE"
    sent = str(int(REQUEST_TIME.timestamp() * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{source.queue}/{n}")),
                "receiptHandle": f"sample-receipt-handle-{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def build_events(template: dict[str, Any] | None = None) -> dict[Path, dict[str, Any]]:
    """Every sample, by its path relative to events/."""
    template = template or load_template()
    samples: dict[Path, dict[str, Any]] = {}
    for route in http_routes(template):
        target = relative_path(route)
        if target in samples:
            raise ValueError(f"Two routes would share the sample {target}")
        samples[target] = http_event(route)
    for schedule in schedules(template):
        samples[schedule_path(schedule)] = scheduled_event(schedule.function, schedule.event)
    for source in queue_sources(template):
        samples[queue_path(source)] = sqs_event(source)
    for rule in event_rules(template):
        samples[rule_path(rule)] = rule_event(rule)
    return samples


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def existing_samples(root: Path = EVENTS_DIR) -> set[Path]:
    return {path.relative_to(root) for path in root.glob("*/*.json")}


def main() -> None:
    samples = build_events()
    for stale in sorted(existing_samples() - samples.keys()):
        (EVENTS_DIR / stale).unlink()
        print(f"removed {stale}")
    for relative, event in sorted(samples.items()):
        target = EVENTS_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = render(event)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            print(f"wrote {relative}")
    print(f"{len(samples)} sample events in {EVENTS_DIR.relative_to(EVENTS_DIR.parent)}/")


if __name__ == "__main__":
    main()
