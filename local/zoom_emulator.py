"""A Zoom emulator for `make dev` and the tests: OAuth (authorize page, PKCE, rotating refresh
tokens, revoke), users, meetings, registrants, the per-host daily limit, faults on demand,
and signed webhooks. In memory, thread-safe, served by werkzeug on 127.0.0.1.

Its answers follow Zoom's OpenAPI document (tests/contract checks them) and the facts of
shared/zoom/SOURCE.md: access tokens live 1 hour, codes 5 minutes, refresh tokens rotate.
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
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

import httpx
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

ACCESS_SECONDS = 3600
CODE_SECONDS = 300
DAILY_LIMIT_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)


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
    user_id: str
    access: dict[str, float] = field(default_factory=dict)  # token -> expiry
    refresh: str = ""


class ZoomError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ZoomEmulator:
    def __init__(
        self,
        client_id: str = "local-client-id",
        client_secret: str = "local-client-secret",  # noqa: S107 (the emulator's own)
        webhook_secret_token: str = "local-webhook-token",  # noqa: S107
        clock: Callable[[], float] = time.time,
        daily_limit: int = 100,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_secret_token = webhook_secret_token
        self.clock = clock
        self.daily_limit = daily_limit
        self.base_url = ""
        self._lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()
        self._routes = Map(
            [
                Rule("/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/oauth/token", endpoint="token", methods=["POST"]),
                Rule("/oauth/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/j/<meeting_id>", endpoint="meeting_page", methods=["GET"]),
                Rule("/s/<meeting_id>", endpoint="meeting_page", methods=["GET"]),
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
                Rule("/_emulator/calls", endpoint="control_calls", methods=["GET"]),
                Rule("/_emulator/faults", endpoint="control_faults", methods=["POST", "DELETE"]),
                Rule("/_emulator/reset", endpoint="control_reset", methods=["POST"]),
                Rule("/_emulator/meetings", endpoint="control_meetings", methods=["GET"]),
                Rule("/_emulator/webhooks", endpoint="control_webhooks", methods=["POST"]),
                Rule("/_emulator/expire-tokens", endpoint="control_expire", methods=["POST"]),
                Rule("/_emulator/deauthorize", endpoint="control_deauthorize", methods=["POST"]),
                Rule("/_emulator/revoke", endpoint="control_revoke", methods=["POST"]),
                Rule("/_emulator/users", endpoint="control_add_user", methods=["POST"]),
                Rule("/_emulator/daily-usage", endpoint="control_daily_usage", methods=["POST"]),
                Rule("/_emulator/delete-meeting", endpoint="control_delete_meeting", methods=["POST"]),
            ]
        )

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.grants: dict[str, Grant] = {}  # grant id -> grant
            self.meetings: dict[str, dict[str, Any]] = {}
            self.registrants: dict[str, dict[str, dict[str, Any]]] = {}
            self.daily: Counter[tuple[str, str]] = Counter()
            self.counters: Counter[str] = Counter()
            self.faults: list[Fault] = []
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
    ) -> str:
        with self._lock:
            uid = user_id or f"zu-{secrets.token_hex(6)}"
            self.users[uid] = {
                "id": uid,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "account_id": account_id,
                "type": 2 if role in ("Owner", "Admin") else 1,
                "role_name": role,
                "status": "active",
                "timezone": "UTC",
            }
            return uid

    def calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()

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

    def revoke_user_tokens(self, user_id: str) -> None:
        with self._lock:
            for gid in [g for g, grant in self.grants.items() if grant.user_id == user_id]:
                del self.grants[gid]

    # -- serving ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.wsgi_app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="zoom-emulator", daemon=True)
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
            return _zoom_json(404, {"code": 404, "message": "Not found."})
        except HTTPException as error:
            return _zoom_json(error.code or 405, {"code": error.code, "message": error.description})
        fault = None if str(endpoint).startswith("control_") else self._take_fault(request)
        if fault is not None and not fault.drop:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.status:
                return _zoom_json(fault.status, {"code": fault.status, "message": "Injected fault."})
        try:
            response: Response = getattr(self, f"_{endpoint}")(request, **args)
        except ZoomError as error:
            response = _zoom_json(error.status, {"code": error.code, "message": error.message})
        if fault is not None and fault.drop:
            return _zoom_json(502, {"code": 502, "message": "Injected fault: the answer was lost."})
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
        params = request.args if request.method == "GET" else request.form
        if params.get("client_id") != self.client_id or params.get("response_type", "code") != "code":
            return Response("<h1>Invalid client_id</h1>", 400, content_type="text/html")
        if request.method == "GET":
            return Response(self._consent_page(params), 200, content_type="text/html; charset=utf-8")
        redirect_uri, state = params.get("redirect_uri", ""), params.get("state", "")
        if "deny" in request.form:
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        user_id = params.get("user", "")
        if user_id not in self.users:
            return Response("<h1>Unknown user</h1>", 400, content_type="text/html")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "user_id": user_id,
                "redirect_uri": redirect_uri,
                "challenge": params.get("code_challenge", ""),
                "expires": self.clock() + CODE_SECONDS,
            }
        return _redirect(redirect_uri, {"code": code, "state": state})

    def _consent_page(self, params: Any) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in params.items()
            if k
            in (
                "client_id",
                "redirect_uri",
                "state",
                "code_challenge",
                "code_challenge_method",
                "response_type",
            )
        )
        options = "".join(
            f'<option value="{escape(u["id"])}">{escape(u["email"])} ({escape(u["role_name"])})</option>'
            for u in self.users.values()
        )
        return (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>Zoom emulator: authorize</title></head><body>"
            "<h1>Allow vclinks to use your Zoom account?</h1>"
            f"<form method='post' action='/oauth/authorize'>{hidden}"
            f"<label>Sign in as <select name='user' id='user'>{options}</select></label> "
            "<button type='submit' name='allow' id='allow'>Allow</button> "
            "<button type='submit' name='deny' id='deny'>Deny</button></form></body></html>"
        )

    def _client_ok(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(
            secret, self.client_secret
        )

    def _token(self, request: Request) -> Response:
        if not self._client_ok(request):
            return _zoom_json(
                401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        grant_type = request.form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                self.counters["token_exchange"] += 1
                return self._exchange(request)
            if grant_type == "refresh_token":
                self.counters["token_refresh"] += 1
                return self._refresh(request.form.get("refresh_token", ""))
        return _zoom_json(400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"})

    def _exchange(self, request: Request) -> Response:
        code = self.codes.pop(request.form.get("code", ""), None)  # single use
        if (
            code is None
            or code["expires"] < self.clock()
            or code["redirect_uri"] != request.form.get("redirect_uri")
        ):
            return _zoom_json(400, {"reason": "Invalid authorization code", "error": "invalid_grant"})
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(challenge, code["challenge"]):
            return _zoom_json(400, {"reason": "Invalid code_verifier", "error": "invalid_grant"})
        grant = Grant(user_id=code["user_id"])
        self.grants[secrets.token_hex(8)] = grant
        return self._issue(grant)

    def _refresh(self, refresh_token: str) -> Response:
        grant = next(
            (g for g in self.grants.values() if g.refresh and hmac.compare_digest(g.refresh, refresh_token)),
            None,
        )
        if grant is None:
            return _zoom_json(400, {"reason": "Invalid Token!", "error": "invalid_grant"})
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
            "scope": "meeting:write user:read",
        }
        return _zoom_json(200, body)

    def _revoke(self, request: Request) -> Response:
        if not self._client_ok(request):
            return _zoom_json(401, {"reason": "Invalid client", "error": "invalid_client"})
        token = request.form.get("token", "")
        with self._lock:
            self.counters["token_revoke"] += 1
            for gid, grant in list(self.grants.items()):
                if token == grant.refresh or token in grant.access:
                    del self.grants[gid]
        return _zoom_json(200, {"status": "success"})

    # -- API -------------------------------------------------------------------------------

    def _caller(self, request: Request) -> dict[str, Any]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        now = self.clock()
        for grant in self.grants.values():
            expiry = grant.access.get(token)
            if expiry is not None and expiry > now:
                return self.users[grant.user_id]
        raise ZoomError(401, 124, "Invalid access token.")

    def _target_user(self, caller: dict[str, Any], user_id: str) -> dict[str, Any]:
        user = caller if user_id in ("me", caller["id"], caller["email"]) else self.users.get(user_id)
        if user is None or user["account_id"] != caller["account_id"]:
            raise ZoomError(404, 1001, f"User does not exist: {user_id}.")
        if user is not caller and caller["role_name"] not in ("Owner", "Admin"):
            raise ZoomError(400, 200, "No permission.")
        return user

    def _list_users(self, request: Request) -> Response:
        with self._lock:
            caller = self._caller(request)
            if caller["role_name"] not in ("Owner", "Admin"):
                raise ZoomError(400, 200, "No permission.")
            users = [_public_user(u) for u in self.users.values() if u["account_id"] == caller["account_id"]]
        return _zoom_json(
            200,
            {
                "page_count": 1,
                "page_number": 1,
                "page_size": 300,
                "total_records": len(users),
                "next_page_token": "",
                "users": users,
            },
        )

    def _get_user(self, request: Request, user_id: str) -> Response:
        with self._lock:
            user = self._target_user(self._caller(request), user_id)
            return _zoom_json(200, _public_user(user))

    def _count_daily(self, user_id: str) -> None:
        day = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d")
        if self.daily[(user_id, day)] >= self.daily_limit:
            raise ZoomError(429, 429, DAILY_LIMIT_MESSAGE.format(limit=self.daily_limit))
        self.daily[(user_id, day)] += 1

    def _create_meeting(self, request: Request, user_id: str) -> Response:
        body = _body(request)
        with self._lock:
            host = self._target_user(self._caller(request), user_id)
            self._count_daily(host["id"])
            self.counters["create_meeting"] += 1
            self._next_meeting += 1
            meeting_id = self._next_meeting
            password = secrets.token_hex(3)
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
                "created_at": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "password": password,
                "join_url": f"{self.base_url}/j/{meeting_id}?pwd={password}",
                "start_url": f"{self.base_url}/s/{meeting_id}?zak={secrets.token_urlsafe(16)}",
                "settings": settings,
            }
            if settings.get("approval_type") in (0, 1):
                meeting["registration_url"] = f"{self.base_url}/meeting/register/{meeting_id}"
            self.meetings[str(meeting_id)] = meeting
            return _zoom_json(201, meeting)

    def _list_meetings(self, request: Request, user_id: str) -> Response:
        with self._lock:
            host = self._target_user(self._caller(request), user_id)
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
        return _zoom_json(
            200, {"page_size": 300, "total_records": len(items), "next_page_token": "", "meetings": items}
        )

    def _meeting(self, request: Request, meeting_id: str) -> dict[str, Any]:
        caller = self._caller(request)
        meeting = self.meetings.get(meeting_id)
        if meeting is None or self.users[meeting["host_id"]]["account_id"] != caller["account_id"]:
            raise ZoomError(404, 3001, f"Meeting does not exist: {meeting_id}.")
        return meeting

    def _get_meeting(self, request: Request, meeting_id: str) -> Response:
        with self._lock:
            meeting = self._meeting(request, meeting_id)
            meeting["start_url"] = (
                f"{self.base_url}/s/{meeting_id}?zak={secrets.token_urlsafe(16)}"  # fresh, as Zoom's
            )
            return _zoom_json(200, meeting)

    def _update_meeting(self, request: Request, meeting_id: str) -> Response:
        body = _body(request)
        with self._lock:
            meeting = self._meeting(request, meeting_id)
            self._count_daily(meeting["host_id"])
            self.counters["update_meeting"] += 1
            for key in ("topic", "start_time", "duration", "timezone", "agenda", "type"):
                if key in body:
                    meeting[key] = body[key]
            if isinstance(body.get("settings"), dict):
                meeting["settings"].update(body["settings"])
        return Response(status=204)

    def _delete_meeting(self, request: Request, meeting_id: str) -> Response:
        with self._lock:
            self._meeting(request, meeting_id)
            self.counters["delete_meeting"] += 1
            del self.meetings[meeting_id]
            self.registrants.pop(meeting_id, None)
        return Response(status=204)

    def _add_registrant(self, request: Request, meeting_id: str) -> Response:
        body = _body(request)
        with self._lock:
            meeting = self._meeting(request, meeting_id)
            if meeting["settings"].get("approval_type") not in (0, 1):
                raise ZoomError(400, 3038, "Registration has not been enabled for this meeting.")
            if not body.get("email") or not body.get("first_name"):
                raise ZoomError(400, 300, "Validation Failed: email and first_name are required.")
            self.counters["add_registrant"] += 1
            registrants = self.registrants.setdefault(meeting_id, {})
            email = str(body["email"]).lower()
            if email not in registrants or registrants[email]["status"] == "cancelled":
                rid = secrets.token_urlsafe(12)
                registrants[email] = {
                    "id": rid,
                    "email": email,
                    "status": "approved",
                    "join_url": f"{self.base_url}/w/{meeting_id}?tk={secrets.token_urlsafe(16)}",
                }
            reg = registrants[email]
            answer = {
                "id": int(meeting_id),
                "registrant_id": reg["id"],
                "join_url": reg["join_url"],
                "topic": meeting["topic"],
                "start_time": meeting["start_time"],
            }
        return _zoom_json(201, answer)

    def _cancel_registrants(self, request: Request, meeting_id: str) -> Response:
        body = _body(request)
        with self._lock:
            self._meeting(request, meeting_id)
            self.counters["cancel_registrants"] += 1
            wanted = {str(r.get("id")) for r in body.get("registrants") or []}
            for reg in self.registrants.get(meeting_id, {}).values():
                if reg["id"] in wanted and body.get("action") == "cancel":
                    reg["status"] = "cancelled"
        return Response(status=204)

    def active_registrants(self, meeting_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.registrants.get(meeting_id, {}).values() if r["status"] == "approved"]

    # -- webhooks --------------------------------------------------------------------------

    def sign(self, timestamp: str, raw_body: str) -> str:
        digest = hmac.new(
            self.webhook_secret_token.encode(), f"v0:{timestamp}:{raw_body}".encode(), hashlib.sha256
        )
        return "v0=" + digest.hexdigest()

    def send_webhook(self, url: str, event: str, payload: dict[str, Any]) -> httpx.Response:
        raw = json.dumps({"event": event, "event_ts": int(self.clock() * 1000), "payload": payload})
        timestamp = str(int(self.clock()))
        headers = {
            "content-type": "application/json",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": self.sign(timestamp, raw),
        }
        return httpx.post(url, content=raw, headers=headers, timeout=10)

    def deauthorize(self, user_id: str, url: str) -> httpx.Response:
        user = self.users[user_id]
        self.revoke_user_tokens(user_id)
        payload = {
            "account_id": user["account_id"],
            "user_id": user_id,
            "signature": secrets.token_hex(16),
            "deauthorization_time": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "client_id": self.client_id,
        }
        return self.send_webhook(url, "app_deauthorized", payload)

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

    # -- control API -----------------------------------------------------------------------

    def _meeting_page(self, request: Request, meeting_id: str) -> Response:
        """Where a join or start link lands: the meeting 'room' (a page naming it)."""
        with self._lock:
            meeting = self.meetings.get(meeting_id)
        if meeting is None:
            return Response("<h1>This meeting does not exist</h1>", 404, content_type="text/html")
        role = "host" if request.path.startswith("/s/") else "participant"
        page = f"<!doctype html><title>Zoom</title><h1 id='room'>Zoom meeting {escape(meeting_id)}</h1>"
        return Response(f"{page}<p id='role'>{role}</p>", 200, content_type="text/html; charset=utf-8")

    def _control_calls(self, request: Request) -> Response:
        return _zoom_json(200, self.calls())

    def _control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.clear_faults()
        else:
            self.add_fault(**_body(request))
        return _zoom_json(200, {"faults": len(self.faults)})

    def _control_reset(self, request: Request) -> Response:
        self.reset()
        return _zoom_json(200, {"status": "reset"})

    def _control_meetings(self, request: Request) -> Response:
        with self._lock:
            meetings = [
                {**m, "registrants": list(self.registrants.get(str(m["id"]), {}).values())}
                for m in self.meetings.values()
            ]
        return _zoom_json(200, {"meetings": meetings})

    def _control_deauthorize(self, request: Request) -> Response:
        """The user removes the app in Zoom's marketplace: tokens die, the app is told."""
        body = _body(request)
        answer = self.deauthorize(body["user_id"], body["url"])
        return _zoom_json(200, {"status": answer.status_code})

    def _control_add_user(self, request: Request) -> Response:
        body = _body(request)
        user_id = self.add_user(
            body.get("account_id", "acct-demo"),
            body["email"],
            body.get("first_name", "Test"),
            body.get("last_name", "User"),
            role=body.get("role", "Member"),
        )
        return _zoom_json(201, {"id": user_id})

    def _control_daily_usage(self, request: Request) -> Response:
        """Set how many meeting creates/updates a user has made today (the 100-a-day limit)."""
        body = _body(request)
        day = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d")
        with self._lock:
            self.daily[(body["user_id"], day)] = int(body["count"])
        return _zoom_json(200, {"limit": self.daily_limit})

    def _control_revoke(self, request: Request) -> Response:
        """The user's grant ends without a webhook (password change, admin action): tokens die."""
        self.revoke_user_tokens(_body(request)["user_id"])
        return _zoom_json(200, {"status": "revoked"})

    def _control_delete_meeting(self, request: Request) -> Response:
        """Someone deletes a meeting in Zoom's own web portal: it goes, and the app is told."""
        body = _body(request)
        answer = self.delete_meeting_and_notify(str(body["meeting_id"]), body["url"])
        return _zoom_json(200, {"status": answer.status_code})

    def _control_webhooks(self, request: Request) -> Response:
        body = _body(request)
        answer = self.send_webhook(body["url"], body["event"], body.get("payload") or {})
        return _zoom_json(200, {"status": answer.status_code})

    def _control_expire(self, request: Request) -> Response:
        self.expire_access_tokens()
        return _zoom_json(200, {"status": "expired"})


def _public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {
        k: user[k]
        for k in (
            "id",
            "email",
            "first_name",
            "last_name",
            "type",
            "status",
            "timezone",
            "role_name",
            "account_id",
        )
    }


def _zoom_json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status, content_type="application/json;charset=UTF-8")


def _redirect(url: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in url else "?"
    return Response(status=302, headers={"Location": f"{url}{separator}{urlencode(params)}"})


def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except json.JSONDecodeError as error:
        raise ZoomError(400, 300, "Request body must be JSON.") from error
    if not isinstance(data, dict):
        raise ZoomError(400, 300, "Request body must be a JSON object.")
    return data
