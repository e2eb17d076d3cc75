"""Contract: the Google client asks, and the Google emulator answers, as Google's own Meet REST
API discovery document says (fixtures/google_meet_v2_subset.json, cut by make_google_subset.py
from google-api-python-client 2.202.0, revision 20261029).

Every exchange with /v2/ is matched to a discovery method by HTTP method and path template; its
query parameters must be declared; its JSON body must validate against the method's `request`
schema (no unknown fields, no output-only fields) and the answer against its `response` schema
(with the `required` fields written by hand), or, for an error, against AIP-193's shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.google_emulator import GoogleEmulator
from shared.adapters.google.client import MEET_SCOPE, GoogleClient
from shared.adapters.http_retry import RetryPolicy
from shared.adapters.provider_meeting import MeetingRequest
from shared.domain.errors import ProviderMeetingNotFound
from tests.support.contract import GOOGLE_ERROR, discovery_schema, violations
from tests.support.providers import REDIRECT, Sleeps, consent, pkce

DOC: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "google_meet_v2_subset.json").read_text()
)
METHODS = DOC["resources"]["spaces"]["methods"]
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def template(path: str) -> re.Pattern[str]:
    """`v2/{+name}:endActiveConference` -> a regex; `{+name}` follows the parameter's pattern."""
    pattern = re.escape(path).replace(r"\{\+name\}", "spaces/[^/:]+")
    return re.compile(f"^/{pattern}$")


def method_for(request: httpx.Request) -> tuple[str, dict[str, Any]] | None:
    for name, method in METHODS.items():
        if method["httpMethod"] == request.method and template(method["path"]).match(request.url.path):
            return name, method
    return None


class Exchanges:
    """Every /v2 exchange checked both ways; problems gathered for one assertion."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def __call__(self, answer: httpx.Response) -> None:
        request = answer.request
        if not request.url.path.startswith("/v2/"):
            return
        found = method_for(request)
        if found is None:
            self.problems.append(f"{request.method} {request.url.path}: not a method of the Meet API")
            return
        name, method = found
        self.seen.add(name)
        for key in request.url.params:
            if key not in method["parameters"]:
                self.problems.append(f"{name}: undeclared query parameter {key}")
        if request.content and "request" in method:
            schema = discovery_schema(DOC, method["request"]["$ref"], request=True)
            self.problems += [f"{name} request: {v}" for v in violations(schema, json.loads(request.content))]
        answer.read()
        body = answer.json() if answer.content else None
        if answer.status_code >= 400:
            self.problems += [f"{name} error: {v}" for v in violations(GOOGLE_ERROR, body)]
        else:
            schema = discovery_schema(DOC, method["response"]["$ref"], request=False)
            self.problems += [f"{name} answer: {v}" for v in violations(schema, body)]


@pytest.fixture
def google() -> Iterator[GoogleEmulator]:
    emulator = GoogleEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def test_x13_google_client_and_emulator_speak_the_meet_discovery_document(google: GoogleEmulator) -> None:
    exchanges = Exchanges()
    client = GoogleClient(
        client_id=google.client_id,
        client_secret=google.client_secret,
        accounts_base_url=google.base_url,
        oauth2_base_url=google.base_url,
        meet_base_url=google.base_url,
        http=httpx.Client(event_hooks={"response": [exchanges]}),
        retry=RetryPolicy(sleep=Sleeps()),
    )
    verifier, challenge = pkce()
    code = consent(client.authorize_url(REDIRECT, "s", challenge), {"user": "g-host", "grant": MEET_SCOPE})[
        "code"
    ]
    token = client.exchange_code(code, REDIRECT, verifier).access_token
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START + timedelta(hours=1))

    meeting = client.create_meeting(token, request)
    client.get_meeting(token, meeting.meeting_id)
    client.get_meeting(token, f"spaces/{meeting.dial_in_code}")  # by meeting code, as Google allows
    client.update_meeting(token, meeting.meeting_id, request)
    client.end_conference(token, meeting.meeting_id)
    client.close_meeting(token, meeting.meeting_id)
    with pytest.raises(ProviderMeetingNotFound):
        client.get_meeting(token, "spaces/missing")

    assert exchanges.problems == []
    assert exchanges.seen == set(METHODS), "a method of the subset was not exercised"


def test_google_contract_check_catches_a_wrong_request_and_a_wrong_answer() -> None:
    """The validator is not vacuous: a misspelt field, a wrong enum, an output-only field in a
    request, and an answer without its name all fail."""
    request = discovery_schema(DOC, "Space", request=True)
    assert violations(request, {"config": {"accessType": "OPEN"}}) == []
    assert violations(request, {"config": {"accesType": "OPEN"}})
    assert violations(request, {"config": {"accessType": "PUBLIC"}})
    assert violations(request, {"meetingUri": "https://meet.google.com/abc-defg-hij"})
    answer = discovery_schema(DOC, "Space", request=False)
    assert violations(answer, {"meetingUri": "x", "meetingCode": "abc-defg-hij"}) == [
        "<root>: 'name' is a required property"
    ]


def test_google_subset_is_the_pinned_package_revision() -> None:
    assert DOC["x-subset-of"]["package"] == "google-api-python-client==2.202.0"
    assert (DOC["id"], DOC["revision"]) == ("meet:v2", "20261029")
    assert set(METHODS) == {"create", "get", "patch", "endActiveConference"}
