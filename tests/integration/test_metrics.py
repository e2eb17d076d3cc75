"""Operational metrics as CloudWatch Embedded Metric Format lines (issue 12): Zoom calls and
failures by operation and kind (Google Meet's and Microsoft Graph's by provider too), the
dispatcher's due work and the age of the oldest, emails sent and refused, connections needing
reconnect, join clicks; in the namespace and with the dimensions the alarms of template.yaml read."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.google_emulator import GoogleEmulator
from local.microsoft_emulator import MicrosoftEmulator
from local.template import load_template
from local.zoom_emulator import ZoomEmulator
from shared.adapters.google.client import MEET_SCOPE
from shared.adapters.provider_meeting import MeetingRequest
from shared.bootstrap import container
from shared.domain.errors import ProviderMeetingNotFound, ProviderUnavailable
from shared.domain.work import WorkRef
from tests.support.api import Api, SiteHandle
from tests.support.links import book, join_path, set_default, setup_session
from tests.support.providers import REDIRECT, Clock, consent, google_client, microsoft_client, pkce
from tests.support.zoom import connect, session


def points(out: str) -> list[dict[str, Any]]:
    """Every EMF data point printed: its metric names, dimensions and values."""
    found = []
    for line in out.splitlines():
        if line.startswith('{"_aws"'):
            blob = json.loads(line)
            (directive,) = blob["_aws"]["CloudWatchMetrics"]
            for metric in directive["Metrics"]:
                dims = {d: blob[d] for group in directive["Dimensions"] for d in group}
                found.append(
                    {
                        "namespace": directive["Namespace"],
                        "name": metric["Name"],
                        "dims": dims,
                        "value": blob[metric["Name"]],
                    }
                )
    return found


def named(found: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [p for p in found if p["name"] == name]


def test_join_clicks_are_counted_by_outcome(
    site: SiteHandle, anonymous: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    capsys.readouterr()

    assert anonymous.get(join).status == 302
    assert anonymous.get("/v1/j/not-a-token").status == 404

    clicks = named(points(capsys.readouterr().out), "JoinClicks")
    assert [(p["dims"], p["value"]) for p in clicks] == [
        ({"service": "vclinks", "outcome": "link"}, [1.0]),
        ({"service": "vclinks", "outcome": "unknown"}, [1.0]),
    ]
    assert {p["namespace"] for p in clicks} == {"vclinks"}


def test_the_dispatcher_publishes_due_work_and_the_age_of_the_oldest(
    site: SiteHandle, worker_switch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = container()
    with worker_switch.paused():
        root.repo.import_work([WorkRef.session(site.site_id, "s1")], root.repo.now())
    root.repo.clock = lambda: time.time() + 600  # ten minutes later, nobody has done it
    capsys.readouterr()

    assert root.worker.dispatch() == 1

    found = points(capsys.readouterr().out)
    assert [p["value"] for p in named(found, "DueWork")] == [[1.0]]
    (oldest,) = named(found, "OldestPendingWorkSeconds")
    assert 595 <= oldest["value"][0] <= 640
    assert oldest["dims"] == {"service": "vclinks"}  # what the alarm reads


def test_zoom_calls_emails_and_a_lost_connection_are_counted(
    site: SiteHandle, zoom: ZoomEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status in (200, 201)
    site.api.put(
        f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Bob", "client_email": "bob@client.test"}
    )
    site.api.post(
        f"{site.base}/notifications", {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1"}
    )
    zoom.revoke_user_tokens("zu-host")
    zoom.expire_access_tokens()
    site.api.put(f"{site.base}/sessions/s2", session(days=1))

    found = points(capsys.readouterr().out)
    calls = {p["dims"]["operation"] for p in named(found, "ZoomCalls")}
    assert "POST /users/{}/meetings" in calls or "POST /users/zu-host/meetings" in calls
    failures = [(p["dims"]["operation"], p["dims"]["kind"]) for p in named(found, "ZoomFailures")]
    assert ("POST /oauth/token", "http-400") in failures  # invalid_grant: the grant is dead
    assert len(named(found, "EmailsSent")) >= 1
    lost = named(found, "ConnectionsNeedingReconnect")
    assert [(p["dims"], p["value"]) for p in lost] == [({"service": "vclinks"}, [1.0])]


def test_google_and_teams_calls_are_counted_by_provider_and_operation_never_by_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ProviderCalls and ProviderFailures: a point per call, under the provider and the call's
    method and path with the meeting's id left out (a dimension takes few values), and a failure's
    kind (an HTTP status, or the error a fault became)."""
    start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    session = MeetingRequest("vclinks-s1-1", "Morning Flow", start, start + timedelta(hours=1))
    google, microsoft = GoogleEmulator(clock=Clock()), MicrosoftEmulator(clock=Clock())
    google.start()
    microsoft.start()
    try:
        meet, teams = google_client(google), microsoft_client(microsoft)
        verifier, challenge = pkce()
        code = consent(
            meet.authorize_url(REDIRECT, "st", challenge), {"user": "g-host", "grant": [MEET_SCOPE]}
        )
        g_token = meet.exchange_code(code["code"], REDIRECT, verifier).access_token
        verifier, challenge = pkce()
        code = consent(teams.authorize_url(REDIRECT, "st", challenge), {"user": "m-host"})
        m_token = teams.exchange_code(code["code"], REDIRECT, verifier).access_token
        capsys.readouterr()

        space = meet.create_meeting(g_token, session)
        meet.get_meeting(g_token, space.meeting_id)
        meet.update_meeting(g_token, space.meeting_id, session)
        with pytest.raises(ProviderMeetingNotFound):
            meet.get_meeting(g_token, "spaces/gone1234")
        google.add_fault("POST", r"^/v2/spaces$", status=503)
        with pytest.raises(ProviderUnavailable):
            meet.create_meeting(g_token, session)
        meeting = teams.create_meeting(m_token, session)
        teams.update_meeting(m_token, meeting.meeting_id, replace(session, start=start + timedelta(days=1)))
        teams.delete_meeting(m_token, meeting.meeting_id)
        teams.delete_meeting(m_token, meeting.meeting_id)  # gone already: the outcome wanted, a 404 counted
    finally:
        google.stop()
        microsoft.stop()

    found = points(capsys.readouterr().out)
    calls = [(p["dims"]["provider"], p["dims"]["operation"]) for p in named(found, "ProviderCalls")]
    assert calls == [
        ("google", "POST /v2/spaces"),
        ("google", "GET /v2/spaces/{}"),
        ("google", "PATCH /v2/spaces/{}"),
        ("google", "GET /v2/spaces/{}"),
        ("google", "POST /v2/spaces"),
        ("microsoft", "POST /me/onlineMeetings/createOrGet"),
        ("microsoft", "PATCH /me/onlineMeetings/{}"),
        ("microsoft", "PATCH /me/onlineMeetings/{}"),
        ("microsoft", "DELETE /me/onlineMeetings/{}"),
        ("microsoft", "DELETE /me/onlineMeetings/{}"),
    ]
    failures = [
        (p["dims"]["provider"], p["dims"]["operation"], p["dims"]["kind"])
        for p in named(found, "ProviderFailures")
    ]
    assert failures == [
        ("google", "GET /v2/spaces/{}", "http-404"),
        ("google", "POST /v2/spaces", "provider-unavailable"),
        ("microsoft", "DELETE /me/onlineMeetings/{}", "http-404"),
    ]
    ids = (space.meeting_id.removeprefix("spaces/"), meeting.meeting_id)
    assert not [p for p in found if any(i in v for i in ids for v in p["dims"].values())]


def test_every_custom_metric_an_alarm_reads_is_one_the_code_publishes() -> None:
    from shared.adapters.metrics import Metric

    resources = load_template()["Resources"]
    read = set()
    for resource in resources.values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            props = resource["Properties"]
            for query in props.get("Metrics", [{"MetricStat": {"Metric": props}}]):
                metric = query.get("MetricStat", {}).get("Metric", {})
                if metric.get("Namespace") == "vclinks":
                    read.add(metric["MetricName"])
    assert read
    assert read <= {m.value for m in Metric}
