"""Zoom Marketplace apps as the emulator registers them, and the granular scope each API
operation needs. Written from Zoom's documents, never from vclinks' own constants, so that
a scope vclinks forgets to ask for fails here as it would at Zoom.

Sources (docs/ZOOM-FIDELITY.md has the table):
- /work/shared/zoom/SOURCE.md, "How real Zoom differs": rows "app types", "granular scopes".
- Zoom's Meeting API reference (developers.zoom.us/docs/api/meetings/): each operation lists
  its granular scope and the `:admin` form.
- The 4711 message, word for word, as Zoom answered it on its developer forum
  (devforum.zoom.us/t/granular-scopes-specification-change-of-scope-setting-for-creating-
  oauth-apps-on-the-developer-site/108207): "Invalid access token, does not contain
  scopes:[contact:read:list_contacts, contact:read:list_contacts:admin]."
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Managed(StrEnum):
    """SOURCE.md "app types": a General app is one or the other, never both."""

    USER = "user"  # each user authorizes; the token reaches that user's own data
    ADMIN = "admin"  # an account owner or admin authorizes for the whole account


# operation -> the user-level granular scope; the account-wide form adds ":admin".
OPERATION_SCOPES: dict[str, str] = {
    "get_user": "user:read:user",
    "list_users": "user:read:list_users:admin",  # exists only in the :admin form
    "create_meeting": "meeting:write:meeting",
    "list_meetings": "meeting:read:list_meetings",
    "get_meeting": "meeting:read:meeting",
    "update_meeting": "meeting:update:meeting",
    "delete_meeting": "meeting:delete:meeting",
    "add_registrant": "meeting:write:registrant",
    "cancel_registrants": "meeting:update:registrant_status",
}

USER_SCOPES = frozenset(s for s in OPERATION_SCOPES.values() if not s.endswith(":admin"))
ADMIN_SCOPES = frozenset(s if s.endswith(":admin") else f"{s}:admin" for s in OPERATION_SCOPES.values())


def accepted_scopes(operation: str, own_user: bool) -> tuple[str, ...]:
    """The scopes any one of which lets a token call `operation`.

    On the token's own user (`me`, its id or email) the user-level scope or its `:admin`
    form; on another user of the account only the `:admin` form (SOURCE.md "app types")."""
    scope = OPERATION_SCOPES[operation]
    if scope.endswith(":admin"):
        return (scope,)
    return (scope, f"{scope}:admin") if own_user else (f"{scope}:admin",)


def missing_scope_message(accepted: tuple[str, ...]) -> str:
    return f"Invalid access token, does not contain scopes:[{', '.join(accepted)}]."


@dataclass
class ZoomApp:
    """A General app of Zoom's Marketplace: its credentials, type, scopes and URLs.

    `optional_scopes` are those the developer marked optional: the user may untick them on
    the consent page. `redirect_uris` is the Redirect URL plus the OAuth allow list: the
    authorize request's `redirect_uri` must equal one of them (4709 otherwise).
    `deauthorization_url` receives `app_deauthorized`, signed with `webhook_secret_token`."""

    client_id: str
    client_secret: str
    managed: Managed = Managed.USER
    scopes: frozenset[str] = USER_SCOPES
    optional_scopes: frozenset[str] = frozenset()
    redirect_uris: tuple[str, ...] = ()
    deauthorization_url: str = ""
    webhook_secret_token: str = ""
    name: str = "vclinks"

    def __post_init__(self) -> None:
        self.managed = Managed(self.managed)
        self.scopes = frozenset(self.scopes)
        self.optional_scopes = frozenset(self.optional_scopes)
        self.redirect_uris = tuple(self.redirect_uris)
        admin_only = {s for s in self.scopes if s.endswith(":admin")}
        if admin_only and self.managed is Managed.USER:
            raise ValueError(
                f"a user-managed app cannot hold account-wide scopes: {sorted(admin_only)} "
                "(Zoom offers the :admin forms only to admin-managed apps)"
            )
        if not self.optional_scopes <= self.scopes:
            raise ValueError("optional scopes must be scopes of the app")

    def granted(self, unticked: set[str]) -> frozenset[str]:
        """What a consent grants: every scope of the app but the optional ones left unticked."""
        return frozenset(self.scopes - (unticked & self.optional_scopes))
