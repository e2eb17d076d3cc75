"""The two Zoom apps a deployment may have, and the exact granular scopes each must hold.

Zoom has no app type that does both (SOURCE.md "app types"): a **user-managed** app reaches
the signed-in user's own meetings (a site's own Zoom, a staff member's own Zoom: W01, W04);
an **admin-managed** app, authorized by an account owner or admin, reaches every user of the
Zoom account (S01, W07: list the users, create meetings for them). Granular scope names are
those of SOURCE.md "granular scopes"; the `:admin` forms only exist in admin-managed apps.
docs/ZOOM-SETUP.md tells the operator to tick exactly these.
"""

from __future__ import annotations

from shared.domain.models import ZoomAppType

USER_MANAGED_SCOPES: frozenset[str] = frozenset(
    {
        "meeting:write:meeting",  # create a meeting
        "meeting:update:meeting",  # reschedule it
        "meeting:delete:meeting",  # delete it
        "meeting:read:meeting",  # read it again (fresh host link, adopt a lost create)
        "meeting:read:list_meetings",  # find a meeting whose create answer was lost
        "meeting:write:registrant",  # a class's registrants (S03)
        "meeting:update:registrant_status",  # cancel a registrant
        "user:read:user",  # who connected (me)
    }
)

ADMIN_MANAGED_SCOPES: frozenset[str] = frozenset(
    {f"{scope}:admin" for scope in USER_MANAGED_SCOPES} | {"user:read:list_users:admin"}
)

REQUIRED_SCOPES: dict[ZoomAppType, frozenset[str]] = {
    ZoomAppType.USER_MANAGED: USER_MANAGED_SCOPES,
    ZoomAppType.ADMIN_MANAGED: ADMIN_MANAGED_SCOPES,
}


def missing_scopes(app: ZoomAppType, granted: str) -> list[str]:
    """The scopes `app` needs that Zoom's `scope` answer (space-separated) does not list."""
    return sorted(REQUIRED_SCOPES[app] - set(granted.split()))
