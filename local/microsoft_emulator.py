"""A Microsoft emulator for `make dev` and the tests: the identity platform's v2.0 authorization
code flow (consent page, tenants, PKCE, refresh tokens that rotate while the old ones still work,
revocation by the user or an admin) and Graph's `/me` and `/me/onlineMeetings` (createOrGet,
get, PATCH, DELETE), with Graph's error shapes, unlicensed and personal accounts, and faults on
demand. In memory, thread-safe, werkzeug on 127.0.0.1.

Each behaviour names its source: a row of shared/microsoft/SOURCE.md ("SOURCE: <topic>") or the
Graph OpenAPI subset in tests/contract/fixtures/graph_online_meetings_subset.json. Fidelity
table: docs/PROVIDERS.md. One base URL serves login.microsoftonline.com, graph.microsoft.com
(under /v1.0) and teams.microsoft.com (the /l/meetup-join/ rooms).
"""

from __future__ import annotations

import base64
import hmac
import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from local.provider_emulator import (
    EmulatorError,
    ProviderEmulator,
    html,
    json_answer,
    json_body,
    pkce_matches,
    redirect,
)

GRAPH = "https://graph.microsoft.com/"
# Delegated permissions the emulator knows (SOURCE: "Scopes to ask"); the .All one is an
# application permission and does not exist as a delegated scope (techcommunity 3676516).
DELEGATED = {
    "openid",
    "profile",
    "email",
    "offline_access",
    "user.read",
    "onlinemeetings.read",
    "onlinemeetings.readwrite",
}
CODE_SECONDS = 600  # SOURCE: about 10 minutes, single use
REFRESH_SECONDS = 90 * 86400  # SOURCE: 90 days, not configurable
CREATE_OR_GET_FIELDS = {"chatInfo", "endDateTime", "externalId", "participants", "startDateTime", "subject"}
# SOURCE update: what PATCH may change; joinMeetingIdSettings can't be changed after create.
PATCHABLE = {
    "startDateTime",
    "endDateTime",
    "subject",
    "participants",
    "lobbyBypassSettings",
    "allowedPresenters",
    "isEntryExitAnnounced",
    "allowMeetingChat",
    "allowAttendeeToEnableCamera",
    "allowAttendeeToEnableMic",
    "recordAutomatically",
    "allowTeamworkReactions",
    "allowParticipantsToChangeName",
}
LOBBY_SCOPES = {"organizer", "organization", "organizationAndFederated", "everyone"}
HIDDEN_LOBBY_SCOPES = {"invited", "organizationExcludingGuests"}  # SOURCE: only with the Prefer header
PRESENTERS = {"everyone", "organization", "roleIsPresenter", "organizer"}
CHAT_MODES = {"enabled", "disabled", "limited"}
# onlineMeetingBase's Boolean properties that PATCH may change (Edm.Boolean: OData refuses another type)
BOOLEANS = {
    "isEntryExitAnnounced",
    "allowAttendeeToEnableCamera",
    "allowAttendeeToEnableMic",
    "recordAutomatically",
    "allowTeamworkReactions",
    "allowParticipantsToChangeName",
}
UNKNOWN_ENUM_MEMBERS = "include-unknown-enum-members"


@dataclass
class MicrosoftUser:
    id: str
    upn: str
    name: str
    account_type: str = "work"  # or "personal" (outlook.com, live.com)
    teams_licence: bool = True
    tenant_id: str = "tenant-studio"


@dataclass
class Grant:
    user_id: str
    scopes: frozenset[str]
    refresh: dict[str, float] = field(default_factory=dict)  # every issued refresh token -> expiry
    access: dict[str, float] = field(default_factory=dict)


class MicrosoftEmulator(ProviderEmulator):
    name = "microsoft-emulator"

    def __init__(
        self,
        client_id: str = "00000000-0000-4000-8000-00000000c1d0",
        client_secret: str = "local-microsoft-secret",  # noqa: S107 (the emulator's own)
        redirect_uris: Iterable[str] = ("http://127.0.0.1/callback",),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        super().__init__(
            [
                Rule("/<tenant>/oauth2/v2.0/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/<tenant>/oauth2/v2.0/token", endpoint="token", methods=["POST"]),
                Rule("/v1.0/me", endpoint="me", methods=["GET"]),
                Rule("/v1.0/me/onlineMeetings", endpoint="create_meeting", methods=["POST"]),
                Rule("/v1.0/me/onlineMeetings/createOrGet", endpoint="create_or_get", methods=["POST"]),
                Rule("/v1.0/me/onlineMeetings/<meeting_id>", endpoint="get_meeting", methods=["GET"]),
                Rule("/v1.0/me/onlineMeetings/<meeting_id>", endpoint="update_meeting", methods=["PATCH"]),
                Rule("/v1.0/me/onlineMeetings/<meeting_id>", endpoint="delete_meeting", methods=["DELETE"]),
                Rule("/l/meetup-join/<path:thread>", endpoint="room", methods=["GET"]),
                Rule("/_emulator/users", endpoint="control_add_user", methods=["POST"]),
                Rule("/_emulator/revoke", endpoint="control_revoke", methods=["POST"]),
                Rule("/_emulator/expire-tokens", endpoint="control_expire", methods=["POST"]),
                Rule("/_emulator/meetings", endpoint="control_meetings", methods=["GET"]),
                Rule("/_emulator/meeting-options", endpoint="control_meeting_options", methods=["POST"]),
                Rule("/_emulator/redirect-uris", endpoint="control_redirect_uri", methods=["POST"]),
            ],
            clock,
        )

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.users: dict[str, MicrosoftUser] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.grants: dict[str, Grant] = {}
            self.meetings: dict[str, dict[str, Any]] = {}  # id -> meeting (+ "_organizer")
            self.add_user("host@studio.example", "Hanna Host", user_id="m-host")
            self.add_user("coach@studio.example", "Anna Coach", user_id="m-anna")
            self.add_user(
                "nolicence@studio.example", "Nora NoLicence", user_id="m-nolicence", teams_licence=False
            )
            self.add_user("solo@outlook.com", "Sol Solo", user_id="m-solo", account_type="personal")

    def add_user(self, upn: str, name: str, user_id: str = "", **options: Any) -> str:
        with self._lock:
            user = MicrosoftUser(id=user_id or str(uuid.uuid4()), upn=upn, name=name, **options)
            self.users[user.id] = user
            return user.id

    def revoke_user(self, user_id: str) -> None:
        """The user or an admin revokes the user's refresh tokens (revokeSignInSessions, or the
        app removed at myapps.microsoft.com): SOURCE revocation table."""
        with self._lock:
            for gid in [g for g, grant in self.grants.items() if grant.user_id == user_id]:
                del self.grants[gid]

    def expire_access_tokens(self) -> None:
        with self._lock:
            for grant in self.grants.values():
                grant.access = dict.fromkeys(grant.access, 0.0)

    def change_by_hand(self, meeting_id: str, options: dict[str, Any]) -> dict[str, Any]:
        """The organizer changes the meeting's options in Teams ("Meeting options"): onlineMeeting
        properties PATCH may change, checked as a PATCH's are; no API call is counted."""
        unknown = sorted(set(options) - PATCHABLE)
        if unknown:
            raise EmulatorError(400, self.graph_error("BadRequest", not_a_property(unknown[0])))
        lobby = options.get("lobbyBypassSettings")
        if lobby is not None and (
            not isinstance(lobby, dict)
            or lobby.get("scope", "everyone") not in LOBBY_SCOPES | HIDDEN_LOBBY_SCOPES
        ):
            raise EmulatorError(400, self.graph_error("BadRequest", "Invalid value for lobbyBypassSettings."))
        with self._lock:
            meeting = self.meetings[meeting_id]
            for key, value in options.items():
                meeting[key] = {**meeting[key], **value} if key == "lobbyBypassSettings" else value
            return {k: v for k, v in meeting.items() if not k.startswith("_")}

    def fault_body(self, status: int, message: str) -> dict[str, Any]:
        code = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "GatewayTimeout"}.get(
            status, "generalException"
        )
        return self.graph_error(code, message)

    def graph_error(self, code: str, message: str) -> dict[str, Any]:
        """SOURCE error shape: {"error": {"code", "message", "innerError": {...}}}."""
        request_id = str(uuid.uuid4())
        inner = {
            "date": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": request_id,
        }
        return {"error": {"code": code, "message": message, "innerError": inner}}

    # -- OAuth: authorize --------------------------------------------------------------------

    def _authorize(self, request: Request, tenant: str) -> Response:
        params = request.args if request.method == "GET" else request.form
        if params.get("client_id") != self.client_id:
            return html(
                400,
                f"<h1>AADSTS700016: Application with identifier "
                f"'{escape(params.get('client_id', ''))}' was not found in the directory.</h1>",
                "Sign in",
            )
        redirect_uri, state = params.get("redirect_uri", ""), params.get("state", "")
        if redirect_uri not in self.redirect_uris:  # exact match; shown on Microsoft's page
            return html(
                400,
                "<h1>AADSTS50011: The redirect URI specified in the request does not match "
                "the redirect URIs configured for the application.</h1>",
                "Sign in",
            )
        if tenant not in ("common", "organizations", "consumers") and tenant != "tenant-studio":
            return html(400, "<h1>AADSTS90002: Tenant not found.</h1>", "Sign in")
        scopes = frozenset(s.removeprefix(GRAPH).lower() for s in params.get("scope", "").split())
        if params.get("response_type") != "code" or not scopes:
            return redirect(redirect_uri, {"error": "invalid_request", "state": state})
        if not scopes <= DELEGATED:  # techcommunity 3676516: a scope that doesn't exist on the resource
            return redirect(
                redirect_uri,
                {
                    "error": "invalid_scope",
                    "error_description": "AADSTS70011: The provided value for "
                    "the input parameter 'scope' is not valid.",
                    "state": state,
                },
            )
        if request.method == "GET":
            return html(200, self._consent_page(params, tenant, scopes), "Microsoft emulator: sign in")
        if "deny" in request.form:
            return redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                    "state": state,
                },
            )
        user = self.users.get(request.form.get("user", ""))
        if user is None:
            return html(400, "<h1>This username may be incorrect.</h1>", "Sign in")
        # SOURCE: `organizations` refuses a personal account at sign-in (Azure/BatchExplorer#2344 text)
        if user.account_type == "personal" and tenant == "organizations":
            return html(
                400,
                "<h1>You can't sign in here with a personal account. Use "
                "your work or school account instead.</h1>",
                "Sign in",
            )
        if user.account_type == "work" and tenant == "consumers":
            return html(400, "<h1>This username may be incorrect.</h1>", "Sign in")
        code = secrets.token_urlsafe(48)
        with self._lock:
            self.codes[code] = {
                "user_id": user.id,
                "tenant": tenant,
                "redirect_uri": redirect_uri,
                "challenge": params.get("code_challenge", ""),
                "method": params.get("code_challenge_method", "plain"),
                "scopes": scopes,  # Entra consent is all or nothing: no scope can be unticked
                "expires": self.clock() + CODE_SECONDS,
            }
        return redirect(redirect_uri, {"code": code, "state": state, "session_state": str(uuid.uuid4())})

    def _consent_page(self, params: Any, tenant: str, scopes: frozenset[str]) -> str:
        keep = (
            "client_id",
            "redirect_uri",
            "response_type",
            "response_mode",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "prompt",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{escape(params[k])}">' for k in keep if k in params
        )
        accounts = "".join(
            f'<option value="{escape(u.id)}">{escape(u.upn)}</option>' for u in self.users.values()
        )
        wanted = "".join(f"<li>{escape(s)}</li>" for s in sorted(scopes))
        return (
            "<h1>Permissions requested: vclinks</h1>"
            f"<form method='post' action='/{escape(tenant)}/oauth2/v2.0/authorize'>{hidden}"
            f"<label>Account <select name='user' id='user'>{accounts}</select></label><ul>{wanted}</ul>"
            "<button type='submit' name='allow' id='allow'>Accept</button> "
            "<button type='submit' name='deny' id='deny'>Cancel</button></form>"
        )

    # -- OAuth: token ------------------------------------------------------------------------

    def token_error(self, status: int, error: str, code: int, text: str) -> Response:
        """SOURCE token error shape (MS Q&A 1291600)."""
        trace = str(uuid.uuid4())
        body = {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: {trace}",
            "error_codes": [code],
            "timestamp": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }
        return json_answer(status, body)

    def _client_problem(self, request: Request) -> Response | None:
        """SOURCE PKCE row: a web app is a confidential client and still sends its secret."""
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                client_id, secret = None, None
        if client_id != self.client_id:
            return self.token_error(
                400, "unauthorized_client", 700016, "Application was not found in the directory."
            )
        if not secret:
            return self.token_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: "
                "'client_assertion' or 'client_secret'.",
            )
        if not hmac.compare_digest(secret, self.client_secret):
            return self.token_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        return None

    def _token(self, request: Request, tenant: str) -> Response:
        refused = self._client_problem(request)
        if refused is not None:
            return refused
        grant_type = request.form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                self.count("token_exchange")
                return self._exchange(request, tenant)
            if grant_type == "refresh_token":
                self.count("token_refresh")
                return self._refresh(request.form.get("refresh_token", ""))
        return self.token_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )

    def _exchange(self, request: Request, tenant: str) -> Response:
        code = self.codes.get(request.form.get("code", ""))
        if code is None:
            return self.token_error(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if code.get("redeemed"):  # SOURCE: single use, AADSTS54005
            return self.token_error(
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a "
                "new valid code or use an existing refresh token.",
            )
        code["redeemed"] = True
        if code["expires"] < self.clock():
            return self.token_error(
                400,
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity.",
            )
        if code["redirect_uri"] != request.form.get("redirect_uri") or code["tenant"] != tenant:
            return self.token_error(
                400,
                "invalid_grant",
                50148,
                "The redirect_uri or authority does not match the one used to obtain the authorization code.",
            )
        if code["challenge"] and not pkce_matches(
            request.form.get("code_verifier", ""), code["challenge"], code["method"]
        ):
            return self.token_error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            )
        grant = Grant(user_id=code["user_id"], scopes=code["scopes"])
        self.grants[secrets.token_hex(8)] = grant
        return self._issue(grant)

    def _refresh(self, refresh_token: str) -> Response:
        now = self.clock()
        for grant in self.grants.values():
            expiry = grant.refresh.get(refresh_token)
            if expiry is None:
                continue
            if expiry < now:  # SOURCE: unused 90 days
                return self.token_error(
                    400, "invalid_grant", 700082, "The refresh token has expired due to inactivity."
                )
            return self._issue(grant)  # SOURCE: a new refresh token; the old one keeps working
        # SOURCE revocation: tokens-valid-from reset by the user or an admin
        return self.token_error(
            400,
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
        )

    def _issue(self, grant: Grant) -> Response:
        now = self.clock()
        lifetime = random.randint(3600, 5400)  # noqa: S311 - SOURCE: a random 60-90 minutes
        access = f"eyJ0eXAiOiJKV1Qi.{secrets.token_urlsafe(48)}"
        grant.access[access] = now + lifetime
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(display_scope(s) for s in sorted(grant.scopes) if s != "offline_access"),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access,
        }
        if "offline_access" in grant.scopes:  # SOURCE: without offline_access no refresh_token
            refresh = f"0.A{secrets.token_urlsafe(64)}"
            grant.refresh[refresh] = now + REFRESH_SECONDS
            body["refresh_token"] = refresh
        return json_answer(200, body)

    # -- Graph -------------------------------------------------------------------------------

    def _caller(self, request: Request, *needs: str) -> MicrosoftUser:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        now = self.clock()
        for grant in self.grants.values():
            expiry = grant.access.get(token)
            if token and expiry is not None and expiry > now:
                if needs and not grant.scopes & set(needs):
                    have = " ".join(display_scope(s) for s in sorted(grant.scopes))
                    wanted = ",".join(display_scope(s) for s in needs)
                    raise EmulatorError(
                        403,
                        self.graph_error(
                            "Forbidden",
                            f"Missing scope permissions on the request. API requires one of "
                            f"'{wanted}'. Scopes on the request '{have}'",
                        ),
                    )
                return self.users[grant.user_id]
        raise EmulatorError(
            401,
            self.graph_error("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
        )

    def _organizer(self, request: Request, *needs: str) -> MicrosoftUser:
        """The meetings routes: only a licensed work account may organise (SOURCE, fidelity table)."""
        user = self._caller(request, *needs)
        if user.account_type == "personal":  # microsoft-graph-docs#7782: 400 AuthenticationError
            raise EmulatorError(
                400, self.graph_error("AuthenticationError", "Error authenticating with resource")
            )
        if not user.teams_licence:  # SOURCE "no Teams licence": a bare 403 with an empty message
            raise EmulatorError(403, self.graph_error("Forbidden", ""))
        return user

    def _me(self, request: Request) -> Response:
        with self._lock:
            user = self._caller(request, "user.read")
            self.count("get_me")
            body = {
                "@odata.context": f"{GRAPH}v1.0/$metadata#users/$entity",
                "id": user.id,
                "userPrincipalName": user.upn,
                "displayName": user.name,
                "mail": user.upn if user.account_type == "work" else None,
            }
        return json_answer(200, body)

    def _new_meeting(self, user: MicrosoftUser, body: dict[str, Any]) -> dict[str, Any]:
        start, end = body.get("startDateTime"), body.get("endDateTime")
        for value in (start, end):
            if value is not None:
                parse_time(value, self.graph_error)
        thread = f"19:meeting_{secrets.token_urlsafe(24)}@thread.v2"
        meeting_id = base64.urlsafe_b64encode(f"1*{user.id}*0**{thread}".encode()).decode().rstrip("=")
        now = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        return {
            "id": meeting_id,
            "creationDateTime": now,
            "startDateTime": start or now,
            "endDateTime": end or now,
            "joinWebUrl": f"{self.base_url}/l/meetup-join/{quote(thread, safe='')}/0",
            "externalId": body.get("externalId"),
            "subject": body.get("subject"),
            "isBroadcast": False,
            "videoTeleconferenceId": None,
            "isEntryExitAnnounced": True,
            "allowMeetingChat": "enabled",
            "allowAttendeeToEnableCamera": True,
            "allowAttendeeToEnableMic": True,
            "allowedPresenters": "everyone",  # SOURCE: the default
            "recordAutomatically": False,
            "lobbyBypassSettings": {
                "scope": "organization",
                "isDialInBypassEnabled": False,
            },  # tenant default
            "joinMeetingIdSettings": {
                "isPasscodeRequired": False,
                "joinMeetingId": "".join(secrets.choice("0123456789") for _ in range(12)),
                "passcode": None,
            },
            "chatInfo": {"threadId": thread, "messageId": "0", "replyChainMessageId": None},
            "participants": {
                "organizer": {
                    "upn": user.upn,
                    "role": "presenter",
                    "identity": {"user": {"id": user.id, "displayName": None}},
                },
                "attendees": [],
            },
            "_organizer": user.id,
        }

    def _create_meeting(self, request: Request) -> Response:
        """Plain create: 201 every time, no idempotency (SOURCE create row)."""
        body = json_body(request, self.fault_body)
        with self._lock:
            user = self._organizer(request, "onlinemeetings.readwrite")
            unknown = set(body) - PATCHABLE - {"joinMeetingIdSettings", "externalId", "chatInfo"}
            if unknown:
                raise EmulatorError(400, self.graph_error("BadRequest", not_a_property(sorted(unknown)[0])))
            self.check_settings(body, request)
            self.count("create_meeting")
            meeting = self._new_meeting(user, body)
            meeting.update({k: v for k, v in body.items() if k in PATCHABLE - {"participants"}})
            meeting["lobbyBypassSettings"] = {
                "scope": "organization",
                "isDialInBypassEnabled": False,
                **(body.get("lobbyBypassSettings") or {}),
            }
            self.meetings[meeting["id"]] = meeting
            return json_answer(201, self.public(meeting, user, request))

    def _create_or_get(self, request: Request) -> Response:
        """SOURCE idempotent create: identity is user + externalId; 201 made, 200 existing; the
        body takes only CREATE_OR_GET_FIELDS (lobby and presenter settings go in a PATCH)."""
        body = json_body(request, self.fault_body)
        with self._lock:
            user = self._organizer(request, "onlinemeetings.readwrite")
            for key in body:
                if key not in CREATE_OR_GET_FIELDS:
                    raise EmulatorError(
                        400,
                        self.graph_error(
                            "BadRequest",
                            f"The parameter '{key}' in the request payload is not a valid "
                            f"parameter for the operation 'createOrGet'.",
                        ),
                    )
            if not body.get("externalId"):
                raise EmulatorError(400, self.graph_error("BadRequest", "externalId is required."))
            self.count("create_or_get")
            existing = next(
                (
                    m
                    for m in self.meetings.values()
                    if m["_organizer"] == user.id and m["externalId"] == body["externalId"]
                ),
                None,
            )
            if existing is not None:
                return json_answer(200, self.public(existing, user, request))
            # A deleted meeting's externalId makes a new meeting here (not confirmed: SOURCE "Not confirmed")
            self.count("create_meeting")
            meeting = self._new_meeting(user, body)
            self.meetings[meeting["id"]] = meeting
            return json_answer(201, self.public(meeting, user, request))

    def _meeting(self, user: MicrosoftUser, meeting_id: str) -> dict[str, Any]:
        meeting = self.meetings.get(meeting_id)
        if meeting is None or meeting["_organizer"] != user.id:
            raise EmulatorError(404, self.graph_error("NotFound", "The specified meeting was not found."))
        return meeting

    def _get_meeting(self, request: Request, meeting_id: str) -> Response:
        with self._lock:
            user = self._organizer(request, "onlinemeetings.read", "onlinemeetings.readwrite")
            self.count("get_meeting")
            return json_answer(200, self.public(self._meeting(user, meeting_id), user, request))

    def _update_meeting(self, request: Request, meeting_id: str) -> Response:
        body = json_body(request, self.fault_body)
        with self._lock:
            user = self._organizer(request, "onlinemeetings.readwrite")
            meeting = self._meeting(user, meeting_id)
            self.check_patch(body, request)
            self.count("update_meeting")
            for key, value in body.items():
                if key == "participants":
                    meeting["participants"]["attendees"] = value.get("attendees", [])
                elif key == "lobbyBypassSettings":  # onlinemeeting-update example 2: one field alone
                    meeting[key] = {**meeting[key], **value}
                else:
                    meeting[key] = value
            return json_answer(200, self.public(meeting, user, request))  # SOURCE update: 200 + the meeting

    def check_patch(self, body: dict[str, Any], request: Request) -> None:
        bad = self.graph_error
        if "joinMeetingIdSettings" in body:  # SOURCE response row: cancel and create anew instead
            raise EmulatorError(400, bad("BadRequest", "joinMeetingIdSettings cannot be updated."))
        unknown = sorted(set(body) - PATCHABLE)
        if unknown:
            raise EmulatorError(400, bad("BadRequest", not_a_property(unknown[0])))
        if ("startDateTime" in body) != ("endDateTime" in body):  # SOURCE update: both together
            raise EmulatorError(
                400,
                bad(
                    "BadRequest",
                    "Both startDateTime and endDateTime are required to update the meeting time.",
                ),
            )
        for key in ("startDateTime", "endDateTime"):
            if key in body:
                parse_time(body[key], bad)
        if isinstance(body.get("participants"), dict) and "organizer" in body["participants"]:
            raise EmulatorError(400, bad("BadRequest", "The organizer of a meeting can't be changed."))
        self.check_settings(body, request)

    def check_settings(self, body: dict[str, Any], request: Request) -> None:
        """The settings' values, on a create as on a PATCH (Graph subset: their enums and types)."""
        bad = self.graph_error
        if "lobbyBypassSettings" in body:
            self.check_lobby(body["lobbyBypassSettings"], request)
        if "allowedPresenters" in body and body["allowedPresenters"] not in PRESENTERS:
            raise EmulatorError(400, bad("BadRequest", "Invalid value for allowedPresenters."))
        if body.get("allowedPresenters") == "roleIsPresenter" and not (body.get("participants") or {}).get(
            "attendees"
        ):  # onlinemeeting-update: "include a full list of attendees" with their roles (stricter reading)
            raise EmulatorError(
                400, bad("BadRequest", "roleIsPresenter needs the full list of attendees with their roles.")
            )
        if "allowMeetingChat" in body and body["allowMeetingChat"] not in CHAT_MODES:
            raise EmulatorError(400, bad("BadRequest", "Invalid value for allowMeetingChat."))
        for key in BOOLEANS & set(body):
            if not isinstance(body[key], bool):
                raise EmulatorError(400, bad("BadRequest", not_a_boolean(body[key])))

    def check_lobby(self, lobby: Any, request: Request) -> None:
        """lobbyBypassSettings: `scope` (lobbyBypassScope) and `isDialInBypassEnabled` (Boolean);
        `invited` and `organizationExcludingGuests` only with the Prefer header (SOURCE)."""
        bad = self.graph_error
        if not isinstance(lobby, dict):
            raise EmulatorError(400, bad("BadRequest", "Invalid value for lobbyBypassSettings."))
        unknown = sorted(set(lobby) - {"scope", "isDialInBypassEnabled"})
        if unknown:
            raise EmulatorError(400, bad("BadRequest", not_a_property(unknown[0], "lobbyBypassSettings")))
        allowed = LOBBY_SCOPES | (HIDDEN_LOBBY_SCOPES if prefers_unknown_members(request) else set())
        if "scope" in lobby and lobby["scope"] not in allowed:
            raise EmulatorError(400, bad("BadRequest", "Invalid value for lobbyBypassSettings.scope."))
        if "isDialInBypassEnabled" in lobby and not isinstance(lobby["isDialInBypassEnabled"], bool):
            raise EmulatorError(400, bad("BadRequest", not_a_boolean(lobby["isDialInBypassEnabled"])))

    def _delete_meeting(self, request: Request, meeting_id: str) -> Response:
        with self._lock:
            user = self._organizer(request, "onlinemeetings.readwrite")
            self._meeting(user, meeting_id)  # a second DELETE: 404 (not confirmed: SOURCE)
            self.count("delete_meeting")
            del self.meetings[meeting_id]
        return Response(status=204)  # SOURCE delete: 204, no body

    def public(self, meeting: dict[str, Any], user: MicrosoftUser, request: Request) -> dict[str, Any]:
        """The meeting as Graph answers it: an evolvable enum's late members read as
        `unknownFutureValue` unless the caller asked for them (Prefer header; SOURCE lobbyBypassSettings)."""
        out = {k: v for k, v in meeting.items() if not k.startswith("_")}
        lobby = out["lobbyBypassSettings"]
        if lobby.get("scope") in HIDDEN_LOBBY_SCOPES and not prefers_unknown_members(request):
            out["lobbyBypassSettings"] = {**lobby, "scope": "unknownFutureValue"}
        return {"@odata.context": f"{GRAPH}v1.0/$metadata#users('{user.id}')/onlineMeetings/$entity", **out}

    def _room(self, request: Request, thread: str) -> Response:
        """Where a joinWebUrl lands; outsiders skip the lobby only with scope `everyone`."""
        with self._lock:
            meeting = next(
                (
                    m
                    for m in self.meetings.values()
                    if m["joinWebUrl"].endswith(f"/l/meetup-join/{quote(thread.split('/')[0], safe='')}/0")
                ),
                None,
            )
        if meeting is None:
            return html(404, "<h1>This meeting doesn't exist</h1>", "Microsoft Teams")
        state = "joined" if meeting["lobbyBypassSettings"]["scope"] == "everyone" else "waiting in the lobby"
        return html(
            200,
            f"<h1 id='room'>{escape(str(meeting['subject']))}</h1><p id='state'>{state}</p>",
            "Microsoft Teams",
        )

    # -- control API -----------------------------------------------------------------------

    def _control_add_user(self, request: Request) -> Response:
        body = json_body(request, self.fault_body)
        options = {k: body[k] for k in ("account_type", "teams_licence", "tenant_id") if k in body}
        return json_answer(201, {"id": self.add_user(body["upn"], body.get("name", "Test User"), **options)})

    def _control_revoke(self, request: Request) -> Response:
        self.revoke_user(json_body(request, self.fault_body)["user_id"])
        return json_answer(200, {"status": "revoked"})

    def _control_expire(self, request: Request) -> Response:
        self.expire_access_tokens()
        return json_answer(200, {"status": "expired"})

    def _control_meetings(self, request: Request) -> Response:
        with self._lock:
            meetings = [
                {**{k: v for k, v in m.items() if not k.startswith("_")}, "organizer": m["_organizer"]}
                for m in self.meetings.values()
            ]
        return json_answer(200, {"meetings": meetings})

    def _control_meeting_options(self, request: Request) -> Response:
        """`{"id": meeting id, "options": {...}}`: change_by_hand."""
        body = json_body(request, self.fault_body)
        if body.get("id") not in self.meetings:
            raise EmulatorError(404, self.graph_error("NotFound", "The specified meeting was not found."))
        return json_answer(200, self.change_by_hand(body["id"], body.get("options") or {}))

    def _control_redirect_uri(self, request: Request) -> Response:
        with self._lock:
            self.redirect_uris.add(json_body(request, self.fault_body)["redirect_uri"])
        return json_answer(200, {"redirect_uris": sorted(self.redirect_uris)})


def display_scope(scope: str) -> str:
    """Graph scopes as the token answer spells them (`OnlineMeetings.ReadWrite`)."""
    names = {
        "user.read": "User.Read",
        "onlinemeetings.read": "OnlineMeetings.Read",
        "onlinemeetings.readwrite": "OnlineMeetings.ReadWrite",
    }
    return names.get(scope, scope)


def not_a_property(name: str, type_name: str = "onlineMeeting") -> str:
    """OData's refusal of a property the type does not define."""
    return (
        f"The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to only "
        "use property names that are defined by the type or mark the type as open type."
    )


def not_a_boolean(value: Any) -> str:
    """OData's refusal of a value that is not of the property's type."""
    return f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'."


def prefers_unknown_members(request: Request) -> bool:
    return UNKNOWN_ENUM_MEMBERS in request.headers.get("Prefer", "")


def parse_time(value: Any, error: Callable[[str, str], dict[str, Any]]) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as bad:
        raise EmulatorError(
            400,
            error(
                "BadRequest",
                f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'.",
            ),
        ) from bad
