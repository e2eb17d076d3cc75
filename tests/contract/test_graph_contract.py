"""Contract: the Microsoft client asks, and the Microsoft emulator answers, as Microsoft Graph's
OpenAPI description says (fixtures/graph_online_meetings_subset.json: the onlineMeeting paths and
schemas copied from the Graph v1.0 description, plus the hand-written createOrGet operation; its
`info.x-subset-of` says where from and what to replace it with).

Graph serves `/me/...` as `/users/{signed-in user}/...`, so `/v1.0/me/onlineMeetings...` is
matched to the `/users/{user-id}/onlineMeetings...` operations. Request bodies validate against
the operation's requestBody, answers against its 2XX (or exact status) schema, errors against
`default` (ODataError). Graph's schemas make nearly everything optional: they catch wrong names
and types, not missing fields (shared/microsoft/SOURCE.md)."""

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

from local.microsoft_emulator import (
    CHAT_MODES,
    HIDDEN_LOBBY_SCOPES,
    LOBBY_SCOPES,
    PRESENTERS,
    MicrosoftEmulator,
)
from shared.adapters.microsoft.client import MicrosoftClient
from shared.adapters.provider_meeting import MeetingRequest
from shared.domain.errors import ProviderAccountUnsupported
from shared.domain.meeting_settings import TEAMS_PROPERTIES, TeamsSettings
from shared.domain.models import MeetingSettings
from tests.support.contract import openapi_schema, violations
from tests.support.providers import REDIRECT, consent, microsoft_client, pkce

DOC: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "graph_online_meetings_subset.json").read_text()
)
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def operation_for(request: httpx.Request) -> tuple[str, dict[str, Any]] | None:
    path = request.url.path.removeprefix("/v1.0")
    if path == "/me":
        return None  # /me (User.Read) is outside the onlineMeetings subset
    if not path.endswith("/createOrGet"):
        path = path.replace("/me/", "/users/{user-id}/", 1)
    for template, item in DOC["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and request.method.lower() in item:
            return f"{request.method} {template}", item[request.method.lower()]
    return f"{request.method} {path}", {}


def body_schema(content: dict[str, Any]) -> dict[str, Any] | None:
    media = content.get("content", {}).get("application/json")
    return openapi_schema(DOC, media["schema"]) if media else None


def answer_schema(operation: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = operation["responses"]
    chosen = responses.get(str(status)) or (responses.get("2XX") if status < 300 else responses["default"])
    if chosen is None:
        raise AssertionError(f"status {status} is not documented")
    if "$ref" in chosen:
        chosen = DOC["components"]["responses"][chosen["$ref"].rsplit("/", 1)[1]]
    return body_schema(chosen)


class Exchanges:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def __call__(self, answer: httpx.Response) -> None:
        request = answer.request
        if not request.url.path.startswith("/v1.0/"):
            return
        found = operation_for(request)
        if found is None:
            return
        name, operation = found
        if not operation:
            self.problems.append(f"{name}: not in Graph's description")
            return
        self.seen.add(name)
        if request.content:
            schema = body_schema(operation["requestBody"])
            assert schema is not None
            self.problems += [f"{name} request: {v}" for v in violations(schema, json.loads(request.content))]
        answer.read()
        schema = answer_schema(operation, answer.status_code)
        if schema is not None and answer.content:
            self.problems += [f"{name} {answer.status_code}: {v}" for v in violations(schema, answer.json())]


@pytest.fixture
def microsoft() -> Iterator[MicrosoftEmulator]:
    emulator = MicrosoftEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def client_for(
    microsoft: MicrosoftEmulator, exchanges: Exchanges, tenant: str = "organizations"
) -> MicrosoftClient:
    return microsoft_client(
        microsoft, tenant=tenant, http=httpx.Client(event_hooks={"response": [exchanges]})
    )


def token_for(client: MicrosoftClient, user: str) -> str:
    verifier, challenge = pkce()
    code = consent(client.authorize_url(REDIRECT, "s", challenge), {"user": user})["code"]
    return client.exchange_code(code, REDIRECT, verifier).access_token


def test_x14_microsoft_client_and_emulator_speak_graphs_online_meeting_schema(
    microsoft: MicrosoftEmulator,
) -> None:
    exchanges = Exchanges()
    client = client_for(microsoft, exchanges)
    token = token_for(client, "m-host")
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START + timedelta(hours=1))

    meeting = client.create_meeting(token, request)
    client.create_meeting(token, request)  # 200: the same meeting
    client.get_meeting(token, meeting.meeting_id)
    client.update_meeting(token, meeting.meeting_id, request)
    client.delete_meeting(token, meeting.meeting_id)
    client.delete_meeting(token, meeting.meeting_id)  # 404, an ODataError
    with pytest.raises(ProviderAccountUnsupported):
        client.create_meeting(token_for(client, "m-nolicence"), request)  # the bare 403

    assert exchanges.problems == []
    assert exchanges.seen == {
        "POST /me/onlineMeetings/createOrGet",
        "GET /users/{user-id}/onlineMeetings/{onlineMeeting-id}",
        "PATCH /users/{user-id}/onlineMeetings/{onlineMeeting-id}",
        "DELETE /users/{user-id}/onlineMeetings/{onlineMeeting-id}",
    }


def test_graph_contract_check_catches_wrong_names_and_values() -> None:
    patch = body_schema(
        DOC["paths"]["/users/{user-id}/onlineMeetings/{onlineMeeting-id}"]["patch"]["requestBody"]
    )
    assert patch is not None
    good = {
        "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
    }
    assert violations(patch, good) == []
    assert violations(patch, {"lobbyBypassSettings": {"scope": "public"}})
    assert violations(patch, {"allowedPresenter": "organizer"})  # a typo'd name with a string value
    assert violations(patch, {"startDateTime": "tomorrow at nine"})
    create = body_schema(DOC["paths"]["/me/onlineMeetings/createOrGet"]["post"]["requestBody"])
    assert create is not None
    assert violations(create, {"subject": "x"}) == ["<root>: 'externalId' is a required property"]


def graph_enum(name: str) -> set[str]:
    return set(DOC["components"]["schemas"][f"microsoft.graph.{name}"]["enum"]) - {"unknownFutureValue"}


def base_property(name: str) -> dict[str, Any]:
    return dict(
        DOC["components"]["schemas"]["microsoft.graph.onlineMeetingBase"]["allOf"][1]["properties"][name]
    )


def literal_values(annotation: Any) -> set[str]:
    if isinstance(annotation, str):
        return {annotation}
    return {v for arg in get_args(annotation) if arg is not type(None) for v in literal_values(arg)}


def test_s09_x14_each_teams_setting_offers_the_schemas_values_and_names() -> None:
    """Lobby scopes and chat modes: all of Graph's but the `unknownFutureValue` sentinel; presenters
    without `roleIsPresenter` (it needs attendees with roles: shared.domain.meeting_settings); the
    other settings are Boolean properties of onlineMeetingBase; the emulator knows the same values."""
    fields = TeamsSettings.model_fields
    assert literal_values(fields["lobby_bypass"].annotation) == graph_enum("lobbyBypassScope")
    assert literal_values(fields["meeting_chat"].annotation) == graph_enum("meetingChatMode")
    assert literal_values(fields["presenters"].annotation) == graph_enum("onlineMeetingPresenters") - {
        "roleIsPresenter"
    }
    for name, wire in TEAMS_PROPERTIES.items():
        schema = base_property(wire)
        if name == "meeting_chat":
            assert schema["$ref"].endswith("meetingChatMode")
        else:
            assert (schema["type"], fields[name].annotation) == ("boolean", bool | None), name
    lobby = DOC["components"]["schemas"]["microsoft.graph.lobbyBypassSettings"]["properties"]
    assert lobby["isDialInBypassEnabled"]["type"] == "boolean"
    assert graph_enum("lobbyBypassScope") == LOBBY_SCOPES | HIDDEN_LOBBY_SCOPES
    assert graph_enum("onlineMeetingPresenters") == PRESENTERS
    assert graph_enum("meetingChatMode") == CHAT_MODES


EVERY_TEAMS_SETTING = TeamsSettings(
    lobby_bypass="organizationExcludingGuests",
    dial_in_bypass=True,
    presenters="organization",
    meeting_chat="limited",
    attendee_camera=False,
    attendee_mic=True,
    reactions=False,
    entry_exit_announced=False,
    record_automatically=True,
)


def test_s09_x14_teams_settings_are_sent_on_create_and_update_as_graphs_schema_declares_them(
    microsoft: MicrosoftEmulator,
) -> None:
    exchanges = Exchanges()
    client = client_for(microsoft, exchanges)
    token = token_for(client, "m-host")
    every = MeetingSettings(microsoft=EVERY_TEAMS_SETTING)
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START + timedelta(hours=1), settings=every)

    meeting = client.create_meeting(token, request)  # createOrGet, then one PATCH with the settings
    assert meeting.access == "organizationExcludingGuests"  # asked with the Prefer header: not hidden
    held = microsoft.meetings[meeting.meeting_id]
    assert {k: held[k] for k in EVERY_TEAMS_SETTING.properties()} == EVERY_TEAMS_SETTING.properties()
    assert client.create_meeting(token, request) == meeting  # a retry: found, its settings set, no PATCH
    assert microsoft.calls()["update_meeting"] == 1

    lobby = MeetingSettings(microsoft=TeamsSettings(lobby_bypass="organization", presenters="everyone"))
    client.update_meeting(token, meeting.meeting_id, replace(request, settings=lobby))
    held = microsoft.meetings[meeting.meeting_id]
    assert (held["lobbyBypassSettings"], held["allowedPresenters"], held["allowMeetingChat"]) == (
        {"scope": "organization", "isDialInBypassEnabled": False},
        "everyone",
        "limited",  # not sent (None): kept as it was
    )
    assert exchanges.problems == []
