"""The operator's commands on moto (issue 12): `vclinks site list | rotate-key | rotate-token-secret |
export | delete` act on the tables with the operator's AWS credentials; `vclinks status` reads a
deployment's health from SQS, DynamoDB and CloudWatch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from shared.bootstrap import container
from shared.domain.auth import Credential, authenticate
from shared.domain.errors import Unauthorized
from shared.domain.models import Connection, ConnectionStatus
from shared.domain.work import WorkRef
from shared.services.sites import create_site
from vclinks_cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_site_list_shows_every_site_and_those_being_deleted(moto_aws: Any, capsys: Any) -> None:
    repo = container().repo
    kept, _ = create_site(repo, "Kept Studio")
    going, _ = create_site(repo, "Going Studio")
    assert main(["site", "delete", going.site_id, "--no-export"]) == 0
    capsys.readouterr()

    code, out = _run(capsys, "site", "list", "--json")

    assert code == 0
    listed = {s["site_id"]: s for s in json.loads(out)}
    assert set(listed) == {kept.site_id, going.site_id}
    assert listed[kept.site_id]["name"] == "Kept Studio"
    assert listed[kept.site_id]["deleting"] is False
    assert listed[going.site_id]["deleting"] is True


def test_rotate_key_prints_a_new_key_and_the_old_one_works_through_the_overlap(
    moto_aws: Any, capsys: Any
) -> None:
    site, old_key = create_site(container().repo, "Studio")

    code, out = _run(capsys, "site", "rotate-key", site.site_id, "--overlap-hours", "2", "--json")

    assert code == 0
    new_key = json.loads(out)["api_key"]
    stored = container().repo.get_site(site.site_id)
    assert authenticate(stored, site.site_id, f"Bearer {new_key}").credential is Credential.API_KEY
    assert authenticate(stored, site.site_id, f"Bearer {old_key}").credential is Credential.PREVIOUS_API_KEY
    assert main(["site", "rotate-key", site.site_id, "--overlap-hours", "0"]) == 0
    stored = container().repo.get_site(site.site_id)
    for key in (old_key, new_key):
        with pytest.raises(Unauthorized):
            authenticate(stored, site.site_id, f"Bearer {key}")


def test_rotate_key_of_an_unknown_site_says_so(moto_aws: Any, capsys: Any) -> None:
    assert main(["site", "rotate-key", "no-such-site"]) == 1
    assert "No site 'no-such-site'" in capsys.readouterr().err


def test_delete_exports_first_then_the_pipeline_removes_the_site(
    moto_aws: Any, worker: Any, tmp_path: Path, capsys: Any
) -> None:
    repo = container().repo
    site, _ = create_site(repo, "Leaving")
    target = tmp_path / "leaving.json"

    assert main(["site", "delete", site.site_id, "--export-to", str(target)]) == 0

    exported = json.loads(target.read_text())
    assert exported["site_id"] == site.site_id
    assert [r["kind"] for r in exported["records"]] == ["site"]
    assert "api_key_hash" not in target.read_text()
    worker.drain()
    assert repo.get_site(site.site_id) is None


def test_delete_needs_an_export_or_a_word_that_none_is_wanted(moto_aws: Any) -> None:
    site, _ = create_site(container().repo, "Studio")
    with pytest.raises(SystemExit) as refused:
        main(["site", "delete", site.site_id])
    assert refused.value.code == 2
    assert container().repo.get_site(site.site_id) is not None


def test_status_shows_queues_pending_work_reconnects_and_alarms(moto_aws: Any, capsys: Any) -> None:
    repo = container().repo
    site, _ = create_site(repo, "Studio")
    now = datetime.now(UTC)
    repo.import_work([WorkRef.session(site.site_id, "s1")], now - timedelta(minutes=42))
    repo.import_work([WorkRef.session(site.site_id, "s2")], now + timedelta(hours=3))  # waiting, not due
    repo.update_connection(
        site.site_id,
        "conn-1",
        lambda _: Connection(
            site_id=site.site_id,
            connection_id="conn-1",
            staff_id="anna",
            zoom_account_id="acct",
            zoom_user_id="zu",
            status=ConnectionStatus.NEEDS_RECONNECT,
            secret_name="vclinks/test/zoom/x",
            created_at=now,
        ),
    )
    sqs = boto3.client("sqs")
    dlq = sqs.get_queue_url(QueueName=f"{moto_aws.accounts.rsplit('-', 1)[0]}-WorkDeadLetterQueue")[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="vclinks-DeadLetters",
        MetricName="ApproximateNumberOfMessagesVisible",
        Namespace="AWS/SQS",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="vclinks-DeadLetters", StateValue="ALARM", StateReason="1 message")

    code, out = _run(capsys, "status", "--json")

    assert code == 0
    found = json.loads(out)
    assert found["dead_letters"] == 1
    assert found["queue_messages"] == 0
    assert found["pending_work"] == 2
    assert found["due_work"] == 1
    assert 42 * 60 - 5 <= found["oldest_due_seconds"] <= 42 * 60 + 60
    assert found["needs_reconnect"] == [
        {"site_id": site.site_id, "connection_id": "conn-1", "staff_id": "anna"}
    ]
    assert [(a["name"], a["state"]) for a in found["alarms"]] == [("vclinks-DeadLetters", "ALARM")]
    assert found["healthy"] is False
    assert main(["status"]) == 0
    assert "NEEDS ATTENTION" in capsys.readouterr().out
