"""The pipeline's worker: work items from the queue (SQS, partial batch failures); on a schedule,
the reminders that fell due (X08) and the dispatcher's round (due items nobody queued, retries,
daily limits); SES's bounces and complaints (an EventBridge rule on the configuration set)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.bootstrap import container
from shared.http.api import logger
from shared.services import deliveries
from shared.services.reminders import flag_due

processor = BatchProcessor(event_type=EventType.SQS)


def do(record: SQSRecord) -> None:
    """One message: a dispatcher round, or one work item (a failure is the item's, not the batch's:
    the worker records it on the item and retries it later; only a crash fails the message)."""
    container().worker.take(record.body)


def _event_time(event: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.events":  # the schedule, with the time it stands for
        from shared.services.checks import flag_due_checks

        root, at = container(), _event_time(event)
        now = at or root.repo.now()
        reminders = flag_due(root.repo, now)
        checks = flag_due_checks(root.repo, root.queue, now)  # X10: due checks before the round
        return {"reminders": len(reminders), "checks": checks, "queued": root.worker.dispatch(at)}
    if event.get("source") == "aws.ses":  # a bounce or complaint of the configuration set
        root = container()
        return asdict(deliveries.record(root.repo, event, root.queue))
    return dict(
        process_partial_response(event=event, record_handler=do, processor=processor, context=context)
    )
