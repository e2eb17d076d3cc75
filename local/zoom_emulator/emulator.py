"""A Zoom emulator for `make dev` and the tests, as strict as Zoom where vclinks meets it:
Marketplace apps (user- or admin-managed, granular scopes, optional scopes a user may untick,
an exact redirect URI), OAuth (consent page, PKCE, one grant per user per app, rotating
refresh tokens, revoke that uninstalls and tells the app), users, meetings (in progress and
ended ones refuse DELETE), registrants (licensed hosts only, 3 adds a day per registrant),
the per-host daily limit (current and older form), faults on demand, signed webhooks.
In memory, thread-safe, served by werkzeug on 127.0.0.1.

Answers follow Zoom's OpenAPI document (tests/contract checks them) and the facts of
/work/shared/zoom/SOURCE.md; docs/ZOOM-FIDELITY.md lists each behaviour beside the document
it follows and the test that proves it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from local.zoom_emulator import pages
from local.zoom_emulator.answers import ZoomError, day, iso, json_body, redirect, zoom_json
from local.zoom_emulator.apps import (
    USER_SCOPES,
    Managed,
    ZoomApp,
    accepted_scopes,
    missing_scope_message,
)
from local.zoom_emulator.control import ControlApi

ACCESS_SECONDS = 3600  # SOURCE.md: an access token lives 1 hour
CODE_SECONDS = 300  # SOURCE.md: an authorization code 5 minutes
PAGE_TOKEN_SECONDS = 900  # spec, GET /users: "The expiration period for this token is 15 minutes."
REGISTRANT_ADDS_PER_DAY = 3  # SOURCE.md "registrants"
REGISTRANT_STATUS_CHANGES_PER_DAY = 10  # SOURCE.md "registrants"
ROLE_IDS = {"Owner": "0", "Admin": "1", "Member": "2"}  # Zoom's default roles (spec example "0")
ADMIN_ROLES = ("Owner", "Admin")
# SOURCE.md "daily limit"; the 429 text as Zoom's forum quotes it (devforum.zoom.us/t/18928).
DAILY_LIMIT_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)
# The older form: spec, POST /users/{userId}/meetings and PATCH /meetings/{meetingId}, code 300.
DAILY_LIMIT_MESSAGE_300 = "A maximum of {limit} meetings can be created/updated for a single user in one day."
# spec, POST /meetings/{meetingId}/registrants, 429; PUT .../registrants/status, 429.
REGISTRANT_LIMIT_MESSAGE = (
    'You have exceeded the daily rate limit of "{limit}" for Add meeting registrant API requests '
    'for the registrant "{email}". You can resume these API requests at GMT 00:00:00.'
)
STATUS_LIMIT_MESSAGE = (
    'You have exceeded the daily rate limit of "{limit}" for meeting Update registrant\'s status API '
    'requests for the registrant "{email}". You can resume these API requests at GMT 00:00:00.'
)


class Journal(Counter[str]):
    """The emulator's call counts, and the order in which the calls came (`order`)."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    def __setitem__(self, key: str, value: int) -> None:
        if value > self.get(key, 0):
            self.order.append(key)
        super().__setitem__(key, value)

    def clear(self) -> None:
        super().clear()
        self.order.clear()


@dataclass
class Fault:
    method: str
    path_regex: str
    status: int = 500
    times: int = 1
    delay_seconds: float = 0.0
    drop: bool = False  # carry the operation out, then lose the answer


@dataclass
class Grant:
    """One user's authorization of one app (SOURCE.md "one grant per user per app")."""

    client_id: str
    user_id: str
    scopes: frozenset[str]
    access: dict[str, float] = field(default_factory=dict)  # token -> expiry
    refresh: str = ""


class ZoomEmulator:
    def __init__(
        self,
        client_id: str = "local-client-id",
        client_secret: str = "local-client-secret",  # noqa: S107 (the emulator's own)
        webhook_secret_token: str = "local-webhook-token",  # noqa: S107
        clock: Callable[[], float] = time.time,
        daily_limit: int = 100,
        redirect_uris: Iterable[str] = (),
        deauthorization_url: str = "",
    ) -> None:
        """Registers one user-managed app (`client_id`) holding every user-level scope."""
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_secret_token = webhook_secret_token
        self.clock = clock
        self.daily_limit = daily_limit
        self.base_url = ""
        self.apps: dict[str, ZoomApp] = {}
        self._lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.register_app(
            ZoomApp(
                client_id,
                client_secret,
                Managed.USER,
                USER_SCOPES,
                redirect_uris=tuple(redirect_uris),
                deauthorization_url=deauthorization_url,
                webhook_secret_token=webhook_secret_token,
            )
        )
        self.reset()
        self.control = ControlApi(self)
        self._routes = Map(
            [
                Rule("/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/oauth/token", endpoint="token", methods=["POST"]),
                Rule("/oauth/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/j/<meeting_id>", endpoint="join_page", methods=["GET"]),
                Rule("/s/<meeting_id>", endpoint="start_page", methods=["GET"]),
                Rule("/w/<meeting_id>", endpoint="registrant_page", methods=["GET"]),
                Rule("/v2/users", endpoint="list_users", methods=["GET"]),
                Rule("/v2/users/<user_id>", endpoint="get_user", methods=["GET"]),
                Rule("/v2/users/<user_id>/meetings", endpoint="create_meeting", methods=["POST"]),
                Rule("/v2/users/<user_id>/meetings", endpoint="list_meetings", methods=["GET"]),
                Rule("/v2/meetings/<meeting_id>", endpoint="get_meeting", methods=["GET"]),
                Rule("/v2/meetings/<meeting_id>", endpoint="update_meeting", methods=["PATCH"]),
                Rule("/v2/meetings/<meeting_id>", endpoint="delete_meeting", methods=["DELETE"]),
                Rule("/v2/meetings/<meeting_id>/registrants", endpoint="add_registrant", methods=["POST"]),
                Rule(
                    "/v2/meetings/<meeting_id>/registrants/status",
                    endpoint="cancel_registrants",
                    methods=["PUT"],
                ),
                Rule("/_emulator/apps", endpoint="control_apps", methods=["POST"]),
                Rule("/_emulator/calls", endpoint="control_calls", methods=["GET"]),
                Rule("/_emulator/journal", endpoint="control_journal", methods=["GET"]),
                Rule("/_emulator/portal-edit", endpoint="control_portal_edit", methods=["POST"]),
                Rule("/_emulator/user-status", endpoint="control_user_status", methods=["POST"]),
                Rule("/_emulator/registrant-adds", endpoint="control_registrant_adds", methods=["POST"]),
                Rule("/_emulator/faults", endpoint="control_faults", methods=["POST", "DELETE"]),
                Rule("/_emulator/reset", endpoint="control_reset", methods=["POST"]),
                Rule("/_emulator/meetings", endpoint="control_meetings", methods=["GET"]),
                Rule("/_emulator/meeting-status", endpoint="control_meeting_status", methods=["POST"]),
                Rule("/_emulator/webhooks", endpoint="control_webhooks", methods=["POST"]),
                Rule("/_emulator/deliveries", endpoint="control_deliveries", methods=["GET"]),
                Rule("/_emulator/expire-tokens", endpoint="control_expire", methods=["POST"]),
                Rule("/_emulator/deauthorize", endpoint="control_deauthorize", methods=["POST"]),
                Rule("/_emulator/revoke", endpoint="control_revoke", methods=["POST"]),
                Rule("/_emulator/users", endpoint="control_add_user", methods=["POST"]),
                Rule("/_emulator/daily-usage", endpoint="control_daily_usage", methods=["POST"]),
                Rule("/_emulator/daily-limit", endpoint="control_daily_limit", methods=["POST"]),
                Rule("/_emulator/delete-meeting", endpoint="control_delete_meeting", methods=["POST"]),
            ]
        )

    # -- state -----------------------------------------------------------------------------

    def register_app(self, app: ZoomApp) -> ZoomApp:
        """Add (or replace) a Marketplace app. Apps outlive `reset()`: they are configuration."""
        with self._lock:
            self.apps[app.client_id] = app
        return app

    def reset(self) -> None:
        with self._lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.grants: dict[str, Grant] = {}  # grant id -> grant
            self.meetings: dict[str, dict[str, Any]] = {}
            self.meeting_state: dict[str, str] = {}  # meeting id -> waiting | started | ended
            self.registrants: dict[str, dict[str, dict[str, Any]]] = {}
            self.daily: Counter[tuple[str, str]] = Counter()
            self.registrant_daily: Counter[tuple[str, str, str, str]] = Counter()
            self.daily_limit_form = "429"
            self.page_tokens: dict[str, tuple[float, str, int]] = {}
            self.counters = Journal()
            self.faults: list[Fault] = []
            self.deliveries: list[dict[str, Any]] = []
            self._next_meeting = 85_000_000_000
            self.add_user("acct-demo", "host@demo.example", "Hanna", "Host", role="Owner", user_id="zu-host")
            self.add_user("acct-demo", "anna@demo.example", "Anna", "Coach", user_id="zu-anna")
            self.add_user("acct-demo", "bob@demo.example", "Bob", "Tutor", user_id="zu-bob")
            self.add_user("acct-other", "solo@other.example", "Sol", "Owner", role="Owner", user_id="zu-solo")

    def add_user(
        self,
        account_id: str,
        email: str,
        first_name: str,
        last_name: str,
        role: str = "Member",
        user_id: str = "",
        user_type: int | None = None,
    ) -> str:
        """A user of a Zoom account; `user_type` 1 Basic, 2 Licensed (default: owners and admins
        licensed, members Basic)."""
        with self._lock:
            uid = user_id or f"zu-{secrets.token_hex(6)}"
            self.users[uid] = {
                "id": uid,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "account_id": account_id,
                "type": user_type if user_type is not None else (2 if role in ADMIN_ROLES else 1),
                "role_name": role,
                "role_id": ROLE_IDS.get(role, "2"),
                "status": "active",
                "timezone": "UTC",
                "pmi": 1_000_000_000 + len(self.users),
                "verified": 1,
                "dept": "",
                "language": "en-US",
                "created_at": iso(self.clock()),
                "last_login_time": iso(self.clock()),
            }
            return uid

    def calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()

    def journal(self) -> list[str]:
        """The calls counted since the last reset, in the order they came."""
        with self._lock:
            return list(self.counters.order)

    def add_fault(
        self,
        method: str,
        path_regex: str,
        status: int = 500,
        times: int = 1,
        delay_seconds: float = 0.0,
        drop: bool = False,
    ) -> None:
        with self._lock:
            self.faults.append(Fault(method.upper(), path_regex, status, times, delay_seconds, drop))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def expire_access_tokens(self) -> None:
        with self._lock:
            for grant in self.grants.values():
                grant.access = dict.fromkeys(grant.access, 0.0)

    def revoke_user_tokens(self, user_id: str, client_id: str | None = None) -> list[str]:
        """End a user's grants (of one app, or all); returns the apps they were of."""
        with self._lock:
            ended = [
                (gid, grant.client_id)
                for gid, grant in self.grants.items()
                if grant.user_id == user_id and client_id in (None, grant.client_id)
            ]
            for gid, _ in ended:
                del self.grants[gid]
            return [app for _, app in ended]

    def set_meeting_state(self, meeting_id: str, state: str) -> None:
        """The host starts the meeting (`started`) or it ends (`ended`); `waiting` before."""
        if state not in ("waiting", "started", "ended"):
            raise ValueError(f"unknown meeting state {state!r}")
        with self._lock:
            if meeting_id not in self.meetings:
                raise KeyError(meeting_id)
            self.meeting_state[meeting_id] = state

    # -- serving ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.wsgi_app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        serve = {"poll_interval": 0.05}  # stops within 50 ms (tests start one each)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs=serve, name="zoom-emulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except NotFound:
            return zoom_json(404, {"code": 404, "message": "Not found."})
        except HTTPException as error:
            return zoom_json(error.code or 405, {"code": error.code, "message": error.description})
        fault = None if str(endpoint).startswith("control_") else self._take_fault(request)
        if fault is not None and not fault.drop:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.status:
                return zoom_json(fault.status, {"code": fault.status, "message": "Injected fault."})
        control = str(endpoint).removeprefix("control_")
        handler = getattr(self.control, control) if control != endpoint else getattr(self, f"_{endpoint}")
        try:
            response: Response = handler(request, **args)
        except ZoomError as error:
            response = zoom_json(error.status, {"code": error.code, "message": error.message})
        if fault is not None and fault.drop:
            return zoom_json(502, {"code": 502, "message": "Injected fault: the answer was lost."})
        return response

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method in (request.method, "*") and re.search(fault.path_regex, request.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # -- OAuth -----------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        """Zoom's consent page. The redirect URI must be the app's own, exactly (4709)."""
        params = request.args if request.method == "GET" else request.form
        app = self.apps.get(params.get("client_id", ""))
        if app is None or params.get("response_type", "code") != "code":
            return pages.refusal(400, 4700, "Invalid client_id or response_type.")
        redirect_uri, state = params.get("redirect_uri", ""), params.get("state", "")
        if redirect_uri not in app.redirect_uris:
            return pages.refusal(400, 4709, "Redirect URI mismatch.")
        if request.method == "GET":
            with self._lock:
                users = list(self.users.values())
            return pages.consent(app, params, users)
        if "deny" in request.form:
            return redirect(redirect_uri, {"error": "access_denied", "state": state})
        user = self.users.get(request.form.get("user", ""))
        if user is None:
            return pages.refusal(400, 1001, "Unknown user.")
        if app.managed is Managed.ADMIN and user["role_name"] not in ADMIN_ROLES:
            return pages.refusal(403, 4700, "Only an owner or admin of the Zoom account can add this app.")
        unticked = set(request.form.getlist("offered")) - set(request.form.getlist("scope"))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "client_id": app.client_id,
                "user_id": user["id"],
                "scopes": app.granted(unticked),
                "redirect_uri": redirect_uri,
                "challenge": params.get("code_challenge", ""),
                "expires": self.clock() + CODE_SECONDS,
            }
        return redirect(redirect_uri, {"code": code, "state": state})

    def _client(self, request: Request) -> ZoomApp | None:
        """The app named by HTTP Basic client_id:client_secret, if the secret is its own."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return None
        app = self.apps.get(client_id)
        if app is None or not hmac.compare_digest(secret, app.client_secret):
            return None
        return app

    def _token(self, request: Request) -> Response:
        app = self._client(request)
        if app is None:  # SOURCE.md "refresh": a wrong or rotated secret, 401 invalid_client
            return zoom_json(401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        grant_type = request.form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                self.counters["token_exchange"] += 1
                return self._exchange(app, request)
            if grant_type == "refresh_token":
                self.counters["token_refresh"] += 1
                return self._refresh(app, request.form.get("refresh_token", ""))
        return zoom_json(400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"})

    def _exchange(self, app: ZoomApp, request: Request) -> Response:
        code = self.codes.pop(request.form.get("code", ""), None)  # single use
        if (
            code is None
            or code["expires"] < self.clock()
            or code["client_id"] != app.client_id
            or code["redirect_uri"] != request.form.get("redirect_uri")
        ):
            return zoom_json(400, {"reason": "Invalid authorization code", "error": "invalid_grant"})
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(challenge, code["challenge"]):
            return zoom_json(400, {"reason": "Invalid code_verifier", "error": "invalid_grant"})
        # One grant per user per app: the last token issued is valid, earlier ones are not (4741).
        self.revoke_user_tokens(code["user_id"], app.client_id)
        grant = Grant(client_id=app.client_id, user_id=code["user_id"], scopes=code["scopes"])
        self.grants[secrets.token_hex(8)] = grant
        return self._issue(grant)

    def _refresh(self, app: ZoomApp, refresh_token: str) -> Response:
        grant = next(
            (
                g
                for g in self.grants.values()
                if g.client_id == app.client_id
                and g.refresh
                and hmac.compare_digest(g.refresh, refresh_token)
            ),
            None,
        )
        if grant is None:  # used (rotated away), revoked, or replaced by a newer grant
            return zoom_json(400, {"reason": "Invalid Token!", "error": "invalid_grant"})
        return self._issue(grant)

    def _issue(self, grant: Grant) -> Response:
        access = f"ea-{secrets.token_urlsafe(24)}"
        grant.access = {access: self.clock() + ACCESS_SECONDS}  # older access tokens end with the refresh
        grant.refresh = f"er-{secrets.token_urlsafe(24)}"  # rotation: the old refresh token stops working
        body = {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": grant.refresh,
            "expires_in": ACCESS_SECONDS,
            "scope": " ".join(sorted(grant.scopes)),
        }
        return zoom_json(200, body)

    def _revoke(self, request: Request) -> Response:
        """Revoking uninstalls the app for that user and triggers the deauthorization flow."""
        app = self._client(request)
        if app is None:
            return zoom_json(401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        token = request.form.get("token", "")
        with self._lock:
            self.counters["token_revoke"] += 1
            found = next(
                (
                    (gid, g)
                    for gid, g in self.grants.items()
                    if g.client_id == app.client_id and token and (token == g.refresh or token in g.access)
                ),
                None,
            )
            if found is None:  # unconfirmed at Zoom: what an unknown token is answered
                return zoom_json(400, {"reason": "Invalid Token!", "error": "invalid_request"})
            del self.grants[found[0]]
        threading.Thread(
            target=self._deliver_deauthorization, args=(app, found[1].user_id), daemon=True
        ).start()
        return zoom_json(200, {"status": "success"})

    # -- API: who calls, with which scopes ---------------------------------------------------

    def _caller(self, request: Request) -> tuple[dict[str, Any], Grant]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        now = self.clock()
        for grant in self.grants.values():
            expiry = grant.access.get(token)
            if expiry is not None and expiry > now:
                return self.users[grant.user_id], grant
        raise ZoomError(401, 124, "Invalid access token.")

    @staticmethod
    def _require(grant: Grant, operation: str, own_user: bool) -> None:
        """SOURCE.md "granular scopes": a call without a needed scope is 400, code 4711."""
        accepted = accepted_scopes(operation, own_user)
        if not grant.scopes.intersection(accepted):
            raise ZoomError(400, 4711, missing_scope_message(accepted))

    def _user_call(self, request: Request, operation: str, user_id: str) -> dict[str, Any]:
        """The user a `/users/{userId}...` call acts on, once the token may act on them."""
        caller, grant = self._caller(request)
        own = user_id in ("me", caller["id"], caller["email"])
        self._require(grant, operation, own)
        user = caller if own else self.users.get(user_id)
        if user is None or user["account_id"] != caller["account_id"]:
            raise ZoomError(404, 1001, f"User does not exist: {user_id}.")
        return user

    def _meeting_call(self, request: Request, operation: str, meeting_id: str) -> dict[str, Any]:
        caller, grant = self._caller(request)
        meeting = self.meetings.get(meeting_id)
        if meeting is None or self.users[meeting["host_id"]]["account_id"] != caller["account_id"]:
            raise ZoomError(404, 3001, f"Meeting does not exist: {meeting_id}.")
        self._require(grant, operation, own_user=meeting["host_id"] == caller["id"])
        return meeting

    # -- users -----------------------------------------------------------------------------

    def _list_users(self, request: Request) -> Response:
        """Paginated by `next_page_token` (15 minutes of life), `page_size` at most 300."""
        with self._lock:
            caller, grant = self._caller(request)
            self._require(grant, "list_users", own_user=False)
            status = request.args.get("status", "active")
            page_size = min(300, max(1, int(request.args.get("page_size", "30") or 30)))
            offset = 0
            token = request.args.get("next_page_token", "")
            if token:
                issued = self.page_tokens.get(token)
                if issued is None or issued[0] < self.clock() or issued[1] != caller["account_id"]:
                    raise ZoomError(400, 300, "The next page token is invalid or expired.")
                offset = issued[2]
            everyone = [
                u
                for u in self.users.values()
                if u["account_id"] == caller["account_id"] and u["status"] == status
            ]
            page = everyone[offset : offset + page_size]
            next_token = ""
            if offset + page_size < len(everyone):
                next_token = secrets.token_urlsafe(24)
                self.page_tokens[next_token] = (
                    self.clock() + PAGE_TOKEN_SECONDS,
                    caller["account_id"],
                    offset + page_size,
                )
        return zoom_json(
            200,
            {
                "page_count": max(1, -(-len(everyone) // page_size)),
                "page_number": offset // page_size + 1,
                "page_size": page_size,
                "total_records": len(everyone),
                "next_page_token": next_token,
                "users": [_listed_user(u) for u in page],
            },
        )

    def _get_user(self, request: Request, user_id: str) -> Response:
        with self._lock:
            return zoom_json(200, _user_detail(self._user_call(request, "get_user", user_id)))

    # -- meetings --------------------------------------------------------------------------

    def _count_daily(self, user_id: str) -> None:
        """SOURCE.md "daily limit": 100 creates/updates per host per UTC day; the current 429
        answer, or (fault mode `code300`) the older code 300 answer."""
        key = (user_id, day(self.clock()))
        if self.daily[key] >= self.daily_limit:
            if self.daily_limit_form == "code300":
                raise ZoomError(400, 300, DAILY_LIMIT_MESSAGE_300.format(limit=self.daily_limit))
            raise ZoomError(429, 429, DAILY_LIMIT_MESSAGE.format(limit=self.daily_limit))
        self.daily[key] += 1

    def _create_meeting(self, request: Request, user_id: str) -> Response:
        body = json_body(request)
        _check_meeting_body(body)
        with self._lock:
            host = self._user_call(request, "create_meeting", user_id)
            self._count_daily(host["id"])
            self.counters["create_meeting"] += 1
            self._next_meeting += 1
            meeting_id = self._next_meeting
            password = str(body.get("password") or secrets.token_hex(3))
            settings = {"approval_type": 2, **(body.get("settings") or {})}
            meeting = {
                "id": meeting_id,
                "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
                "host_id": host["id"],
                "host_email": host["email"],
                "topic": str(body.get("topic", "Zoom meeting"))[:200],
                "type": int(body.get("type", 2)),
                "status": "waiting",
                "start_time": body.get("start_time", ""),
                "duration": int(body.get("duration", 60)),
                "timezone": body.get("timezone", "UTC"),
                "agenda": str(body.get("agenda", "")),
                "created_at": iso(self.clock()),
                "password": password,
                "join_url": f"{self.base_url}/j/{meeting_id}?pwd={password}",
                "start_url": f"{self.base_url}/s/{meeting_id}?zak={secrets.token_urlsafe(16)}",
                "settings": settings,
            }
            if settings.get("approval_type") in (0, 1):
                meeting["registration_url"] = f"{self.base_url}/meeting/register/{meeting_id}"
            self.meetings[str(meeting_id)] = meeting
            self.meeting_state[str(meeting_id)] = "waiting"
            return zoom_json(201, meeting)

    def _list_meetings(self, request: Request, user_id: str) -> Response:
        with self._lock:
            host = self._user_call(request, "list_meetings", user_id)
            items = [
                {
                    k: m[k]
                    for k in (
                        "uuid",
                        "id",
                        "host_id",
                        "topic",
                        "type",
                        "start_time",
                        "duration",
                        "timezone",
                        "agenda",
                        "created_at",
                        "join_url",
                    )
                }
                for m in self.meetings.values()
                if m["host_id"] == host["id"]
            ]
        return zoom_json(
            200, {"page_size": 300, "total_records": len(items), "next_page_token": "", "meetings": items}
        )

    def _get_meeting(self, request: Request, meeting_id: str) -> Response:
        with self._lock:
            meeting = self._meeting_call(request, "get_meeting", meeting_id)
            self.counters["get_meeting"] += 1
            meeting["start_url"] = (
                f"{self.base_url}/s/{meeting_id}?zak={secrets.token_urlsafe(16)}"  # fresh, as Zoom's
            )
            # The spec's status enum is waiting | started; an ended meeting reads as waiting.
            started = self.meeting_state.get(meeting_id) == "started"
            return zoom_json(200, {**meeting, "status": "started" if started else "waiting"})

    def _update_meeting(self, request: Request, meeting_id: str) -> Response:
        body = json_body(request)
        _check_meeting_body(body)
        with self._lock:
            meeting = self._meeting_call(request, "update_meeting", meeting_id)
            self._count_daily(meeting["host_id"])
            self.counters["update_meeting"] += 1
            for key in ("topic", "start_time", "duration", "timezone", "agenda", "type"):
                if key in body:
                    meeting[key] = body[key]
            if isinstance(body.get("settings"), dict):
                meeting["settings"].update(body["settings"])
            if body.get("password") and body["password"] != meeting["password"]:  # a new passcode
                meeting["password"] = str(body["password"])
                meeting["join_url"] = f"{self.base_url}/j/{meeting_id}?pwd={meeting['password']}"
        return Response(status=204)

    def _delete_meeting(self, request: Request, meeting_id: str) -> Response:
        """SOURCE.md "delete" and the spec: 400/3002 in progress, 400/3007 ended, 404/3001 gone."""
        with self._lock:
            self._meeting_call(request, "delete_meeting", meeting_id)
            state = self.meeting_state.get(meeting_id, "waiting")
            if state in ("started", "ended"):
                self.counters["delete_meeting_refused"] += 1
            if state == "started":
                raise ZoomError(400, 3002, "Sorry, you cannot delete this meeting since it is in progress.")
            if state == "ended":
                raise ZoomError(400, 3007, "Sorry, you cannot delete this meeting since it has ended.")
            self.counters["delete_meeting"] += 1
            del self.meetings[meeting_id]
            self.meeting_state.pop(meeting_id, None)
            self.registrants.pop(meeting_id, None)
        return Response(status=204)

    # -- registrants -----------------------------------------------------------------------

    def _count_registrant(self, kind: str, meeting_id: str, email: str, limit: int, message: str) -> None:
        key = (kind, meeting_id, email, day(self.clock()))
        if self.registrant_daily[key] >= limit:
            raise ZoomError(429, 429, message.format(limit=limit, email=email))
        self.registrant_daily[key] += 1

    def _add_registrant(self, request: Request, meeting_id: str) -> Response:
        """Licensed hosts only (400, code 200); 3 adds a day per registrant and meeting (429,
        "daily"); the same email again gives the registrant it already is."""
        body = json_body(request)
        with self._lock:
            meeting = self._meeting_call(request, "add_registrant", meeting_id)
            if self.users[meeting["host_id"]]["type"] == 1:
                raise ZoomError(400, 200, "Only available for Paid user.")
            if meeting["settings"].get("approval_type") not in (0, 1):
                raise ZoomError(400, 3038, "Registration has not been enabled for this meeting.")
            if not body.get("email") or not body.get("first_name"):
                raise ZoomError(400, 300, "Validation Failed: email and first_name are required.")
            email = str(body["email"]).lower()
            self._count_registrant(
                "add", meeting_id, email, REGISTRANT_ADDS_PER_DAY, REGISTRANT_LIMIT_MESSAGE
            )
            self.counters["add_registrant"] += 1
            registrants = self.registrants.setdefault(meeting_id, {})
            if email not in registrants or registrants[email]["status"] == "cancelled":
                tk = secrets.token_urlsafe(16)
                registrants[email] = {
                    "id": secrets.token_urlsafe(12),
                    "email": email,
                    "status": "approved",
                    "tk": tk,
                    "join_url": f"{self.base_url}/w/{meeting_id}?tk={tk}",
                }
            reg = registrants[email]
            answer = {
                "id": int(meeting_id),
                "registrant_id": reg["id"],
                "join_url": reg["join_url"],
                "topic": meeting["topic"],
                "start_time": meeting["start_time"],
            }
        return zoom_json(201, answer)

    def _cancel_registrants(self, request: Request, meeting_id: str) -> Response:
        body = json_body(request)
        with self._lock:
            self._meeting_call(request, "cancel_registrants", meeting_id)
            wanted = {str(r.get("id")) for r in body.get("registrants") or []}
            chosen = [r for r in self.registrants.get(meeting_id, {}).values() if r["id"] in wanted]
            for reg in chosen:
                self._count_registrant(
                    "status",
                    meeting_id,
                    reg["email"],
                    REGISTRANT_STATUS_CHANGES_PER_DAY,
                    STATUS_LIMIT_MESSAGE,
                )
            self.counters["cancel_registrants"] += 1
            for reg in chosen:
                if body.get("action") == "cancel":
                    reg["status"] = "cancelled"
        return Response(status=204)

    def active_registrants(self, meeting_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.registrants.get(meeting_id, {}).values() if r["status"] == "approved"]

    # -- webhooks --------------------------------------------------------------------------

    def _secret_token(self, client_id: str | None) -> str:
        app = self.apps.get(client_id or self.client_id)
        return app.webhook_secret_token if app else self.webhook_secret_token

    def sign(self, timestamp: str, raw_body: str, client_id: str | None = None) -> str:
        """SOURCE.md "Webhooks": v0=HMAC-SHA256(app's secret token, "v0:{timestamp}:{body}")."""
        digest = hmac.new(
            self._secret_token(client_id).encode(), f"v0:{timestamp}:{raw_body}".encode(), hashlib.sha256
        )
        return "v0=" + digest.hexdigest()

    def send_webhook(
        self, url: str, event: str, payload: dict[str, Any], client_id: str | None = None
    ) -> httpx.Response:
        raw = json.dumps({"event": event, "event_ts": int(self.clock() * 1000), "payload": payload})
        timestamp = str(int(self.clock()))
        headers = {
            "content-type": "application/json",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": self.sign(timestamp, raw, client_id),
        }
        return httpx.post(url, content=raw, headers=headers, timeout=10)

    def _deauthorized_payload(self, app: ZoomApp, user_id: str) -> dict[str, Any]:
        return {
            "account_id": self.users[user_id]["account_id"],
            "user_id": user_id,
            "signature": secrets.token_hex(16),
            "deauthorization_time": iso(self.clock()),
            "client_id": app.client_id,
        }

    def _deliver_deauthorization(self, app: ZoomApp, user_id: str) -> None:
        """After a revoke, Zoom tells the app's Deauthorization Notification URL (asynchronously)."""
        record: dict[str, Any] = {"event": "app_deauthorized", "client_id": app.client_id, "user_id": user_id}
        if not app.deauthorization_url:
            record["status"] = None  # the app has no deauthorization URL: nobody is told
        else:
            try:
                answer = self.send_webhook(
                    app.deauthorization_url,
                    "app_deauthorized",
                    self._deauthorized_payload(app, user_id),
                    app.client_id,
                )
                record["status"] = answer.status_code
            except httpx.HTTPError as error:
                record["status"] = f"failed: {type(error).__name__}"
        with self._lock:
            self.deliveries.append(record)

    def deauthorize(
        self, user_id: str, url: str | None = None, client_id: str | None = None
    ) -> httpx.Response:
        """The user removes the app in Zoom's Marketplace: its grant ends, the app is told."""
        with self._lock:
            if client_id is None:
                granted = {g.client_id for g in self.grants.values() if g.user_id == user_id}
                if len(granted) > 1:
                    raise ZoomError(400, 300, f"{user_id} granted several apps; name the client_id.")
                client_id = granted.pop() if granted else self.client_id
            app = self.apps[client_id]
            self.revoke_user_tokens(user_id, client_id)
        target = url or app.deauthorization_url
        return self.send_webhook(
            target, "app_deauthorized", self._deauthorized_payload(app, user_id), client_id
        )

    def edit_in_portal(self, meeting_id: str, start_time: str, url: str | None) -> int | None:
        """The host moves a meeting in Zoom's web portal; Zoom sends meeting.updated (its `object`
        holds the changed fields, `old_object` their values before: Zoom's event reference)."""
        with self._lock:
            meeting = self.meetings[str(meeting_id)]
            before, meeting["start_time"] = meeting["start_time"], start_time
        if not url:
            return None
        payload = {
            "account_id": self.users[meeting["host_id"]]["account_id"],
            "operator": self.users[meeting["host_id"]]["email"],
            "object": {"id": meeting["id"], "uuid": meeting["uuid"], "start_time": start_time},
            "old_object": {"id": meeting["id"], "uuid": meeting["uuid"], "start_time": before},
        }
        return self.send_webhook(url, "meeting.updated", payload).status_code

    def set_user_status(
        self, user_id: str, status: str, url: str | None, client_id: str | None
    ) -> int | None:
        """An account admin deactivates, reactivates or deletes a user; Zoom sends user.deactivated,
        user.activated or user.deleted to the apps subscribed. A deleted user's grants end."""
        with self._lock:
            user = self.users[user_id]
            if status == "deleted":
                del self.users[user_id]
                self.revoke_user_tokens(user_id)
            else:
                user["status"] = status
        if not url:
            return None
        event = {"inactive": "user.deactivated", "active": "user.activated", "deleted": "user.deleted"}[
            status
        ]
        payload = {
            "account_id": user["account_id"],
            "operator": "admin@zoom.test",
            "object": {k: user[k] for k in ("id", "email", "first_name", "last_name", "type")},
        }
        return self.send_webhook(url, event, payload, client_id).status_code

    def delete_meeting_and_notify(self, meeting_id: str, url: str) -> httpx.Response:
        with self._lock:
            meeting = self.meetings.pop(str(meeting_id))
        obj = {
            "id": meeting["id"],
            "uuid": meeting["uuid"],
            "host_id": meeting["host_id"],
            "topic": meeting["topic"],
        }
        return self.send_webhook(url, "meeting.deleted", {"account_id": "", "object": obj})

    # -- pages -----------------------------------------------------------------------------

    def _join_page(self, request: Request, meeting_id: str) -> Response:
        return self._room(meeting_id, "participant")

    def _start_page(self, request: Request, meeting_id: str) -> Response:
        return self._room(meeting_id, "host")

    def _registrant_page(self, request: Request, meeting_id: str) -> Response:
        """A registrant's own join link (`/w/{id}?tk=...`): only an approved registrant gets in."""
        tk = request.args.get("tk", "")
        with self._lock:
            known = any(
                r["status"] == "approved" and tk and hmac.compare_digest(r["tk"], tk)
                for r in self.registrants.get(meeting_id, {}).values()
            )
        if meeting_id in self.meetings and not known:
            return pages.refusal(403, 3043, "This registration link is not valid for this meeting.")
        return self._room(meeting_id, "participant")

    def _room(self, meeting_id: str, role: str) -> Response:
        with self._lock:
            exists = meeting_id in self.meetings
        if not exists:
            return pages.page(404, "Zoom", "<h1>This meeting does not exist</h1>")
        return pages.meeting_room(meeting_id, role)


PASSWORD = re.compile(r"^[A-Za-z0-9@_*-]{1,10}$")
BOOLEAN_SETTINGS = ("waiting_room", "join_before_host", "mute_upon_entry")


def _check_meeting_body(body: dict[str, Any]) -> None:
    """The spec's rules for what vclinks sends in a meeting body (POST .../meetings, PATCH
    /meetings/{id}): `password` at most 10 letters, digits, @ - _ *; `settings.auto_recording` one
    of local, cloud, none; the other settings booleans. Zoom answers 300 for an invalid field."""
    password = body.get("password")
    if password is not None and not (isinstance(password, str) and PASSWORD.match(password)):
        raise ZoomError(400, 300, "Invalid field: password.")
    settings = body.get("settings") or {}
    if "auto_recording" in settings and settings["auto_recording"] not in ("local", "cloud", "none"):
        raise ZoomError(400, 300, "Invalid field: settings.auto_recording.")
    for name in BOOLEAN_SETTINGS:
        if name in settings and not isinstance(settings[name], bool):
            raise ZoomError(400, 300, f"Invalid field: settings.{name}.")


LISTED_USER_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "type",
    "pmi",
    "timezone",
    "verified",
    "dept",
    "created_at",
    "last_login_time",
    "status",
    "role_id",
)


def _listed_user(user: dict[str, Any]) -> dict[str, Any]:
    """An item of GET /users: the spec's list fields (no role_name, no account_id there)."""
    return {k: user[k] for k in LISTED_USER_FIELDS}


def _user_detail(user: dict[str, Any]) -> dict[str, Any]:
    """GET /users/{userId}: the list fields plus the account, role name and language."""
    return _listed_user(user) | {k: user[k] for k in ("account_id", "role_name", "language")}
