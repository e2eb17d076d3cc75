"""Operational metrics as CloudWatch Embedded Metric Format lines (issue 12): Zoom calls and
failures by operation and kind, the dispatcher's due work and the age of the oldest, emails sent
and refused, connections needing reconnect, join clicks; in the namespace and with the
dimensions the alarms of template.yaml read."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from local.template import load_template
from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.work import WorkRef
from tests.support.api import Api, SiteHandle
from tests.support.links import book, join_path, set_default, setup_session
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
