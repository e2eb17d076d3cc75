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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from local.google_emulator import CONFIG_SCHEMA, GoogleEmulator
from shared.adapters.google.client import MEET_SCOPE, GoogleClient
from shared.adapters.provider_meeting import MeetingRequest
from shared.domain.errors import ProviderMeetingNotFound
from shared.domain.meeting_settings import KEPT_MEET, MEET_WIRE, RESTRICTIONS, MeetSettings, config_paths
from shared.domain.models import MeetingSettings
from tests.support.contract import GOOGLE_ERROR, discovery_schema, violations
from tests.support.providers import REDIRECT, consent, google_client, pkce

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


def signed_in(google: GoogleEmulator) -> tuple[GoogleClient, str, list[httpx.Request], Exchanges]:
    """Our client, its user consented on the emulator's page (the Meet scope granted): the client,
    an access token, the requests it sends and its exchanges checked against the document."""
    exchanges = Exchanges()
    sent: list[httpx.Request] = []
    client = google_client(
        google, http=httpx.Client(event_hooks={"request": [sent.append], "response": [exchanges]})
    )
    verifier, challenge = pkce()
    consented = consent(
        client.authorize_url(REDIRECT, "s", challenge), {"user": "g-host", "grant": MEET_SCOPE}
    )
    token = client.exchange_code(consented["code"], REDIRECT, verifier).access_token
    return client, token, sent, exchanges


def test_x13_google_client_and_emulator_speak_the_meet_discovery_document(google: GoogleEmulator) -> None:
    client, token, _, exchanges = signed_in(google)
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


def space_config_enum(path: str) -> list[str]:
    """The enum of a SpaceConfig leaf (`config.moderationRestrictions.chatRestriction`) in the document."""
    schema: dict[str, Any] = DOC["schemas"]["Space"]["properties"]["config"]
    for key in path.split(".")[1:]:
        if "$ref" in schema:
            schema = DOC["schemas"][schema["$ref"]]
        schema = schema["properties"][key]
    return list(schema["enum"])


def settable(enum: list[str]) -> set[str]:
    return {value for value in enum if not value.endswith("_UNSPECIFIED")}


FIELD_PATHS = {
    "access_type": "config.accessType",
    "moderation": "config.moderation",
    "chat_restriction": "config.moderationRestrictions.chatRestriction",
    "reaction_restriction": "config.moderationRestrictions.reactionRestriction",
    "present_restriction": "config.moderationRestrictions.presentRestriction",
    "default_join_as_viewer": "config.moderationRestrictions.defaultJoinAsViewerType",
    "attendance_report": "config.attendanceReportGenerationType",
    "auto_recording": "config.artifactConfig.recordingConfig.autoRecordingGeneration",
    "auto_transcription": "config.artifactConfig.transcriptionConfig.autoTranscriptionGeneration",
    "auto_smart_notes": "config.artifactConfig.smartNotesConfig.autoSmartNotesGeneration",
}


def literal_values(annotation: Any) -> set[str]:
    """`Literal["ON", "OFF"] | None` -> {"ON", "OFF"}."""
    if isinstance(annotation, str):
        return {annotation}
    return {v for arg in get_args(annotation) if arg is not type(None) for v in literal_values(arg)}


def leaf(config: dict[str, Any], path: str) -> Any:
    for key in path.split(".")[1:]:
        config = config[key]
    return config


def test_s09_x13_each_meet_setting_offers_exactly_the_documents_settable_values() -> None:
    """Every MeetSettings field is one SpaceConfig leaf, written there; its values are the leaf's
    enum without the `*_UNSPECIFIED` placeholder (accessType: OPEN, TRUSTED, RESTRICTED; ...)."""
    assert set(FIELD_PATHS) == set(MeetSettings.model_fields)
    for name, path in FIELD_PATHS.items():
        offered = literal_values(MeetSettings.model_fields[name].annotation)
        assert offered == settable(space_config_enum(path)), name
        moderation = {"moderation": "ON"} if name in RESTRICTIONS else {}
        for value in offered:
            config = MeetSettings(**{**moderation, name: value}).config()
            assert leaf(config, path) == value
            assert path in config_paths(config)


def test_x13_the_emulators_spaceconfig_is_the_documents() -> None:
    """local/google_emulator.py CONFIG_SCHEMA: the same fields and settable values as meet.v2.json."""

    def tree(schema: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, sub in schema["properties"].items():
            if "$ref" in sub:
                out[key] = tree(DOC["schemas"][sub["$ref"]])
            else:
                out[key] = settable(sub["enum"])
        return out

    def ours(schema: dict[str, Any]) -> dict[str, Any]:
        return {k: ours(v) if isinstance(v, dict) else set(v) for k, v in schema.items()}

    assert ours(CONFIG_SCHEMA) == tree(DOC["schemas"]["SpaceConfig"])


EVERY_MEET_SETTING = MeetSettings(
    access_type="TRUSTED",
    moderation="ON",
    chat_restriction="HOSTS_ONLY",
    reaction_restriction="NO_RESTRICTION",
    present_restriction="HOSTS_ONLY",
    default_join_as_viewer="ON",
    attendance_report="GENERATE_REPORT",
    auto_recording="ON",
    auto_transcription="OFF",
    auto_smart_notes="ON",
)


def test_s09_x13_meet_settings_are_sent_on_create_and_patch_as_the_document_declares_them(
    google: GoogleEmulator,
) -> None:
    client, token, sent, exchanges = signed_in(google)
    every = MeetingSettings(google=EVERY_MEET_SETTING)
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START + timedelta(hours=1), settings=every)

    meeting = client.create_meeting(token, request)
    assert google.spaces[meeting.meeting_id]["config"] == EVERY_MEET_SETTING.config()  # kept, read back
    open_again = MeetingSettings(google=MeetSettings(access_type="OPEN", moderation="OFF"))
    client.update_meeting(token, meeting.meeting_id, replace(request, settings=open_again))

    assert exchanges.problems == []
    [patch] = [r for r in sent if r.method == "PATCH"]
    assert patch.url.params["updateMask"] == "config.accessType,config.entryPointAccess,config.moderation"
    kept = google.spaces[meeting.meeting_id]["config"]  # moderation OFF resets the restrictions
    assert kept == {
        "accessType": "OPEN",
        "entryPointAccess": "ALL",
        "moderation": "OFF",
        "attendanceReportGenerationType": "GENERATE_REPORT",
        "artifactConfig": EVERY_MEET_SETTING.config()["artifactConfig"],
    }


def test_s09_x13_a_cleared_meet_setting_is_reset_by_an_update_mask_path_the_document_declares(
    google: GoogleEmulator,
) -> None:
    """The reset of a cleared field names its SpaceConfig leaf in `updateMask` with no value in the
    body (spaces.patch `updateMask`: a field in the mask but not in the request is cleared, back to
    the `*_UNSPECIFIED` member: "Default value specified by user policy"). Moderation is the one
    leaf whose placeholder "Users are not allowed to set": it is kept, and the emulator refuses it."""
    assert {n: "config." + ".".join(p) for n, p in MEET_WIRE.items()} == FIELD_PATHS
    unspecified = {n for n, p in FIELD_PATHS.items() if "not allowed" in " ".join(enum_text(p))}
    assert unspecified == set(KEPT_MEET) == {"moderation"}
    client, token, sent, exchanges = signed_in(google)
    every = MeetingSettings(google=EVERY_MEET_SETTING)
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START + timedelta(hours=1), settings=every)
    meeting = client.create_meeting(token, request)

    kept = MeetingSettings(google=MeetSettings(access_type="TRUSTED", moderation="ON"))
    client.update_meeting(token, meeting.meeting_id, replace(request, settings=kept, applied=every))
    assert exchanges.problems == []
    [patch] = [r for r in sent if r.method == "PATCH"]
    mask = patch.url.params["updateMask"].split(",")
    assert mask == [
        "config.accessType",
        "config.entryPointAccess",
        "config.moderation",
        *(FIELD_PATHS[n] for n in FIELD_PATHS if n not in ("access_type", "moderation")),
    ]
    assert google.spaces[meeting.meeting_id]["config"] == {
        "accessType": "TRUSTED",
        "entryPointAccess": "ALL",
        "moderation": "ON",
        "moderationRestrictions": {},
        "artifactConfig": {"recordingConfig": {}, "transcriptionConfig": {}, "smartNotesConfig": {}},
    }
    refused = httpx.patch(
        f"{google.base_url}/v2/{meeting.meeting_id}",
        params={"updateMask": "config.moderation"},
        json={"config": {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (refused.status_code, refused.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")


def enum_text(path: str) -> list[str]:
    """The enumDescriptions of a SpaceConfig leaf (`config.a.b`)."""
    schema = DOC["schemas"]["SpaceConfig"]
    for key in path.split(".")[1:]:
        sub = schema["properties"][key]
        schema = DOC["schemas"][sub["$ref"]] if "$ref" in sub else sub
    return list(schema["enumDescriptions"])
