"""Zoom's OAuth and Meeting API over httpx: timeouts, bounded retries, clear errors.

Retries use exponential backoff with full jitter and honour Retry-After (capped).
Idempotent calls (GET, PATCH, PUT, DELETE) retry on 429, 5xx, timeouts and connection
errors. Calls that create something (a meeting, a registrant, a token) retry only when
the request surely did not reach Zoom (connect errors) or on a 429; on a 5xx or a read
timeout they raise `ZoomUnavailable(uncertain=True)`, so the caller can look before
creating again. The per-host daily limit (429) is raised at once, never retried.

Zoom's refusals are told apart as Zoom means them (SOURCE.md "How real Zoom differs"):
a refused refresh (400 `invalid_grant`) needs the user to connect again; a refused client
(401 `invalid_client`) is the deployment's app credentials; 4711 names missing scopes; a
daily 429 (or the older code 300) on a meeting create/update is the host's daily limit, on
a registrant call the per-registrant limit; code 200 on a registrant is a Basic host; a
DELETE of a meeting in progress (3002) or ended (3007) is over, not failed.
"""

from __future__ import annotations

import base64
import copy
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aws_lambda_powertools import Logger

from shared.adapters.zoom.errors import ZoomAccessTokenInvalid, ZoomNotFound, ZoomRequestRejected
from shared.domain.errors import (
    VclinksError,
    ZoomAppMisconfigured,
    ZoomHostNotLicensed,
    ZoomMissingScopes,
    ZoomNeedsReconnect,
    ZoomNotConfigured,
    ZoomRateLimited,
    ZoomRegistrantRateLimited,
    ZoomUnavailable,
)
from shared.domain.models import MeetingSettings, ZoomAppType
from shared.domain.work import Deferred

if TYPE_CHECKING:  # httpx is imported when Zoom is first called, not with the module (cold start)
    import httpx

logger = Logger(service="vclinks")
JITTER = random.SystemRandom()  # from the OS: a SnapStart snapshot copies random's state
IDEMPOTENT = frozenset({"GET", "PUT", "PATCH", "DELETE"})
MAX_RETRY_AFTER = 10.0
MEETING_IN_PROGRESS = 3002
MEETING_ENDED = 3007
REGISTRANTS_PATH = re.compile(r"/meetings/[^/]+/registrants(/status)?$")


AppCredentialPairs = Mapping[ZoomAppType, tuple[str, str]]  # app -> (client id, client secret)


class MeetingDeletion(StrEnum):
    """How a DELETE of a meeting ended. Each means the caller is done with the meeting."""

    DELETED = "deleted"
    IN_PROGRESS = "in_progress"  # 3002: Zoom keeps a running meeting; it ends on its own
    ENDED = "ended"  # 3007: the meeting is over


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
    settings: MeetingSettings = field(default_factory=MeetingSettings)
    password: str | None = None  # sent when the service requires a passcode (S09)

    def __repr__(self) -> str:  # never print a meeting's passcode
        return f"MeetingSpec(topic={self.topic!r}, start_time={self.start_time.isoformat()})"

    def body(self) -> dict[str, Any]:
        """The create/update body (Zoom's spec: POST /users/{userId}/meetings, PATCH /meetings/{id}).
        A setting the service leaves None is not sent: the Zoom account's own default applies."""
        settings: dict[str, Any] = {"approval_type": 0 if self.registration else 2}
        if self.registration:
            settings.update(registrants_email_notification=False, registrants_confirmation_email=False)
        chosen = {
            "waiting_room": self.settings.waiting_room,
            "join_before_host": self.settings.join_before_host,
            "mute_upon_entry": self.settings.mute_on_entry,
            "auto_recording": self.settings.auto_recording,
        }
        settings.update({name: value for name, value in chosen.items() if value is not None})
        body: dict[str, Any] = {
            "topic": self.topic[:200],
            "type": 2,
            "start_time": self.start_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": self.duration_minutes,
            "timezone": self.timezone,
            "agenda": self.agenda[:2000],
            "settings": settings,
        }
        if self.password:
            body["password"] = self.password
        return body


@dataclass(frozen=True)
class ZoomMeeting:
    id: str
    host_id: str
    join_url: str = field(repr=False)
    start_url: str = field(repr=False)
    password: str | None = field(repr=False)
    start_time: str | None
    duration: int | None
    agenda: str | None

    def starts_at(self) -> datetime | None:
        """Zoom's `start_time` ("2031-05-05T09:00:00Z"), as a time."""
        try:
            return datetime.fromisoformat(str(self.start_time).replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None

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
        client_id: str = "",
        client_secret: str = "",
        admin_client_id: str = "",
        admin_client_secret: str = "",
        credentials: Callable[[], AppCredentialPairs] | None = None,
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
        fixed: AppCredentialPairs = {
            ZoomAppType.USER_MANAGED: (client_id, client_secret),
            ZoomAppType.ADMIN_MANAGED: (admin_client_id, admin_client_secret),
        }
        # Read on each OAuth call: a warm Lambda picks up credentials the operator fixed.
        self._app_credentials = credentials or (lambda: fixed)
        if http is None:
            import httpx

            http = httpx.Client(timeout=timeout)
        self.http = http
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

    def authorize_url(
        self,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        app: ZoomAppType = ZoomAppType.USER_MANAGED,
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": self._credentials(app)[0],
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.oauth}/oauth/authorize?{urlencode(query)}"

    def app_of(self, client_id: str) -> ZoomAppType | None:
        """Which of the deployment's apps a client id (of a webhook's payload) is, if either."""
        pairs = self._app_credentials().items()
        return next((app for app, (cid, _) in pairs if cid and cid == client_id), None)

    def _credentials(self, app: ZoomAppType) -> tuple[str, str]:
        client_id, secret = self._app_credentials().get(app, ("", ""))
        if not (client_id and secret):
            names = "ZoomClientId and ZoomClientSecret"
            if app is ZoomAppType.ADMIN_MANAGED:
                names = "ZoomAdminClientId and ZoomAdminClientSecret"
            raise ZoomNotConfigured(
                f"This deployment has no {_app_name(app)} Zoom app: its operator sets {names} "
                "(docs/ZOOM-SETUP.md)."
            )
        return client_id, secret

    def _basic(self, app: ZoomAppType) -> dict[str, str]:
        pair = base64.b64encode(":".join(self._credentials(app)).encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    def _token(self, form: dict[str, str], app: ZoomAppType) -> TokenPair:
        answer = self._send("POST", f"{self.oauth}/oauth/token", headers=self._basic(app), data=form)
        _raise_for_client(answer, app)
        if answer.status_code == 400 and (
            _json(answer).get("error") == "invalid_grant" or form.get("grant_type") == "refresh_token"
        ):
            raise ZoomNeedsReconnect("Zoom refused the grant (revoked or expired); connect Zoom again.")
        self._raise_for(answer)
        data = _json(answer)
        expires = datetime.now(UTC) + timedelta(seconds=int(data.get("expires_in", 3600)))
        return TokenPair(data["access_token"], data["refresh_token"], expires, str(data.get("scope", "")))

    def exchange_code(
        self,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        app: ZoomAppType = ZoomAppType.USER_MANAGED,
    ) -> TokenPair:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            app,
        )

    def refresh(self, refresh_token: str, app: ZoomAppType = ZoomAppType.USER_MANAGED) -> TokenPair:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, app)

    def revoke(self, token: str, app: ZoomAppType = ZoomAppType.USER_MANAGED) -> None:
        """Zoom uninstalls the app for that user and tells the app (`app_deauthorized`)."""
        answer = self._send(
            "POST", f"{self.oauth}/oauth/revoke", headers=self._basic(app), data={"token": token}
        )
        _raise_for_client(answer, app)
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

    def delete_meeting(self, access_token: str, meeting_id: str) -> MeetingDeletion:
        """Deleted, or already over: in progress (3002) or ended (3007) both leave nothing to do.
        A meeting Zoom does not have raises ZoomNotFound."""
        answer = self._send(
            "DELETE",
            f"{self.api}/meetings/{meeting_id}",
            headers={"Authorization": f"Bearer {access_token}"},
            params={"schedule_for_reminder": "false"},
        )
        if answer.status_code == 400:
            code = _json(answer).get("code")
            if code == MEETING_IN_PROGRESS:
                return MeetingDeletion.IN_PROGRESS
            if code == MEETING_ENDED:
                return MeetingDeletion.ENDED
        self._raise_for(answer)
        return MeetingDeletion.DELETED

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
        """One call to Zoom (with its retries), counted: ZoomCalls and ZoomFailures by operation
        and kind (the operator's metrics, shared.adapters.metrics)."""
        from shared.adapters.metrics import Metric, put

        operation = f"{method} {_operation(url)}"
        put(Metric.ZOOM_CALLS, operation=operation)
        try:
            answer = self._send_with_retries(method, url, **kw)
        except VclinksError as error:
            put(Metric.ZOOM_FAILURES, operation=operation, kind=error.slug)
            raise
        if answer.status_code >= 400:
            put(Metric.ZOOM_FAILURES, operation=operation, kind=f"http-{answer.status_code}")
        return answer

    def _send_with_retries(self, method: str, url: str, **kw: Any) -> httpx.Response:
        import httpx  # loaded by then: the client's transport is httpx's

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
                    raise _daily_limit_error(url)
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
        delay = JITTER.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
        self.sleep(delay)

    @staticmethod
    def _raise_for(answer: httpx.Response) -> None:
        if answer.status_code < 300:  # Zoom's API never redirects; its spec documents some errors as 300
            return
        raise _api_error(answer)


def _operation(url: str) -> str:
    """A URL's path with its ids left out (`/users/{}/meetings`): few enough values for a dimension."""
    path = urlsplit(url).path.removeprefix("/v2")
    return "/".join(
        "{}" if any(ch.isdigit() for ch in part) or "@" in part or len(part) > 20 else part
        for part in path.split("/")
    )


def _api_error(answer: httpx.Response) -> VclinksError:
    """A refused API call as the error Zoom means by it (codes before statuses: Zoom answers
    400 for most of them)."""
    data = _json(answer)
    code, full_message = data.get("code"), str(data.get("message", ""))
    message = full_message[:200]
    registrant_call = bool(REGISTRANTS_PATH.search(answer.request.url.path))
    if code == 4711:
        return _missing_scopes(full_message)
    if code == 300 and "created/updated for a single user in one day" in full_message:
        return _daily_limit_error(str(answer.request.url))  # the limit's older form
    if code == 200 and registrant_call:
        return ZoomHostNotLicensed(
            "The meeting's Zoom host is on Zoom's Basic (free) plan, which takes no registrants.",
            zoom_code=code,
        )
    if answer.status_code == 404 or code in (3001, 1001):
        return ZoomNotFound(f"Zoom: {message or 'not found'} (code {code}).", zoom_code=code)
    if answer.status_code == 401 or code == 124:
        return ZoomAccessTokenInvalid("Zoom refused the access token (code 124).", zoom_code=code)
    return ZoomRequestRejected(f"Zoom refused the request: {message} (code {code}).", zoom_code=code)


def _missing_scopes(message: str) -> ZoomMissingScopes:
    """4711: "Invalid access token, does not contain scopes:[a, a:admin]." (any one would do)."""
    found = re.search(r"scopes:\s*\[([^\]]*)\]", message)
    scopes = [s.strip() for s in found.group(1).split(",") if s.strip()] if found else []
    return ZoomMissingScopes(
        f"The Zoom connection lacks a permission vclinks needs ({' or '.join(scopes) or 'unnamed'}): "
        "add it to the Zoom app if it is missing there, then connect Zoom again and leave it ticked.",
        missing_scopes=scopes,
        zoom_code=4711,
    )


def _daily_limit_error(url: str) -> ZoomRateLimited:
    if REGISTRANTS_PATH.search(urlsplit(url).path):
        return ZoomRegistrantRateLimited(
            "Zoom's daily limit for this registrant on this meeting was reached; it resets at 00:00 UTC."
        )
    return ZoomRateLimited(
        "The Zoom user reached Zoom's daily limit of meeting creations and updates; "
        "the work resumes after 00:00 UTC.",
        daily_limit=True,
    )


def _raise_for_client(answer: httpx.Response, app: ZoomAppType) -> None:
    """401 `invalid_client` from the token or revoke endpoint: the deployment's app credentials."""
    if answer.status_code == 401 or _json(answer).get("error") == "invalid_client":
        which = "ZoomClientId/ZoomClientSecret"
        if app is ZoomAppType.ADMIN_MANAGED:
            which = "ZoomAdminClientId/ZoomAdminClientSecret"
        # The operator's to fix (connections are fine): an error in the logs, where alarms look.
        logger.error("Zoom refused the deployment's app credentials (invalid_client)", extra={"check": which})
        raise ZoomAppMisconfigured(
            f"Zoom refused this deployment's {_app_name(app)} app credentials (invalid_client): "
            f"check {which} against the app in Zoom's Marketplace (docs/ZOOM-SETUP.md)."
        )


def _app_name(app: ZoomAppType) -> str:
    return "admin-managed" if app is ZoomAppType.ADMIN_MANAGED else "user-managed"


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
