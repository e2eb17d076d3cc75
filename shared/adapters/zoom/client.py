"""Zoom's OAuth and Meeting API over httpx: timeouts, bounded retries, clear errors.

Retries use exponential backoff with full jitter and honour Retry-After (capped).
Idempotent calls (GET, PATCH, PUT, DELETE) retry on 429, 5xx, timeouts and connection
errors. Calls that create something (a meeting, a registrant, a token) retry only when
the request surely did not reach Zoom (connect errors) or on a 429; on a 5xx or a read
timeout they raise `ZoomUnavailable(uncertain=True)`, so the caller can look before
creating again. The per-host daily limit (429) is raised at once, never retried.
"""

from __future__ import annotations

import base64
import copy
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from shared.adapters.zoom.errors import ZoomAccessTokenInvalid, ZoomNotFound, ZoomRequestRejected
from shared.domain.errors import ZoomNeedsReconnect, ZoomRateLimited, ZoomUnavailable
from shared.domain.work import Deferred

IDEMPOTENT = frozenset({"GET", "PUT", "PATCH", "DELETE"})
MAX_RETRY_AFTER = 10.0


class CallBudget:
    """How many requests to Zoom one inline attempt may make; past it, the work is deferred."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def spend(self) -> None:
        if self.left <= 0:
            raise Deferred("the inline budget of provider calls is spent")
        self.left -= 1


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str = ""

    def __repr__(self) -> str:  # never print tokens
        return f"TokenPair(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"


@dataclass(frozen=True)
class ZoomUser:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    account_id: str
    type: int | None = None
    role_name: str | None = None


@dataclass(frozen=True)
class MeetingSpec:
    topic: str
    start_time: datetime
    duration_minutes: int
    timezone: str
    agenda: str
    registration: bool

    def body(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"approval_type": 0 if self.registration else 2}
        if self.registration:
            settings.update(registrants_email_notification=False, registrants_confirmation_email=False)
        return {
            "topic": self.topic[:200],
            "type": 2,
            "start_time": self.start_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": self.duration_minutes,
            "timezone": self.timezone,
            "agenda": self.agenda[:2000],
            "settings": settings,
        }


@dataclass(frozen=True)
class ZoomMeeting:
    id: str
    host_id: str
    join_url: str
    start_url: str
    password: str | None
    start_time: str | None
    duration: int | None
    agenda: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ZoomMeeting:
        return cls(
            id=str(data["id"]),
            host_id=str(data.get("host_id", "")),
            join_url=str(data.get("join_url", "")),
            start_url=str(data.get("start_url", "")),
            password=data.get("password") or None,
            start_time=data.get("start_time"),
            duration=data.get("duration"),
            agenda=data.get("agenda"),
        )


@dataclass(frozen=True)
class ZoomRegistrant:
    registrant_id: str
    join_url: str


class ZoomClient:
    def __init__(
        self,
        *,
        api_base_url: str = "https://api.zoom.us/v2",
        oauth_base_url: str = "https://zoom.us",
        client_id: str,
        client_secret: str,
        http: httpx.Client | None = None,
        max_attempts: int = 4,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 10.0,
        budget: CallBudget | None = None,
    ) -> None:
        self.api = api_base_url.rstrip("/")
        self.oauth = oauth_base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.http = http or httpx.Client(timeout=timeout)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.timeout = timeout
        self.budget = budget

    def inline(self, calls: int = 1, timeout: float = 5.0) -> ZoomClient:
        """A client for a request's inline attempt: `calls` requests at most, no retries, a short
        timeout (the connection pool is shared); the worker's client retries what this one defers."""
        view = copy.copy(self)
        view.budget = CallBudget(calls)
        view.max_attempts = 1
        view.timeout = min(timeout, self.timeout)
        return view

    # -- OAuth -----------------------------------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.oauth}/oauth/authorize?{urlencode(query)}"

    def _basic(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    def _token(self, form: dict[str, str]) -> TokenPair:
        answer = self._send("POST", f"{self.oauth}/oauth/token", headers=self._basic(), data=form)
        refused = answer.status_code in (400, 401)
        if refused and (
            _json(answer).get("error") == "invalid_grant" or form.get("grant_type") == "refresh_token"
        ):
            raise ZoomNeedsReconnect("Zoom refused the grant (revoked or expired); connect Zoom again.")
        self._raise_for(answer)
        data = _json(answer)
        expires = datetime.now(UTC) + timedelta(seconds=int(data.get("expires_in", 3600)))
        return TokenPair(data["access_token"], data["refresh_token"], expires, str(data.get("scope", "")))

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenPair:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenPair:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str) -> None:
        answer = self._send(
            "POST", f"{self.oauth}/oauth/revoke", headers=self._basic(), data={"token": token}
        )
        if answer.status_code >= 500:
            raise ZoomUnavailable(f"Zoom answered {answer.status_code} to the revoke.")

    # -- API -------------------------------------------------------------------------------

    def _api(self, method: str, path: str, token: str, **kw: Any) -> httpx.Response:
        answer = self._send(method, f"{self.api}{path}", headers={"Authorization": f"Bearer {token}"}, **kw)
        self._raise_for(answer)
        return answer

    def get_user(self, access_token: str, user_id: str = "me") -> ZoomUser:
        return _user(_json(self._api("GET", f"/users/{user_id}", access_token)))

    def list_users(self, access_token: str) -> list[ZoomUser]:
        users: list[ZoomUser] = []
        params: dict[str, Any] = {"page_size": 300, "status": "active"}
        while True:
            page = _json(self._api("GET", "/users", access_token, params=params))
            users.extend(_user(u, page_account=None) for u in page.get("users", []))
            if not page.get("next_page_token"):
                return users
            params["next_page_token"] = page["next_page_token"]

    def list_users_page(
        self, access_token: str, page_size: int, next_page_token: str | None
    ) -> tuple[list[ZoomUser], str | None]:
        """One page of the account's active users, and Zoom's token for the next page (None: last)."""
        params: dict[str, Any] = {"page_size": page_size, "status": "active"}
        if next_page_token:
            params["next_page_token"] = next_page_token
        page = _json(self._api("GET", "/users", access_token, params=params))
        return [_user(u) for u in page.get("users", [])], page.get("next_page_token") or None

    def create_meeting(self, access_token: str, user_id: str, spec: MeetingSpec) -> ZoomMeeting:
        return ZoomMeeting.from_json(
            _json(self._api("POST", f"/users/{user_id}/meetings", access_token, json=spec.body()))
        )

    def list_meetings(self, access_token: str, user_id: str) -> list[ZoomMeeting]:
        meetings: list[ZoomMeeting] = []
        params: dict[str, Any] = {"type": "upcoming", "page_size": 300}
        while True:
            page = _json(self._api("GET", f"/users/{user_id}/meetings", access_token, params=params))
            meetings.extend(ZoomMeeting.from_json(m) for m in page.get("meetings", []))
            if not page.get("next_page_token"):
                return meetings
            params["next_page_token"] = page["next_page_token"]

    def get_meeting(self, access_token: str, meeting_id: str) -> ZoomMeeting:
        return ZoomMeeting.from_json(_json(self._api("GET", f"/meetings/{meeting_id}", access_token)))

    def update_meeting(self, access_token: str, meeting_id: str, spec: MeetingSpec) -> None:
        self._api("PATCH", f"/meetings/{meeting_id}", access_token, json=spec.body())

    def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        self._api(
            "DELETE", f"/meetings/{meeting_id}", access_token, params={"schedule_for_reminder": "false"}
        )

    def add_registrant(
        self, access_token: str, meeting_id: str, email: str, first_name: str, last_name: str
    ) -> ZoomRegistrant:
        body = {"email": email, "first_name": first_name[:64] or "Client", "last_name": last_name[:64]}
        data = _json(self._api("POST", f"/meetings/{meeting_id}/registrants", access_token, json=body))
        return ZoomRegistrant(registrant_id=str(data["registrant_id"]), join_url=str(data["join_url"]))

    def cancel_registrants(
        self, access_token: str, meeting_id: str, registrants: list[tuple[str, str]]
    ) -> None:
        body = {
            "action": "cancel",
            "registrants": [{"id": rid, "email": email} for rid, email in registrants],
        }
        self._api("PUT", f"/meetings/{meeting_id}/registrants/status", access_token, json=body)

    # -- transport -------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        idempotent = method in IDEMPOTENT
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            if self.budget is not None:
                self.budget.spend()
            try:
                answer = self.http.request(method, url, timeout=self.timeout, **kw)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if last:
                    raise ZoomUnavailable("Zoom could not be reached.") from error
                self._backoff(attempt, None)
                continue
            except (
                httpx.TransportError
            ) as error:  # read timeout, dropped connection: the request may have landed
                if not idempotent or last:
                    raise ZoomUnavailable("Zoom did not answer in time.", uncertain=not idempotent) from error
                self._backoff(attempt, None)
                continue
            if answer.status_code == 429:
                if _is_daily_limit(answer):
                    raise ZoomRateLimited(
                        "The Zoom user reached Zoom's daily limit of meeting creations and updates; "
                        "the work resumes after 00:00 UTC.",
                        daily_limit=True,
                    )
                if last:
                    raise ZoomRateLimited("Zoom's rate limit was reached; try again shortly.")
                self._backoff(attempt, answer.headers.get("retry-after"))
                continue
            if answer.status_code >= 500:
                if not idempotent or last:
                    raise ZoomUnavailable(f"Zoom answered {answer.status_code}.", uncertain=not idempotent)
                self._backoff(attempt, answer.headers.get("retry-after"))
                continue
            return answer

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))  # noqa: S311 - jitter
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
        self.sleep(delay)

    @staticmethod
    def _raise_for(answer: httpx.Response) -> None:
        if answer.status_code < 400:
            return
        data = _json(answer)
        code, message = data.get("code"), str(data.get("message", ""))[:200]
        if answer.status_code == 404 or code in (3001, 1001):
            raise ZoomNotFound(f"Zoom: {message or 'not found'} (code {code}).", zoom_code=code)
        if answer.status_code == 401 or code == 124:
            raise ZoomAccessTokenInvalid("Zoom refused the access token (code 124).", zoom_code=code)
        raise ZoomRequestRejected(f"Zoom refused the request: {message} (code {code}).", zoom_code=code)


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _is_daily_limit(answer: httpx.Response) -> bool:
    return "daily" in str(_json(answer).get("message", "")).lower()


def _user(data: dict[str, Any], page_account: str | None = None) -> ZoomUser:
    return ZoomUser(
        id=str(data["id"]),
        email=data.get("email"),
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        account_id=str(data.get("account_id") or page_account or ""),
        type=data.get("type"),
        role_name=data.get("role_name"),
    )
