"""S09 for Google Meet (X13) and Microsoft Teams (X14) through the handlers on moto, with both
emulators in this process: a service's Meet and Teams settings are taken (or refused with a 400
that says why), shown back, sent with each session's meeting when it is made, and a change of
them reaches every upcoming meeting of the service in one call each (Meet: a spaces.patch;
Teams: a PATCH), never for a change that is not its provider's. A field set back to null goes back
to what a new meeting gets where the provider documents how (Meet), and is kept, at no call, where
it does not (Meet moderation, Teams). The checks before a session (X10) put back what a host
changed by hand, for the fields the service sets, in one call, and say so to the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.api import SiteHandle
from tests.support.links import START
from tests.support.schedule import run_schedule
from tests.support.zoom import RETURN_TO, decide, session, ticket

Emulators = dict[str, Any]


@pytest.fixture
def emulators(meet_and_teams: Emulators) -> Emulators:
    """Google's and Microsoft's emulators in this process, with the deployment's provider app
    secret naming them (tests/integration/conftest.py)."""
    return meet_and_teams


def connect(site: SiteHandle, provider: str) -> None:
    """The admin's browser: start, the provider's consent page (allow), back, Connect."""
    browser = site.api.as_(None)
    started = browser.get(
        f"/v1/oauth/{provider}/start", query={"ticket": ticket(site), "return_to": RETURN_TO}
    )
    assert started.status == 302, started.text
    authorize = started.headers["Location"]
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    form |= {"user": "g-host" if provider == "google" else "m-host", "allow": "1"}
    if provider == "google":  # granular consent: the Meet box left ticked
        form["grant"] = [s for s in form["scope"].split() if s.startswith("https://")]
    consented = httpx.post(authorize.split("?")[0], data=form)
    assert consented.status_code == 302, consented.text
    back = urlsplit(consented.headers["location"])
    page = browser.get(back.path, query={k: v[0] for k, v in parse_qs(back.query).items()})
    assert page.status == 200, page.text
    done = decide(browser, page)
    assert done.status == 303, done.text
    assert parse_qs(urlsplit(done.headers["Location"]).query)[provider] == ["connected"]


def put_service(site: SiteHandle, settings: dict[str, Any]) -> Any:
    body = {"kind": "appointment", "online": True, "meeting_settings": settings}
    return site.api.put(f"{site.base}/services/svc", body)


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Meeting calls made since `before` (token refreshes left out)."""
    return {
        k: v - before.get(k, 0)
        for k, v in after.items()
        if v != before.get(k, 0) and not k.startswith("token_")
    }


def held(emulators: Emulators, provider: str) -> list[dict[str, Any]]:
    """The meetings as the provider holds them: Meet spaces' config, Teams meetings."""
    if provider == "google":
        return [space["config"] for space in emulators["google"].spaces.values()]
    return list(emulators["microsoft"].meetings.values())


def test_s09_x13_x14_the_settings_api_takes_meet_and_teams_settings_and_shows_them(site: SiteHandle) -> None:
    settings = {
        "waiting_room": True,
        "google": {"access_type": "TRUSTED", "moderation": "ON", "chat_restriction": "HOSTS_ONLY"},
        "microsoft": {
            "lobby_bypass": "organization",
            "presenters": "organization",
            "meeting_chat": "limited",
        },
    }
    saved = put_service(site, settings)
    assert saved.status == 200, saved.text
    shown = saved.json["meeting_settings"]
    assert shown["waiting_room"] is True
    assert {k: shown["google"][k] for k in settings["google"]} == settings["google"]
    assert {k: shown["microsoft"][k] for k in settings["microsoft"]} == settings["microsoft"]
    assert (shown["google"]["auto_recording"], shown["microsoft"]["dial_in_bypass"]) == (None, False)
    plain = put_service(site, {"waiting_room": True})  # a request from before: the defaults
    assert (plain.json["meeting_settings"]["google"]["access_type"], plain.status) == ("OPEN", 200)
    assert plain.json["meeting_settings"]["microsoft"]["lobby_bypass"] == "everyone"


@pytest.mark.parametrize(
    ("settings", "location", "message"),
    [
        ({"google": {"access_type": "PUBLIC"}}, "google/access_type", "'OPEN', 'TRUSTED' or 'RESTRICTED'"),
        (
            {"google": {"entryPointAccess": "ALL"}},
            "google/entryPointAccess",
            "Extra inputs are not permitted",
        ),
        (
            {"google": {"present_restriction": "HOSTS_ONLY"}},
            "google",
            "moderation must be ON for present_restriction",
        ),
        (
            {"microsoft": {"lobby_bypass": "anyone"}},
            "microsoft/lobby_bypass",
            "'organizer', 'organization', ",
        ),
        (
            {"microsoft": {"presenters": "roleIsPresenter"}},
            "microsoft/presenters",
            "'everyone', 'organization' or",
        ),
        ({"microsoft": {"dial_in_bypass": "often"}}, "microsoft/dial_in_bypass", "valid boolean"),
    ],
)
def test_s09_x13_x14_a_value_the_provider_does_not_have_is_a_clear_400(
    site: SiteHandle, settings: dict[str, Any], location: str, message: str
) -> None:
    answer = put_service(site, settings)
    assert answer.status == 400
    assert answer.json["type"].endswith("/invalid-input")
    [error] = answer.json["errors"]
    assert error["location"] == f"body/meeting_settings/{location}"
    assert message in error["message"]


@pytest.mark.parametrize(
    ("provider", "first", "changed", "expected", "update"),
    [
        (
            "google",
            {"access_type": "TRUSTED"},
            {"access_type": "OPEN", "moderation": "ON", "present_restriction": "HOSTS_ONLY"},
            {
                "accessType": "OPEN",
                "moderation": "ON",
                "moderationRestrictions": {"presentRestriction": "HOSTS_ONLY"},
            },
            "patch_space",
        ),
        (
            "microsoft",
            {"lobby_bypass": "organization", "presenters": "organization"},
            {"lobby_bypass": "organizer", "presenters": "everyone", "meeting_chat": "disabled"},
            {
                "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
                "allowedPresenters": "everyone",
                "allowMeetingChat": "disabled",
            },
            "update_meeting",
        ),
    ],
)
def test_s09_x13_x14_settings_reach_each_meeting_and_a_change_is_one_update_per_meeting(
    site: SiteHandle,
    emulators: Emulators,
    provider: str,
    first: dict[str, Any],
    changed: dict[str, Any],
    expected: dict[str, Any],
    update: str,
) -> None:
    connect(site, provider)
    assert put_service(site, {provider: first}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert site.api.put(f"{site.base}/sessions/s2", session(days=1)).status == 201
    if provider == "google":
        assert [m["accessType"] for m in held(emulators, provider)] == ["TRUSTED", "TRUSTED"]
    else:
        assert [
            (m["lobbyBypassSettings"]["scope"], m["allowedPresenters"]) for m in held(emulators, provider)
        ] == [("organization", "organization")] * 2
    emulator = emulators[provider]
    before = emulator.calls()

    other = "microsoft" if provider == "google" else "google"
    assert put_service(site, {provider: first, other: {}, "mute_on_entry": True}).status == 200
    assert emulator.calls() == before  # another provider's settings, or Zoom's: nothing to send

    assert put_service(site, {provider: changed}).status == 200  # fanned out to the upcoming sessions
    assert delta(before, emulator.calls()) == {update: 2}
    for meeting in held(emulators, provider):
        assert {k: meeting[k] for k in expected} == expected
    assert put_service(site, {provider: changed}).status == 200  # the same again: no call
    assert delta(before, emulator.calls()) == {update: 2}
    assert {
        s["meeting_state"] for s in (site.api.get(f"{site.base}/sessions/{i}").json for i in ("s1", "s2"))
    } == {"ready"}


def leaves(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A space's config as `{path: value}`: a message whose fields were all cleared is no value."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out |= leaves(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_s09_x13_a_meet_field_set_back_to_null_goes_back_to_what_a_new_space_gets_in_one_patch(
    site: SiteHandle, emulators: Emulators
) -> None:
    connect(site, "google")
    first = {"moderation": "ON", "chat_restriction": "HOSTS_ONLY", "auto_recording": "ON"}
    assert put_service(site, {"google": first}).status == 200
    for name, days in (("s1", 0), ("s2", 1)):
        assert site.api.put(f"{site.base}/sessions/{name}", session(days=days)).status == 201
    google = emulators["google"]
    before = google.calls()

    assert put_service(site, {"google": {"moderation": "ON"}}).status == 200  # two fields cleared
    assert delta(before, google.calls()) == {"patch_space": 2}
    assert put_service(site, {"google": {}}).status == 200  # moderation cleared: kept, no call
    assert delta(before, google.calls()) == {"patch_space": 2}

    assert site.api.put(f"{site.base}/sessions/s3", session(days=2)).status == 201
    *cleared, new = (leaves(config) for config in held(emulators, "google"))
    # the user's policy again, as a new space has it; moderation has no default that can be sent
    # (MODERATION_UNSPECIFIED "Users are not allowed to set"): the spaces keep ON
    assert cleared == [new | {"moderation": "ON"}] * 2
    assert "moderationRestrictions.chatRestriction" not in cleared[0]
    assert "artifactConfig.recordingConfig.autoRecordingGeneration" not in cleared[0]
    assert put_service(site, {"google": {"moderation": "OFF"}}).status == 200  # asked for: sent
    assert delta(before, google.calls()) == {"patch_space": 5, "create_space": 1}


def test_s09_x14_a_teams_field_set_back_to_null_keeps_its_value_at_no_call(
    site: SiteHandle, emulators: Emulators
) -> None:
    connect(site, "microsoft")
    first = {"meeting_chat": "disabled", "record_automatically": True}
    assert put_service(site, {"microsoft": first}).status == 200
    for name, days in (("s1", 0), ("s2", 1)):
        assert site.api.put(f"{site.base}/sessions/{name}", session(days=days)).status == 201
    microsoft = emulators["microsoft"]
    before = microsoft.calls()

    # Graph documents no default for these (a new meeting takes the organizer's meeting policy):
    # nothing can be sent that means "the default", so the meetings keep what they were given
    assert put_service(site, {"microsoft": {}}).status == 200
    assert microsoft.calls() == before
    kept = [(m["allowMeetingChat"], m["recordAutomatically"]) for m in held(emulators, "microsoft")]
    assert kept == [("disabled", True)] * 2
    assert put_service(site, {"microsoft": {"meeting_chat": "disabled"}}).status == 200  # what they have
    assert microsoft.calls() == before

    assert put_service(site, {"microsoft": {"meeting_chat": "enabled"}}).status == 200
    assert delta(before, microsoft.calls()) == {"update_meeting": 2}
    assert [m["allowMeetingChat"] for m in held(emulators, "microsoft")] == ["enabled"] * 2


DAY_BEFORE = START - timedelta(hours=24)


def last_check(site: SiteHandle) -> dict[str, Any]:
    check = site.api.get(f"{site.base}/sessions/s1").json["last_check"]
    assert check is not None
    return dict(check)


def test_x10_s09_x13_meet_settings_a_host_changed_by_hand_are_put_back_in_one_patch(
    site: SiteHandle, emulators: Emulators, worker: Any
) -> None:
    connect(site, "google")
    wanted = {"access_type": "OPEN", "moderation": "ON", "chat_restriction": "HOSTS_ONLY"}
    assert put_service(site, {"google": wanted}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    google = emulators["google"]
    [name] = google.spaces
    # the host, in Meet: knocking for outsiders, host management off (which resets the restrictions),
    # and transcripts on (a field the service leaves to the host)
    by_hand = {
        "accessType": "TRUSTED",
        "moderation": "OFF",
        "artifactConfig": {"transcriptionConfig": {"autoTranscriptionGeneration": "ON"}},
    }
    changed = httpx.post(f"{google.base_url}/_emulator/space-config", json={"space": name, "config": by_hand})
    assert changed.status_code == 200, changed.text
    before = google.calls()

    run_schedule(DAY_BEFORE, worker)
    assert delta(before, google.calls()) == {"get_space": 1, "patch_space": 1}
    config = google.spaces[name]["config"]
    assert (config["accessType"], config["moderation"]) == ("OPEN", "ON")
    assert config["moderationRestrictions"] == {"chatRestriction": "HOSTS_ONLY"}
    assert config["artifactConfig"]["transcriptionConfig"]["autoTranscriptionGeneration"] == "ON"  # not ours
    check = last_check(site)
    assert (check["problem"], check["repaired"]) == (
        None,
        "settings_put_back:access_type,moderation,chat_restriction",
    )

    run_schedule(START - timedelta(hours=1), worker)  # nothing changed since: one read, no patch
    assert delta(before, google.calls()) == {"get_space": 2, "patch_space": 1}
    assert last_check(site).get("repaired") is None


def test_x10_s09_x14_teams_options_a_host_changed_by_hand_are_put_back_in_one_patch(
    site: SiteHandle, emulators: Emulators, worker: Any
) -> None:
    connect(site, "microsoft")
    wanted = {"lobby_bypass": "organization", "meeting_chat": "disabled"}
    assert put_service(site, {"microsoft": wanted}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    microsoft = emulators["microsoft"]
    [meeting_id] = microsoft.meetings
    by_hand = {  # the organizer, in Teams' meeting options
        "lobbyBypassSettings": {"scope": "everyone"},
        "allowMeetingChat": "enabled",
        "allowAttendeeToEnableMic": False,  # a field the service leaves to the organizer
    }
    changed = httpx.post(
        f"{microsoft.base_url}/_emulator/meeting-options", json={"id": meeting_id, "options": by_hand}
    )
    assert changed.status_code == 200, changed.text
    before = microsoft.calls()

    run_schedule(DAY_BEFORE, worker)
    assert delta(before, microsoft.calls()) == {"get_meeting": 1, "update_meeting": 1}
    meeting = microsoft.meetings[meeting_id]
    assert (meeting["lobbyBypassSettings"]["scope"], meeting["allowMeetingChat"]) == (
        "organization",
        "disabled",
    )
    assert meeting["allowAttendeeToEnableMic"] is False
    assert meeting["startDateTime"].startswith(session()["start"][:16])  # the session's time, as it was
    check = last_check(site)
    assert (check["problem"], check["repaired"]) == (None, "settings_put_back:lobby_bypass,meeting_chat")

    run_schedule(START - timedelta(hours=1), worker)
    assert delta(before, microsoft.calls()) == {"get_meeting": 2, "update_meeting": 1}
    assert last_check(site).get("repaired") is None
