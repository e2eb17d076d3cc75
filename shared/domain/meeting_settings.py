"""S09 for Google Meet (X13) and Microsoft Teams (X14): what a service's admin wants of its
sessions' meetings, in each provider's own terms.

Every value is one the provider's API takes, checked against the documents the contract tests
hold: Meet REST API v2 `SpaceConfig` (discovery document meet.v2.json of
google-api-python-client 2.202.0, revision 20261029: tests/contract/fixtures/
google_meet_v2_subset.json) and Graph v1.0 `onlineMeeting` (tests/contract/fixtures/
graph_online_meetings_subset.json), limited to what `PATCH /me/onlineMeetings/{id}` documents as
updatable (https://learn.microsoft.com/en-us/graph/api/onlinemeeting-update). Left out, on purpose:
the `*_UNSPECIFIED` and `unknownFutureValue` members (placeholders, not choices); Meet's
`entryPointAccess: CREATOR_APP_ONLY` (only our own SDK entry points could join: every client's
link would be refused; it is how a cancelled space is closed); Teams' `roleIsPresenter` (it needs
an attendee list with roles; a session's clients are no Teams attendees).

A field left None is not sent: a new meeting gets the host's or tenant's own default. Three have
our defaults, as before this module: Meet `OPEN` and Teams lobby `everyone` (a booking's clients
are outsiders: otherwise someone must admit each one), Teams presenters `organizer`.

A field cleared (set back to None) after it was sent goes back, on the existing meetings, to what a
new meeting gets, where the API documents a way to send that (`reset_paths`): Meet's enums whose
`*_UNSPECIFIED` member is "Default value specified by user policy" are reset by naming the field in
the spaces.patch `updateMask` without a value (a path in the mask but not in the body is cleared:
meet.v2.json spaces.patch `updateMask`; https://google.aip.dev/134). Where there is none, the
meeting keeps the value it was given (`settled`), and says so in docs/PROVIDERS.md: Meet
`moderation` (its default is "Controlled by the user's policies" and MODERATION_UNSPECIFIED may not
be set: "Users are not allowed to set the value as unspecified"), and the six optional Teams
properties (Graph documents no default for them: a new meeting takes the organizer's Teams meeting
policy, which no value we can send means).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from shared.domain.models import MeetingSettings

OnOff = Literal["ON", "OFF"]
Restriction = Literal["HOSTS_ONLY", "NO_RESTRICTION"]
MeetAccess = Literal["OPEN", "TRUSTED", "RESTRICTED"]
LobbyBypass = Literal[
    "organizer",
    "organization",
    "organizationAndFederated",
    "everyone",
    "invited",
    "organizationExcludingGuests",
]
Presenters = Literal["everyone", "organization", "organizer"]
ChatMode = Literal["enabled", "disabled", "limited"]


KEPT_NOTE = (
    "Set back to null, existing meetings keep their value (Graph documents no default that can be sent)."
)


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class MeetSettings(_Settings):
    """A Meet space's `config` (SpaceConfig)."""

    access_type: MeetAccess = Field(
        default="OPEN",
        description="config.accessType. OPEN: anyone with the link joins without knocking. TRUSTED: "
        "the host's organization, invited external users and dial-in users join; everyone else knocks "
        "(a booking's clients are outsiders: the host admits each one). RESTRICTED: only invitees join "
        "(there are none): everyone else knocks.",
    )
    moderation: OnOff | None = Field(
        default=None,
        description="config.moderation: the host manages who may chat, react, present. Set back to null, "
        "existing meetings keep their value (Meet has no default that can be sent).",
    )
    chat_restriction: Restriction | None = Field(
        default=None, description="config.moderationRestrictions.chatRestriction (moderation ON only)"
    )
    reaction_restriction: Restriction | None = Field(
        default=None, description="config.moderationRestrictions.reactionRestriction (moderation ON only)"
    )
    present_restriction: Restriction | None = Field(
        default=None, description="config.moderationRestrictions.presentRestriction (moderation ON only)"
    )
    default_join_as_viewer: OnOff | None = Field(
        default=None, description="config.moderationRestrictions.defaultJoinAsViewerType (moderation ON only)"
    )
    attendance_report: Literal["GENERATE_REPORT", "DO_NOT_GENERATE"] | None = Field(
        default=None, description="config.attendanceReportGenerationType"
    )
    auto_recording: OnOff | None = Field(
        default=None, description="config.artifactConfig.recordingConfig.autoRecordingGeneration"
    )
    auto_transcription: OnOff | None = Field(
        default=None, description="config.artifactConfig.transcriptionConfig.autoTranscriptionGeneration"
    )
    auto_smart_notes: OnOff | None = Field(
        default=None, description="config.artifactConfig.smartNotesConfig.autoSmartNotesGeneration"
    )

    @model_validator(mode="after")
    def _moderated(self) -> Self:
        # meet.v2.json SpaceConfig.moderationRestrictions: "When moderation.ON, these restrictions go
        # into effect [...] When moderation.OFF, will be reset to default": asked without ON, they
        # would be silently dropped.
        restricted = [name for name in RESTRICTIONS if getattr(self, name) is not None]
        if restricted and self.moderation != "ON":
            raise ValueError(
                f"moderation must be ON for {', '.join(restricted)} (Meet resets them otherwise)"
            )
        return self

    def config(self) -> dict[str, Any]:
        """The SpaceConfig to send: the fields set, in Google's names (entry points always ALL)."""
        config: dict[str, Any] = {"accessType": self.access_type, "entryPointAccess": "ALL"}
        if self.moderation is not None:
            config["moderation"] = self.moderation
        restrictions = {
            wire: getattr(self, name)
            for name, wire in RESTRICTIONS.items()
            if getattr(self, name) is not None
        }
        if restrictions:
            config["moderationRestrictions"] = restrictions
        if self.attendance_report is not None:
            config["attendanceReportGenerationType"] = self.attendance_report
        artifacts = {
            group: {wire: getattr(self, name)}
            for name, (group, wire) in ARTIFACTS.items()
            if getattr(self, name) is not None
        }
        if artifacts:
            config["artifactConfig"] = artifacts
        return config

    def reset_paths(self, applied: "MeetSettings") -> list[str]:
        """The `updateMask` paths that put back the user's policy for each field `applied` had and
        this one clears (sent in the mask, not in the body); `moderation` is never reset (KEPT_MEET)."""
        return [
            "config." + ".".join(path)
            for name, path in MEET_WIRE.items()
            if name not in KEPT_MEET and getattr(self, name) is None and getattr(applied, name) is not None
        ]


RESTRICTIONS = {
    "chat_restriction": "chatRestriction",
    "reaction_restriction": "reactionRestriction",
    "present_restriction": "presentRestriction",
    "default_join_as_viewer": "defaultJoinAsViewerType",
}
ARTIFACTS = {
    "auto_recording": ("recordingConfig", "autoRecordingGeneration"),
    "auto_transcription": ("transcriptionConfig", "autoTranscriptionGeneration"),
    "auto_smart_notes": ("smartNotesConfig", "autoSmartNotesGeneration"),
}


MEET_WIRE: dict[str, tuple[str, ...]] = {
    "access_type": ("accessType",),
    "moderation": ("moderation",),
    **{name: ("moderationRestrictions", wire) for name, wire in RESTRICTIONS.items()},
    "attendance_report": ("attendanceReportGenerationType",),
    **{name: ("artifactConfig", *path) for name, path in ARTIFACTS.items()},
}
"""Where each Meet field sits in a space's `config`."""
KEPT_MEET = frozenset({"moderation"})
"""Meet fields with no default we can send: cleared, the space keeps its value (module docstring)."""


def config_paths(config: dict[str, Any], prefix: str = "config") -> list[str]:
    """The `updateMask` of a spaces.patch that changes exactly the leaves of `config` (so nothing
    we do not send is cleared: meet.v2.json spaces.patch `updateMask`)."""
    paths: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict):
            paths += config_paths(value, f"{prefix}.{key}")
        else:
            paths.append(f"{prefix}.{key}")
    return paths


class TeamsSettings(_Settings):
    """A Teams online meeting's settings (onlineMeeting properties PATCH may change)."""

    lobby_bypass: LobbyBypass = Field(
        default="everyone",
        description="lobbyBypassSettings.scope: who joins without waiting in the lobby. everyone: "
        "clients too; organization: the host's organization and its guests (clients wait); "
        "organizationAndFederated: also federated organizations; organizationExcludingGuests; "
        "invited (nobody is invited: only the host); organizer.",
    )
    dial_in_bypass: bool = Field(
        default=False, description="lobbyBypassSettings.isDialInBypassEnabled: phone callers skip the lobby"
    )
    presenters: Presenters = Field(
        default="organizer", description="allowedPresenters: who may present and share"
    )
    meeting_chat: ChatMode | None = Field(
        default=None,
        description="allowMeetingChat: enabled, disabled, or limited (during the meeting only). " + KEPT_NOTE,
    )
    attendee_camera: bool | None = Field(
        default=None, description="allowAttendeeToEnableCamera. " + KEPT_NOTE
    )
    attendee_mic: bool | None = Field(default=None, description="allowAttendeeToEnableMic. " + KEPT_NOTE)
    reactions: bool | None = Field(default=None, description="allowTeamworkReactions. " + KEPT_NOTE)
    entry_exit_announced: bool | None = Field(default=None, description="isEntryExitAnnounced. " + KEPT_NOTE)
    record_automatically: bool | None = Field(default=None, description="recordAutomatically. " + KEPT_NOTE)

    def properties(self) -> dict[str, Any]:
        """The onlineMeeting properties to send, in Graph's names."""
        body: dict[str, Any] = {
            "lobbyBypassSettings": {"scope": self.lobby_bypass, "isDialInBypassEnabled": self.dial_in_bypass},
            "allowedPresenters": self.presenters,
        }
        for name, wire in TEAMS_PROPERTIES.items():
            if getattr(self, name) is not None:
                body[wire] = getattr(self, name)
        return body


TEAMS_PROPERTIES = {
    "meeting_chat": "allowMeetingChat",
    "attendee_camera": "allowAttendeeToEnableCamera",
    "attendee_mic": "allowAttendeeToEnableMic",
    "reactions": "allowTeamworkReactions",
    "entry_exit_announced": "isEntryExitAnnounced",
    "record_automatically": "recordAutomatically",
}
TEAMS_WIRE: dict[str, tuple[str, ...]] = {
    "lobby_bypass": ("lobbyBypassSettings", "scope"),
    "dial_in_bypass": ("lobbyBypassSettings", "isDialInBypassEnabled"),
    "presenters": ("allowedPresenters",),
    **{name: (wire,) for name, wire in TEAMS_PROPERTIES.items()},
}
"""Where each Teams field sits in an onlineMeeting."""
KEPT_TEAMS = frozenset(TEAMS_PROPERTIES)
"""Teams fields with no default we can send: cleared, the meeting keeps its value (module docstring)."""


def settled(applied: "MeetingSettings", wanted: "MeetingSettings") -> "MeetingSettings":
    """The settings a meeting given `applied` has once given `wanted`: a field `wanted` clears that
    has no default we can send (KEPT_MEET, KEPT_TEAMS) keeps its value. What the reconciler compares
    and stores, so such a clear costs no call and the stored settings say what the meeting has."""
    google = _kept(applied.google, wanted.google, KEPT_MEET)
    microsoft = _kept(applied.microsoft, wanted.microsoft, KEPT_TEAMS)
    if google is wanted.google and microsoft is wanted.microsoft:
        return wanted
    return wanted.model_copy(update={"google": google, "microsoft": microsoft})


def _kept[S: _Settings](applied: S, wanted: S, kept: frozenset[str]) -> S:
    update = {
        n: getattr(applied, n) for n in kept if getattr(wanted, n) is None and getattr(applied, n) is not None
    }
    return wanted.model_copy(update=update) if update else wanted


def drifted(provider: str, wanted: "MeetingSettings", held: Mapping[str, Any] | None) -> list[str]:
    """X10: the fields the service sets (not None) whose value the meeting no longer has, as the
    provider reports it (`held`: a Meet space's `config`, a Teams onlineMeeting): a host changed them
    by hand. Empty where the provider reports none (Zoom's are not read)."""
    if held is None:
        return []
    if provider == "google":
        part: _Settings = wanted.google
        wire = MEET_WIRE
    elif provider == "microsoft":
        part, wire = wanted.microsoft, TEAMS_WIRE
    else:
        return []
    return [
        name
        for name, path in wire.items()
        if getattr(part, name) is not None and _at(held, path) != getattr(part, name)
    ]


def _at(held: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = held
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def applied_part(provider: str, settings: "MeetingSettings") -> object:
    """The part of a service's settings a provider's meeting is given (S09): a change elsewhere
    costs that meeting no call."""
    if provider == "google":
        return settings.google
    if provider == "microsoft":
        return settings.microsoft
    return settings.model_dump(exclude={"google", "microsoft"})
