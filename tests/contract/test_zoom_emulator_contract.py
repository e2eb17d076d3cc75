"""The Zoom emulator (what `make dev` and the e2e tests run against) answers as Zoom's
OpenAPI document says: the real client drives it through OAuth and every meeting
operation, and each request and answer is checked against the committed spec subset."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.zoom_emulator import ZoomEmulator
from shared.adapters.zoom.client import MeetingSpec, ZoomClient
from tests.contract.test_zoom_client_contract import OPERATIONS, json_body_schema, violations

REDIRECT = "http://127.0.0.1/callback"


class Checked:
    """Every /v2 exchange, matched to its spec operation and validated both ways."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.problems: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        if not request.url.path.startswith("/v2/"):
            return
        path = request.url.path.removeprefix("/v2")
        operation = next(
            (op for op in OPERATIONS if op.method == request.method and op.pattern.match(path)), None
        )
        if operation is None:
            self.problems.append(f"{request.method} {path}: not in Zoom's API")
            return
        self.seen.append(operation.id)
        response.read()
        code = str(response.status_code)
        documented = operation.spec["responses"].get(code)
        if documented is None:
            self.problems.append(f"{operation.id}: status {code} is not documented")
            return
        schema = json_body_schema(documented)
        if schema and response.content:
            self.problems += [f"{operation.id} answer: {v}" for v in violations(schema, response.json())]


@pytest.fixture
def emulator() -> Iterator[ZoomEmulator]:
    zoom = ZoomEmulator()
    zoom.start()
    yield zoom
    zoom.stop()


def connect(zoom: ZoomEmulator, client: ZoomClient, user: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = client.authorize_url(REDIRECT, "state-1", challenge)
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {"user": user, "allow": "1"}
    answer = httpx.post(f"{zoom.base_url}/oauth/authorize", data=form)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return client.exchange_code(code, REDIRECT, verifier).access_token


def test_the_emulator_answers_every_operation_as_the_spec_says(emulator: ZoomEmulator) -> None:
    checked = Checked()
    client = ZoomClient(
        api_base_url=f"{emulator.base_url}/v2",
        oauth_base_url=emulator.base_url,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        http=httpx.Client(event_hooks={"response": [checked]}),
    )
    token = connect(emulator, client, "zu-host")
    me = client.get_user(token)
    assert me.id == "zu-host"
    assert {u.id for u in client.list_users(token)} >= {"zu-host", "zu-anna"}

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    spec = MeetingSpec("Morning Flow", start, 60, "UTC", "vclinks:site:s1", registration=True)
    meeting = client.create_meeting(token, "zu-anna", spec)
    assert meeting.join_url.startswith(emulator.base_url)
    assert client.get_meeting(token, str(meeting.id)).id == meeting.id
    assert [m.id for m in client.list_meetings(token, "zu-anna")] == [meeting.id]
    client.update_meeting(
        token, str(meeting.id), MeetingSpec("Morning Flow", start + timedelta(days=1), 45, "UTC", "x", True)
    )
    moved = client.get_meeting(token, str(meeting.id))
    assert moved.duration == 45
    registrant = client.add_registrant(token, str(meeting.id), "ada@example.com", "Ada", "Lovelace")
    client.cancel_registrants(token, str(meeting.id), [(registrant.registrant_id, "ada@example.com")])
    assert emulator.active_registrants(str(meeting.id)) == []
    client.delete_meeting(token, str(meeting.id))

    assert checked.problems == []
    assert set(checked.seen) >= {op.id for op in OPERATIONS}, "an operation the client uses was not exercised"
