"""Google OAuth 2.0 (web server flow with PKCE) and Google Meet REST API v2 spaces, over httpx.

Why Meet spaces and not Calendar events: docs/PROVIDERS.md. Facts: shared/google/SOURCE.md.

- Scopes: `openid email` (which account connected; non-sensitive) and
  `meetings.space.created` (create, read and edit only the spaces this app created: the
  narrowest scope that makes a meeting; no calendar access at all).
- `access_type=offline&prompt=consent`: a refresh token on every connect, also for a user who
  consented before. Refresh tokens do not rotate: a refresh answer has none and we keep ours.
- A space has no idempotency key: `create_meeting` is not retried after a 5xx or a read timeout
  (`ProviderUnavailable(uncertain=True)`); an unused orphan space shows nowhere and sends nothing.
- A space has no times and no delete: a reschedule changes nothing on Google's side
  (`KEEPS_TIMES = False`); `close_meeting` shuts the room's door instead of deleting it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from shared.adapters.google.errors import PROVIDER, api_refusal, is_rate_limited
from shared.adapters.http_retry import RetryPolicy, json_object, send
from shared.adapters.oauth import OAuthTokens, read_token_answer, token_refusal
from shared.adapters.provider_meeting import MeetingRequest, ProviderMeeting
from shared.domain.errors import (
    ProviderConnectFailed,
    ProviderMeetingNotFound,
    ProviderScopeMissing,
    ProviderUnavailable,
)
from shared.domain.meeting_settings import config_paths

MEET_SCOPE = "https://www.googleapis.com/auth/meetings.space.created"
SCOPES = ("openid", "email", MEET_SCOPE)


@dataclass(frozen=True)
class GoogleAccount:
    """Who connected: OpenID `sub` (stable) and email (shown to the admin)."""

    subject: str
    email: str | None


class GoogleClient:
    KEEPS_TIMES = False  # a Meet space has no start or end: reschedules cost no Google call

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        accounts_base_url: str = "https://accounts.google.com",
        oauth2_base_url: str = "https://oauth2.googleapis.com",
        meet_base_url: str = "https://meet.googleapis.com",
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.accounts = accounts_base_url.rstrip("/")
        self.oauth2 = oauth2_base_url.rstrip("/")
        self.meet = meet_base_url.rstrip("/")
        self.http = http or httpx.Client(timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout

    # -- OAuth -----------------------------------------------------------------------------

    def authorize_url(
        self, redirect_uri: str, state: str, code_challenge: str, login_hint: str | None = None
    ) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
        }
        if login_hint:
            query["login_hint"] = login_hint
        return f"{self.accounts}/o/oauth2/v2/auth?{urlencode(query, quote_via=quote)}"

    def _token(self, form: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
        form = {**form, "client_id": self.client_id, "client_secret": self._client_secret}
        answer = send(
            self.http,
            "POST",
            f"{self.oauth2}/token",
            provider=PROVIDER,
            operation="POST /token",
            policy=self.retry,
            idempotent=refreshing,  # a code is single use; a refresh can be repeated
            timeout=self.timeout,
            data=form,
        )
        data = json_object(answer)
        if answer.status_code >= 400:
            raise token_refusal(PROVIDER, answer.status_code, data, refreshing=refreshing)
        return data

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> OAuthTokens:
        """Tokens for a finished consent; refuses a consent that left out the Meet permission."""
        data = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        tokens = read_token_answer(data)
        if MEET_SCOPE not in tokens.scopes:
            raise ProviderScopeMissing(
                "Google connected without the permission to create Meet meetings (it was unticked on "
                "the consent screen); connect again and allow it.",
                provider=PROVIDER,
            )
        if not tokens.refresh_token:
            raise ProviderConnectFailed(
                "Google sent no refresh token (offline access was not granted); connect again.",
                provider=PROVIDER,
            )
        return tokens

    def refresh(self, refresh_token: str) -> OAuthTokens:
        """A new access token. Google normally sends no new refresh token: keep the old one; if
        one comes back, it is the one to store (OAuthTokens.refresh_token is always the current)."""
        data = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, refreshing=True)
        return read_token_answer(data, previous_refresh_token=refresh_token)

    def revoke(self, token: str) -> None:
        """Ends the whole grant (an access token's revocation takes its refresh token along).
        400 means the token is already dead: the outcome we want."""
        answer = send(
            self.http,
            "POST",
            f"{self.oauth2}/revoke",
            provider=PROVIDER,
            operation="POST /revoke",
            policy=self.retry,
            idempotent=True,
            timeout=self.timeout,
            data={"token": token},
        )
        if answer.status_code not in (200, 400):
            raise ProviderUnavailable(
                f"Google answered {answer.status_code} to the revoke.", provider=PROVIDER
            )

    @staticmethod
    def account(tokens: OAuthTokens) -> GoogleAccount:
        return GoogleAccount(
            subject=str(tokens.id_claims.get("sub", "")), email=tokens.id_claims.get("email")
        )

    # -- Meet spaces -----------------------------------------------------------------------

    def _meet(
        self, method: str, path: str, token: str, *, creating: bool = False, **kw: Any
    ) -> dict[str, Any]:
        answer = send(
            self.http,
            method,
            f"{self.meet}/v2/{path}",
            provider=PROVIDER,
            operation=f"{method} /v2/{SPACE_NAME.sub('spaces/{}', path)}",
            policy=self.retry,
            idempotent=not creating,
            timeout=self.timeout,
            rate_limited=is_rate_limited,
            headers={"Authorization": f"Bearer {token}"},
            **kw,
        )
        if answer.status_code >= 400:
            raise api_refusal(answer, creating=creating)
        return json_object(answer)

    def create_meeting(self, access_token: str, request: MeetingRequest) -> ProviderMeeting:
        """A new space with the service's settings (S09). Not idempotent: see the module docstring."""
        body = {"config": request.settings.google.config()}
        return _meeting(self._meet("POST", "spaces", access_token, creating=True, json=body))

    def get_meeting(self, access_token: str, meeting_id: str) -> ProviderMeeting:
        return _meeting(self._meet("GET", _space_path(meeting_id), access_token))

    def update_meeting(self, access_token: str, meeting_id: str, request: MeetingRequest) -> ProviderMeeting:
        """Applies the service's settings (S09; a space has no times to move). Always with an
        explicit updateMask naming each field sent, so fields we do not send are never cleared, and
        each field the service cleared since it was sent (in the mask, not in the body: back to the
        user's policy, as a new space gets; MeetSettings.reset_paths)."""
        wanted = request.settings.google
        resets = wanted.reset_paths(request.applied.google) if request.applied is not None else []
        return self._patch_config(access_token, meeting_id, wanted.config(), resets)

    def close_meeting(self, access_token: str, meeting_id: str) -> None:
        """The cancel of a space, which the API cannot delete: only invitees may skip knocking
        (there are none) and only this project's own SDK entry points may join, so the link
        opens no meeting. A space Google no longer knows is closed already."""
        try:
            self._patch_config(
                access_token, meeting_id, {"accessType": "RESTRICTED", "entryPointAccess": "CREATOR_APP_ONLY"}
            )
        except ProviderMeetingNotFound:
            return

    def end_conference(self, access_token: str, meeting_id: str) -> None:
        """Ends a call running in the space, if any (owner only)."""
        self._meet("POST", f"{_space_path(meeting_id)}:endActiveConference", access_token, json={})

    def _patch_config(
        self, token: str, meeting_id: str, config: Mapping[str, Any], resets: Sequence[str] = ()
    ) -> ProviderMeeting:
        mask = ",".join([*config_paths(dict(config)), *resets])
        data = self._meet(
            "PATCH",
            _space_path(meeting_id),
            token,
            params={"updateMask": mask},
            json={"config": dict(config)},
        )
        return _meeting(data)


SPACE_NAME = re.compile(r"spaces/[^/:]+")
"""A space's name in a path: left out of the calls' `operation` (a metric dimension)."""


def _space_path(meeting_id: str) -> str:
    """`spaces/{id}` from a stored name (or a bare id); the id is case-sensitive, kept as is."""
    space = meeting_id.removeprefix("spaces/")
    if not space or "/" in space:
        raise ValueError(f"not a Meet space name: {meeting_id!r}")
    return f"spaces/{quote(space, safe='')}"


def _meeting(data: dict[str, Any]) -> ProviderMeeting:
    config = data["config"] if isinstance(data.get("config"), dict) else {}
    uri = str(data.get("meetingUri", ""))
    return ProviderMeeting(
        provider="google",
        meeting_id=str(data["name"]),
        join_url=uri,
        host_url=uri,  # the owner, signed in, is the host on the same link
        dial_in_code=data.get("meetingCode"),
        access=config.get("accessType"),
        settings=config or None,  # only the owner sees a space's config
    )
