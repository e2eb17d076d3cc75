"""Microsoft identity platform OAuth 2.0 (authorization code with PKCE, confidential client) and
Microsoft Graph online meetings (`/me/onlineMeetings`), over httpx.

Facts: shared/microsoft/SOURCE.md. Choices (docs/PROVIDERS.md):
- Tenant `organizations`: online meetings need a work or school account, and this endpoint
  refuses personal accounts at sign-in instead of failing every meeting call later.
- Scopes `offline_access User.Read OnlineMeetings.ReadWrite`: a refresh token, who connected,
  and the organiser's own meetings; all delegated, none needs admin consent by default.
- Create is `createOrGet` with our `externalId`: the same id gives the same meeting (200), so a
  retry after a lost answer never makes a second one. It takes no lobby or presenter settings,
  so a PATCH follows when the answer's settings differ from the service's.
- Every refresh returns a new refresh token (store it); the old one keeps working, so a lost
  refresh answer is harmless. There is no revocation endpoint for one app: disconnect is
  forgetting our tokens (`revoke` does nothing on Microsoft's side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from shared.adapters.http_retry import RetryPolicy, json_object, send
from shared.adapters.microsoft.errors import PROVIDER, api_refusal
from shared.adapters.oauth import OAuthTokens, read_token_answer, token_refusal
from shared.adapters.provider_meeting import MeetingRequest, ProviderMeeting
from shared.domain.errors import ProviderConnectFailed, ProviderMeetingNotFound, ProviderScopeMissing
from shared.domain.meeting_settings import TEAMS_WIRE

MEETINGS_SCOPE = "OnlineMeetings.ReadWrite"
SCOPES = ("offline_access", "User.Read", MEETINGS_SCOPE)
GRAPH_RESOURCE = "https://graph.microsoft.com/"
UNKNOWN_ENUM_MEMBERS = "include-unknown-enum-members"
"""Graph takes and returns the lobby scopes `invited` and `organizationExcludingGuests` only with
this `Prefer` header (lobbyBypassSettings); without it they read as `unknownFutureValue`."""

SETTING_PROPERTIES = frozenset(path[0] for path in TEAMS_WIRE.values())
"""The onlineMeeting properties the service's settings (S09) live in: what a read reports of them."""


@dataclass(frozen=True)
class MicrosoftUser:
    id: str
    user_principal_name: str
    display_name: str | None
    mail: str | None


class MicrosoftClient:
    KEEPS_TIMES = True  # a Teams meeting has start and end: a reschedule is one PATCH

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tenant: str = "organizations",
        login_base_url: str = "https://login.microsoftonline.com",
        graph_base_url: str = "https://graph.microsoft.com/v1.0",
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.authority = f"{login_base_url.rstrip('/')}/{tenant}/oauth2/v2.0"
        self.graph = graph_base_url.rstrip("/")
        self.http = http or httpx.Client(timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout

    # -- OAuth -----------------------------------------------------------------------------

    def authorize_url(
        self, redirect_uri: str, state: str, code_challenge: str, login_hint: str | None = None
    ) -> str:
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "response_mode": "query",
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "prompt": "select_account",
        }
        if login_hint:
            query["login_hint"] = login_hint
        return f"{self.authority}/authorize?{urlencode(query, quote_via=quote)}"

    def _token(self, form: dict[str, str], *, refreshing: bool, previous: str = "") -> OAuthTokens:
        form = {
            **form,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "scope": " ".join(SCOPES),
        }
        answer = send(
            self.http,
            "POST",
            f"{self.authority}/token",
            provider=PROVIDER,
            operation="POST /token",
            policy=self.retry,
            idempotent=refreshing,  # the old refresh token keeps working: a refresh may be repeated
            timeout=self.timeout,
            data=form,
        )
        data = json_object(answer)
        if answer.status_code >= 400:
            raise token_refusal(PROVIDER, answer.status_code, data, refreshing=refreshing)
        return read_token_answer(data, previous_refresh_token=previous)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> OAuthTokens:
        tokens = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        if MEETINGS_SCOPE.lower() not in granted(tokens):
            raise ProviderScopeMissing(
                "Microsoft connected without the permission to create online meetings; connect again "
                "(a tenant admin may have to consent for the organisation).",
                provider=PROVIDER,
            )
        if not tokens.refresh_token:
            raise ProviderConnectFailed("Microsoft sent no refresh token; connect again.", provider=PROVIDER)
        return tokens

    def refresh(self, refresh_token: str) -> OAuthTokens:
        """A new access token and a new refresh token, which is the one to store."""
        return self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            refreshing=True,
            previous=refresh_token,
        )

    def revoke(self, token: str) -> None:
        """Microsoft has no per-app revocation (no RFC 7009 endpoint; revokeSignInSessions ends
        every app's sessions and needs an admin). Disconnecting is deleting our stored tokens."""

    # -- Graph -----------------------------------------------------------------------------

    def _graph(self, method: str, path: str, token: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if path.startswith("/me/onlineMeetings"):  # lobby scopes invited, organizationExcludingGuests
            headers["Prefer"] = UNKNOWN_ENUM_MEMBERS
        answer = send(
            self.http,
            method,
            f"{self.graph}{path}",
            provider=PROVIDER,
            operation=f"{method} {MEETING_ID.sub('/onlineMeetings/{}', path)}",
            policy=self.retry,
            idempotent=True,  # GET, PATCH, DELETE and createOrGet (keyed by externalId)
            timeout=self.timeout,
            headers=headers,
            **kw,
        )
        if answer.status_code >= 400:
            raise api_refusal(answer)
        return answer

    def get_me(self, access_token: str) -> MicrosoftUser:
        data = json_object(self._graph("GET", "/me", access_token))
        return MicrosoftUser(
            id=str(data["id"]),
            user_principal_name=str(data.get("userPrincipalName", "")),
            display_name=data.get("displayName"),
            mail=data.get("mail"),
        )

    def create_meeting(self, access_token: str, request: MeetingRequest) -> ProviderMeeting:
        """The session's meeting, made once whatever the retries (createOrGet + externalId), then
        given the service's settings (S09) in one PATCH where the answer's differ (a new meeting
        has the tenant's; a retry finds them set and sends none)."""
        body = {
            "externalId": request.external_id,
            "startDateTime": _utc(request.start),
            "endDateTime": _utc(request.end),
            "subject": request.subject[:255],
        }
        data = json_object(self._graph("POST", "/me/onlineMeetings/createOrGet", access_token, json=body))
        wanted = request.settings.microsoft.properties()
        if _differs(data, wanted):
            data = json_object(self._graph("PATCH", _path(str(data["id"])), access_token, json=wanted))
        return _meeting(data)

    def get_meeting(self, access_token: str, meeting_id: str) -> ProviderMeeting:
        return _meeting(json_object(self._graph("GET", _path(meeting_id), access_token)))

    def update_meeting(self, access_token: str, meeting_id: str, request: MeetingRequest) -> ProviderMeeting:
        """New times (start and end together, as Graph requires), subject and settings: one PATCH."""
        body = {
            "startDateTime": _utc(request.start),
            "endDateTime": _utc(request.end),
            "subject": request.subject[:255],
            **request.settings.microsoft.properties(),
        }
        return _meeting(json_object(self._graph("PATCH", _path(meeting_id), access_token, json=body)))

    def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        """204; a meeting Microsoft no longer knows (404) is deleted already."""
        try:
            self._graph("DELETE", _path(meeting_id), access_token)
        except ProviderMeetingNotFound:
            return


def granted(tokens: OAuthTokens) -> set[str]:
    """Scopes as plain lower-case names (`https://graph.microsoft.com/User.Read` -> `user.read`):
    Entra scopes are case-insensitive and may come back with the resource prefix."""
    return {s.removeprefix(GRAPH_RESOURCE).lower() for s in tokens.scopes}


def _differs(meeting: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the meeting lacks a property (or a sub-property) of `wanted`, as Graph answered it."""
    for key, value in wanted.items():
        have = meeting.get(key)
        if isinstance(value, dict):
            if not isinstance(have, dict) or _differs(have, value):
                return True
        elif have != value:
            return True
    return False


MEETING_ID = re.compile(r"/onlineMeetings/(?!createOrGet$)[^/?]+")
"""A meeting's id in a path: left out of the calls' `operation` (a metric dimension)."""


def _path(meeting_id: str) -> str:
    if not meeting_id:
        raise ValueError("empty meeting id")
    return f"/me/onlineMeetings/{quote(meeting_id, safe='')}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _meeting(data: dict[str, Any]) -> ProviderMeeting:
    join = data.get("joinMeetingIdSettings") or {}
    lobby = data.get("lobbyBypassSettings") or {}
    return ProviderMeeting(
        provider="microsoft",
        meeting_id=str(data["id"]),
        join_url=str(data.get("joinWebUrl", "")),
        host_url=str(data.get("joinWebUrl", "")),  # the organiser signs in and is recognised
        dial_in_code=join.get("joinMeetingId"),
        passcode=join.get("passcode"),
        start=_parse(data.get("startDateTime")),
        end=_parse(data.get("endDateTime")),
        access=lobby.get("scope"),
        settings={key: data[key] for key in SETTING_PROPERTIES if key in data},
    )
