"""The provider interface (issue 13): what the pipeline asks of a video provider whose accounts
are OAuth grants and whose sessions each get a meeting (Zoom, Google Meet, Microsoft Teams).

`MeetingProvider` is the meeting half (create, read, update, delete a session's meeting, acting
with a stored connection); `AccountProvider` the account half (the consent URL and grant kinds,
turning a consent into a grant, naming and revoking it). The reconciler (shared.services.meetings),
the checks before a session, registrants, the one connect flow (shared.services.connect) and the
removal of a connection (shared.services.connections) reach every provider, Zoom included, only
through these and the optional capabilities below, checked by type, never by name.

What stays Zoom's own, outside the interface, because no other provider has it: its webhooks
(shared.services.zoom.webhooks), the refresh of an expired host link on click (host_links), the
users of an account-wide grant (users, W07) and the daily-quota report (usage, X11).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol, runtime_checkable

from shared.adapters.provider_meeting import Grant, MeetingRequest, ProviderMeeting, ProviderRegistrant
from shared.domain.models import Connection, HostedProvider


class MeetingProvider(Protocol):
    """A session's meeting at one provider, acted on with a connection's stored grant."""

    @property
    def name(self) -> HostedProvider: ...

    @property
    def keeps_times(self) -> bool:
        """Whether a meeting carries the session's times (a reschedule is a call): Teams and Zoom
        yes, a Google Meet space no (docs/PROVIDERS.md)."""
        ...

    def create(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting: ...

    def read(self, connection: Connection, meeting_id: str) -> ProviderMeeting:
        """Raises ProviderMeetingNotFound when the provider no longer has it."""
        ...

    def update(
        self, connection: Connection, meeting_id: str, request: MeetingRequest
    ) -> ProviderMeeting | None:
        """The meeting changed to the request's times and settings; the meeting as the provider's
        answer gives it, or None when the answer carries none (Zoom's PATCH: 204). Raises
        ProviderMeetingNotFound when the provider no longer has it."""
        ...

    def delete(self, connection: Connection, meeting_id: str) -> None:
        """Gone for the clients (Google: the room closed, as a space cannot be deleted); a meeting
        the provider no longer knows counts as deleted."""


class AccountProvider(Protocol):
    """Connecting an account of the provider (OAuth 2.0 authorization code with PKCE): what the one
    connect flow (shared.services.connect) asks of it."""

    @property
    def name(self) -> HostedProvider: ...

    @property
    def accesses(self) -> frozenset[str]:
        """The grant kinds it offers (`USER`, and for Zoom "account"); a ticket asking another is
        refused before it is spent."""
        ...

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, access: str) -> str:
        """The consent page of the app that gives `access` (one of `accesses`)."""
        ...

    def connect(self, code: str, redirect_uri: str, code_verifier: str, access: str) -> Grant:
        """The code exchanged and the user read; raises a VclinksError (a missing scope, named in
        its `missing_scopes` where the provider says which; an account that cannot make meetings;
        a failed exchange)."""
        ...

    @property
    def secret_prefix(self) -> str:
        """Where its grants' secrets are kept: Zoom's under the prefix the request functions may
        read (inline attempts), the others' under the worker's alone (template.yaml)."""
        ...

    def state_key(self) -> str:
        """What signs the state of its connect flows: its OAuth client's secret (a state made for
        one provider's flow fails another's signature)."""
        ...

    def secret_parts(self, grant: Grant) -> tuple[str, ...]:
        """What names the grant's secret: the provider keeps one grant per user (and, for Zoom, per
        app and account), so the connections of one user share it."""
        ...

    def revoke(self, refresh_token: str) -> None:
        """The grant ended at the provider where it can be (Microsoft cannot: forgetting is all)."""


class Provider(MeetingProvider, AccountProvider, Protocol):
    """Both halves: what the composition root builds per provider."""


# -- optional capabilities (checked with isinstance: a provider has them or not) ---------------


@runtime_checkable
class ActsInline(Protocol):
    """A provider a request's own attempt may call (DESIGN.md: one provider call inline, the rest
    queued): `inline()` is a view of it held to that budget. Others are the worker's alone (Google
    and Microsoft: the request functions cannot read their credentials)."""

    def inline(self) -> MeetingProvider: ...


@runtime_checkable
class FindsLostCreate(Protocol):
    """A provider whose create takes no idempotency key but keeps the request's `marker` where it
    can be searched (Zoom's agenda): a create whose answer was lost is found, never made twice."""

    def find_lost(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting | None: ...


@runtime_checkable
class Registrants(Protocol):
    """Each client's own registration in a session's meeting (S03: Zoom's registrants)."""

    def add_registrant(
        self, connection: Connection, meeting_id: str, email: str, first_name: str, last_name: str
    ) -> ProviderRegistrant: ...

    def cancel_registrant(
        self, connection: Connection, meeting_id: str, registrant_id: str, email: str
    ) -> None:
        """A meeting the provider no longer has counts as done."""
        ...


@runtime_checkable
class ChecksGrant(Protocol):
    """The checks before a session (X10) first see that the grant still works (its tokens
    refresh); raises the provider's needs-reconnect error when it does not."""

    def check_grant(self, connection: Connection) -> None: ...


@runtime_checkable
class ExpiringHostLink(Protocol):
    """The host's link stops working a while after it is read (Zoom's start_url: 2 hours): the
    checks before a session store the one their read gave."""

    @property
    def host_link_lifetime(self) -> timedelta: ...


@runtime_checkable
class RevokesConnection(Protocol):
    """Revoking depends on the connection, not only its refresh token (Zoom: which of its two apps
    made it; a connection from before grants were shared revokes nothing others still use).
    `refresh_token` reads the stored one, only when it is needed."""

    def revoke_connection(self, connection: Connection, refresh_token: Callable[[], str]) -> None: ...
