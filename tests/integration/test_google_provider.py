"""X13: the Google client against the Google emulator over loopback: connect (PKCE, offline
access, granular consent), refresh without rotation, revocation (X07), Meet spaces, and the
faults a real Google gives (rate limits, 5xx, lost answers). The emulator's strictness is
checked with raw HTTP where the client would never send the wrong thing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from local.google_emulator import MEET_CREATED, GoogleEmulator
from shared.adapters.google.client import MEET_SCOPE, GoogleClient
from shared.adapters.oauth import OAuthTokens
from shared.adapters.provider_meeting import MeetingRequest
from shared.domain.errors import (
    ProviderAccessTokenInvalid,
    ProviderAccountUnsupported,
    ProviderConnectFailed,
    ProviderMisconfigured,
    ProviderNeedsReconnect,
    ProviderRateLimited,
    ProviderScopeMissing,
    ProviderUnavailable,
)
from shared.domain.meeting_settings import MeetSettings
from shared.domain.models import MeetingSettings
from tests.support.providers import REDIRECT, Clock, Sleeps, consent, google_client, pkce

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
SESSION = MeetingRequest("vclinks-s1-1", "Morning Flow", START, START + timedelta(hours=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def google(clock: Clock) -> Iterator[GoogleEmulator]:
    emulator = GoogleEmulator(clock=clock)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(google: GoogleEmulator, sleeps: Sleeps, secret: str | None = None) -> GoogleClient:
    return google_client(google, sleeps=sleeps, secret=secret)


@pytest.fixture
def client(google: GoogleEmulator, sleeps: Sleeps) -> GoogleClient:
    return client_for(google, sleeps)


def connect(client: GoogleClient, sub: str = "g-host", grant: tuple[str, ...] = (MEET_SCOPE,)) -> OAuthTokens:
    verifier, challenge = pkce()
    query = consent(client.authorize_url(REDIRECT, "st", challenge), {"user": sub, "grant": list(grant)})
    return client.exchange_code(query["code"], REDIRECT, verifier)


def raw_code(google: GoogleEmulator, sub: str, **params: str) -> dict[str, str]:
    """A consent driven by hand, for requests our client never makes."""
    query = {
        "client_id": google.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": f"openid {MEET_CREATED}",
        **params,
    }
    return consent(
        f"{google.base_url}/o/oauth2/v2/auth?{httpx.QueryParams(query)}", {"user": sub, "grant": MEET_CREATED}
    )


def raw_exchange(google: GoogleEmulator, code: str, **form: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": google.client_id,
        "client_secret": google.client_secret,
        **form,
    }
    return httpx.post(f"{google.base_url}/token", data={k: v for k, v in data.items() if v != "-"})


# -- connect ------------------------------------------------------------------------------------


def test_x13_google_connect_grants_the_meet_scope_a_refresh_token_and_names_the_account(
    client: GoogleClient,
) -> None:
    tokens = connect(client)
    assert MEET_SCOPE in tokens.scopes
    assert tokens.refresh_token.startswith("1//")
    assert client.account(tokens).email == "host@studio.example"
    assert client.account(tokens).subject == "g-host"


def test_x13_google_connect_without_the_meet_permission_is_refused_with_the_reason(
    client: GoogleClient,
) -> None:
    with pytest.raises(ProviderScopeMissing) as refused:
        connect(client, grant=())  # the user unticked "Create Google Meet conferences"
    assert refused.value.extra["provider"] == "google"


def test_google_reconnect_without_prompt_consent_gets_no_refresh_token(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    first = raw_exchange(google, raw_code(google, "g-host", access_type="offline")["code"]).json()
    again = raw_exchange(google, raw_code(google, "g-host", access_type="offline")["code"]).json()
    assert "refresh_token" in first
    assert "refresh_token" not in again
    # our client asks prompt=consent, so a returning user still gets one
    assert connect(client).refresh_token.startswith("1//")


def test_google_wants_the_client_secret_even_with_pkce(google: GoogleEmulator, sleeps: Sleeps) -> None:
    verifier, challenge = pkce()
    code = raw_code(google, "g-host", code_challenge=challenge, code_challenge_method="S256")["code"]
    answer = raw_exchange(google, code, client_secret="-", code_verifier=verifier)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_request", "error_description": "client_secret is missing."}
    with pytest.raises(ProviderMisconfigured):
        connect(client_for(google, sleeps, secret="wrong"))


def test_google_code_is_single_use_and_bound_to_its_verifier(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    verifier, challenge = pkce()
    query = consent(client.authorize_url(REDIRECT, "st", challenge), {"user": "g-host", "grant": MEET_SCOPE})
    with pytest.raises(ProviderConnectFailed):
        client.exchange_code(query["code"], REDIRECT, "another-verifier-" + "x" * 40)
    with pytest.raises(ProviderConnectFailed):  # the failed try used the code up
        client.exchange_code(query["code"], REDIRECT, verifier)


def test_google_redirect_uri_must_match_exactly(google: GoogleEmulator, client: GoogleClient) -> None:
    _, challenge = pkce()
    answer = httpx.get(client.authorize_url(REDIRECT + "/", "st", challenge))
    assert answer.status_code == 400
    assert "redirect_uri_mismatch" in answer.text


# -- tokens -------------------------------------------------------------------------------------


def test_google_refresh_keeps_the_stored_refresh_token(google: GoogleEmulator, client: GoogleClient) -> None:
    tokens = connect(client)
    raw = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    creds = {"client_id": google.client_id, "client_secret": google.client_secret}
    assert "refresh_token" not in httpx.post(f"{google.base_url}/token", data=raw | creds).json()
    google.expire_access_tokens()
    refreshed = client.refresh(tokens.refresh_token)
    assert refreshed.refresh_token == tokens.refresh_token  # Google sent none: ours stays
    assert refreshed.access_token != tokens.access_token
    assert client.get_meeting(
        refreshed.access_token, client.create_meeting(refreshed.access_token, SESSION).meeting_id
    )


def test_x07_google_revoked_grant_needs_reconnect(google: GoogleEmulator, client: GoogleClient) -> None:
    tokens = connect(client)
    client.revoke(tokens.access_token)  # revoking the access token ends the refresh token too
    with pytest.raises(ProviderNeedsReconnect):
        client.refresh(tokens.refresh_token)
    client.revoke(tokens.refresh_token)  # already dead: 400, which is what we wanted


def test_x07_google_user_removing_the_app_needs_reconnect(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    tokens = connect(client)
    google.revoke_user("g-host")
    with pytest.raises(ProviderNeedsReconnect):
        client.refresh(tokens.refresh_token)


def test_google_testing_mode_refresh_tokens_die_after_seven_days(clock: Clock, sleeps: Sleeps) -> None:
    google = GoogleEmulator(clock=clock, testing=True)
    google.start()
    try:
        client = client_for(google, sleeps)
        tokens = connect(client)
        clock.advance(6 * 86400)
        client.refresh(tokens.refresh_token)
        clock.advance(2 * 86400)
        with pytest.raises(ProviderNeedsReconnect):
            client.refresh(tokens.refresh_token)
    finally:
        google.stop()


def test_google_drops_the_oldest_refresh_token_past_the_limit(clock: Clock, sleeps: Sleeps) -> None:
    google = GoogleEmulator(clock=clock, max_refresh_tokens=3)  # Google's limit is 100 (SOURCE)
    google.start()
    try:
        client = client_for(google, sleeps)
        first, second = connect(client), connect(client)
        connect(client), connect(client)
        with pytest.raises(ProviderNeedsReconnect):
            client.refresh(first.refresh_token)
        client.refresh(second.refresh_token)
    finally:
        google.stop()


# -- Meet spaces --------------------------------------------------------------------------------


def test_x13_google_meeting_is_open_to_clients_and_keeps_its_link(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    assert meeting.access == "OPEN"
    assert meeting.meeting_id.startswith("spaces/")
    assert meeting.join_url == f"{google.base_url}/{meeting.dial_in_code}"
    assert httpx.get(meeting.join_url).text.count("joined") == 1
    assert client.get_meeting(token, meeting.meeting_id) == meeting

    trusted = MeetingSettings(google=MeetSettings(access_type="TRUSTED"))
    staff_only = MeetingRequest("vclinks-s1-1", "Morning Flow", START, START, settings=trusted)
    updated = client.update_meeting(token, meeting.meeting_id, staff_only)
    assert (updated.access, updated.join_url) == ("TRUSTED", meeting.join_url)
    assert google.calls() == {"token_exchange": 1, "create_space": 1, "get_space": 1, "patch_space": 1}


def test_x13_google_cancel_closes_the_room_that_cannot_be_deleted(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    token = connect(client).access_token
    meeting = client.create_meeting(token, SESSION)
    client.close_meeting(token, meeting.meeting_id)
    assert httpx.get(meeting.join_url).status_code == 403
    client.close_meeting(token, "spaces/unknownSpace1")  # Google knows it no more: nothing to close
    assert google.calls()["patch_space"] == 1


def test_google_patch_without_a_mask_keeps_other_fields_and_star_clears_them(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    token = connect(client).access_token
    name = client.create_meeting(token, SESSION).meeting_id
    url, auth = f"{google.base_url}/v2/{name}", {"Authorization": f"Bearer {token}"}
    kept = httpx.patch(url, json={"config": {"accessType": "TRUSTED"}}, headers=auth).json()
    assert kept["config"] == {"accessType": "TRUSTED", "entryPointAccess": "ALL", "moderation": "OFF"}
    cleared = httpx.patch(
        url, params={"updateMask": "*"}, json={"config": {"accessType": "OPEN"}}, headers=auth
    )
    assert cleared.json()["config"] == {"accessType": "OPEN"}


def test_google_refuses_unknown_fields_and_values(google: GoogleEmulator, client: GoogleClient) -> None:
    token = connect(client).access_token
    auth = {"Authorization": f"Bearer {token}"}
    typo = httpx.post(f"{google.base_url}/v2/spaces", json={"config": {"accesType": "OPEN"}}, headers=auth)
    assert typo.status_code == 400
    assert typo.json()["error"]["status"] == "INVALID_ARGUMENT"
    bad = httpx.post(f"{google.base_url}/v2/spaces", json={"config": {"accessType": "PUBLIC"}}, headers=auth)
    assert bad.status_code == 400
    assert google.calls().get("create_space") is None


def test_google_only_the_owner_sees_and_changes_the_settings(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    name = client.create_meeting(connect(client).access_token, SESSION).meeting_id
    other = connect(client, "g-anna").access_token
    assert client.get_meeting(other, name).access is None
    with pytest.raises(Exception, match="Google refused the request: 403") as refused:
        client.update_meeting(other, name, SESSION)
    assert type(refused.value).__name__ == "ProviderRejected"


def test_google_token_without_the_meet_scope_is_told_apart(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    code = raw_code(google, "g-host", scope="openid email")["code"]
    token = raw_exchange(google, code).json()["access_token"]
    with pytest.raises(ProviderScopeMissing):
        client.create_meeting(token, SESSION)


def test_google_expired_access_token_is_told_apart(google: GoogleEmulator, client: GoogleClient) -> None:
    token = connect(client).access_token
    google.expire_access_tokens()
    with pytest.raises(ProviderAccessTokenInvalid):
        client.create_meeting(token, SESSION)


def test_x15_google_account_that_may_not_create_meetings_gets_a_clear_reason(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    google.add_user("locked@school.example", "Locked", sub="g-locked", meet_api=False)
    with pytest.raises(ProviderAccountUnsupported, match="may not create Meet meetings"):
        client.create_meeting(connect(client, "g-locked").access_token, SESSION)


# -- faults -------------------------------------------------------------------------------------


def test_google_create_is_not_repeated_after_a_lost_answer(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    token = connect(client).access_token
    google.add_fault("POST", r"^/v2/spaces$", drop=True)
    with pytest.raises(ProviderUnavailable) as lost:
        client.create_meeting(token, SESSION)
    assert lost.value.extra["uncertain"] is True
    assert google.calls()["create_space"] == 1


def test_google_reads_and_settings_are_retried_on_server_errors(
    google: GoogleEmulator, client: GoogleClient, sleeps: Sleeps
) -> None:
    token = connect(client).access_token
    name = client.create_meeting(token, SESSION).meeting_id
    google.add_fault("GET", r"^/v2/spaces/", status=503, times=2)
    google.add_fault("PATCH", r"^/v2/spaces/", drop=True)
    assert client.get_meeting(token, name).meeting_id == name
    assert client.update_meeting(token, name, SESSION).access == "OPEN"
    assert len(sleeps.pauses) == 3
    assert google.calls()["patch_space"] == 2  # the lost answer's PATCH, then the retry


def test_google_create_quota_backs_off_then_reports_the_rate_limit(
    google: GoogleEmulator, client: GoogleClient, clock: Clock, sleeps: Sleeps
) -> None:
    token = connect(client).access_token
    for _ in range(10):  # spaces.create: 10 a minute per user
        client.create_meeting(token, SESSION)
    with pytest.raises(ProviderRateLimited):
        client.create_meeting(token, SESSION)
    assert len(sleeps.pauses) == 3  # 4 attempts, the emulator's clock did not move
    clock.advance(60)
    client.create_meeting(token, SESSION)
    assert google.calls()["create_space"] == 11


def test_google_retry_after_is_honoured(google: GoogleEmulator, client: GoogleClient, sleeps: Sleeps) -> None:
    token = connect(client).access_token
    google.add_fault("POST", r"^/v2/spaces$", status=429, retry_after=3)
    client.create_meeting(token, SESSION)
    assert sleeps.pauses[0] >= 3


# -- S09: a space's settings, as strict as Google's parser ---------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {"moderation": "MODERATION_UNSPECIFIED"},  # "Users are not allowed to set the value as unspecified"
        {"accessType": "ACCESS_TYPE_UNSPECIFIED"},  # the emulator's stricter reading (the user's default)
        {"moderationRestrictions": {"chatRestriction": "EVERYONE"}},
        {"moderationRestrictions": {"chatRestrictions": "HOSTS_ONLY"}},
        {"artifactConfig": {"recordingConfig": {"autoRecordingGeneration": "YES"}}},
        {"artifactConfig": {"recordingConfig": {"autoRecording": "ON"}}},
        {"attendanceReportGenerationType": "ON"},
        {"moderationRestrictions": "HOSTS_ONLY"},
    ],
)
def test_s09_x13_google_refuses_a_settings_name_or_value_spaceconfig_does_not_have(
    google: GoogleEmulator, client: GoogleClient, config: dict
) -> None:
    auth = {"Authorization": f"Bearer {connect(client).access_token}"}
    answer = httpx.post(f"{google.base_url}/v2/spaces", json={"config": config}, headers=auth)
    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert google.calls().get("create_space") is None


def test_s09_x13_google_patches_only_the_nested_fields_the_mask_names(
    google: GoogleEmulator, client: GoogleClient
) -> None:
    token = connect(client).access_token
    moderated = MeetSettings(moderation="ON", chat_restriction="HOSTS_ONLY", present_restriction="HOSTS_ONLY")
    request = MeetingRequest("vclinks-s1-1", "Flow", START, START, settings=MeetingSettings(google=moderated))
    name = client.create_meeting(token, request).meeting_id
    url, auth = f"{google.base_url}/v2/{name}", {"Authorization": f"Bearer {token}"}
    body = {"config": {"moderationRestrictions": {"chatRestriction": "NO_RESTRICTION"}}}
    mask = {"updateMask": "config.moderationRestrictions.chatRestriction"}
    patched = httpx.patch(url, params=mask, json=body, headers=auth).json()["config"]
    assert patched["moderationRestrictions"] == {
        "chatRestriction": "NO_RESTRICTION",
        "presentRestriction": "HOSTS_ONLY",
    }
    wrong = httpx.patch(
        url, params={"updateMask": "config.moderationRestrictions.chat"}, json=body, headers=auth
    )
    assert wrong.status_code == 400
    off = httpx.patch(
        url, params={"updateMask": "config.moderation"}, json={"config": {"moderation": "OFF"}}, headers=auth
    )
    assert "moderationRestrictions" not in off.json()["config"]  # SpaceConfig: reset when moderation is OFF
