"""The work queue (SQS): messages that ask the worker to do a work item now.

A message carries only a work item's name; the item itself, with its state, lives in
DynamoDB, written in the same transaction as the change that implied it. So a message that
is lost, late or delivered twice changes nothing: the item is still there, and the worker
acts on what the item and the records say at that moment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from shared.domain.work import WorkRef

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = Logger(service="vclinks")
DISPATCH = json.dumps({"dispatch": True})
"""The message that starts a dispatcher round (the dispatcher queues due items fairly)."""


class WorkQueue:
    def __init__(self, client: SQSClient, url: str) -> None:
        self.client = client
        self.url = url

    def send(self, refs: Sequence[WorkRef]) -> bool:
        """Ask for these items now. False if SQS could not take them: they stay due in the table,
        and the dispatcher queues them when they fall due (nothing is lost, only later)."""
        bodies = [ref.message() for ref in dict.fromkeys(refs)]
        return self._send(bodies)

    def send_dispatch(self) -> bool:
        return self._send([DISPATCH])

    def _send(self, bodies: Sequence[str]) -> bool:
        ok = True
        for start in range(0, len(bodies), 10):
            entries: list[Any] = [
                {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])
            ]
            try:
                answer = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
            except (ClientError, BotoCoreError):
                logger.warning("the work queue refused messages; the dispatcher will queue them later")
                return False
            if answer.get("Failed"):
                logger.warning("the work queue refused messages", extra={"failed": len(answer["Failed"])})
                ok = False
        return ok


def is_dispatch(body: str) -> bool:
    return body == DISPATCH
