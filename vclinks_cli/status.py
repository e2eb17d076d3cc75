"""`vclinks status`: a deployment's health, read where it lives (SQS, DynamoDB, CloudWatch).

The work queue's depth and the dead-letter queue's (found through the queue's redrive policy),
the pipeline's pending work and how long the oldest due item has waited since it was first
flagged, the Zoom connections that need reconnecting, and the alarms in ALARM or changed in
the last day (those of the stack when --stack names it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from shared import bootstrap


@dataclass
class Health:
    queue_messages: int | None = None
    queue_in_flight: int | None = None
    dead_letters: int | None = None
    pending_work: int = 0
    due_work: int = 0
    oldest_due_seconds: int | None = None
    needs_reconnect: list[dict[str, Any]] = field(default_factory=list)
    alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not (
            self.dead_letters or self.needs_reconnect or any(a["state"] == "ALARM" for a in self.alarms)
        )


def health(stack: str | None = None, now: datetime | None = None) -> Health:
    root = bootstrap.reset()
    moment = now or datetime.now(UTC)
    found = Health()
    _queues(found, root.settings.work_queue_url)
    found.pending_work, found.due_work, oldest = root.repo.work_backlog(moment)
    found.oldest_due_seconds = int(moment.timestamp()) - oldest if oldest is not None else None
    found.needs_reconnect = [
        {"site_id": c.site_id, "connection_id": c.connection_id, "staff_id": c.staff_id}
        for c in root.repo.connections_needing_reconnect()
    ]
    found.alarms = _alarms(stack, moment)
    return found


def _queues(found: Health, url: str) -> None:
    if not url:
        return
    sqs = boto3.client("sqs")
    names: Any = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "RedrivePolicy"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    found.queue_messages = int(attributes.get("ApproximateNumberOfMessages", 0))
    found.queue_in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
    redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    if redrive.get("deadLetterTargetArn"):
        dlq = sqs.get_queue_url(QueueName=redrive["deadLetterTargetArn"].rsplit(":", 1)[-1])["QueueUrl"]
        dead = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
        found.dead_letters = int(dead["Attributes"].get("ApproximateNumberOfMessages", 0))


def _alarms(stack: str | None, now: datetime) -> list[dict[str, Any]]:
    cloudwatch = boto3.client("cloudwatch")
    kwargs: dict[str, Any] = {"AlarmNamePrefix": f"{stack}-"} if stack else {}
    alarms = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(**kwargs):
        for alarm in page.get("MetricAlarms", []):
            changed = alarm.get("StateUpdatedTimestamp")
            recent = changed is not None and changed > now - timedelta(days=1)
            if alarm["StateValue"] == "ALARM" or recent:
                alarms.append(
                    {
                        "name": alarm["AlarmName"],
                        "state": alarm["StateValue"],
                        "since": changed.isoformat() if changed else None,
                        "reason": alarm.get("StateReason", ""),
                    }
                )
    return alarms


def render(found: Health) -> str:
    def minutes(seconds: int | None) -> str:
        return "none due" if seconds is None else f"{max(seconds, 0) // 60} min"

    lines = [
        f"work queue:           {found.queue_messages} waiting, {found.queue_in_flight} in flight",
        f"dead-letter queue:    {found.dead_letters}",
        f"pending work:         {found.pending_work} items, {found.due_work} due now, "
        f"oldest due waiting {minutes(found.oldest_due_seconds)}",
        f"connections needing reconnect: {len(found.needs_reconnect)}",
    ]
    lines += [
        f"  {c['site_id']} {c['connection_id']} staff={c['staff_id'] or '-'}" for c in found.needs_reconnect
    ]
    lines.append(f"alarms (in ALARM or changed in 24 h): {len(found.alarms)}")
    lines += [f"  {a['name']}: {a['state']} since {a['since']}" for a in found.alarms]
    lines.append("healthy" if found.healthy else "NEEDS ATTENTION")
    return "\n".join(lines)


def as_json(found: Health) -> str:
    return json.dumps({**asdict(found), "healthy": found.healthy}, indent=2)
