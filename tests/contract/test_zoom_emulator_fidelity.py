"""The Zoom emulator refuses what Zoom refuses (SOURCE.md "How real Zoom differs from a
permissive emulator"), and the real ZoomClient tells each refusal apart as Zoom means it.
Each test is a row of docs/ZOOM-FIDELITY.md."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.zoom_emulator import USER_SCOPES, Managed, ZoomApp, ZoomEmulator
from shared.adapters.zoom.client import MeetingDeletion, MeetingSpec, ZoomClient
from shared.adapters.zoom.errors import ZoomAccessTokenInvalid, ZoomNotFound
from shared.adapters.zoom.scopes import ZoomAppType
from shared.domain.errors import (
    ZoomAppMisconfigured,
    ZoomHostNotLicensed,
    ZoomMissingScopes,
    ZoomNeedsReconnect,
    ZoomRateLimited,
    ZoomRegistrantRateLimited,
)
from tests.contract.emulated import (
    ADMIN_CLIENT_ID,
    ADMIN_WEBHOOK_TOKEN,
    REDIRECT,
    connect,
    consent,
    webhook_receiver,
    zoom_client,
)

ADMIN = ZoomAppType.ADMIN_MANAGED
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def spec(registration: bool = False) -> MeetingSpec:
    return MeetingSpec("Morning Flow", START, 60, "UTC", "vclinks:site:s1", registration)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(emulator: ZoomEmulator) -> ZoomClient:
    return zoom_client(emulator)


@pytest.fixture
def licensed(emulator: ZoomEmulator) -> str:
    """A licensed (type 2) member of the demo account, beside its owner zu-host."""
    return emulator.add_user("acct-demo", "lena@demo.example", "Lena", "Coach", user_type=2)


# -- apps and scopes -------------------------------------------------------------------------


def test_s01_a_user_managed_app_cannot_hold_account_wide_scopes(emulator: ZoomEmulator) -> None:
    with pytest.raises(ValueError, match="user-managed app cannot hold account-wide scopes"):
        ZoomApp("c", "s", Managed.USER, USER_SCOPES | {"user:read:list_users:admin"})
    body = {
        "client_id": "c",
        "client_secret": "s",
        "managed": "user",
        "scopes": ["meeting:write:meeting:admin"],
    }
    refused = httpx.post(f"{emulator.base_url}/_emulator/apps", json=body)
    assert refused.status_code == 400
    assert "c" not in emulator.apps


def test_s01_the_consent_lets_the_user_untick_optional_scopes_and_the_token_says_what_was_granted(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    app = emulator.apps[emulator.client_id]
    app.optional_scopes = frozenset({"meeting:write:registrant"})
    page = httpx.get(client.authorize_url(REDIRECT, "s", "c"))
    assert 'name="scope" value="meeting:write:registrant"' in page.text  # a box to untick
    assert 'name="scope" value="meeting:write:meeting"' not in page.text  # required: none

    unticked = connect(emulator, client, "zu-host", untick=("meeting:write:registrant",))
    assert set(unticked.scope.split()) == USER_SCOPES - {"meeting:write:registrant"}
    kept = connect(emulator, client, "zu-solo")
    assert set(kept.scope.split()) == USER_SCOPES


def test_a_call_without_a_needed_scope_answers_400_code_4711_naming_it(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    emulator.apps[emulator.client_id].optional_scopes = frozenset({"meeting:delete:meeting"})
    token = connect(emulator, client, "zu-host", untick=("meeting:delete:meeting",)).access_token
    meeting = client.create_meeting(token, "me", spec())

    raw = httpx.delete(f"{emulator.base_url}/v2/meetings/{meeting.id}", headers=bearer(token))
    assert raw.status_code == 400
    assert raw.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:"
        "[meeting:delete:meeting, meeting:delete:meeting:admin].",
    }
    with pytest.raises(ZoomMissingScopes) as caught:
        client.delete_meeting(token, meeting.id)
    assert caught.value.extra["missing_scopes"] == ["meeting:delete:meeting", "meeting:delete:meeting:admin"]
    assert meeting.id in emulator.meetings


def test_w07_a_user_managed_token_reaches_only_its_own_user(
    emulator: ZoomEmulator, client: ZoomClient, licensed: str
) -> None:
    token = connect(emulator, client, "zu-host").access_token  # an owner, through the user-managed app
    assert client.get_user(token).id == "zu-host"
    assert client.create_meeting(token, "me", spec()).host_id == "zu-host"
    assert client.create_meeting(token, "zu-host", spec()).host_id == "zu-host"

    with pytest.raises(ZoomMissingScopes) as listing:
        client.list_users(token)
    assert listing.value.extra["missing_scopes"] == ["user:read:list_users:admin"]
    with pytest.raises(ZoomMissingScopes) as creating:
        client.create_meeting(token, licensed, spec())
    assert creating.value.extra["missing_scopes"] == ["meeting:write:meeting:admin"]
    with pytest.raises(ZoomMissingScopes):
        client.get_user(token, licensed)


def test_w07_an_admin_managed_token_reaches_every_user_of_its_account_and_no_other(
    emulator: ZoomEmulator, client: ZoomClient, licensed: str
) -> None:
    token = connect(emulator, client, "zu-host", ADMIN).access_token
    assert {u.id for u in client.list_users(token)} == {"zu-host", "zu-anna", "zu-bob", licensed}
    meeting = client.create_meeting(token, licensed, spec())
    assert meeting.host_id == licensed
    client.update_meeting(token, meeting.id, spec())
    assert client.delete_meeting(token, meeting.id) is MeetingDeletion.DELETED
    with pytest.raises(ZoomNotFound):
        client.create_meeting(token, "zu-solo", spec())  # another Zoom account's user


def test_s01_only_an_owner_or_admin_can_add_the_admin_managed_app(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    refused, _ = consent(emulator, client, "zu-anna", ADMIN)  # a member of the account
    assert refused.status_code == 403
    assert "owner or admin" in refused.text


def test_redirect_uri_must_equal_the_apps_registered_one_4709(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    for wrong in (REDIRECT + "/", REDIRECT.replace("127.0.0.1", "localhost"), REDIRECT + "?x=1"):
        page, _ = consent(emulator, client, "zu-host", redirect_uri=wrong)
        assert page.status_code == 400
        assert "4709" in page.text
        assert "Redirect URI mismatch" in page.text
    assert emulator.codes == {}


# -- grants and tokens -----------------------------------------------------------------------


def test_x07_a_new_authorization_ends_that_users_earlier_grant_of_the_app(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    first = connect(emulator, client, "zu-host")
    other_app = connect(emulator, client, "zu-host", ADMIN)
    second = connect(emulator, client, "zu-host")

    with pytest.raises(ZoomAccessTokenInvalid):
        client.get_user(first.access_token)
    with pytest.raises(ZoomNeedsReconnect):
        client.refresh(first.refresh_token)
    assert client.get_user(second.access_token).id == "zu-host"
    assert client.get_user(other_app.access_token).id == "zu-host"  # the other app's grant stays
    with pytest.raises(ZoomNeedsReconnect):
        client.refresh(other_app.refresh_token)  # a grant answers to its own app's credentials only


def test_x07_refresh_tokens_rotate_and_a_used_one_is_invalid_grant(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    pair = connect(emulator, client, "zu-host")
    rotated = client.refresh(pair.refresh_token)
    assert rotated.refresh_token != pair.refresh_token
    basic = httpx.BasicAuth(emulator.client_id, emulator.client_secret)
    form = {"grant_type": "refresh_token", "refresh_token": pair.refresh_token}
    used = httpx.post(f"{emulator.base_url}/oauth/token", data=form, auth=basic)
    assert (used.status_code, used.json()["error"]) == (400, "invalid_grant")
    with pytest.raises(ZoomNeedsReconnect):
        client.refresh(pair.refresh_token)
    assert client.refresh(rotated.refresh_token).access_token


def test_x07_a_wrong_client_secret_is_invalid_client_a_deployment_problem_not_a_dead_grant(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    pair = connect(emulator, client, "zu-host")
    wrong = zoom_client(emulator, client_secret="rotated-at-zoom")
    raw = httpx.post(
        f"{emulator.base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": pair.refresh_token},
        auth=httpx.BasicAuth(emulator.client_id, "rotated-at-zoom"),
    )
    assert (raw.status_code, raw.json()["error"]) == (401, "invalid_client")
    with pytest.raises(ZoomAppMisconfigured) as caught:
        wrong.refresh(pair.refresh_token)
    assert "ZoomClientId/ZoomClientSecret" in caught.value.detail
    assert client.refresh(pair.refresh_token).access_token  # the grant itself is alive


def test_s08_revoke_uninstalls_the_app_and_sends_a_signed_app_deauthorized(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    with webhook_receiver() as (url, received):
        emulator.apps[ADMIN_CLIENT_ID].deauthorization_url = url
        pair = connect(emulator, client, "zu-host", ADMIN)
        client.revoke(pair.refresh_token, ADMIN)
        assert received.arrived.wait(10)

    [(headers, body)] = received.requests
    [event] = received.events()
    assert event["event"] == "app_deauthorized"
    assert event["payload"]["user_id"] == "zu-host"
    assert event["payload"]["account_id"] == "acct-demo"
    assert event["payload"]["client_id"] == ADMIN_CLIENT_ID
    signed = f"v0:{headers['X-Zm-Request-Timestamp']}:{body}"
    expected = hmac.new(ADMIN_WEBHOOK_TOKEN.encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert headers["X-Zm-Signature"] == f"v0={expected}"  # signed with that app's Secret Token
    with pytest.raises(ZoomAccessTokenInvalid):
        client.get_user(pair.access_token)
    with pytest.raises(ZoomNeedsReconnect):
        client.refresh(pair.refresh_token, ADMIN)


# -- meetings and registrants ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "code", "outcome"), [("started", 3002, "in_progress"), ("ended", 3007, "ended")]
)
def test_delete_of_a_meeting_in_progress_or_ended_is_refused_and_the_client_takes_it_as_done(
    emulator: ZoomEmulator, client: ZoomClient, state: str, code: int, outcome: str
) -> None:
    token = connect(emulator, client, "zu-host").access_token
    meeting = client.create_meeting(token, "me", spec())
    httpx.post(
        f"{emulator.base_url}/_emulator/meeting-status", json={"meeting_id": meeting.id, "state": state}
    )

    raw = httpx.delete(f"{emulator.base_url}/v2/meetings/{meeting.id}", headers=bearer(token))
    assert (raw.status_code, raw.json()["code"]) == (400, code)
    assert client.delete_meeting(token, meeting.id) is MeetingDeletion(outcome)
    assert meeting.id in emulator.meetings  # Zoom keeps it


def test_s03_a_basic_host_takes_no_registrants(emulator: ZoomEmulator, client: ZoomClient) -> None:
    token = connect(emulator, client, "zu-host", ADMIN).access_token
    meeting = client.create_meeting(token, "zu-anna", spec(registration=True))  # zu-anna: Basic
    raw = httpx.post(
        f"{emulator.base_url}/v2/meetings/{meeting.id}/registrants",
        json={"email": "ada@example.com", "first_name": "Ada"},
        headers=bearer(token),
    )
    assert raw.status_code == 400
    assert raw.json() == {"code": 200, "message": "Only available for Paid user."}
    with pytest.raises(ZoomHostNotLicensed):
        client.add_registrant(token, meeting.id, "ada@example.com", "Ada", "L")


def test_s03_the_same_registrant_is_added_at_most_3_times_a_day_and_is_the_same_registrant(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    token = connect(emulator, client, "zu-host").access_token
    meeting = client.create_meeting(token, "me", spec(registration=True))
    added = [client.add_registrant(token, meeting.id, "ada@example.com", "Ada", "L") for _ in range(3)]
    assert len({r.registrant_id for r in added}) == 1  # registering again gives the same one
    assert len(emulator.active_registrants(meeting.id)) == 1

    with pytest.raises(ZoomRegistrantRateLimited) as caught:
        client.add_registrant(token, meeting.id, "ada@example.com", "Ada", "L")
    assert not caught.value.extra.get("daily_limit")  # not the host's limit
    assert client.add_registrant(token, meeting.id, "bea@example.com", "Bea", "M").join_url


def test_x11_the_hosts_daily_limit_in_its_current_and_older_form(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    token = connect(emulator, client, "zu-host").access_token
    httpx.post(f"{emulator.base_url}/_emulator/daily-usage", json={"user_id": "zu-host", "count": 100})
    raw = httpx.post(f"{emulator.base_url}/v2/users/me/meetings", json=spec().body(), headers=bearer(token))
    assert raw.status_code == 429
    assert "daily rate limit (100)" in raw.json()["message"]
    with pytest.raises(ZoomRateLimited) as current:
        client.create_meeting(token, "me", spec())
    assert current.value.extra["daily_limit"] is True

    httpx.post(f"{emulator.base_url}/_emulator/daily-limit", json={"form": "code300"})
    older = httpx.post(f"{emulator.base_url}/v2/users/me/meetings", json=spec().body(), headers=bearer(token))
    assert (older.status_code, older.json()) == (
        400,
        {
            "code": 300,
            "message": "A maximum of 100 meetings can be created/updated for a single user in one day.",
        },
    )
    with pytest.raises(ZoomRateLimited) as old_form:
        client.create_meeting(token, "me", spec())
    assert old_form.value.extra["daily_limit"] is True


def test_registrant_join_links_land_on_a_meeting_page_while_registered(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    token = connect(emulator, client, "zu-host").access_token
    meeting = client.create_meeting(token, "me", spec(registration=True))
    registrant = client.add_registrant(token, meeting.id, "ada@example.com", "Ada", "L")
    assert urlsplit(registrant.join_url).path == f"/w/{meeting.id}"
    page = httpx.get(registrant.join_url)
    assert page.status_code == 200
    assert f"Zoom meeting {meeting.id}" in page.text

    client.cancel_registrants(token, meeting.id, [(registrant.registrant_id, "ada@example.com")])
    assert httpx.get(registrant.join_url).status_code == 403
    assert httpx.get(f"{emulator.base_url}/w/{meeting.id}?tk=made-up").status_code == 403


# -- users -----------------------------------------------------------------------------------


def test_w07_the_user_list_has_zooms_fields_and_pages_by_next_page_token(
    emulator: ZoomEmulator, client: ZoomClient
) -> None:
    for n in range(305):
        emulator.add_user("acct-big", f"u{n}@big.example", "U", str(n), role="Owner" if n == 0 else "Member")
    owner = next(u for u in emulator.users.values() if u["email"] == "u0@big.example")["id"]
    token = connect(emulator, client, owner, ADMIN).access_token

    first = httpx.get(
        f"{emulator.base_url}/v2/users", params={"page_size": 300}, headers=bearer(token)
    ).json()
    assert (first["page_size"], first["total_records"], len(first["users"])) == (300, 305, 300)
    assert first["next_page_token"]
    assert set(first["users"][0]) == {
        "id",
        "first_name",
        "last_name",
        "email",
        "type",
        "pmi",
        "timezone",
        "verified",
        "dept",
        "created_at",
        "last_login_time",
        "status",
        "role_id",
    }
    assert (first["users"][0]["role_id"], first["users"][1]["role_id"]) == ("0", "2")
    second = httpx.get(
        f"{emulator.base_url}/v2/users",
        params={"page_size": 300, "next_page_token": first["next_page_token"]},
        headers=bearer(token),
    ).json()
    assert (len(second["users"]), second["next_page_token"]) == (5, "")
    assert len({u.id for u in client.list_users(token)}) == 305  # the client pages through


def test_the_emulators_consent_names_the_app_and_reach(emulator: ZoomEmulator, client: ZoomClient) -> None:
    user_page = httpx.get(client.authorize_url(REDIRECT, "s", "c"))
    admin_page = httpx.get(client.authorize_url(REDIRECT, "s", "c", ADMIN))
    assert "your own Zoom account" in user_page.text
    assert "every user of your Zoom account" in admin_page.text
    assert parse_qs(urlsplit(client.authorize_url(REDIRECT, "s", "c", ADMIN)).query)["client_id"] == [
        ADMIN_CLIENT_ID
    ]
