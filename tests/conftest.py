"""Fixtures shared by the test tiers: AWS on moto, tables from template.yaml, sites in one line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

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
    "ZOOM_TOKEN_SECRET_PREFIX": "vclinks/test/zoom/",
    "ALLOWED_RETURN_URLS": "https://admin.studio.test/",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "vclinks",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def reset_caches() -> None:
    """Drop every per-process cache (settings, clients) so a test's environment takes effect."""
    from shared.adapters.repository import get_store
    from shared.config import get_settings

    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        from shared.adapters.join_key import get_join_key
        from shared.adapters.mailer import get_mailer
        from shared.adapters.zoom import tokens
        from shared.services.zoom import wiring as service

        get_join_key.cache_clear()
        get_mailer.cache_clear()
        tokens.get_token_secrets.cache_clear()
        tokens._app_credentials.clear()
        service.get_zoom_client.cache_clear()
        service.get_token_provider.cache_clear()
        service.get_reconciler.cache_clear()
    except ImportError:
        pass


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    yield dict(TEST_ENV)
    reset_caches()


@dataclass
class Tables:
    accounts: str
    session_links: str


def create_aws_resources(prefix: str) -> dict[str, str]:
    """What the template makes, on the (mocked) AWS of this process: both tables, and the secrets
    CloudFormation generates (the join-token key), named in the environment as in Lambda."""
    import boto3

    from local.aws import create_generated_secrets, create_tables
    from local.template import global_environment_refs, load_template

    template = load_template()
    names = create_tables(boto3.client("dynamodb"), template, prefix=prefix)
    os.environ["ACCOUNTS_TABLE"] = names["AccountsTable"]
    os.environ["SESSION_LINKS_TABLE"] = names["SessionLinksTable"]
    secrets = create_generated_secrets(boto3.client("secretsmanager"), template, prefix)
    os.environ.update(global_environment_refs(template, secrets))
    return names


@pytest.fixture
def moto_aws(aws_env: dict[str, str]) -> Iterator[Tables]:
    """DynamoDB, Secrets Manager and SES on moto, with both tables created from template.yaml."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        names = create_aws_resources(prefix="vclinks-test")
        boto3.client("ses").verify_email_identity(EmailAddress=TEST_ENV["SENDER_EMAIL"])
        reset_caches()
        yield Tables(names["AccountsTable"], names["SessionLinksTable"])
