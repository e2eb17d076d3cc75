"""The one meeting-reference shape the providers' clients return, and the one request they take
(in the spirit of Cal.com's VideoApiAdapter: same verbs, same shape): Google Meet and Microsoft
Teams directly, Zoom through shared.adapters.zoom.provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.adapters.oauth import OAuthTokens
from shared.domain.models import HostedProvider, MeetingSettings


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
    # What only some providers take (the others ignore them): whose meeting it is where a grant
    # may act for other users (Zoom's admin-managed app, W07); the session's marker, written where
    # a lost create can be found again (Zoom's agenda); registration (S03) and the service's
    # meeting settings (S09), and on an update those the meeting was last given (`applied`: a field
    # cleared since is reset where the provider documents how, meeting_settings.reset_paths); the
    # meeting's passcode so far, kept on an update.
    host_user_id: str | None = None
    marker: str = ""
    registration: bool = False
    settings: MeetingSettings = field(default_factory=MeetingSettings)
    passcode: str | None = field(default=None, repr=False)
    applied: MeetingSettings | None = None


@dataclass(frozen=True)
class ProviderMeeting:
    """A provider's meeting as we store it.

    `meeting_id` is the stable id to store (Meet space `name`, Teams meeting `id`);
    `join_url` is what clients open; `host_url` what the host opens (both providers recognise
    the signed-in owner from the same link); `dial_in_code` and `passcode` are the phone/meeting-ID
    way in, where the provider gives one."""

    provider: HostedProvider
    meeting_id: str
    join_url: str
    host_url: str
    dial_in_code: str | None = None
    passcode: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    access: str | None = None  # Meet accessType / Teams lobby scope, as the provider reports it
    host_user_id: str | None = None  # who hosts it there, where the provider says (Zoom's host_id)
    # its settings as the provider reports them, in the provider's names (a Meet space's `config`,
    # a Teams onlineMeeting's properties): the X10 check compares them with the service's (S09)
    settings: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def duration_minutes(self) -> int | None:
        """The meeting's length there, where it has times."""
        if self.start is None or self.end is None:
            return None
        return round((self.end - self.start).total_seconds() / 60)

    def __repr__(self) -> str:  # the passcode stays out of logs
        return f"ProviderMeeting({self.provider}, {self.meeting_id!r}, access={self.access!r})"


USER = "user"
"""The grant kind every provider offers: the signed-in user's own meetings (a connect ticket's
`access`). Zoom's admin-managed app adds "account": every user of the Zoom account (W07)."""


@dataclass(frozen=True)
class Grant:
    """A finished consent: the tokens, and who gave them."""

    tokens: OAuthTokens
    user_id: str
    organization: str  # Zoom: the user's account id; Google, Microsoft: the provider's name
    email: str | None = None
    access: str = USER  # the grant kind (or Zoom's "account")
    account_wide: bool = False  # it may act for every user of the account (Zoom's admin-managed app, W07)
    user_type: int | None = None  # Zoom's user type: 1 Basic (no registrants), 2 Licensed, ...


@dataclass(frozen=True)
class ProviderRegistrant:
    """A client's own registration in a meeting (S03: Zoom's registrants)."""

    registrant_id: str
    join_url: str = field(repr=False)
