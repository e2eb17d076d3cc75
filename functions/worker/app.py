"""The pipeline's worker: work items from the queue (SQS, partial batch failures), and the
dispatcher's round on a schedule (a safety net: due items nobody queued, retries, daily limits)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.queue import is_dispatch
from shared.bootstrap import container
from shared.domain.work import WorkRef
from shared.http.api import logger

processor = BatchProcessor(event_type=EventType.SQS)


def do(record: SQSRecord) -> None:
    """One message: a dispatcher round, or one work item (a failure is the item's, not the batch's:
    the worker records it on the item and retries it later; only a crash fails the message)."""
    worker = container().worker
    if is_dispatch(record.body):
        worker.dispatch()
        return
    worker.run(WorkRef.from_message(record.body))


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
        checks = flag_due_checks(root.repo, root.queue, at or datetime.now(UTC))  # X10: due checks first
        return {"queued": root.worker.dispatch(at), "checks": checks}
    return dict(
        process_partial_response(event=event, record_handler=do, processor=processor, context=context)
    )
