"""Bounded fuzzing of every operation of openapi.json through the gateway and the real
handlers on moto: whatever a caller sends, the answer is never a 5xx (bad input is a 4xx
problem), and every answer matches the documented status codes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from local.gateway import Gateway
from local.template import http_routes, load_template
from tests.support.aws import TEST_ENV, create_world, reset_caches

CREDENTIAL: dict[str, str] = {}


schema = schemathesis.openapi.from_wsgi("/openapi.json", Gateway(http_routes(load_template())))


@pytest.fixture(scope="module", autouse=True)
def fuzz_aws() -> Iterator[None]:
    """moto for the whole module (Hypothesis runs many examples in one test)."""
    import boto3
    from moto import mock_aws

    from shared.bootstrap import container
    from shared.services.sites import create_site

    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(TEST_ENV)
    try:
        with mock_aws():
            create_world(prefix="vclinks-fuzz")
            app = '{"client_id": "id", "client_secret": "secret", "webhook_secret_token": "token"}'
            arn = boto3.client("secretsmanager").create_secret(Name="vclinks/fuzz/app", SecretString=app)[
                "ARN"
            ]
            os.environ["ZOOM_APP_SECRET_ARN"] = arn
            # Google's and Microsoft's OAuth clients too: a deployment that has them (without, their
            # connect routes answer 503 "not configured", which is the operator's to fix, not input)
            providers = '{"google_client_id": "g", "google_client_secret": "s", '
            providers += '"microsoft_client_id": "m", "microsoft_client_secret": "s"}'
            os.environ["PROVIDER_APP_SECRET_ARN"] = boto3.client("secretsmanager").create_secret(
                Name="vclinks/fuzz/providers", SecretString=providers
            )["ARN"]
            reset_caches()
            site, key = create_site(container().repo, "Fuzz Studio")
            CREDENTIAL.update(site=site.site_id, key=key)
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_the_api_fail(case: Any) -> None:
    if "site" in (case.path_parameters or {}):
        case.path_parameters["site"] = CREDENTIAL["site"]  # reach the handlers, not only auth
    case.call_and_validate(
        headers={"Authorization": f"Bearer {CREDENTIAL['key']}"},
        checks=[not_a_server_error, status_code_conformance],
    )
