"""Settings of every function, from environment variables, parsed once and read late."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """What template.yaml's Globals (and the local stack) put in the environment."""

    accounts_table: str = Field(min_length=3)
    session_links_table: str = Field(min_length=3)
    zoom_app_secret_arn: str = ""
    zoom_token_secret_prefix: str = "vclinks/zoom/"
    zoom_api_base_url: str = "https://api.zoom.us/v2"
    zoom_oauth_base_url: str = "https://zoom.us"
    zoom_timeout_seconds: float = Field(default=5.0, gt=0, le=20)
    allowed_return_urls: tuple[str, ...] = ()
    sender_email: str = ""
    public_base_url: str = ""
    """The API's own public base URL (join links, OAuth redirect). Empty in an HTTP function: the
    domain the request came to; the worker always has it (template.yaml gives it the API's URL)."""
    work_queue_url: str = ""
    """The SQS queue of the pipeline's work (template.yaml: WorkQueue)."""
    email_configuration_set: str = ""
    """The SES configuration set every email goes through (its events: bounces, complaints)."""
    stack_name: str = "vclinks"
    """Tags the SES identities this deployment creates for sites' senders (the IAM policy reads it)."""

    @classmethod
    def from_environ(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            accounts_table=env.get("ACCOUNTS_TABLE", ""),
            session_links_table=env.get("SESSION_LINKS_TABLE", ""),
            zoom_app_secret_arn=env.get("ZOOM_APP_SECRET_ARN", ""),
            zoom_token_secret_prefix=env.get("ZOOM_TOKEN_SECRET_PREFIX", "vclinks/zoom/"),
            zoom_api_base_url=env.get("ZOOM_API_BASE_URL") or "https://api.zoom.us/v2",
            zoom_oauth_base_url=env.get("ZOOM_OAUTH_BASE_URL") or "https://zoom.us",
            zoom_timeout_seconds=float(env.get("ZOOM_TIMEOUT_SECONDS") or 5.0),
            allowed_return_urls=tuple(
                u.strip() for u in env.get("ALLOWED_RETURN_URLS", "").split(",") if u.strip()
            ),
            sender_email=env.get("SENDER_EMAIL", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            work_queue_url=env.get("WORK_QUEUE_URL", ""),
            email_configuration_set=env.get("EMAIL_CONFIGURATION_SET", ""),
            stack_name=env.get("STACK_NAME") or "vclinks",
        )
