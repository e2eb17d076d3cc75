"""W04, W07: who may map a staff member to which Zoom user (issue 10, point 4). Only the admin maps
a staff member to another user of an admin-connected Zoom account, and Zoom is asked when it is
saved (a made-up id or another account's user is refused with a clear 4xx); a staff member may
only use their own connection. The user's type (Basic or Licensed) is kept with the mapping."""

from __future__ import annotations

from local.zoom_emulator import ZoomEmulator
from tests.support.api import SiteHandle
from tests.support.zoom import connect


def mapping(connection: str, user: str) -> dict[str, str]:
    return {"provider": "zoom", "connection_id": connection, "zoom_user_id": user}


def test_w07_the_admin_maps_a_staff_member_to_a_user_of_the_account_checked_with_zoom(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    connection = connect(site, zoom, access="account")
    listed = site.api.get(f"{site.base}/zoom/users").json["users"]
    assert {u["id"]: u["type"] for u in listed} == {"zu-host": 2, "zu-anna": 1, "zu-bob": 1}

    saved = site.api.put(f"{site.base}/staff/anna/vc-account", mapping(connection, "zu-anna"))
    assert saved.status == 200
    assert saved.json["account"]["zoom_user_id"] == "zu-anna"
    assert saved.json["account"]["user_type"] == 1  # Basic: no registrants for her classes (S03)

    for user in ("zu-solo", "made-up-user"):  # another account's owner; nobody at all
        refused = site.api.put(f"{site.base}/staff/bob/vc-account", mapping(connection, user))
        assert refused.status == 422, refused.text
        assert refused.json["type"].endswith("/zoom-user-not-in-account")
    assert site.api.get(f"{site.base}/staff/bob/vc-account").json["connected"] is False


def test_w07_a_user_managed_connection_maps_only_its_own_user(site: SiteHandle, zoom: ZoomEmulator) -> None:
    connection = connect(site, zoom)
    refused = site.api.put(f"{site.base}/staff/anna/vc-account", mapping(connection, "zu-anna"))
    assert refused.status == 422
    assert "access=account" in refused.json["detail"]
    own = site.api.put(f"{site.base}/staff/anna/vc-account", mapping(connection, "zu-host"))
    assert own.status == 200


def test_w04_a_staff_member_may_only_use_their_own_connection(site: SiteHandle, zoom: ZoomEmulator) -> None:
    admin_connection = connect(site, zoom, access="account")
    anna_connection = connect(site, zoom, staff="anna", user="zu-anna")
    token = site.api.post(f"{site.base}/tokens", {"role": "staff", "staff_id": "anna"}).json["token"]
    anna = site.api.as_(token)

    for connection, user in ((admin_connection, "zu-host"), (admin_connection, "zu-anna")):
        refused = anna.put(f"{site.base}/staff/anna/vc-account", mapping(connection, user))
        assert refused.status == 403, refused.text  # not the Owner's link, not through the admin's grant
    assert (
        site.api.get(f"{site.base}/staff/anna/vc-account").json["account"]["connection_id"] == anna_connection
    )
    own = anna.put(f"{site.base}/staff/anna/vc-account", mapping(anna_connection, "zu-anna"))
    assert own.status == 200
