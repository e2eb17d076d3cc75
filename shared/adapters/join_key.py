"""The deployment's join-token key (X01): a Secrets Manager secret CloudFormation generates
(`JoinTokenKey` in template.yaml, `{"key": "<64 random characters>"}`), read once per warm
Lambda: every later mint or parse of a join token makes no AWS call."""

from __future__ import annotations

import json
from functools import lru_cache

import boto3

from shared.config import get_settings
from shared.domain.errors import VclinksError
from shared.domain.join_tokens import JoinKey


class JoinKeyMissing(VclinksError):
    """The deployment names no join-token key (JOIN_TOKEN_KEY_ARN): a setup error, not the caller's."""

    status = 503
    slug = "join-key-missing"
    title = "This deployment has no join-token key"


@lru_cache(maxsize=1)
def get_join_key() -> JoinKey:
    arn = get_settings().join_token_key_arn
    if not arn:
        raise JoinKeyMissing("JOIN_TOKEN_KEY_ARN is not set: deploy template.yaml, or start the local stack.")
    answer = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
    return JoinKey.derive(str(json.loads(answer["SecretString"])["key"]))
