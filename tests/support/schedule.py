"""The worker's minute schedule, as EventBridge sends it, for the integration tier."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def run_schedule(at: datetime, worker: Any) -> dict[str, Any]:
    """The worker's scheduled event (EventBridge) at `at` through its handler, then the work it
    queued done (`worker`: the integration tier's fixture); the handler's answer."""
    from functions.worker.app import lambda_handler
    from local.gateway import LambdaContext

    event = {
        "source": "aws.events",
        "detail-type": "Scheduled Event",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": {},
    }
    answer: dict[str, Any] = lambda_handler(event, LambdaContext("WorkerFunction"))
    worker.drain()
    return answer
