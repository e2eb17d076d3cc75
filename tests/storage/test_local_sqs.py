"""The local stack's SQS (moto) at a real backlog's size: the queue's attributes are read
lazily (local.aws._QueueAttributes) with the same names and values as moto gives them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.aws import MOTO_QUEUE_ATTRIBUTES, _QueueAttributes


@pytest.fixture
def sqs(aws_env: dict[str, str]) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs")


def _queue(sqs: Any, name: str, **attributes: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    sqs.create_queue(QueueName=name, Attributes=attributes)
    return sqs_backends[DEFAULT_ACCOUNT_ID][sqs.meta.region_name].queues[name]


def test_the_attributes_are_moto_s_own_for_plain_fifo_and_redriven_queues(sqs: Any) -> None:
    dead = _queue(sqs, "dead")
    queues = [
        _queue(sqs, "plain", VisibilityTimeout="5", DelaySeconds="1"),
        _queue(sqs, "ordered.fifo", FifoQueue="true", ContentBasedDeduplication="true"),
        _queue(
            sqs,
            "redriven",
            RedrivePolicy=json.dumps({"deadLetterTargetArn": dead.queue_arn, "maxReceiveCount": "5"}),
            Policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
        ),
    ]
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="plain")["QueueUrl"], MessageBody="x")

    for queue in queues:
        assert dict(_QueueAttributes(queue)) == MOTO_QUEUE_ATTRIBUTES.fget(queue), queue.name


def test_a_receive_does_not_walk_the_backlog_per_message(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="backlog", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    for _ in range(300):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": "x"} for n in range(10)])

    began = time.perf_counter()
    received = sum(
        len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) for _ in range(10)
    )
    seconds = time.perf_counter() - began

    assert received == 100
    assert seconds < 5.0  # moto's own attributes: about 35 s on this machine (3,000 messages)
