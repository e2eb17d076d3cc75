"""The one meeting-reference shape the Google Meet and Microsoft Teams clients return, and the
one request they take (in the spirit of Cal.com's VideoApiAdapter: same verbs, same shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from shared.adapters.oauth import OAuthTokens
from shared.domain.models import MeetingSettings

Provider = Literal["google", "microsoft"]


@dataclass(frozen=True)
class MeetingRequest:
    """What a session asks of its meeting.

    `external_id` is our idempotency key where the provider takes one (Teams `externalId`); make
    it from the session and a generation that grows each time a meeting is made anew, so a
    cancelled-then-restored session never collides with its deleted meeting's id.
    `settings`: the service's (S09); each provider sends its own part (`google`, `microsoft`:
    shared.domain.meeting_settings), whose defaults let a booking's clients, outsiders, join
    without waiting to be admitted (Meet `accessType: OPEN`, Teams lobby `everyone`).
    """

    external_id: str
    subject: str
    start: datetime
    end: datetime
    settings: MeetingSettings = field(default_factory=MeetingSettings)


@dataclass(frozen=True)
class ProviderMeeting:
    """A provider's meeting as we store it.

    `meeting_id` is the stable id to store (Meet space `name`, Teams meeting `id`);
    `join_url` is what clients open; `host_url` what the host opens (both providers recognise
    the signed-in owner from the same link); `dial_in_code` and `passcode` are the phone/meeting-ID
    way in, where the provider gives one."""

    provider: Provider
    meeting_id: str
    join_url: str
    host_url: str
    dial_in_code: str | None = None
    passcode: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    access: str | None = None  # Meet accessType / Teams lobby scope, as the provider reports it

    def __repr__(self) -> str:  # the passcode stays out of logs
        return f"ProviderMeeting({self.provider}, {self.meeting_id!r}, access={self.access!r})"


@dataclass(frozen=True)
class Grant:
    """A finished consent: the tokens, and who gave them."""

    tokens: OAuthTokens
    user_id: str
    organization: str  # Google, Microsoft: the provider's name (Zoom would put its account id)
    email: str | None = None
    details: dict[str, str] = field(default_factory=dict)
