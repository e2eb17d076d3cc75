"""Contract: ZoomClient speaks Zoom's Meeting API as Zoom's own OpenAPI document defines it.

The real ZoomClient runs over an `httpx.MockTransport` whose handler plays Zoom from the
committed subset of Zoom's spec (fixtures/zoom_meeting_api_subset.json, made by
make_subset.py). For every request it
- finds the operation by method + path template (unknown path or method: the client called
  something Zoom does not have -> the test fails),
- checks path and query parameters against their schemas (required ones present, no
  undeclared ones, values of the declared type and format),
- validates the JSON request body against the operation's request schema,
and answers with a body built from the spec's examples, itself validated against the
operation's response schema. The OAuth endpoints are not in the spec: they are played from
Zoom's documentation (see /work/shared/zoom/SOURCE.md, copied into OAUTH_FACTS below).
"""

from __future__ import annotations

import base64
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote
from zoneinfo import ZoneInfo

import httpx
import jsonschema
import pytest

from shared.adapters.zoom.client import (
    MeetingDeletion,
    MeetingSpec,
    TokenPair,
    ZoomClient,
    ZoomMeeting,
    ZoomRegistrant,
    ZoomUser,
)
from shared.adapters.zoom.errors import ZoomAccessTokenInvalid, ZoomNotFound, ZoomRequestRejected
from shared.adapters.zoom.scopes import ZoomAppType
from shared.domain.errors import (
    ZoomAppMisconfigured,
    ZoomHostNotLicensed,
    ZoomMissingScopes,
    ZoomNeedsReconnect,
    ZoomNotConfigured,
    ZoomRateLimited,
    ZoomRegistrantRateLimited,
    ZoomUnavailable,
)
from shared.domain.models import MeetingSettings
from tests.support.zoom_spec import (
    API_BASE,
    OPERATIONS,
    SUBSET_PATH,
    Operation,
    build_instance,
    json_body_schema,
    json_schema,
    violations,
)

CLIENT_ID = "contract-client-id"
CLIENT_SECRET = "contract-client-secret"
ADMIN_CLIENT_ID = "contract-admin-client-id"
ADMIN_CLIENT_SECRET = "contract-admin-client-secret"
ACCESS_TOKEN = "contract-access-token"

# Zoom facts that are not in the OpenAPI document (Zoom's OAuth documentation).
OAUTH_FACTS = {
    "host": "zoom.us",
    "token_path": "/oauth/token",
    "revoke_path": "/oauth/revoke",
    # client authentication: HTTP Basic client_id:client_secret; the body is a form.
    "grant_fields": {
        "refresh_token": {"grant_type", "refresh_token"},
        # PKCE (S256): the verifier is sent with the code.
        "authorization_code": {"grant_type", "code", "redirect_uri", "code_verifier"},
    },
    "access_token_lifetime": 3599,
}
ERROR_INVALID_TOKEN = {"code": 124, "message": "Invalid access token."}
ERROR_MEETING_NOT_FOUND = {"code": 3001, "message": "Meeting does not exist: 85746065."}
ERROR_USER_NOT_FOUND = {"code": 1001, "message": "User does not exist: nobody@example.com."}
ERROR_DAILY_LIMIT = {
    "code": 429,
    "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00.",
}
ERROR_DAILY_LIMIT_CODE_300 = {
    "code": 300,
    "message": "A maximum of 100 meetings can be created/updated for a single user in one day.",
}
ERROR_REGISTRANT_DAILY_LIMIT = {  # the spec's 429 of POST /meetings/{meetingId}/registrants
    "code": 429,
    "message": 'You have exceeded the daily rate limit of "3" for Add meeting registrant API requests '
    'for the registrant "jill@example.com". You can resume these API requests at GMT 00:00:00.',
}
ERROR_MISSING_SCOPES = {  # Zoom's 4711, word for word (SOURCE.md "granular scopes")
    "code": 4711,
    "message": "Invalid access token, does not contain scopes:[user:read:list_users:admin].",
}
ERROR_INVALID_CLIENT = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
ERROR_RATE_LIMIT = {
    "code": 429,
    "message": "You have reached the maximum per-second rate limit for this API.",
}


@dataclass
class Call:
    operation: str
    method: str
    path: str
    path_params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    status: int
    answer: Any


@dataclass
class FakeZoom:
    calls: list[Call] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    scripted: deque[tuple[int, Any, dict[str, str]]] = field(default_factory=deque)
    overrides: dict[str, deque[dict[str, Any]]] = field(default_factory=dict)
    issued_refresh_tokens: list[str] = field(default_factory=list)
    basic_auth: list[str] = field(default_factory=list)

    # test controls
    def fail(self, status: int, body: Any, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """The next `times` API requests (valid ones) are answered with this error."""
        self.scripted.extend([(status, body, headers or {})] * times)

    def answer(self, operation_id: str, **fields: Any) -> None:
        """Override fields of the next success answer of this operation (still spec-validated)."""
        self.overrides.setdefault(operation_id, deque()).append(fields)

    def _violation(self, message: str) -> None:
        self.problems.append(message)
        pytest.fail(f"Zoom contract violated: {message}", pytrace=False)

    # transport
    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == OAUTH_FACTS["host"]:
            return self._oauth(request)
        return self._api(request)

    def _api(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        base = httpx.URL(API_BASE)
        if (url.scheme, url.host) != (base.scheme, base.host) or not url.path.startswith(base.path):
            self._violation(f"{request.method} {url}: not Zoom's API server {API_BASE}")
        path = url.path[len(base.path) :]
        matching = [op for op in OPERATIONS if op.pattern.match(path)]
        if not matching:
            self._violation(f"{request.method} {path}: Zoom's API has no such path")
        operation = next((op for op in matching if op.method == request.method), None)
        if operation is None:
            allowed = sorted({op.method for op in matching})
            self._violation(f"{request.method} {path}: Zoom allows only {allowed} there")
        assert operation is not None
        match = operation.pattern.match(path)
        assert match is not None
        where = f"{operation.method} {operation.template} ({operation.id})"
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            self._violation(f"{where}: no Bearer access token")

        path_params = self._parameters(
            where, operation, "path", {k: unquote(v) for k, v in match.groupdict().items()}
        )
        query_raw = {k: request.url.params.get_list(k) for k in request.url.params}
        for name, values in query_raw.items():
            if len(values) != 1:
                self._violation(f"{where}: query parameter {name} sent {len(values)} times")
        query = self._parameters(where, operation, "query", {k: v[0] for k, v in query_raw.items()})
        body = self._request_body(where, operation, request)

        if self.scripted:
            status, error, headers = self.scripted.popleft()
            self.calls.append(
                Call(operation.id, operation.method, path, path_params, query, body, status, error)
            )
            return httpx.Response(status, json=error, headers=headers)

        status, response = operation.success
        schema = json_body_schema(response)
        if schema is None:
            self.calls.append(
                Call(operation.id, operation.method, path, path_params, query, body, status, None)
            )
            return httpx.Response(status)
        answer = build_instance(schema)
        pending = self.overrides.get(operation.id)
        if pending:
            answer.update(pending.popleft())
        errors = violations(schema, answer)
        assert not errors, f"the fake's own {status} answer to {where} breaks Zoom's schema: {errors}"
        self.calls.append(
            Call(operation.id, operation.method, path, path_params, query, body, status, answer)
        )
        return httpx.Response(status, json=answer)

    def _parameters(
        self, where: str, operation: Operation, location: str, sent: dict[str, str]
    ) -> dict[str, Any]:
        declared = {p["name"]: p for p in operation.spec.get("parameters", []) if p["in"] == location}
        for name in sent.keys() - declared.keys():
            self._violation(f"{where}: {location} parameter {name!r} is not in Zoom's spec")
        for name, param in declared.items():
            if param.get("required") and name not in sent:
                self._violation(f"{where}: required {location} parameter {name!r} missing")
        typed: dict[str, Any] = {}
        for name, raw in sent.items():
            schema = _overlapping_one_of_as_any_of(declared[name]["schema"])
            value = _coerce(raw, schema)
            errors = violations(schema, value)
            if errors:
                self._violation(f"{where}: {location} parameter {name}={raw!r}: {errors}")
            typed[name] = value
        return typed

    def _request_body(self, where: str, operation: Operation, request: httpx.Request) -> Any:
        request_body = operation.spec.get("requestBody")
        raw = request.content
        if request_body is None:
            if raw:
                self._violation(f"{where}: takes no request body, got {raw[:80]!r}")
            return None
        if not raw:
            if request_body.get("required"):
                self._violation(f"{where}: the request body is required")
            return None
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            self._violation(f"{where}: body must be application/json")
        body = json.loads(raw)
        schema = json_body_schema(request_body)
        assert schema is not None
        errors = violations(schema, body)
        if errors:
            self._violation(f"{where}: request body breaks Zoom's schema: {errors}")
        return body

    def _oauth(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method != "POST" or path not in (OAUTH_FACTS["token_path"], OAUTH_FACTS["revoke_path"]):
            self._violation(f"{request.method} {request.url}: not a Zoom OAuth endpoint")
        apps = ((CLIENT_ID, CLIENT_SECRET), (ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET))
        expected = {"Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode() for cid, secret in apps}
        self.basic_auth.append(request.headers.get("authorization", ""))
        if request.headers.get("authorization") not in expected:
            self._violation(f"{path}: client authentication must be HTTP Basic client_id:client_secret")
        if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            self._violation(f"{path}: body must be a form (application/x-www-form-urlencoded)")
        parsed = parse_qs(request.content.decode(), keep_blank_values=True, strict_parsing=True)
        if any(len(v) != 1 for v in parsed.values()):
            self._violation(f"{path}: a form field was sent twice")
        form = {k: v[0] for k, v in parsed.items()}
        self.token_requests.append(form)
        if self.scripted:
            status, error, headers = self.scripted.popleft()
            return httpx.Response(status, json=error, headers=headers)
        if path == OAUTH_FACTS["revoke_path"]:
            if set(form) != {"token"}:
                self._violation(f"{path}: expects exactly the form field 'token', got {sorted(form)}")
            return httpx.Response(200, json={"status": "success"})
        wanted = OAUTH_FACTS["grant_fields"].get(form.get("grant_type", ""))
        if wanted is None:
            self._violation(f"{path}: unknown grant_type {form.get('grant_type')!r}")
        elif set(form) != wanted:
            self._violation(f"{path}: {form['grant_type']} takes {sorted(wanted)}, got {sorted(form)}")
        if any(not v for v in form.values()):
            self._violation(f"{path}: empty form field in {sorted(form)}")
        new_refresh = f"rotated-refresh-{len(self.issued_refresh_tokens) + 1}"
        self.issued_refresh_tokens.append(new_refresh)
        return httpx.Response(
            200,
            json={
                "access_token": "new-access-token",
                "token_type": "bearer",
                "refresh_token": new_refresh,
                "expires_in": OAUTH_FACTS["access_token_lifetime"],
                "scope": "meeting:read meeting:write user:read",
            },
        )


def _overlapping_one_of_as_any_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Zoom declares userId as oneOf [any string, an email, "me"]: the alternatives overlap, so a
    strict oneOf would refuse every valid value. What Zoom means is anyOf."""
    alternatives = schema.get("oneOf", [])
    if alternatives and all(a.get("type") == "string" for a in alternatives):
        rest = {k: v for k, v in schema.items() if k != "oneOf"}
        return {**rest, "anyOf": alternatives}
    return schema


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A path/query string as the type its schema declares (left a string when it does not parse,
    so that the schema check reports it)."""
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("oneOf", [])}
    if "integer" in kinds and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    fake = FakeZoom()
    yield fake
    assert fake.problems == [], "the client broke Zoom's contract"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(zoom: FakeZoom, sleeps: list[float]) -> Iterator[ZoomClient]:
    http = httpx.Client(transport=httpx.MockTransport(zoom.handler))
    # the client's own defaults (max_attempts, backoff) are kept; only the sleeping is recorded
    yield ZoomClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        admin_client_id=ADMIN_CLIENT_ID,
        admin_client_secret=ADMIN_CLIENT_SECRET,
        http=http,
        sleep=sleeps.append,
    )
    http.close()


BERLIN = ZoneInfo("Europe/Berlin")


def scheduled_spec(**changes: Any) -> MeetingSpec:
    values: dict[str, Any] = {
        "topic": "Pilates with Ana",
        "start_time": datetime(2030, 3, 14, 18, 30, tzinfo=BERLIN),
        "duration_minutes": 45,
        "timezone": "Europe/Berlin",
        "agenda": "Bring a mat.",
        "registration": False,
    }
    values.update(changes)
    return MeetingSpec(**values)


# -- the subset itself -----------------------------------------------------------------------


def test_subset_is_self_contained_and_its_schemas_are_valid() -> None:
    assert "$ref" not in SUBSET_PATH.read_text()
    assert {(op.method, op.template) for op in OPERATIONS} == {
        ("GET", "/users"),
        ("GET", "/users/{userId}"),
        ("GET", "/users/{userId}/meetings"),
        ("POST", "/users/{userId}/meetings"),
        ("GET", "/meetings/{meetingId}"),
        ("PATCH", "/meetings/{meetingId}"),
        ("DELETE", "/meetings/{meetingId}"),
        ("POST", "/meetings/{meetingId}/registrants"),
        ("PUT", "/meetings/{meetingId}/registrants/status"),
    }
    for op in OPERATIONS:
        schemas = [json_body_schema(op.spec.get("requestBody"))]
        schemas += [json_body_schema(r) for r in op.spec["responses"].values()]
        schemas += [p["schema"] for p in op.spec["parameters"]]
        for schema in filter(None, schemas):
            jsonschema.Draft4Validator.check_schema(json_schema(schema))


def test_the_fake_refuses_what_zoom_does_not_have(zoom: FakeZoom, client: ZoomClient) -> None:
    with pytest.raises(pytest.fail.Exception, match="no such path"):
        client._api("GET", "/meetings/85746065/no-such-thing", ACCESS_TOKEN)
    with pytest.raises(pytest.fail.Exception, match="allows only"):
        client._api("POST", "/meetings/85746065", ACCESS_TOKEN, json={})
    with pytest.raises(pytest.fail.Exception, match="request body breaks"):
        client._api("POST", "/users/me/meetings", ACCESS_TOKEN, json={"type": 5})
    with pytest.raises(pytest.fail.Exception, match="parameter meetingId"):
        client._api("GET", "/meetings/not-a-number", ACCESS_TOKEN)
    with pytest.raises(pytest.fail.Exception, match="not in Zoom's spec"):
        client._api("GET", "/meetings/85746065", ACCESS_TOKEN, params={"verbose": "1"})
    zoom.problems.clear()


# -- meetings --------------------------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["me", "KDcuGIm1QgePTO8WbOqwIQ", "jchill@example.com"])
def test_create_scheduled_meeting(zoom: FakeZoom, client: ZoomClient, user_id: str) -> None:
    meeting = client.create_meeting(ACCESS_TOKEN, user_id, scheduled_spec())

    (call,) = zoom.calls
    assert call.operation == "meetingCreate"
    assert call.path_params == {"userId": user_id}
    assert call.body["type"] == 2  # scheduled
    assert call.body["start_time"] == "2030-03-14T17:30:00Z"  # UTC, with Z
    assert call.body["duration"] == 45
    assert call.body["timezone"] == "Europe/Berlin"
    assert call.body["settings"] == {"approval_type": 2}  # no registration
    assert isinstance(meeting, ZoomMeeting)
    answer = call.answer
    assert meeting.id == str(answer["id"])  # int64 in Zoom, kept as a string
    assert meeting.join_url == answer["join_url"]
    assert meeting.start_url == answer["start_url"]
    assert meeting.password == answer["password"]
    assert meeting.start_time == answer["start_time"]
    assert meeting.duration == answer["duration"]
    assert meeting.agenda == answer["agenda"]


def test_create_meeting_keeps_long_ids_and_drops_an_empty_password(
    zoom: FakeZoom, client: ZoomClient
) -> None:
    zoom.answer("meetingCreate", id=2**62 + 7, password="")
    meeting = client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())
    assert meeting.id == str(2**62 + 7)
    assert meeting.password is None


def test_create_meeting_truncates_to_zoom_limits(zoom: FakeZoom, client: ZoomClient) -> None:
    client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec(topic="T" * 500, agenda="A" * 5000))
    assert len(zoom.calls[0].body["agenda"]) == 2000  # maxLength 2000 in Zoom's schema


def test_create_class_meeting_with_registration(zoom: FakeZoom, client: ZoomClient) -> None:
    spec = scheduled_spec(topic="Yoga class", duration_minutes=90, registration=True)
    meeting = client.create_meeting(ACCESS_TOKEN, "me", spec)

    (call,) = zoom.calls
    assert call.body["settings"] == {
        "approval_type": 0,  # automatic approval: registration on
        "registrants_email_notification": False,  # Zoom's emails off: we send our own
        "registrants_confirmation_email": False,
    }
    assert meeting.id == str(call.answer["id"])
    assert meeting.join_url == call.answer["join_url"]


def test_s09_meeting_settings_and_passcode_are_sent_as_zooms_spec_declares_them(
    zoom: FakeZoom, client: ZoomClient
) -> None:
    """Every setting a service can choose, validated against the create and update schemas (the
    fake Zoom refuses a body its operation's schema refuses)."""
    settings = MeetingSettings(
        waiting_room=True, passcode_required=True, mute_on_entry=True, auto_recording="cloud"
    )
    spec = scheduled_spec(settings=settings, password="Ab3-x_9@*z", registration=True)
    client.create_meeting(ACCESS_TOKEN, "me", spec)
    client.update_meeting(ACCESS_TOKEN, "85746065", spec)
    other = MeetingSettings(join_before_host=True, auto_recording="local", mute_on_entry=False)
    client.update_meeting(ACCESS_TOKEN, "85746065", scheduled_spec(settings=other))

    create, update, second = zoom.calls
    assert create.body["settings"] == {
        "approval_type": 0,
        "registrants_email_notification": False,
        "registrants_confirmation_email": False,
        "waiting_room": True,
        "mute_upon_entry": True,
        "auto_recording": "cloud",
    }
    assert create.body["password"] == update.body["password"] == "Ab3-x_9@*z"
    assert second.body["settings"] == {
        "approval_type": 2,
        "join_before_host": True,
        "mute_upon_entry": False,
        "auto_recording": "local",
    }
    assert "password" not in second.body  # no passcode asked: the Zoom account decides


def test_get_meeting(zoom: FakeZoom, client: ZoomClient) -> None:
    meeting = client.get_meeting(ACCESS_TOKEN, "85746065")

    (call,) = zoom.calls
    assert (call.operation, call.path_params) == ("meeting", {"meetingId": 85746065})
    answer = call.answer
    assert meeting == ZoomMeeting(
        id=str(answer["id"]),
        host_id=answer["host_id"],
        join_url=answer["join_url"],
        start_url=answer["start_url"],
        password=answer["password"],
        start_time=answer["start_time"],
        duration=answer["duration"],
        agenda=answer["agenda"],
    )


def test_update_meeting_reschedules(zoom: FakeZoom, client: ZoomClient) -> None:
    later = datetime(2030, 3, 21, 9, 0, tzinfo=BERLIN)
    result = client.update_meeting(
        ACCESS_TOKEN, "85746065", scheduled_spec(start_time=later, duration_minutes=60)
    )

    assert result is None
    (call,) = zoom.calls
    assert (call.operation, call.status) == ("meetingUpdate", 204)
    assert call.body["start_time"] == "2030-03-21T08:00:00Z"
    assert call.body["duration"] == 60


def test_delete_meeting(zoom: FakeZoom, client: ZoomClient) -> None:
    client.delete_meeting(ACCESS_TOKEN, "85746065")

    (call,) = zoom.calls
    assert (call.operation, call.status, call.body) == ("meetingDelete", 204, None)
    assert call.query == {"schedule_for_reminder": False}  # a boolean, as Zoom declares it


def test_list_meetings_pages_through(zoom: FakeZoom, client: ZoomClient) -> None:
    zoom.answer("meetings", next_page_token="page-2")
    zoom.answer("meetings", next_page_token="")
    meetings = client.list_meetings(ACCESS_TOKEN, "me")

    first, second = zoom.calls
    assert first.query == {"type": "upcoming", "page_size": 300}
    assert second.query == {"type": "upcoming", "page_size": 300, "next_page_token": "page-2"}
    listed = first.answer["meetings"] + second.answer["meetings"]
    assert [m.id for m in meetings] == [str(m["id"]) for m in listed]
    assert [m.join_url for m in meetings] == [m["join_url"] for m in listed]


# -- registrants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "sent_first", "sent_last"),
    [
        ("Jill", "Chill", "Jill", "Chill"),
        ("", "", "Client", ""),  # first_name is required by Zoom
        ("F" * 80, "L" * 80, "F" * 64, "L" * 64),  # maxLength 64
    ],
)
def test_add_registrant(
    zoom: FakeZoom, client: ZoomClient, first: str, last: str, sent_first: str, sent_last: str
) -> None:
    registrant = client.add_registrant(ACCESS_TOKEN, "85746065", "jill@example.com", first, last)

    (call,) = zoom.calls
    assert call.operation == "meetingRegistrantCreate"
    assert call.body == {"email": "jill@example.com", "first_name": sent_first, "last_name": sent_last}
    assert registrant == ZoomRegistrant(
        registrant_id=call.answer["registrant_id"], join_url=call.answer["join_url"]
    )


def test_cancel_registrant(zoom: FakeZoom, client: ZoomClient) -> None:
    client.cancel_registrants(ACCESS_TOKEN, "85746065", [("fdgsfh2ey82fuh", "jill@example.com")])

    (call,) = zoom.calls
    assert (call.operation, call.method, call.status) == ("meetingRegistrantStatus", "PUT", 204)
    assert call.body == {
        "action": "cancel",
        "registrants": [{"id": "fdgsfh2ey82fuh", "email": "jill@example.com"}],
    }


# -- users -----------------------------------------------------------------------------------


def test_get_current_user(zoom: FakeZoom, client: ZoomClient) -> None:
    user = client.get_user(ACCESS_TOKEN)

    (call,) = zoom.calls
    assert (call.operation, call.path, call.path_params) == ("user", "/users/me", {"userId": "me"})
    answer = call.answer
    assert user == ZoomUser(
        id=answer["id"],
        email=answer["email"],
        first_name=answer["first_name"],
        last_name=answer["last_name"],
        account_id=answer["account_id"],
        type=answer["type"],
        role_name=answer["role_name"],
    )


def test_list_users_pages_through(zoom: FakeZoom, client: ZoomClient) -> None:
    zoom.answer("users", next_page_token="page-2")
    zoom.answer("users", next_page_token="")
    users = client.list_users(ACCESS_TOKEN)

    first, second = zoom.calls
    assert first.query == {"page_size": 300, "status": "active"}
    assert second.query["next_page_token"] == "page-2"
    listed = first.answer["users"] + second.answer["users"]
    assert [(u.id, u.email) for u in users] == [(u["id"], u["email"]) for u in listed]


# -- OAuth (Zoom's documentation, not the spec) ----------------------------------------------


def test_refresh_token_rotates(zoom: FakeZoom, client: ZoomClient) -> None:
    before = datetime.now(UTC)
    pair = client.refresh("old-refresh-token")

    assert zoom.token_requests == [{"grant_type": "refresh_token", "refresh_token": "old-refresh-token"}]
    assert isinstance(pair, TokenPair)
    assert pair.access_token == "new-access-token"
    assert pair.refresh_token == zoom.issued_refresh_tokens[-1]  # the rotated one, not the old
    assert pair.scope == "meeting:read meeting:write user:read"
    lifetime = timedelta(seconds=OAUTH_FACTS["access_token_lifetime"])
    assert before + lifetime <= pair.expires_at <= datetime.now(UTC) + lifetime


def test_exchange_code_with_pkce(zoom: FakeZoom, client: ZoomClient) -> None:
    pair = client.exchange_code("auth-code", "https://api.vclinks.test/zoom/callback", "verifier-" + "v" * 40)

    (form,) = zoom.token_requests
    assert form == {
        "grant_type": "authorization_code",
        "code": "auth-code",
        "redirect_uri": "https://api.vclinks.test/zoom/callback",
        "code_verifier": "verifier-" + "v" * 40,
    }
    assert pair.refresh_token == zoom.issued_refresh_tokens[-1]


def test_refused_refresh_means_reconnect(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(400, {"reason": "Invalid Token!", "error": "invalid_grant"})
    with pytest.raises(ZoomNeedsReconnect):
        client.refresh("revoked-refresh-token")
    assert len(zoom.token_requests) == 1
    assert sleeps == []


def test_revoke(zoom: FakeZoom, client: ZoomClient) -> None:
    client.revoke("some-refresh-token")
    assert zoom.token_requests == [{"token": "some-refresh-token"}]


def test_authorize_url_uses_pkce() -> None:
    client = ZoomClient(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http=httpx.Client())
    url = httpx.URL(client.authorize_url("https://api.vclinks.test/zoom/callback", "st", "challenge"))
    assert (url.scheme, url.host, url.path) == ("https", "zoom.us", "/oauth/authorize")
    assert dict(url.params) == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://api.vclinks.test/zoom/callback",
        "state": "st",
        "code_challenge": "challenge",
        "code_challenge_method": "S256",
    }


# -- errors ----------------------------------------------------------------------------------


def test_meeting_not_found(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(404, ERROR_MEETING_NOT_FOUND)
    with pytest.raises(ZoomNotFound) as caught:
        client.get_meeting(ACCESS_TOKEN, "85746065")
    assert caught.value.extra["zoom_code"] == 3001
    assert len(zoom.calls) == 1
    assert sleeps == []


def test_user_not_found(zoom: FakeZoom, client: ZoomClient) -> None:
    zoom.fail(404, ERROR_USER_NOT_FOUND)
    with pytest.raises(ZoomNotFound) as caught:
        client.create_meeting(ACCESS_TOKEN, "nobody@example.com", scheduled_spec())
    assert caught.value.extra["zoom_code"] == 1001


def test_invalid_access_token(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(401, ERROR_INVALID_TOKEN)
    with pytest.raises(ZoomAccessTokenInvalid) as caught:
        client.get_user(ACCESS_TOKEN)
    assert caught.value.extra["zoom_code"] == 124
    assert len(zoom.calls) == 1  # not retried: the caller refreshes and tries once more
    assert sleeps == []


def test_client_keeps_its_retry_budget(client: ZoomClient) -> None:
    assert client.max_attempts == 4


def test_rate_limit_is_retried_then_raised(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(429, ERROR_RATE_LIMIT, times=10, headers={"Retry-After": "2"})
    with pytest.raises(ZoomRateLimited) as caught:
        client.get_meeting(ACCESS_TOKEN, "85746065")
    assert len(zoom.calls) == client.max_attempts
    assert len(sleeps) == client.max_attempts - 1
    assert all(delay >= 2 for delay in sleeps)  # Retry-After honoured
    assert not caught.value.extra.get("daily_limit")


def test_rate_limit_on_create_is_retried(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(429, ERROR_RATE_LIMIT, times=2)
    meeting = client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())
    assert [c.status for c in zoom.calls] == [429, 429, 201]
    assert len(sleeps) == 2
    assert meeting.id == str(zoom.calls[-1].answer["id"])


def test_daily_limit_is_raised_at_once(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(429, ERROR_DAILY_LIMIT, times=10)
    with pytest.raises(ZoomRateLimited) as caught:
        client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())
    assert caught.value.extra["daily_limit"] is True
    assert len(zoom.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_raised(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float], status: int
) -> None:
    zoom.fail(status, {"code": status, "message": "Internal error"}, times=10)
    with pytest.raises(ZoomUnavailable) as caught:
        client.get_meeting(ACCESS_TOKEN, "85746065")
    assert len(zoom.calls) == client.max_attempts
    assert len(sleeps) == client.max_attempts - 1
    assert not caught.value.extra.get("uncertain")


def test_server_error_then_success(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(503, {"code": 503, "message": "Service unavailable"})
    client.delete_meeting(ACCESS_TOKEN, "85746065")
    assert [c.status for c in zoom.calls] == [503, 204]
    assert len(sleeps) == 1


def test_server_error_on_create_is_not_retried(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float]
) -> None:
    zoom.fail(500, {"code": 500, "message": "Internal error"}, times=10)
    with pytest.raises(ZoomUnavailable) as caught:
        client.add_registrant(ACCESS_TOKEN, "85746065", "jill@example.com", "Jill", "Chill")
    assert caught.value.extra["uncertain"] is True  # it may have landed: look before creating again
    assert len(zoom.calls) == 1
    assert sleeps == []


# -- Zoom's refusals, told apart as Zoom means them (SOURCE.md "How real Zoom differs") -------


def documented(operation_id: str, status: int) -> bool:
    return any(op.id == operation_id and str(status) in op.spec["responses"] for op in OPERATIONS)


def test_x07_invalid_client_on_refresh_is_the_deployments_app_never_needs_reconnect(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float]
) -> None:
    zoom.fail(401, ERROR_INVALID_CLIENT)
    with pytest.raises(ZoomAppMisconfigured) as caught:
        client.refresh("a-good-refresh-token")
    assert not isinstance(caught.value, ZoomNeedsReconnect)
    assert "ZoomClientId/ZoomClientSecret" in caught.value.detail
    assert sleeps == []


def test_x07_invalid_client_of_the_admin_managed_app_names_its_parameters(
    zoom: FakeZoom, client: ZoomClient
) -> None:
    zoom.fail(401, ERROR_INVALID_CLIENT)
    with pytest.raises(ZoomAppMisconfigured, match="ZoomAdminClientId/ZoomAdminClientSecret"):
        client.refresh("a-good-refresh-token", ZoomAppType.ADMIN_MANAGED)


def test_s01_each_app_speaks_with_its_own_credentials(zoom: FakeZoom, client: ZoomClient) -> None:
    client.refresh("user-refresh-token")
    client.refresh("admin-refresh-token", ZoomAppType.ADMIN_MANAGED)
    client.revoke("admin-refresh-token", ZoomAppType.ADMIN_MANAGED)
    user_basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    admin_basic = "Basic " + base64.b64encode(f"{ADMIN_CLIENT_ID}:{ADMIN_CLIENT_SECRET}".encode()).decode()
    assert zoom.basic_auth == [user_basic, admin_basic, admin_basic]
    url = httpx.URL(
        client.authorize_url("https://api.vclinks.test/cb", "st", "ch", ZoomAppType.ADMIN_MANAGED)
    )
    assert url.params["client_id"] == ADMIN_CLIENT_ID
    assert client.app_of(ADMIN_CLIENT_ID) is ZoomAppType.ADMIN_MANAGED
    assert client.app_of(CLIENT_ID) is ZoomAppType.USER_MANAGED
    assert client.app_of("someone-elses") is None


def test_s01_without_an_admin_managed_app_account_access_is_not_configured() -> None:
    client = ZoomClient(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http=httpx.Client())
    with pytest.raises(ZoomNotConfigured, match="ZoomAdminClientId"):
        client.authorize_url("https://api.vclinks.test/cb", "st", "ch", ZoomAppType.ADMIN_MANAGED)
    assert client.app_of("") is None


def test_4711_names_the_missing_scopes(zoom: FakeZoom, client: ZoomClient, sleeps: list[float]) -> None:
    zoom.fail(400, ERROR_MISSING_SCOPES)
    with pytest.raises(ZoomMissingScopes) as caught:
        client.list_users(ACCESS_TOKEN)
    assert caught.value.extra["missing_scopes"] == ["user:read:list_users:admin"]
    assert "user:read:list_users:admin" in caught.value.detail
    assert len(zoom.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("code", "message", "outcome"),
    [
        (3002, "Sorry, you cannot delete this meeting since it is in progress.", MeetingDeletion.IN_PROGRESS),
        (3007, "Sorry, you cannot delete this meeting since it has ended.", MeetingDeletion.ENDED),
    ],
)
def test_delete_of_a_meeting_in_progress_or_ended_is_done_not_failed(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float], code: int, message: str, outcome: MeetingDeletion
) -> None:
    assert documented("meetingDelete", 400)
    zoom.fail(400, {"code": code, "message": message})
    assert client.delete_meeting(ACCESS_TOKEN, "85746065") is outcome
    assert len(zoom.calls) == 1
    assert sleeps == []


def test_delete_of_a_meeting_zoom_does_not_have_still_raises_not_found(
    zoom: FakeZoom, client: ZoomClient
) -> None:
    zoom.fail(404, ERROR_MEETING_NOT_FOUND)
    with pytest.raises(ZoomNotFound):
        client.delete_meeting(ACCESS_TOKEN, "85746065")
    assert client.delete_meeting(ACCESS_TOKEN, "85746065") is MeetingDeletion.DELETED


@pytest.mark.parametrize("status", [300, 400])  # the spec documents it as a 300; Zoom's errors page, 4xx
def test_x11_the_older_code_300_daily_limit_is_the_hosts_daily_limit(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float], status: int
) -> None:
    assert documented("meetingCreate", status)
    zoom.fail(status, ERROR_DAILY_LIMIT_CODE_300, times=10)
    with pytest.raises(ZoomRateLimited) as caught:
        client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())
    assert caught.value.extra["daily_limit"] is True
    assert len(zoom.calls) == 1
    assert sleeps == []


def test_another_code_300_is_a_plain_refusal(zoom: FakeZoom, client: ZoomClient) -> None:
    zoom.fail(400, {"code": 300, "message": "Validation Failed."})
    with pytest.raises(ZoomRequestRejected):
        client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())


def test_s03_the_per_registrant_daily_limit_is_told_apart_from_the_hosts(
    zoom: FakeZoom, client: ZoomClient, sleeps: list[float]
) -> None:
    assert documented("meetingRegistrantCreate", 429)
    zoom.fail(429, ERROR_REGISTRANT_DAILY_LIMIT, times=10)
    with pytest.raises(ZoomRegistrantRateLimited) as caught:
        client.add_registrant(ACCESS_TOKEN, "85746065", "jill@example.com", "Jill", "Chill")
    assert not caught.value.extra.get("daily_limit")
    assert len(zoom.calls) == 1  # not retried: it resets at 00:00 UTC
    assert sleeps == []


def test_s03_a_basic_hosts_registrant_refusal_is_its_own_error(zoom: FakeZoom, client: ZoomClient) -> None:
    zoom.fail(400, {"code": 200, "message": "Only available for Paid user."})
    with pytest.raises(ZoomHostNotLicensed):
        client.add_registrant(ACCESS_TOKEN, "85746065", "jill@example.com", "Jill", "Chill")
    zoom.fail(400, {"code": 200, "message": "No permission."})  # code 200 elsewhere: a plain refusal
    with pytest.raises(ZoomRequestRejected):
        client.create_meeting(ACCESS_TOKEN, "me", scheduled_spec())
