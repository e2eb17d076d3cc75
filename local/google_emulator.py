"""A Google emulator for `make dev` and the tests: the OAuth 2.0 web-server flow (consent page
with granular consent, PKCE, offline access, non-rotating refresh tokens, revocation) and the
Meet REST API v2 spaces (create, get, patch, endActiveConference), with Google's error shapes,
Meet's per-user create quota and faults on demand; Cross-Account Protection (RISC: signed Security
Event Tokens pushed to a registered receiver) in local/google_risc.py. In memory, thread-safe,
werkzeug on 127.0.0.1.

Every behaviour names its source: a row of shared/google/SOURCE.md ("SOURCE: <topic>") or the
Meet discovery document google-api-python-client 2.202.0 ships (meet.v2.json, revision 20261029,
copied in tests/contract/fixtures/google_meet_v2_subset.json). Fidelity table: docs/PROVIDERS.md.
One base URL serves what Google spreads over accounts.google.com (consent page),
oauth2.googleapis.com (token, revoke), meet.googleapis.com (API) and meet.google.com (rooms).
"""

from __future__ import annotations

import base64
import copy
import hmac
import json
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from local.google_risc import RiscTransmitter, risc_rules
from local.provider_emulator import (
    EmulatorError,
    ProviderEmulator,
    html,
    json_answer,
    json_body,
    pkce_matches,
    redirect,
)

MEET_CREATED = "https://www.googleapis.com/auth/meetings.space.created"
MEET_READONLY = "https://www.googleapis.com/auth/meetings.space.readonly"
MEET_SETTINGS = "https://www.googleapis.com/auth/meetings.space.settings"
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
# `email` is an alias: Google's token answer names it by its URL (OpenID basic scopes).
SCOPE_ALIASES = {"email": USERINFO_EMAIL, "profile": "https://www.googleapis.com/auth/userinfo.profile"}
BASIC_SCOPES = frozenset({"openid", USERINFO_EMAIL, "https://www.googleapis.com/auth/userinfo.profile"})
KNOWN_SCOPES = BASIC_SCOPES | {MEET_CREATED, MEET_READONLY, MEET_SETTINGS}

ACCESS_SECONDS = 3599  # SOURCE: "Access token: 1 hour (expires_in 3599)"
CODE_SECONDS = 600  # not published by Google: the emulator's choice; single use is (SOURCE)
TESTING_REFRESH_SECONDS = 7 * 24 * 3600  # SOURCE: External app in "Testing": 7 days
MAX_REFRESH_TOKENS = 100  # SOURCE: over 100 live refresh tokens per account+client: oldest dropped
CREATES_PER_MINUTE = 10  # SOURCE quotas: spaces.create is a "reduced write", 10/min/user
ON_OFF = ("ON", "OFF")
RESTRICTION = ("HOSTS_ONLY", "NO_RESTRICTION")
# meet.v2.json SpaceConfig, field by field: a tuple is an enum's settable values, a dict a message.
# The `*_UNSPECIFIED` members are refused: moderation's says "Users are not allowed to set the value
# as unspecified"; for the others (the user's policy decides) the emulator picks the stricter
# reading. tests/contract/test_google_contract.py checks this tree against the discovery document.
CONFIG_SCHEMA: dict[str, Any] = {
    "accessType": ("OPEN", "TRUSTED", "RESTRICTED"),
    "entryPointAccess": ("ALL", "CREATOR_APP_ONLY"),
    "moderation": ("OFF", "ON"),
    "moderationRestrictions": {
        "chatRestriction": RESTRICTION,
        "reactionRestriction": RESTRICTION,
        "presentRestriction": RESTRICTION,
        "defaultJoinAsViewerType": ON_OFF,
    },
    "attendanceReportGenerationType": ("GENERATE_REPORT", "DO_NOT_GENERATE"),
    "artifactConfig": {
        "recordingConfig": {"autoRecordingGeneration": ON_OFF},
        "transcriptionConfig": {"autoTranscriptionGeneration": ON_OFF},
        "smartNotesConfig": {"autoSmartNotesGeneration": ON_OFF},
    },
}
# meet.v2.json: the request fields of Space/SpaceConfig the emulator knows; anything else is an
# "Unknown name" (Google's JSON parser refuses unknown fields with 400 INVALID_ARGUMENT).
SPACE_FIELDS = {
    "name",
    "meetingUri",
    "meetingCode",
    "config",
    "activeConference",
    "phoneAccess",
    "gatewaySipAccess",
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass
class GoogleUser:
    sub: str
    email: str
    name: str
    account_type: str = "workspace"  # or "personal" (gmail.com)
    default_access: str = "TRUSTED"  # meet.v2.json: default is the user's/admin's setting
    meet_api: bool = True  # False: the account may not create spaces (see fidelity table)
    time_limited_seconds: int | None = None  # SOURCE: time-based access -> refresh_token_expires_in


@dataclass
class Grant:
    sub: str
    scopes: frozenset[str]
    refresh: str = ""
    refresh_expires: float | None = None
    access: dict[str, float] = field(default_factory=dict)  # token -> expiry
    serial: int = 0  # order of issue: the oldest is dropped first


class GoogleEmulator(RiscTransmitter, ProviderEmulator):
    name = "google-emulator"

    def __init__(
        self,
        client_id: str = "local-google-client.apps.googleusercontent.com",
        client_secret: str = "local-google-secret",  # noqa: S107 (the emulator's own)
        redirect_uris: Iterable[str] = ("http://127.0.0.1/callback",),
        clock: Callable[[], float] = time.time,
        testing: bool = False,
        max_refresh_tokens: int = MAX_REFRESH_TOKENS,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.testing = testing
        self.max_refresh_tokens = max_refresh_tokens
        super().__init__(
            [
                Rule("/o/oauth2/v2/auth", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/token", endpoint="token", methods=["POST"]),
                Rule("/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/v2/spaces", endpoint="create_space", methods=["POST"]),
                Rule("/v2/spaces/<space>:endActiveConference", endpoint="end_conference", methods=["POST"]),
                Rule("/v2/spaces/<space>", endpoint="get_space", methods=["GET"]),
                Rule("/v2/spaces/<space>", endpoint="patch_space", methods=["PATCH"]),
                Rule("/<code>", endpoint="room", methods=["GET"]),
                Rule("/_emulator/users", endpoint="control_add_user", methods=["POST"]),
                Rule("/_emulator/revoke", endpoint="control_revoke", methods=["POST"]),
                Rule("/_emulator/expire-tokens", endpoint="control_expire", methods=["POST"]),
                Rule("/_emulator/spaces", endpoint="control_spaces", methods=["GET"]),
                Rule("/_emulator/conference", endpoint="control_conference", methods=["POST"]),
                Rule("/_emulator/space-config", endpoint="control_space_config", methods=["POST"]),
                Rule("/_emulator/redirect-uris", endpoint="control_redirect_uri", methods=["POST"]),
                *risc_rules(),  # Cross-Account Protection: local/google_risc.py
            ],
            clock,
        )

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.users: dict[str, GoogleUser] = {}
            self.consented: dict[str, frozenset[str]] = {}  # sub -> scopes granted before
            self.codes: dict[str, dict[str, Any]] = {}
            self.grants: dict[str, Grant] = {}
            self._serial = 0
            self.spaces: dict[str, dict[str, Any]] = {}  # name -> space (+ "_owner")
            self.creates: Counter[tuple[str, int]] = Counter()  # (sub, minute) -> creates
            self.add_user("host@studio.example", "Hanna Host", sub="g-host")
            self.add_user("coach@studio.example", "Anna Coach", sub="g-anna")
            self.add_user("solo@gmail.com", "Sol Solo", sub="g-solo", account_type="personal")
            self.reset_risc()

    def add_user(self, email: str, name: str, sub: str = "", **options: Any) -> str:
        with self._lock:
            user = GoogleUser(sub=sub or f"g-{secrets.token_hex(8)}", email=email, name=name, **options)
            self.users[user.sub] = user
            return user.sub

    def revoke_user(self, sub: str) -> None:
        """The user removes the app at myaccount.google.com: every grant of theirs ends."""
        with self._lock:
            for gid in [g for g, grant in self.grants.items() if grant.sub == sub]:
                del self.grants[gid]

    def expire_access_tokens(self) -> None:
        with self._lock:
            for grant in self.grants.values():
                grant.access = dict.fromkeys(grant.access, 0.0)

    def fault_body(self, status: int, message: str) -> dict[str, Any]:
        return api_error(status, message)

    def change_by_hand(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        """The owner changes the space's settings in Meet's own screens (host controls): the values
        are Meet's (checked as a patch's are), merged field by field; no API call is counted."""
        checked_message(config, CONFIG_SCHEMA, "space.config")
        with self._lock:
            space = self.spaces[name]
            space["config"] = moderated(merged(space["config"], config))
            return copy.deepcopy(space["config"])

    # -- OAuth: consent page ----------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        params = request.args if request.method == "GET" else request.form
        problem = self._authorize_problem(params)
        if problem:
            return html(
                400 if "invalid_client" not in problem else 401, f"<h1>{escape(problem)}</h1>", "Error"
            )
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        scopes = requested_scopes(params["scope"])
        if request.method == "GET":
            return html(200, self._consent_page(params, scopes), "Google emulator: sign in")
        if "deny" in request.form:  # SOURCE (web-server page): error=access_denied to the redirect URI
            return redirect(redirect_uri, {"error": "access_denied", "state": state})
        user = self.users.get(request.form.get("user", ""))
        if user is None:
            return html(400, "<h1>Unknown account</h1>", "Error")
        # Granular consent (SOURCE): basic scopes always, the others only where left ticked.
        granted = frozenset(s for s in scopes if s in BASIC_SCOPES or s in request.form.getlist("grant"))
        code = secrets.token_urlsafe(32)
        with self._lock:
            before = self.consented.get(user.sub, frozenset())
            if params.get("include_granted_scopes") == "true":  # SOURCE: incremental authorization
                granted |= before
            offline = params.get("access_type") == "offline"
            # SOURCE: a refresh token only on the first consent, or again with prompt=consent.
            refresh = offline and (
                "consent" in params.get("prompt", "").split() or user.sub not in self.consented
            )
            self.consented[user.sub] = before | granted
            self.codes[code] = {
                "sub": user.sub,
                "redirect_uri": redirect_uri,
                "challenge": params.get("code_challenge", ""),
                "method": params.get("code_challenge_method", "plain"),
                "scopes": granted,
                "refresh": refresh,
                "expires": self.clock() + CODE_SECONDS,
            }
        return redirect(redirect_uri, {"code": code, "scope": " ".join(sorted(granted)), "state": state})

    def _authorize_problem(self, params: Any) -> str:
        """Google shows these on its own error page and never redirects (web-server page)."""
        if params.get("client_id") != self.client_id:
            return "Error 401: invalid_client. The OAuth client was not found."
        if params.get("redirect_uri") not in self.redirect_uris:  # exact match, no prefix rules
            return "Error 400: redirect_uri_mismatch"
        if params.get("response_type") != "code":
            return "Error 400: unsupported_response_type"
        scopes = requested_scopes(params.get("scope", ""))
        if not scopes or not scopes <= KNOWN_SCOPES:
            return "Error 400: invalid_scope. Some requested scopes were invalid."
        if params.get("code_challenge") and params.get("code_challenge_method", "plain") not in (
            "S256",
            "plain",
        ):
            return "Error 400: invalid_request. Invalid code_challenge_method."
        if params.get("access_type", "online") not in ("online", "offline"):
            return "Error 400: invalid_request. Invalid access_type."
        return ""

    def _consent_page(self, params: Any, scopes: frozenset[str]) -> str:
        keep = (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "access_type",
            "prompt",
            "include_granted_scopes",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{escape(params[k])}">' for k in keep if k in params
        )
        accounts = "".join(
            f'<option value="{escape(u.sub)}">{escape(u.email)}</option>' for u in self.users.values()
        )
        boxes = "".join(
            f'<label><input type="checkbox" name="grant" value="{escape(s)}" id="grant-{i}" checked> '
            f"{escape(s)}</label><br>"
            for i, s in enumerate(sorted(scopes - BASIC_SCOPES))
        )
        return (
            "<h1>vclinks wants access to your Google Account</h1>"
            f"<form method='post' action='/o/oauth2/v2/auth'>{hidden}"
            f"<label>Account <select name='user' id='user'>{accounts}</select></label><br>{boxes}"
            "<button type='submit' name='allow' id='allow'>Continue</button> "
            "<button type='submit' name='deny' id='deny'>Cancel</button></form>"
        )

    # -- OAuth: token, revoke -------------------------------------------------------------

    def _client_problem(self, request: Request) -> Response | None:
        """The client authenticates in the form (or with HTTP Basic). SOURCE: a Web client must
        send client_secret even with PKCE ("client_secret is missing")."""
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                client_id, secret = None, None
        if client_id != self.client_id:
            return token_error(401, "invalid_client", "The OAuth client was not found.")
        if not secret:
            return token_error(400, "invalid_request", "client_secret is missing.")
        if not hmac.compare_digest(secret, self.client_secret):
            return token_error(401, "invalid_client", "Unauthorized")
        return None

    def _token(self, request: Request) -> Response:
        refused = self._client_problem(request)
        if refused is not None:
            return refused
        grant_type = request.form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                self.count("token_exchange")
                return self._exchange(request)
            if grant_type == "refresh_token":
                self.count("token_refresh")
                return self._refresh(request.form.get("refresh_token", ""))
        return token_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant_type))

    def _exchange(self, request: Request) -> Response:
        code = self.codes.pop(request.form.get("code", ""), None)  # SOURCE: single use
        if code is None:
            return token_error(400, "invalid_grant", "Malformed auth code.")
        if code["expires"] < self.clock() or code["redirect_uri"] != request.form.get("redirect_uri"):
            return token_error(400, "invalid_grant", "Bad Request")
        if code["challenge"] and not pkce_matches(
            request.form.get("code_verifier", ""), code["challenge"], code["method"]
        ):
            return token_error(400, "invalid_grant", "Invalid code verifier.")
        now = self.clock()
        self._serial += 1
        grant = Grant(sub=code["sub"], scopes=code["scopes"], serial=self._serial)
        user = self.users[grant.sub]
        if code["refresh"]:
            grant.refresh = f"1//{secrets.token_urlsafe(40)}"
            if self.testing:
                grant.refresh_expires = now + TESTING_REFRESH_SECONDS
            if user.time_limited_seconds:
                grant.refresh_expires = now + user.time_limited_seconds
        self.grants[secrets.token_hex(8)] = grant
        self._drop_oldest(grant.sub)
        return self._issue(grant, with_refresh=bool(grant.refresh))

    def _drop_oldest(self, sub: str) -> None:
        live = sorted(
            ((g.serial, gid) for gid, g in self.grants.items() if g.sub == sub and g.refresh),
        )
        for _, gid in live[: max(0, len(live) - self.max_refresh_tokens)]:
            del self.grants[gid]  # silently (SOURCE)

    def _refresh(self, refresh_token: str) -> Response:
        now = self.clock()
        grant = next(
            (g for g in self.grants.values() if g.refresh and hmac.compare_digest(g.refresh, refresh_token)),
            None,
        )
        if grant is None or (grant.refresh_expires is not None and grant.refresh_expires < now):
            # SOURCE "dead grant": the text Google sends for a revoked or expired refresh token
            return token_error(400, "invalid_grant", "Token has been expired or revoked.")
        return self._issue(grant, with_refresh=False)  # SOURCE: refresh tokens do NOT rotate

    def _issue(self, grant: Grant, with_refresh: bool) -> Response:
        now = self.clock()
        access = f"ya29.{secrets.token_urlsafe(40)}"
        grant.access[access] = now + ACCESS_SECONDS  # earlier access tokens live on until they expire
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": ACCESS_SECONDS,
            "scope": " ".join(sorted(grant.scopes)),
            "token_type": "Bearer",
        }
        if with_refresh:
            body["refresh_token"] = grant.refresh
            if grant.refresh_expires is not None and self.users[grant.sub].time_limited_seconds:
                body["refresh_token_expires_in"] = int(grant.refresh_expires - now)
        if "openid" in grant.scopes:
            body["id_token"] = self._id_token(self.users[grant.sub], grant.scopes, now)
        return json_answer(200, body, {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})

    def _id_token(self, user: GoogleUser, scopes: frozenset[str], now: float) -> str:
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "aud": self.client_id,
            "sub": user.sub,
            "iat": int(now),
            "exp": int(now) + ACCESS_SECONDS,
        }
        if USERINFO_EMAIL in scopes:
            claims.update(email=user.email, email_verified=True)
        parts = [{"alg": "RS256", "kid": "emulator", "typ": "JWT"}, claims]
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode() for p in parts]
        return ".".join([*encoded, secrets.token_urlsafe(32)])  # not a real signature

    def _revoke(self, request: Request) -> Response:
        """SOURCE: POST /revoke token=...; revoking an access token also revokes its refresh
        token; 200 on success, 400 on error."""
        token = request.form.get("token", "")
        with self._lock:
            self.count("token_revoke")
            for gid, grant in list(self.grants.items()):
                if token and (token == grant.refresh or token in grant.access):
                    del self.grants[gid]
                    return json_answer(200, {})
        return token_error(400, "invalid_token", "Token expired or revoked")

    # -- Meet REST API v2 --------------------------------------------------------------------

    def _caller(self, request: Request, *allowed: str) -> tuple[GoogleUser, Grant]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        now = self.clock()
        for grant in self.grants.values():
            expiry = grant.access.get(token)
            if token and expiry is not None and expiry > now:
                if not grant.scopes & set(allowed):  # meet.v2.json: each method's `scopes`
                    raise EmulatorError(403, scope_error(request))
                return self.users[grant.sub], grant
        raise EmulatorError(
            401,
            api_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                "cookie or other valid authentication credential.",
            ),
        )

    def _create_space(self, request: Request) -> Response:
        body = json_body(request, api_error)
        with self._lock:
            user, _ = self._caller(request, MEET_CREATED)
            if not user.meet_api:
                raise EmulatorError(403, api_error(403, "The caller does not have permission"))
            minute = int(self.clock() // 60)
            if self.creates[(user.sub, minute)] >= CREATES_PER_MINUTE:
                raise EmulatorError(
                    429,
                    api_error(
                        429,
                        "Quota exceeded for quota metric 'Reduced write requests' and limit 'Reduced "
                        "write requests per minute per user' of service 'meet.googleapis.com'.",
                        reason="RATE_LIMIT_EXCEEDED",
                    ),
                )
            config = checked_config(body)
            self.creates[(user.sub, minute)] += 1
            self.count("create_space")
            space_id = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
            code = meeting_code()
            name = f"spaces/{space_id}"
            defaults = {"accessType": user.default_access, "entryPointAccess": "ALL", "moderation": "OFF"}
            space: dict[str, Any] = {
                "name": name,
                "meetingUri": f"{self.base_url}/{code}",
                "meetingCode": code,
                "config": moderated(defaults | config),
                "_owner": user.sub,
            }
            self.spaces[name] = space
            return json_answer(200, public(space, owner=True))

    def _space(self, space: str) -> dict[str, Any]:
        """By `spaces/{id}` (case-sensitive) or `spaces/{meetingCode}` (case-insensitive)."""
        found = self.spaces.get(f"spaces/{space}") or next(
            (s for s in self.spaces.values() if s["meetingCode"] == space.lower()), None
        )
        if found is None:
            raise EmulatorError(404, api_error(404, "Requested entity was not found."))
        return found

    def _get_space(self, request: Request, space: str) -> Response:
        with self._lock:
            user, _ = self._caller(request, MEET_CREATED, MEET_READONLY, MEET_SETTINGS)
            self.count("get_space")
            found = self._space(space)
            # meeting-spaces-overview: anyone may get a space; only owners see its settings
            return json_answer(200, public(found, owner=found["_owner"] == user.sub))

    def _patch_space(self, request: Request, space: str) -> Response:
        body = json_body(request, api_error)
        with self._lock:
            user, _ = self._caller(request, MEET_CREATED, MEET_SETTINGS)
            found = self._space(space)
            if found["_owner"] != user.sub:  # meeting-spaces-overview: only owners may patch
                raise EmulatorError(403, api_error(403, "The caller does not have permission"))
            config = checked_config(body)
            self.count("patch_space")
            mask = request.args.get("updateMask", "")
            found["config"] = moderated(patched_config(found["config"], config, mask))
            return json_answer(200, public(found, owner=True))

    def _end_conference(self, request: Request, space: str) -> Response:
        json_body(request, api_error)
        with self._lock:
            user, _ = self._caller(request, MEET_CREATED)
            found = self._space(space)
            if found["_owner"] != user.sub:
                raise EmulatorError(403, api_error(403, "The caller does not have permission"))
            self.count("end_conference")
            found.pop("activeConference", None)  # "Ends an active conference (if there's one)"
            return json_answer(200, {})

    def _room(self, request: Request, code: str) -> Response:
        """Where a meetingUri lands: who gets in follows config.accessType's enumDescriptions."""
        with self._lock:
            space = next((s for s in self.spaces.values() if s["meetingCode"] == code), None)
        if space is None:
            return html(404, "<h1>Check your meeting code</h1>", "Meet")
        if space["config"]["entryPointAccess"] == "CREATOR_APP_ONLY":
            return html(403, "<h1 id='room'>You can't join this video call</h1>", "Meet")
        state = "joined" if space["config"]["accessType"] == "OPEN" else "asking to join"
        body = f"<h1 id='room'>Meet {escape(code)}</h1><p id='state'>{state}</p>"
        return html(200, body, "Meet")

    # -- control API -----------------------------------------------------------------------

    def _control_add_user(self, request: Request) -> Response:
        body = json_body(request, api_error)
        options = {
            k: body[k]
            for k in ("account_type", "default_access", "meet_api", "time_limited_seconds")
            if k in body
        }
        sub = self.add_user(body["email"], body.get("name", "Test User"), **options)
        return json_answer(201, {"sub": sub})

    def _control_revoke(self, request: Request) -> Response:
        self.revoke_user(json_body(request, api_error)["sub"])
        return json_answer(200, {"status": "revoked"})

    def _control_expire(self, request: Request) -> Response:
        self.expire_access_tokens()
        return json_answer(200, {"status": "expired"})

    def _control_spaces(self, request: Request) -> Response:
        with self._lock:
            spaces = [{**public(s, owner=True), "owner": s["_owner"]} for s in self.spaces.values()]
        return json_answer(200, {"spaces": spaces})

    def _control_conference(self, request: Request) -> Response:
        """A call starts in the space (someone joined)."""
        name = json_body(request, api_error)["space"]
        with self._lock:
            self.spaces[name]["activeConference"] = {
                "conferenceRecord": f"conferenceRecords/{secrets.token_hex(6)}"
            }
        return json_answer(200, {"status": "started"})

    def _control_space_config(self, request: Request) -> Response:
        """`{"space": "spaces/...", "config": {...}}`: change_by_hand."""
        body = json_body(request, api_error)
        if body.get("space") not in self.spaces:
            raise EmulatorError(404, api_error(404, "Requested entity was not found."))
        return json_answer(200, {"config": self.change_by_hand(body["space"], body.get("config") or {})})

    def _control_redirect_uri(self, request: Request) -> Response:
        with self._lock:
            self.redirect_uris.add(json_body(request, api_error)["redirect_uri"])
        return json_answer(200, {"redirect_uris": sorted(self.redirect_uris)})


# -- Google's shapes ---------------------------------------------------------------------------


def api_error(status: int, message: str, reason: str = "") -> dict[str, Any]:
    """SOURCE errors (AIP-193): {"error": {"code", "message", "status", "details"}}."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "meet.googleapis.com"},
            }
        ]
    return {"error": error}


def scope_error(request: Request) -> dict[str, Any]:
    """403 for a token without the method's scope: Google's ErrorInfo reason
    ACCESS_TOKEN_SCOPE_INSUFFICIENT (AIP-193 shape; not captured from a real Meet answer here)."""
    return api_error(
        403, "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    )


def token_error(status: int, error: str, description: str) -> Response:
    """RFC 6749 5.2 shape, with Google's texts (SOURCE "dead grant", "PKCE")."""
    return json_answer(status, {"error": error, "error_description": description})


def requested_scopes(scope: str) -> frozenset[str]:
    return frozenset(SCOPE_ALIASES.get(s, s) for s in scope.split())


def meeting_code() -> str:
    """`[a-z]+-[a-z]+-[a-z]+` as meet.v2.json describes (abc-mnop-xyz)."""
    return "-".join("".join(secrets.choice(string.ascii_lowercase) for _ in range(n)) for n in (3, 4, 3))


def checked_config(body: dict[str, Any]) -> dict[str, Any]:
    """Google refuses unknown field names and enum values (400 INVALID_ARGUMENT, "Invalid JSON
    payload received"); output-only fields in a request are ignored."""
    for key in body:
        if key not in SPACE_FIELDS:
            raise EmulatorError(
                400,
                api_error(400, f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'),
            )
    config = body.get("config") or {}
    checked_message(config, CONFIG_SCHEMA, "space.config")
    return config


def checked_message(value: Any, schema: dict[str, Any], where: str) -> None:
    """One message of SpaceConfig's tree: known names only, each enum one of its values."""
    if not isinstance(value, dict):
        raise EmulatorError(400, api_error(400, f"Invalid value at '{where}'"))
    for key, sub in value.items():
        if key not in schema:
            raise EmulatorError(
                400,
                api_error(400, f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}'."),
            )
        if isinstance(schema[key], dict):
            checked_message(sub, schema[key], f"{where}.{key}")
        elif sub not in schema[key]:
            raise EmulatorError(400, api_error(400, f"Invalid value at '{where}.{key}', \"{sub}\""))


def moderated(config: dict[str, Any]) -> dict[str, Any]:
    """meet.v2.json SpaceConfig.moderationRestrictions: "When moderation.OFF, will be reset to
    default ModerationRestrictions"."""
    if config.get("moderation") == "OFF":
        return {k: v for k, v in config.items() if k != "moderationRestrictions"}
    return config


def patched_config(current: dict[str, Any], sent: dict[str, Any], mask: str) -> dict[str, Any]:
    """meet.v2.json spaces.patch `updateMask`: absent -> update the fields sent with values;
    `*` -> replace everything, clearing what was not sent; else only the listed paths (a path may
    name a nested field, `config.moderationRestrictions.chatRestriction`; a path naming a message
    replaces it whole)."""
    if not mask:
        return merged(current, sent)
    if mask.strip() == "*":
        return copy.deepcopy(sent)
    updated = copy.deepcopy(current)
    for path in (p.strip() for p in mask.split(",")):
        if path == "config":
            return copy.deepcopy(sent)
        keys = path.split(".")[1:]
        if not path.startswith("config.") or not mask_path_known(keys):
            raise EmulatorError(400, api_error(400, f"Invalid field mask path: {path}"))
        have, given = updated, sent
        for key in keys[:-1]:
            have = have.setdefault(key, {})
            given = given.get(key) or {}
        if keys[-1] in given:
            have[keys[-1]] = copy.deepcopy(given[keys[-1]])
        elif keys == ["moderation"]:  # MODERATION_UNSPECIFIED: "Users are not allowed to set the value
            raise EmulatorError(  # as unspecified" (a path in the mask without a value clears it)
                400, api_error(400, "Invalid value at 'space.config.moderation': unspecified")
            )
        else:  # cleared: back to the user's policy (the `*_UNSPECIFIED` members), as a new space has
            have.pop(keys[-1], None)
    return updated


def mask_path_known(keys: list[str]) -> bool:
    schema: Any = CONFIG_SCHEMA
    for key in keys:
        if not isinstance(schema, dict) or key not in schema:
            return False
        schema = schema[key]
    return True


def merged(current: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """No updateMask: every field sent with a value is set, nested messages field by field."""
    out = copy.deepcopy(current)
    for key, value in sent.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def public(space: dict[str, Any], owner: bool) -> dict[str, Any]:
    out = {k: v for k, v in space.items() if not k.startswith("_")}
    if not owner:
        out.pop("config", None)
    return out
