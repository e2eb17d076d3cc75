"""S09 for Google Meet (X13) and Microsoft Teams (X14): which settings a service may ask for, in
the provider's own values (refused otherwise, with the reason), how they are written for the
provider, that records stored before them still read, that a meeting is updated only when its
own provider's part changed, what a field set back to null does (reset where the provider documents
how, kept where it does not), and which settings a host changed by hand (X10)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.meeting_settings import (
    MeetSettings,
    TeamsSettings,
    applied_part,
    config_paths,
    drifted,
    settled,
)
from shared.domain.meetings import desired_meeting, in_step
from shared.domain.models import MeetingRef, MeetingSettings, ProviderAccount, Service
from tests.support import factories as f


def service_input(settings: dict[str, Any]) -> MeetingSettings:
    """A service's settings as stored (the API's body takes the same classes: shared.http)."""
    return MeetingSettings.model_validate(settings)


@pytest.mark.parametrize(
    "settings",
    [
        {"google": {"access_type": "OPEN"}},
        {"google": {"access_type": "TRUSTED"}},
        {"google": {"access_type": "RESTRICTED"}},
        {
            "google": {
                "moderation": "ON",
                "chat_restriction": "HOSTS_ONLY",
                "present_restriction": "HOSTS_ONLY",
            }
        },
        {
            "google": {
                "moderation": "ON",
                "reaction_restriction": "NO_RESTRICTION",
                "default_join_as_viewer": "ON",
            }
        },
        {"google": {"moderation": "OFF", "attendance_report": "DO_NOT_GENERATE"}},
        {"google": {"auto_recording": "ON", "auto_transcription": "OFF", "auto_smart_notes": "ON"}},
        {"microsoft": {"lobby_bypass": "organization", "presenters": "organization"}},
        {"microsoft": {"lobby_bypass": "organizationAndFederated", "dial_in_bypass": True}},
        {"microsoft": {"lobby_bypass": "invited"}},
        {"microsoft": {"lobby_bypass": "organizationExcludingGuests", "presenters": "everyone"}},
        {"microsoft": {"lobby_bypass": "organizer", "meeting_chat": "limited", "reactions": False}},
        {"microsoft": {"attendee_camera": False, "attendee_mic": False, "entry_exit_announced": True}},
        {"microsoft": {"record_automatically": True, "meeting_chat": "disabled"}},
        {
            "waiting_room": True,
            "google": {"access_type": "TRUSTED"},
            "microsoft": {"presenters": "organizer"},
        },
    ],
)
def test_s09_x13_x14_settings_in_the_providers_own_values_are_taken(settings: dict[str, Any]) -> None:
    record = service_input(settings)
    for provider in ("google", "microsoft"):
        for name, value in settings.get(provider, {}).items():
            assert getattr(getattr(record, provider), name) == value


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"google": {"access_type": "PUBLIC"}}, "'OPEN', 'TRUSTED' or 'RESTRICTED'"),
        ({"google": {"access_type": "ACCESS_TYPE_UNSPECIFIED"}}, "'OPEN', 'TRUSTED' or 'RESTRICTED'"),
        ({"google": {"access_type": "open"}}, "'OPEN', 'TRUSTED' or 'RESTRICTED'"),
        ({"google": {"entry_point_access": "CREATOR_APP_ONLY"}}, "Extra inputs are not permitted"),
        ({"google": {"moderation": "MODERATION_UNSPECIFIED"}}, "'ON' or 'OFF'"),
        ({"google": {"chat_restriction": "HOSTS_ONLY"}}, "moderation must be ON for chat_restriction"),
        (
            {"google": {"moderation": "OFF", "present_restriction": "HOSTS_ONLY"}},
            "moderation must be ON for present_restriction",
        ),
        ({"google": {"attendance_report": "ON"}}, "'GENERATE_REPORT' or 'DO_NOT_GENERATE'"),
        ({"google": {"auto_recording": "cloud"}}, "'ON' or 'OFF'"),
        ({"google": {"lobby_bypass": "everyone"}}, "Extra inputs are not permitted"),
        ({"microsoft": {"lobby_bypass": "anyone"}}, "'organizer', 'organization'"),
        ({"microsoft": {"lobby_bypass": "unknownFutureValue"}}, "'organizer', 'organization'"),
        ({"microsoft": {"presenters": "roleIsPresenter"}}, "'everyone', 'organization' or 'organizer'"),
        ({"microsoft": {"meeting_chat": "on"}}, "'enabled', 'disabled' or 'limited'"),
        ({"microsoft": {"dial_in_bypass": "sometimes"}}, "valid boolean"),
        ({"microsoft": {"allowedPresenters": "organizer"}}, "Extra inputs are not permitted"),
        ({"teams": {"presenters": "organizer"}}, "Extra inputs are not permitted"),
    ],
)
def test_s09_x13_x14_a_value_the_provider_does_not_have_is_refused_with_the_reason(
    settings: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        service_input(settings)


def test_s09_x13_x14_defaults_are_what_meetings_got_before_settings_existed() -> None:
    """Clients are outsiders: Meet OPEN, Teams lobby `everyone`, presenters the organizer."""
    assert MeetSettings().config() == {"accessType": "OPEN", "entryPointAccess": "ALL"}
    assert TeamsSettings().properties() == {
        "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
    }


def test_s09_stored_services_and_meetings_from_before_read_with_the_defaults() -> None:
    stored = {"site_id": "s", "service_id": "yoga", "kind": "class", "online": True, "version": 3}
    stored["meeting_settings"] = {"waiting_room": True, "auto_recording": "cloud"}
    service = Service.model_validate(stored)
    assert service.meeting_settings.google == MeetSettings()
    assert service.meeting_settings.microsoft == TeamsSettings()
    ref = MeetingRef.model_validate(
        {
            "provider": "microsoft",
            "meeting_id": "MSo1",
            "connection_id": "c",
            "host_user_id": "u",
            "join_url": "https://teams.example/j",
            "start_url": "https://teams.example/j",
            "settings": {"waiting_room": True, "auto_recording": "cloud"},
        }
    )
    assert ref.settings == service.meeting_settings


def test_x13_meet_settings_become_spaceconfig_and_an_update_mask_of_exactly_those_fields() -> None:
    settings = MeetSettings(
        access_type="TRUSTED",
        moderation="ON",
        chat_restriction="HOSTS_ONLY",
        default_join_as_viewer="OFF",
        attendance_report="GENERATE_REPORT",
        auto_recording="ON",
        auto_smart_notes="OFF",
    )
    config = settings.config()
    assert config == {
        "accessType": "TRUSTED",
        "entryPointAccess": "ALL",
        "moderation": "ON",
        "moderationRestrictions": {"chatRestriction": "HOSTS_ONLY", "defaultJoinAsViewerType": "OFF"},
        "attendanceReportGenerationType": "GENERATE_REPORT",
        "artifactConfig": {
            "recordingConfig": {"autoRecordingGeneration": "ON"},
            "smartNotesConfig": {"autoSmartNotesGeneration": "OFF"},
        },
    }
    assert config_paths(config) == [
        "config.accessType",
        "config.entryPointAccess",
        "config.moderation",
        "config.moderationRestrictions.chatRestriction",
        "config.moderationRestrictions.defaultJoinAsViewerType",
        "config.attendanceReportGenerationType",
        "config.artifactConfig.recordingConfig.autoRecordingGeneration",
        "config.artifactConfig.smartNotesConfig.autoSmartNotesGeneration",
    ]


def test_x14_teams_settings_become_online_meeting_properties_only_where_set() -> None:
    settings = TeamsSettings(
        lobby_bypass="organization",
        dial_in_bypass=True,
        presenters="everyone",
        meeting_chat="limited",
        reactions=False,
    )
    assert settings.properties() == {
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": True},
        "allowedPresenters": "everyone",
        "allowMeetingChat": "limited",
        "allowTeamworkReactions": False,
    }


def hosted_site(provider: str) -> Any:
    account = ProviderAccount(provider=provider, connection_id="gc-1", user_id="u-host")  # type: ignore[arg-type]
    return f.site(default=account)


def ref(provider: str, settings: MeetingSettings, session: Any) -> MeetingRef:
    return MeetingRef(
        provider=provider,  # type: ignore[arg-type]
        meeting_id="m",
        connection_id="gc-1",
        host_user_id="u-host",
        join_url="https://x.example/j",
        start_url="https://x.example/j",
        start=session.start,
        duration_minutes=round((session.end - session.start).total_seconds() / 60),
        settings=settings,
    )


@pytest.mark.parametrize(
    ("provider", "change", "updates"),
    [
        ("google", {"google": MeetSettings(access_type="TRUSTED")}, True),
        ("google", {"microsoft": TeamsSettings(lobby_bypass="organization")}, False),
        ("google", {"waiting_room": True}, False),
        ("microsoft", {"microsoft": TeamsSettings(presenters="everyone")}, True),
        ("microsoft", {"google": MeetSettings(access_type="RESTRICTED")}, False),
        ("microsoft", {"auto_recording": "cloud"}, False),
    ],
)
def test_s09_x13_x14_a_meeting_is_out_of_step_only_when_its_own_providers_settings_change(
    provider: str, change: dict[str, Any], updates: bool
) -> None:
    site, session = hosted_site(provider), f.session()
    before = MeetingSettings()
    service = f.service().model_copy(update={"meeting_settings": before.model_copy(update=change)})
    desired = desired_meeting(site, service, session, None)
    assert desired is not None
    assert in_step(desired, ref(provider, before, session)) is not updates


def test_s09_zoom_meetings_ignore_meet_and_teams_settings() -> None:
    base = MeetingSettings(waiting_room=True)
    other = base.model_copy(update={"google": MeetSettings(access_type="TRUSTED")})
    assert applied_part("zoom", base) == applied_part("zoom", other)
    assert applied_part("zoom", base) != applied_part("zoom", MeetingSettings())


def test_s09_x13_a_cleared_meet_field_is_reset_by_its_mask_path_except_moderation() -> None:
    applied = MeetSettings(
        access_type="TRUSTED", moderation="ON", chat_restriction="HOSTS_ONLY", auto_smart_notes="ON"
    )
    wanted = MeetSettings(moderation="ON", chat_restriction="HOSTS_ONLY")  # smart notes cleared
    assert wanted.reset_paths(applied) == ["config.artifactConfig.smartNotesConfig.autoSmartNotesGeneration"]
    assert MeetSettings().reset_paths(applied) == [  # moderation has no sendable default: never reset
        "config.moderationRestrictions.chatRestriction",
        "config.artifactConfig.smartNotesConfig.autoSmartNotesGeneration",
    ]
    assert MeetSettings().reset_paths(MeetSettings()) == []  # nothing was sent: nothing to reset


def test_s09_x13_x14_a_cleared_field_with_no_sendable_default_keeps_the_value_the_meeting_has() -> None:
    applied = MeetingSettings(
        google=MeetSettings(moderation="ON", auto_recording="ON"),
        microsoft=TeamsSettings(meeting_chat="disabled", reactions=False, lobby_bypass="organization"),
    )
    kept = settled(applied, MeetingSettings())
    assert (kept.google.moderation, kept.google.auto_recording) == ("ON", None)  # recording is reset
    assert (kept.microsoft.meeting_chat, kept.microsoft.reactions) == ("disabled", False)
    assert kept.microsoft.lobby_bypass == "everyone"  # always sent: the service's value
    asked = MeetingSettings(microsoft=TeamsSettings(meeting_chat="enabled"))
    assert settled(applied, asked).microsoft.meeting_chat == "enabled"  # a value asked for wins
    assert settled(MeetingSettings(), asked) is asked


def test_s09_x14_a_teams_clear_leaves_the_meeting_in_step() -> None:
    site, session = hosted_site("microsoft"), f.session()
    applied = MeetingSettings(microsoft=TeamsSettings(meeting_chat="disabled"))
    desired = desired_meeting(
        site, f.service().model_copy(update={"meeting_settings": MeetingSettings()}), session, None
    )
    assert desired is not None
    assert in_step(desired, ref("microsoft", applied, session))


def test_x10_s09_drift_names_only_the_fields_the_service_sets_that_the_meeting_lost() -> None:
    wanted = MeetingSettings(
        google=MeetSettings(moderation="ON", present_restriction="HOSTS_ONLY"),
        microsoft=TeamsSettings(lobby_bypass="organization", meeting_chat="disabled"),
    )
    config = {
        "accessType": "TRUSTED",
        "moderation": "ON",
        "moderationRestrictions": {"presentRestriction": "NO_RESTRICTION"},
        "artifactConfig": {"recordingConfig": {"autoRecordingGeneration": "ON"}},  # not the service's
    }
    assert drifted("google", wanted, config) == ["access_type", "present_restriction"]
    meeting = {
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": True},
        "allowedPresenters": "organizer",
        "allowMeetingChat": "disabled",
        "allowAttendeeToEnableMic": False,
    }
    assert drifted("microsoft", wanted, meeting) == ["dial_in_bypass"]
    assert drifted("google", wanted, None) == []  # not read (another provider's, or not the owner)
    assert drifted("zoom", wanted, config) == []
