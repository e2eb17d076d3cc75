"""Zoom behind the provider interface (shared.services.providers), with what only Zoom has as
optional capabilities: a create whose answer was lost found by the session's marker in its agenda
(`find_lost`), registrants (S03), the grant checked before a session (X10), a host link that
expires (start_url), revocation per Zoom app. Zoom's daily quota (X11) is counted here, before each
create or update is sent, so the reconciler needs to know nothing of it.

The Zoom client and its tokens are built on first use (`client`, `tokens`: the composition root
passes an inline attempt's client with its call budget, or the worker's): a deployment without a
Zoom app, or a session on Google or Teams, never builds them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from shared.adapters.oauth import OAuthTokens
from shared.adapters.provider_meeting import USER, Grant, MeetingRequest, ProviderMeeting, ProviderRegistrant
from shared.adapters.repository import Repository
from shared.adapters.zoom.errors import ZoomNotFound
from shared.adapters.zoom.scopes import missing_scopes
from shared.domain.errors import ProviderMeetingNotFound, ZoomMissingScopes, ZoomRateLimited
from shared.domain.models import Connection, ZoomAppType
from shared.domain.work import Deferred

if TYPE_CHECKING:
    from shared.adapters.zoom.client import MeetingSpec, ZoomClient, ZoomMeeting
    from shared.adapters.zoom.tokens import TokenProvider

DAILY_LIMIT = 100
"""Meeting creates and updates per host per UTC day (SOURCE.md "daily limit")."""
PASSCODE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
START_URL_LIFETIME = timedelta(hours=2)
"""Zoom's start_url stops opening the meeting 2 hours after it was read (SOURCE.md)."""


class ZoomMeetings:
    """A session's Zoom meeting, acted on with a connection's grant (its tokens refreshed by one
    writer at a time: shared.adapters.zoom.tokens)."""

    name: Literal["zoom"] = "zoom"
    accesses = frozenset({USER, ZoomAppType.ADMIN_MANAGED.value})  # S01, W07: two Zoom apps
    keeps_times = True
    host_link_lifetime = START_URL_LIFETIME

    def __init__(
        self,
        client: Callable[[], ZoomClient],
        tokens: Callable[[], TokenProvider],
        repo: Repository,
        clock: Callable[[], datetime],
        daily_limit: int = DAILY_LIMIT,
        *,
        secret_prefix: str,
        state_key: Callable[[], str],
    ) -> None:
        self._client_of, self._tokens_of = client, tokens
        self.secret_prefix = secret_prefix  # where its grants' secrets are kept (readable inline)
        self._state_key = state_key  # the user-managed app's client secret, read when a flow needs it
        self._client: ZoomClient | None = None
        self._tokens: TokenProvider | None = None
        self.repo = repo
        self.clock = clock
        self.daily_limit = daily_limit

    @property
    def client(self) -> ZoomClient:
        if self._client is None:
            self._client = self._client_of()
        return self._client

    @property
    def tokens(self) -> TokenProvider:
        if self._tokens is None:
            self._tokens = self._tokens_of()
        return self._tokens

    def inline(self) -> ZoomMeetings:
        """The same provider over an inline client: at most one call to Zoom (a request's attempt;
        the tokens' cache and lock are shared)."""
        from functools import cache

        client = cache(lambda: self.client.inline())
        return ZoomMeetings(
            client,
            lambda: self.tokens.using(client()),
            self.repo,
            self.clock,
            self.daily_limit,
            secret_prefix=self.secret_prefix,
            state_key=self._state_key,
        )

    def _call(self, connection: Connection, action: Callable[[str], Any]) -> Any:
        return self.tokens.call(connection, action)

    # -- the meeting half ------------------------------------------------------------------

    def create(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting:
        """POST /users/{host}/meetings: the request's host may be another user of the connection's
        Zoom account (an admin-managed grant, W07)."""
        host = _host(connection, request)
        spec = _spec(request, None)
        made = self._counted(host, connection, lambda token: self.client.create_meeting(token, host, spec))
        return _meeting(made)

    def read(self, connection: Connection, meeting_id: str) -> ProviderMeeting:
        with _not_found(meeting_id):
            return _meeting(self._call(connection, lambda token: self.client.get_meeting(token, meeting_id)))

    def update(self, connection: Connection, meeting_id: str, request: MeetingRequest) -> None:
        """PATCH /meetings/{id}; its answer (204) carries no meeting."""
        spec = _spec(request, request.passcode)
        with _not_found(meeting_id):
            self._counted(
                _host(connection, request),
                connection,
                lambda token: self.client.update_meeting(token, meeting_id, spec),
            )

    def delete(self, connection: Connection, meeting_id: str) -> None:
        """DELETE; a meeting in progress or ended is over as well (shared.adapters.zoom.client)."""
        with _not_found(meeting_id):
            self._call(connection, lambda token: self.client.delete_meeting(token, meeting_id))

    def _counted(self, host: str, connection: Connection, action: Callable[[str], Any]) -> Any:
        """A meeting create or update: counted against the host's daily limit before it is sent (X11)."""
        day = self.clock().astimezone(UTC).date()
        if not self.repo.spend_zoom_quota(host, day, self.daily_limit):
            raise ZoomRateLimited(
                f"The Zoom user reached the daily limit of {self.daily_limit} meeting creations and "
                "updates; the work resumes after 00:00 UTC.",
                daily_limit=True,
                host_user_id=host,
            )
        try:
            return self._call(connection, action)
        except ZoomRateLimited as limited:
            if limited.extra.get("daily_limit"):  # Zoom counts the host's calls by other apps too
                self.repo.fill_zoom_quota(host, day, self.daily_limit)
                limited.extra["host_user_id"] = host
            raise
        except Deferred:  # never sent (an inline attempt's budget went on a token refresh)
            self.repo.refund_zoom_quota(host, day)
            raise

    # -- capabilities ----------------------------------------------------------------------

    def find_lost(self, connection: Connection, request: MeetingRequest) -> ProviderMeeting | None:
        """The host's upcoming meetings, searched for the one whose agenda is the session's marker."""
        host = _host(connection, request)
        meetings = self._call(connection, lambda token: self.client.list_meetings(token, host))
        found = next((m.id for m in meetings if (m.agenda or "").strip() == request.marker), None)
        if found is None:
            return None
        return _meeting(self._call(connection, lambda token: self.client.get_meeting(token, found)))

    def check_grant(self, connection: Connection) -> None:
        """Its tokens still refresh (raises ZoomNeedsReconnect when not)."""
        self.tokens.access_token(connection)

    def add_registrant(
        self, connection: Connection, meeting_id: str, email: str, first_name: str, last_name: str
    ) -> ProviderRegistrant:
        added = self._call(
            connection,
            lambda token: self.client.add_registrant(token, meeting_id, email, first_name, last_name),
        )
        return ProviderRegistrant(added.registrant_id, added.join_url)

    def cancel_registrant(
        self, connection: Connection, meeting_id: str, registrant_id: str, email: str
    ) -> None:
        pair = [(registrant_id, email)]
        with contextlib.suppress(ZoomNotFound):  # the meeting is gone: so is its registrant
            self._call(connection, lambda token: self.client.cancel_registrants(token, meeting_id, pair))

    # -- the account half ------------------------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str, access: str = USER) -> str:
        """The consent page of the Zoom app that gives `access`: the user-managed one, or the
        admin-managed one for "account" (refused when the deployment has none)."""
        return self.client.authorize_url(redirect_uri, state, code_challenge, ZoomAppType(access))

    def connect(self, code: str, redirect_uri: str, code_verifier: str, access: str = USER) -> Grant:
        """The code exchanged with the app that gave the consent; a grant without every scope that
        app needs is refused (the user unticked them, or the app lacks them: SOURCE.md), before
        the user is read or anything stored."""
        app = ZoomAppType(access)
        pair = self.client.exchange_code(code, redirect_uri, code_verifier, app)
        missing = missing_scopes(app, pair.scope)
        if missing:
            raise ZoomMissingScopes(
                f"Zoom connected without the scopes this app needs: {', '.join(missing)}.",
                missing_scopes=missing,
            )
        user = self.client.get_user(pair.access_token)
        tokens = OAuthTokens(
            pair.access_token, pair.refresh_token, pair.expires_at, frozenset(pair.scope.split())
        )
        wide = app is ZoomAppType.ADMIN_MANAGED
        return Grant(tokens, user.id, user.account_id, user.email, app.value, wide, user.type)

    def state_key(self) -> str:
        """The user-managed app's client secret signs every Zoom flow's state (the admin-managed
        app's flows too: one key for the callback to check before it reads the state)."""
        return self._state_key()

    def secret_parts(self, grant: Grant) -> tuple[str, ...]:
        """Zoom keeps one grant per user per app, so do we (the account id first: an admin-managed
        grant acts for its account)."""
        return (grant.access, grant.organization or "-", grant.user_id)

    def revoke(self, refresh_token: str) -> None:
        self.client.revoke(refresh_token)

    def revoke_connection(self, connection: Connection, refresh_token: Callable[[], str]) -> None:
        """At Zoom, with the app that made the grant; not while a connection made before grants were
        shared (a secret of its own) still uses it."""
        if not self._legacy_sharer(connection):
            self.client.revoke(refresh_token(), connection.app)

    def _legacy_sharer(self, connection: Connection) -> bool:
        return any(
            other.connection_id != connection.connection_id
            and other.removal is None
            and other.app is connection.app
            for other in self.repo.connections_of_zoom_user(
                connection.zoom_account_id, connection.zoom_user_id
            )
        )


def _host(connection: Connection, request: MeetingRequest) -> str:
    return request.host_user_id or connection.zoom_user_id


@contextlib.contextmanager
def _not_found(meeting_id: str) -> Iterator[None]:
    """Zoom's 404 / 3001 on a meeting, as the interface names it."""
    try:
        yield
    except ZoomNotFound as gone:
        raise ProviderMeetingNotFound(
            f"Zoom has no meeting {meeting_id} (code {gone.extra.get('zoom_code')}).",
            provider="zoom",
            zoom_code=gone.extra.get("zoom_code"),
        ) from gone


def _spec(request: MeetingRequest, passcode: str | None) -> MeetingSpec:
    """The create/update body's content. A passcode is sent when the service requires one (S09);
    a meeting keeps the one it has."""
    from shared.adapters.zoom.client import MeetingSpec

    password = (passcode or _passcode()) if request.settings.passcode_required else None
    return MeetingSpec(
        topic=request.subject,
        start_time=request.start,
        duration_minutes=round((request.end - request.start).total_seconds() / 60),
        timezone="UTC",
        agenda=request.marker,
        registration=request.registration,
        settings=request.settings,
        password=password,
    )


def _passcode() -> str:
    """Zoom's rule: at most 10 characters of letters, digits and @ - _ * (its spec, `password`)."""
    return "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(10))


def _meeting(meeting: ZoomMeeting) -> ProviderMeeting:
    start = meeting.starts_at() if meeting.start_time else None
    end = start + timedelta(minutes=meeting.duration) if start and meeting.duration is not None else None
    return ProviderMeeting(
        provider="zoom",
        meeting_id=str(meeting.id),
        join_url=meeting.join_url,
        host_url=meeting.start_url,
        passcode=meeting.password or None,
        start=start,
        end=end,
        host_user_id=meeting.host_id or None,
    )
