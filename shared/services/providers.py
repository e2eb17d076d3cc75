"""The provider interface (issue 13): what the pipeline asks of a video provider whose accounts
are OAuth grants and whose sessions each get a meeting (Zoom, Google Meet, Microsoft Teams).

`MeetingProvider` is the meeting half (create, read, update, delete a session's meeting, acting
with a stored connection); `AccountProvider` the account half (the consent URL, turning a consent
into a grant, revoking it). The reconciler (shared.services.meetings), the connect flow
(shared.services.provider_connect) and the removal of a connection (shared.services.connections)
reach Google and Microsoft only through these; adding a provider is one package in
shared/adapters/ plus its entry in the composition root.

Zoom does not go through it yet: its reconciler branch and connect flow call the Zoom client
directly, for what only Zoom has (the daily quota X11, registrants S03, finding a create whose
answer was lost by its agenda marker, host links, two Zoom apps, W07's user mapping).
"""

from __future__ import annotations

from typing import Protocol

from shared.adapters.provider_meeting import Grant, MeetingRequest, ProviderMeeting
from shared.domain.models import HostedProvider, ZoomConnection


class MeetingProvider(Protocol):
    """A session's meeting at one provider, acted on with a connection's stored grant."""

    @property
    def name(self) -> HostedProvider: ...

    @property
    def keeps_times(self) -> bool:
        """Whether a meeting carries the session's times (a reschedule is a call): Teams and Zoom
        yes, a Google Meet space no (docs/PROVIDERS.md)."""
        ...

    def create(self, connection: ZoomConnection, request: MeetingRequest) -> ProviderMeeting: ...

    def read(self, connection: ZoomConnection, meeting_id: str) -> ProviderMeeting: ...

    def update(
        self, connection: ZoomConnection, meeting_id: str, request: MeetingRequest
    ) -> ProviderMeeting: ...

    def delete(self, connection: ZoomConnection, meeting_id: str) -> None:
        """Gone for the clients (Google: the room closed, as a space cannot be deleted); a meeting
        the provider no longer knows counts as deleted."""


class AccountProvider(Protocol):
    """Connecting an account of the provider (OAuth 2.0 authorization code with PKCE)."""

    @property
    def name(self) -> HostedProvider: ...

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str: ...

    def connect(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        """The code exchanged and the user read; raises a Provider* error (a missing scope, an
        account that cannot make meetings, a failed exchange)."""

    def revoke(self, refresh_token: str) -> None:
        """The grant ended at the provider where it can be (Microsoft cannot: forgetting is all)."""


class Provider(MeetingProvider, AccountProvider, Protocol):
    """Both halves: what the composition root builds per provider."""
