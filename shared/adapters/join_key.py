"""The deployment's join-token key (X01): a Secrets Manager secret CloudFormation generates
(`JoinTokenKey` in template.yaml, `{"key": "<64 random characters>"}`), read once per warm
Lambda (the composition root keeps it): every later mint or parse of a join token makes no
AWS call."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from shared.domain.errors import VclinksError
from shared.domain.join_tokens import JoinKey

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


class JoinKeyMissing(VclinksError):
    """The deployment names no join-token key (JOIN_TOKEN_KEY_ARN): a setup error, not the caller's."""

    status = 503
    slug = "join-key-missing"
    title = "This deployment has no join-token key"


def read_join_key(client: SecretsManagerClient, arn: str) -> JoinKey:
    if not arn:
        raise JoinKeyMissing("JOIN_TOKEN_KEY_ARN is not set: deploy template.yaml, or start the local stack.")
    answer = client.get_secret_value(SecretId=arn)
    return JoinKey.derive(str(json.loads(answer["SecretString"])["key"]))
