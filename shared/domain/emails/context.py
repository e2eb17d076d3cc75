"""What an email says, independent of how it is rendered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from shared.domain.models import EmailType, Language


class JoinDetails(BaseModel):
    """The online-join section: a stable /v1/j/ link (X01) and what goes with it."""

    model_config = ConfigDict(frozen=True)
    url: str
    password: str | None = None
    description: str | None = None
    opens_at: datetime | None = None
    provider: str | None = None


class EmailContext(BaseModel):
    model_config = ConfigDict(frozen=True)
    email_type: EmailType
    language: Language
    recipient: Literal["client", "staff"]
    site_name: str
    client_name: str
    staff_name: str | None
    service_name: str
    session_start: datetime
    session_end: datetime
    timezone: str
    client_join: JoinDetails | None = None
    staff_join: JoinDetails | None = None
    booking_id: str
    session_id: str
    cancelled: bool = False

    @property
    def join(self) -> JoinDetails | None:
        """The section this recipient gets: never the host link in a client's email."""
        return self.client_join if self.recipient == "client" else self.staff_join

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone()) if moment.tzinfo else moment.replace(tzinfo=UTC)
