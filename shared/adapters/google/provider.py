"""Google Meet behind the provider interface (shared.services.providers): a Meet space per
session (docs/PROVIDERS.md says why), tokens through shared.adapters.provider_tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.adapters.google.client import GoogleClient
from shared.adapters.provider_meeting import USER, Grant, MeetingRequest, ProviderMeeting
from shared.adapters.provider_tokens import ProviderTokens
from shared.domain.errors import ProviderConnectFailed
from shared.domain.models import Connection


@dataclass
class GoogleMeet:
    client: GoogleClient
    tokens: ProviderTokens
    secret_prefix: str  # where its grants' secrets are kept (the worker's alone)
    client_secret: str = field(repr=False)  # our OAuth client's: it signs the connect flow's state
    name: Literal["google"] = "google"
    accesses = frozenset({USER})  # the signed-in user's own meetings
    keeps_times: bool = GoogleClient.KEEPS_TIMES

    def create(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting:
        return self.tokens.call(connection, lambda token: self.client.create_meeting(token, request))

    def read(self, connection: Connection, meeting_id: str) -> ProviderMeeting:
        return self.tokens.call(connection, lambda token: self.client.get_meeting(token, meeting_id))

    def update(self, connection: Connection, meeting_id: str, request: MeetingRequest) -> ProviderMeeting:
        return self.tokens.call(
            connection, lambda token: self.client.update_meeting(token, meeting_id, request)
        )

    def delete(self, connection: Connection, meeting_id: str) -> None:
        """A space cannot be deleted: its door is closed (the link opens no meeting)."""
        self.tokens.call(connection, lambda token: self.client.close_meeting(token, meeting_id))

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, access: str = USER) -> str:
        return self.client.authorize_url(redirect_uri, state, code_challenge)

    def connect(self, code: str, redirect_uri: str, code_verifier: str, access: str = USER) -> Grant:
        tokens = self.client.exchange_code(code, redirect_uri, code_verifier)
        account = self.client.account(tokens)
        if not account.subject:
            raise ProviderConnectFailed(
                "Google did not say which account connected (no OpenID subject); connect again.",
                provider=self.name,
            )
        return Grant(tokens, account.subject, self.name, account.email)

    def state_key(self) -> str:
        return self.client_secret

    def secret_parts(self, grant: Grant) -> tuple[str, ...]:
        return (self.name, grant.user_id)  # one grant per user of our one OAuth client

    def revoke(self, refresh_token: str) -> None:
        self.client.revoke(refresh_token)
