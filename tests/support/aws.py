"""AWS for the tests: the environment, moto's tables and queues from template.yaml, the worker."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

REGION = "eu-west-1"
TEST_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "ACCOUNTS_TABLE": "vclinks-test-accounts",
    "SESSION_LINKS_TABLE": "vclinks-test-session-links",
    "PUBLIC_BASE_URL": "https://api.vclinks.test",
    "SENDER_EMAIL": "bookings@studio.test",
    "EMAIL_CONFIGURATION_SET": "vclinks-test-emails",
    "STACK_NAME": "vclinks-test",
    "ZOOM_TOKEN_SECRET_PREFIX": "vclinks/test/zoom/",
    "ALLOWED_RETURN_URLS": "https://admin.studio.test/",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "vclinks",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def reset_caches() -> None:
    """A new composition root, so a test's environment takes effect."""
    from shared import bootstrap

    bootstrap.reset()


@dataclass
class Tables:
    accounts: str
    session_links: str
    work_queue: str = ""


def create_world(prefix: str = "vclinks-test") -> tuple[Tables, Any]:
    """Tables and queues of template.yaml on the current (moto) endpoint; the environment names them.
    Returns the tables and the work queue's poller (what Lambda's SQS polling does in AWS)."""
    import boto3

    from local.aws import create_generated_secrets, create_queues, create_tables
    from local.esm import QueuePoller
    from local.ses import emulate_identity_verification
    from local.template import function_timeout, global_environment_refs, load_template, queue_sources

    template = load_template()
    names = create_tables(boto3.client("dynamodb"), template, prefix=prefix)
    queues = create_queues(boto3.client("sqs"), template, prefix, visibility_seconds=0)
    os.environ["ACCOUNTS_TABLE"] = names["AccountsTable"]
    os.environ["SESSION_LINKS_TABLE"] = names["SessionLinksTable"]
    os.environ["WORK_QUEUE_URL"] = queues["WorkQueue"]
    secrets = create_generated_secrets(boto3.client("secretsmanager"), template, prefix)  # the join key
    os.environ.update(global_environment_refs(template, secrets))
    emulate_identity_verification()
    boto3.client("ses").verify_email_identity(EmailAddress=TEST_ENV["SENDER_EMAIL"])
    boto3.client("sesv2").create_configuration_set(ConfigurationSetName=TEST_ENV["EMAIL_CONFIGURATION_SET"])
    reset_caches()
    (source,) = queue_sources(template)
    poller = QueuePoller(
        source,
        queues[source.queue],
        queues[f"{source.queue}.Arn"],
        boto3.client("sqs"),
        function_timeout(template, source.function),
    )
    return Tables(names["AccountsTable"], names["SessionLinksTable"], queues["WorkQueue"]), poller
