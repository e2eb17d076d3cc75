"""The Zoom emulator (what `make dev` and the e2e tests run against) answers as Zoom's
OpenAPI document says: the real client drives it through OAuth and every meeting
operation, and each request and answer is checked against the committed spec subset,
down to the fields: an answer carries no field the spec does not declare there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from local.zoom_emulator import ZoomEmulator
from shared.adapters.zoom.client import MeetingSpec
from shared.adapters.zoom.scopes import ZoomAppType
from tests.contract.emulated import connect, zoom_client
from tests.support.zoom_spec import OPERATIONS, json_body_schema, violations

# Fields Zoom returns in these answers that the 2023 document's schema leaves out (its own
# GET /meetings/{meetingId} schema declares uuid, host_id and status; Zoom's current API
# reference shows them in the create answer, and registration_url in the GET answer).
BEYOND_THE_DOCUMENT = {"meetingCreate": {"uuid", "host_id", "status"}, "meeting": {"registration_url"}}


def undeclared(schema: Any, instance: Any, where: str = "") -> list[str]:
    """Fields of `instance` that `schema` does not declare (Zoom's schemas leave
    additionalProperties open, so the schema check alone would let them through)."""
    if not isinstance(schema, dict):
        return []
    if isinstance(instance, list):
        return [p for i, item in enumerate(instance) for p in undeclared(schema.get("items"), item, where)]
    if not isinstance(instance, dict) or "properties" not in schema:
        return []
    declared = schema["properties"]
    found = [f"{where}{key}" for key in instance if key not in declared]
    for key, value in instance.items():
        if key in declared:
            found += undeclared(declared[key], value, f"{where}{key}.")
    return found


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
            answer = response.json()
            self.problems += [f"{operation.id} answer: {v}" for v in violations(schema, answer)]
            extra = set(undeclared(schema, answer)) - BEYOND_THE_DOCUMENT.get(operation.id, set())
            self.problems += [f"{operation.id} answer: undeclared {field}" for field in sorted(extra)]


def test_the_emulator_answers_every_operation_as_the_spec_says(emulator: ZoomEmulator) -> None:
    checked = Checked()
    client = zoom_client(emulator, httpx.Client(event_hooks={"response": [checked]}))
    token = connect(emulator, client, "zu-host", ZoomAppType.ADMIN_MANAGED).access_token
    coach = emulator.add_user("acct-demo", "lena@demo.example", "Lena", "Licensed", user_type=2)
    me = client.get_user(token)
    assert me.id == "zu-host"
    assert {u.id for u in client.list_users(token)} >= {"zu-host", "zu-anna", coach}

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    spec = MeetingSpec("Morning Flow", start, 60, "UTC", "vclinks:site:s1", registration=True)
    meeting = client.create_meeting(token, coach, spec)
    assert meeting.join_url.startswith(emulator.base_url)
    assert client.get_meeting(token, str(meeting.id)).id == meeting.id
    assert [m.id for m in client.list_meetings(token, coach)] == [meeting.id]
    client.update_meeting(
        token, str(meeting.id), MeetingSpec("Morning Flow", start + timedelta(days=1), 45, "UTC", "x", True)
    )
    moved = client.get_meeting(token, str(meeting.id))
    assert moved.duration == 45
    registrant = client.add_registrant(token, str(meeting.id), "ada@example.com", "Ada", "Lovelace")
    client.cancel_registrants(token, str(meeting.id), [(registrant.registrant_id, "ada@example.com")])
    assert emulator.active_registrants(str(meeting.id)) == []
    client.delete_meeting(token, str(meeting.id))

    assert checked.problems == [], checked.problems
    assert set(checked.seen) >= {op.id for op in OPERATIONS}, "an operation the client uses was not exercised"
