"""X14: the Microsoft client against the Microsoft emulator over loopback: connect (PKCE,
`organizations`, offline access), refresh tokens that rotate while the old ones still work,
revocation (X07), Teams meetings made once per externalId, kept in step and deleted, the
accounts that cannot organise (X15), and the faults Graph gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from local.microsoft_emulator import MicrosoftEmulator
from shared.adapters.microsoft.client import MicrosoftClient
from shared.adapters.oauth import OAuthTokens
from shared.adapters.provider_meeting import MeetingRequest
from shared.domain.errors import (
    ProviderAccessTokenInvalid,
    ProviderAccountUnsupported,
    ProviderConnectFailed,
    ProviderMisconfigured,
    ProviderNeedsReconnect,
    ProviderRateLimited,
    ProviderUnavailable,
)
from tests.support.providers import REDIRECT, Clock, Sleeps, consent, microsoft_client, pkce

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
SESSION = MeetingRequest("vclinks-site1-s1-1", "Morning Flow", START, START + timedelta(hours=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def microsoft(clock: Clock) -> Iterator[MicrosoftEmulator]:
    emulator = MicrosoftEmulator(clock=clock)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(
    microsoft: MicrosoftEmulator, sleeps: Sleeps, secret: str | None = None, tenant: str = "organizations"
) -> MicrosoftClient:
    return microsoft_client(microsoft, sleeps=sleeps, secret=secret, tenant=tenant)


@pytest.fixture
def client(microsoft: MicrosoftEmulator, sleeps: Sleeps) -> MicrosoftClient:
    return client_for(microsoft, sleeps)


def connect(client: MicrosoftClient, user: str = "m-host") -> OAuthTokens:
    verifier, challenge = pkce()
    query = consent(client.authorize_url(REDIRECT, "st", challenge), {"user": user})
    return client.exchange_code(query["code"], REDIRECT, verifier)


# -- connect and tokens -------------------------------------------------------------------------


def test_x14_microsoft_connect_names_the_organiser(client: MicrosoftClient) -> None:
    tokens = connect(client)
    me = client.get_me(tokens.access_token)
    assert (me.id, me.user_principal_name) == ("m-host", "host@studio.example")
    assert tokens.refresh_token.startswith("0.A")
    assert "OnlineMeetings.ReadWrite" in tokens.scopes


def test_x15_microsoft_personal_account_is_refused_at_sign_in(client: MicrosoftClient) -> None:
    _, challenge = pkce()
    url = client.authorize_url(REDIRECT, "st", challenge)
    fields = dict(httpx.QueryParams(url.split("?", 1)[1]))
    answer = httpx.post(url.split("?")[0], data={**fields, "user": "m-solo"})
    assert answer.status_code == 400
    assert "personal account" in answer.text


def test_microsoft_refresh_rotates_and_the_old_token_still_works(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    tokens = connect(client)
    newer = client.refresh(tokens.refresh_token)
    assert newer.refresh_token != tokens.refresh_token  # store this one
    assert client.refresh(tokens.refresh_token).access_token  # a lost refresh answer is harmless
    assert microsoft.calls()["token_refresh"] == 2


def test_x07_microsoft_revoked_grant_needs_reconnect(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    tokens = connect(client)
    microsoft.revoke_user("m-host")
    with pytest.raises(ProviderNeedsReconnect) as dead:
        client.refresh(tokens.refresh_token)
    assert dead.value.extra["oauth_error"] == "invalid_grant"


def test_x07_microsoft_refresh_token_unused_for_90_days_needs_reconnect(
    clock: Clock, client: MicrosoftClient
) -> None:
    tokens = connect(client)
    clock.advance(91 * 86400)
    with pytest.raises(ProviderNeedsReconnect):
        client.refresh(tokens.refresh_token)


def test_microsoft_wrong_secret_is_a_deployment_problem(microsoft: MicrosoftEmulator, sleeps: Sleeps) -> None:
    with pytest.raises(ProviderMisconfigured):
        connect(client_for(microsoft, sleeps, secret="wrong"))


def test_microsoft_code_is_single_use(client: MicrosoftClient) -> None:
    verifier, challenge = pkce()
    query = consent(client.authorize_url(REDIRECT, "st", challenge), {"user": "m-host"})
    client.exchange_code(query["code"], REDIRECT, verifier)
    with pytest.raises(ProviderConnectFailed):
        client.exchange_code(query["code"], REDIRECT, verifier)


def test_microsoft_redirect_uri_must_match_exactly(client: MicrosoftClient) -> None:
    _, challenge = pkce()
    answer = httpx.get(client.authorize_url("http://127.0.0.1/callback/", "st", challenge))
    assert answer.status_code == 400
    assert "AADSTS50011" in answer.text


def test_microsoft_application_permission_is_not_a_delegated_scope(microsoft: MicrosoftEmulator) -> None:
    query = {
        "client_id": microsoft.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "offline_access OnlineMeetings.ReadWrite.All",
    }
    answer = httpx.get(f"{microsoft.base_url}/organizations/oauth2/v2.0/authorize", params=query)
    assert answer.status_code == 302
    assert "error=invalid_scope" in answer.headers["location"]


# -- meetings -----------------------------------------------------------------------------------


def test_x14_microsoft_meeting_is_made_once_per_session_and_open_to_clients(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    again = client.create_meeting(token, SESSION)  # the retry after a lost answer
    assert again.meeting_id == meeting.meeting_id
    assert meeting.access == "everyone"
    assert (meeting.start, meeting.end) == (SESSION.start, SESSION.end)
    assert "joined" in httpx.get(meeting.join_url).text
    assert microsoft.calls()["create_meeting"] == 1
    assert microsoft.calls()["create_or_get"] == 2
    assert microsoft.calls()["update_meeting"] == 1  # settings applied once; the retry found them set


def test_x14_microsoft_reschedule_is_one_patch_and_keeps_the_link(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    later = MeetingRequest(
        SESSION.external_id, "Morning Flow", START + timedelta(days=1), START + timedelta(days=1, hours=1)
    )
    moved = client.update_meeting(token, meeting.meeting_id, later)
    assert (moved.start, moved.join_url) == (later.start, meeting.join_url)
    assert client.get_meeting(token, meeting.meeting_id).start == later.start


def test_x14_microsoft_cancel_deletes_and_a_second_delete_is_done(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    client.delete_meeting(token, meeting.meeting_id)
    client.delete_meeting(token, meeting.meeting_id)  # 404: already gone
    assert microsoft.calls()["delete_meeting"] == 1
    assert httpx.get(meeting.join_url).status_code == 404


def test_microsoft_time_change_needs_start_and_end_together(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    url = f"{microsoft.base_url}/v1.0/me/onlineMeetings/{meeting.meeting_id}"
    auth = {"Authorization": f"Bearer {token}"}
    answer = httpx.patch(url, json={"startDateTime": "2030-03-05T09:00:00Z"}, headers=auth)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"
    frozen = httpx.patch(url, json={"joinMeetingIdSettings": {"isPasscodeRequired": True}}, headers=auth)
    assert frozen.status_code == 400


def test_microsoft_create_or_get_takes_no_lobby_settings(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    answer = httpx.post(
        f"{microsoft.base_url}/v1.0/me/onlineMeetings/createOrGet",
        json={"externalId": "x1", "lobbyBypassSettings": {"scope": "everyone"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert "not a valid parameter" in answer.json()["error"]["message"]


def test_x15_microsoft_unlicensed_user_gets_a_clear_reason(client: MicrosoftClient) -> None:
    with pytest.raises(ProviderAccountUnsupported, match="Teams licence"):
        client.create_meeting(connect(client, "m-nolicence").access_token, SESSION)


def test_x15_microsoft_personal_account_on_common_gets_a_clear_reason(
    microsoft: MicrosoftEmulator, sleeps: Sleeps
) -> None:
    client = client_for(microsoft, sleeps, tenant="common")
    with pytest.raises(ProviderAccountUnsupported, match="personal Microsoft account"):
        client.create_meeting(connect(client, "m-solo").access_token, SESSION)


def test_microsoft_expired_access_token_is_told_apart(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    microsoft.expire_access_tokens()
    with pytest.raises(ProviderAccessTokenInvalid):
        client.get_me(token)


def test_microsoft_other_organisers_meeting_is_not_found(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    meeting = client.create_meeting(connect(client).access_token, SESSION)
    with pytest.raises(Exception, match="does not know this meeting"):
        client.get_meeting(connect(client, "m-anna").access_token, meeting.meeting_id)


# -- faults -------------------------------------------------------------------------------------


def test_microsoft_lost_create_answer_is_retried_without_a_duplicate(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    microsoft.add_fault("POST", r"/createOrGet$", drop=True)
    meeting = client.create_meeting(token, SESSION)
    assert microsoft.calls()["create_meeting"] == 1
    assert [m["id"] for m in httpx.get(f"{microsoft.base_url}/_emulator/meetings").json()["meetings"]] == [
        meeting.meeting_id
    ]


def test_microsoft_throttling_honours_retry_after_then_gives_up(
    microsoft: MicrosoftEmulator, client: MicrosoftClient, sleeps: Sleeps
) -> None:
    token = connect(client).access_token
    microsoft.add_fault("GET", r"/v1.0/me$", status=429, retry_after=7)
    client.get_me(token)
    assert sleeps.pauses == [7.0]
    microsoft.add_fault("GET", r"/v1.0/me$", status=429, retry_after=2, times=4)
    with pytest.raises(ProviderRateLimited):
        client.get_me(token)


def test_microsoft_server_errors_are_retried_then_reported(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    microsoft.add_fault("GET", r"/v1.0/me$", status=503, times=4)
    with pytest.raises(ProviderUnavailable):
        client.get_me(token)


def test_microsoft_unknown_property_is_refused(microsoft: MicrosoftEmulator, client: MicrosoftClient) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    answer = httpx.patch(
        f"{microsoft.base_url}/v1.0/me/onlineMeetings/{meeting.meeting_id}",
        json={"lobbyBypass": {"scope": "everyone"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert "does not exist on type" in answer.json()["error"]["message"]


# -- S09: a meeting's settings, as strict as Graph -----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"lobbyBypassSettings": {"scope": "anyone"}},
        {"lobbyBypassSettings": {"scope": "invited"}},  # without the Prefer header
        {"lobbyBypassSettings": {"scope": "everyone", "bypass": True}},
        {"lobbyBypassSettings": {"isDialInBypassEnabled": "yes"}},
        {"allowedPresenters": "roleIsPresenter"},  # without the attendees and their roles
        {"allowMeetingChat": "on"},
        {"allowTeamworkReactions": "false"},
        {"recordAutomatically": 1},
    ],
)
def test_s09_x14_microsoft_refuses_a_setting_graph_does_not_take(
    microsoft: MicrosoftEmulator, client: MicrosoftClient, body: dict
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    answer = httpx.patch(
        f"{microsoft.base_url}/v1.0/me/onlineMeetings/{meeting.meeting_id}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"


def test_s09_x14_microsoft_hides_late_lobby_scopes_from_callers_who_did_not_ask_for_them(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    url = f"{microsoft.base_url}/v1.0/me/onlineMeetings/{meeting.meeting_id}"
    auth = {"Authorization": f"Bearer {token}"}
    prefer = auth | {"Prefer": "include-unknown-enum-members"}
    set_ = httpx.patch(url, json={"lobbyBypassSettings": {"scope": "invited"}}, headers=prefer)
    assert set_.json()["lobbyBypassSettings"]["scope"] == "invited"
    assert httpx.get(url, headers=auth).json()["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    assert client.get_meeting(token, meeting.meeting_id).access == "invited"  # our client asks for them
    dial_in = httpx.patch(url, json={"lobbyBypassSettings": {"isDialInBypassEnabled": True}}, headers=prefer)
    assert dial_in.json()["lobbyBypassSettings"] == {"scope": "invited", "isDialInBypassEnabled": True}


def test_s09_x14_microsoft_plain_create_takes_the_same_settings_and_keeps_them(
    microsoft: MicrosoftEmulator, client: MicrosoftClient
) -> None:
    url = f"{microsoft.base_url}/v1.0/me/onlineMeetings"
    auth = {"Authorization": f"Bearer {connect(client).access_token}"}
    body = {"startDateTime": "2030-03-04T09:00:00Z", "endDateTime": "2030-03-04T10:00:00Z"}
    refused = httpx.post(url, json=body | {"allowMeetingChat": "on"}, headers=auth)
    assert refused.status_code == 400
    made = httpx.post(url, json=body | {"lobbyBypassSettings": {"isDialInBypassEnabled": True}}, headers=auth)
    assert made.status_code == 201
    assert made.json()["lobbyBypassSettings"] == {"scope": "organization", "isDialInBypassEnabled": True}
