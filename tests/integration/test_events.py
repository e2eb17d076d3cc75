"""The sample events of events/ (for `sam local invoke`): one per route of template.yaml, up to
date with events/generate.py, and each answered by its real handler on moto without a 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events import generate
from local.template import event_rules, queue_sources, schedules
from tests.support.events import ROUTES, TEMPLATE, invoke, route_of

SAMPLE_FILES = sorted(generate.existing_samples())

EXPECTED_STATUS = {
    "resolve_link/get-j-token.json": 302,  # the client's join link redirects to the session's link
    "accounts/post-sites-site-tokens.json": 201,
    "accounts/post-sites-site-api-keys-rotate.json": 201,  # the new key, shown once
    "accounts/delete-sites-site.json": 202,  # accepted: the pipeline deletes the site
    "accounts/delete-sites-site-webhook.json": 204,
    "session_hooks/delete-sites-site-services-service.json": 204,
    "session_hooks/delete-sites-site-sessions-session.json": 204,
    "session_hooks/delete-sites-site-sessions-session-bookings-booking.json": 204,
    "oauth_callback/get-zoom-host-token.json": 302,  # a link that needs no refresh: straight there
    "oauth_callback/get-oauth-zoom-start.json": 401,  # a made-up connect ticket is refused
    "oauth_callback/get-oauth-zoom-callback.json": 400,  # a made-up state is refused
    "oauth_callback/post-oauth-zoom-confirm.json": 409,  # a made-up confirmation is refused
    "oauth_callback/get-oauth-provider-start.json": 401,  # Google: a made-up connect ticket is refused
    "oauth_callback/get-oauth-provider-callback.json": 400,  # Google: a made-up state is refused
    "oauth_callback/post-zoom-webhook.json": 401,  # a made-up signature is refused
    "oauth_callback/post-google-risc.json": 400,  # a made-up SET (no key id) is refused: RFC 8935 2.4
    "oauth_callback/get-sites-site-zoom-users.json": 404,  # the site's default account is not Zoom
    "accounts/options-sites-site-staff-staff-vc-account.json": 204,  # CORS preflights of the front-end
    "resolve_link/options-sites-site-sessions-session-link.json": 204,
    "session_hooks/options-sites-site-sessions-session-link-remove.json": 204,
    "accounts/post-sites-site-sender.json": 202,  # SES emailed the address its verification link
    "accounts/get-sites-site-sender.json": 404,  # the demo site has no sender of its own
    "accounts/delete-sites-site-sender.json": 404,
}
"""Status of each sample's answer; every other HTTP sample answers 200."""

PROBLEM_HTML = {
    "oauth_callback/get-oauth-zoom-callback.json",
    "oauth_callback/post-oauth-zoom-confirm.json",
    "oauth_callback/get-oauth-provider-callback.json",
}
"""4xx answers made for a browser (an HTML page), not a problem document."""

SET_ERRORS = {"oauth_callback/post-google-risc.json"}
"""4xx answers to Google's RISC push: RFC 8935's `{"err", "description"}`, not a problem document."""


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
    polled = {generate.queue_path(source) for source in queue_sources(TEMPLATE)}
    ruled = {generate.rule_path(rule) for rule in event_rules(TEMPLATE)}
    orphans = []
    for relative in SAMPLE_FILES:
        event = json.loads((generate.EVENTS_DIR / relative).read_text())
        if event.get("source") == "aws.events":
            if relative.parent not in scheduled:
                orphans.append(f"{relative}: no function of that folder has a Schedule event")
            continue
        if event.get("source") == "aws.ses":
            if relative not in ruled:
                orphans.append(f"{relative}: no function has that EventBridgeRule event")
            continue
        if "Records" in event:
            if relative not in polled:
                orphans.append(f"{relative}: no function has that SQS event")
            continue
        route = route_of(event, relative.parent.name)
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
        if event.get("source") == "aws.ses":
            assert event["detail-type"] in ("Email Bounced", "Email Complaint Received")
            continue
        if "Records" in event:
            assert all(record["eventSource"] == "aws:sqs" for record in event["Records"])
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


@pytest.mark.parametrize("relative", SAMPLE_FILES, ids=str)
def test_sample_event_is_answered_by_its_handler(relative: Path, demo_world: None) -> None:
    from shared.bootstrap import container
    from shared.domain.work import WorkRef

    event = json.loads((generate.EVENTS_DIR / relative).read_text())
    repo = container().repo
    if event.get("source") == "aws.events":  # the dispatcher, at the event's time: the one due item
        repo.flag_work([WorkRef.session(generate.SITE, generate.SESSION)])
        schedule = next(s for s in schedules(TEMPLATE) if generate.schedule_path(s) == relative)
        answer = invoke(schedule.function, schedule.module, schedule.handler, event)
        assert answer == {"reminders": 0, "checks": 0, "queued": 1}
        return
    if event.get("source") == "aws.ses":  # the bounce of b-ada's email: recorded on the address and booking
        rule = next(r for r in event_rules(TEMPLATE) if generate.rule_path(r) == relative)
        answer = invoke(rule.function, rule.module, rule.handler, event)
        assert answer == {"undeliverable": 1, "problems": 1, "ignored": False}
        booking = repo.get_booking(generate.SITE, generate.SESSION, generate.BOOKING)
        assert booking is not None
        assert booking.email_problem == "An email to this address bounced: smtp; 550 5.1.1 user unknown"
        return
    if "Records" in event:  # the worker does the session's and the booking's items, and a round
        refs = [WorkRef.from_message(r["body"]) for r in event["Records"] if "dispatch" not in r["body"]]
        repo.flag_work(refs)
        (source,) = queue_sources(TEMPLATE)
        assert invoke(source.function, source.module, source.handler, event) == {"batchItemFailures": []}
        assert [repo.get_work(ref) for ref in refs] == [None, None]
        return

    route = route_of(event, relative.parent.name)
    assert route is not None, f"{relative} names no route of template.yaml"
    result = invoke(route.function, route.module, route.handler, event)
    assert isinstance(result, dict), result
    assert "statusCode" in result, result
    status = int(result["statusCode"])
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    detail = f"{relative}: {status} {result.get('body', '')[:500]}"
    assert status == EXPECTED_STATUS.get(str(relative), 200), detail
    if str(relative) in SET_ERRORS:
        assert json.loads(result["body"])["err"] == "invalid_key", detail
        return
    if status >= 400 and str(relative) not in PROBLEM_HTML:
        assert headers.get("content-type", "").startswith("application/problem+json"), detail
        assert json.loads(result["body"])["status"] == status
