"""Lambda's SQS event source mapping, on this machine: poll a queue, invoke the handler with a
batch, delete what succeeded, leave what failed for the visibility timeout (then the
dead-letter queue), as AWS does with `ReportBatchItemFailures`. The queue and its function
come from template.yaml (local.template.queue_sources), like routes and schedules.
"""

from __future__ import annotations

import importlib
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from local.gateway import LambdaContext
from local.template import QueueSource

REGION = "eu-west-1"


class QueuePoller:
    def __init__(
        self, source: QueueSource, url: str, arn: str, client: Any, timeout_seconds: int = 60
    ) -> None:
        self.source = source
        self.url = url
        self.arn = arn
        self.client = client
        self.timeout_seconds = timeout_seconds
        self.busy = 0
        self._lock = threading.Lock()
        self._handler: Callable[..., Any] | None = None

    def handler(self) -> Callable[..., Any]:
        if self._handler is None:
            self._handler = getattr(importlib.import_module(self.source.module), self.source.handler)
        return self._handler

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch and hand it to the function; the number of messages handled."""
        answer = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        with self._lock:
            self.busy += 1
        try:
            self._invoke(messages)
        finally:
            with self._lock:
                self.busy -= 1
        return len(messages)

    def _invoke(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(m) for m in messages]}
        try:
            result = self.handler()(event, LambdaContext(self.source.function, self.timeout_seconds))
        except Exception:  # the whole batch failed: every message comes back after the visibility timeout
            traceback.print_exc()
            return
        failed: set[str] = set()
        if self.source.reports_failures and isinstance(result, dict):
            failed = {str(f["itemIdentifier"]) for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": REGION,
        }

    def pending(self) -> int:
        """Messages waiting or in flight."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(self, max_batches: int = 100_000) -> int:
        """Handle batches until the queue is empty (the tests' "the worker has caught up")."""
        handled = 0
        for _ in range(max_batches):
            count = self.poll_once(0)
            if not count:
                return handled
            handled += count
        raise RuntimeError(f"the queue {self.url} did not drain in {max_batches} batches")

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until nothing is queued, in flight, or being handled (the background pollers' work)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            if self.busy == 0 and self.pending() == 0:
                quiet += 1
                if quiet >= 2:
                    return
            else:
                quiet = 0
            time.sleep(0.05)
        raise TimeoutError(f"the queue {self.url} did not settle in {timeout} s")

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set (a background thread of the local stack)."""
        while not stop.is_set():
            try:
                if not self.poll_once(1):
                    continue
            except Exception:  # a poll that fails is retried, as Lambda's poller does
                traceback.print_exc()
                time.sleep(1)
