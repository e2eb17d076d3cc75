"""Request and answer bodies of a site's own life (issue 12): its keys, export, deletion, webhook."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.domain.auth import MAX_KEY_OVERLAP
from shared.domain.models import WebUrl
from shared.http.models import Body, View

NEXT_CURSOR = "Give it as `cursor` to read the next page; null on the last page"


class KeyRotation(Body):
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=int(MAX_KEY_OVERLAP.total_seconds()),
        description="How long the current key keeps working beside the new one (0: retired at once)",
    )


class NewApiKey(View):
    api_key: str = Field(description="The new key: shown this once, only its hash is kept")
    previous_key_expires_at: datetime | None = Field(
        description="Until when the previous key still works (null: it no longer does)"
    )


class KeyState(View):
    previous_key_expires_at: datetime | None


class TokenSecretRotated(View):
    previous_secret_valid_until: datetime = Field(
        description="Tokens minted before the rotation work until they expire, at the latest then"
    )


class SiteDeletion(View):
    site_id: str
    status: Literal["deleting"]
    deleted_at: datetime


class ExportRecord(View):
    kind: Literal["site", "staff", "service", "template", "connection", "session", "booking"]
    record: dict[str, Any]


class ExportPage(View):
    items: list[ExportRecord]
    next_cursor: str | None = Field(default=None, description=NEXT_CURSOR)


class WebhookInput(Body):
    url: WebUrl = Field(description="https:// endpoint of the platform that receives the events")
    rotate_secret: bool = Field(default=False, description="Give the endpoint a new secret (shown once)")


class WebhookView(View):
    url: str
    created_at: datetime
    secret: str | None = Field(
        default=None,
        description="`whsec_...` (Standard Webhooks): shown only in the answer that created it",
    )
    events: list[str]


class Delivery(View):
    id: str = Field(description="The message's webhook-id (the same on every attempt)")
    type: str
    attempt: int
    at: datetime
    outcome: Literal["delivered", "failed", "gave_up"]
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class Deliveries(View):
    items: list[Delivery]
    next_cursor: str | None = Field(default=None, description=NEXT_CURSOR)
