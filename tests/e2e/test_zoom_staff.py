"""Zoom for staff members over HTTP on the local stack: the admin maps a staff member to a
user of the admin-connected Zoom account (W07, S01), a staff member connects their own
Zoom with a staff token (W04, W05), and a reassigned session moves its meeting to the new
host (W03): one delete under the old host, one create under the new."""

from __future__ import annotations

import httpx

from tests.support.stack import RETURN_TO, SiteClient, Stack, delta, session_body


def hosts(stack: Stack, *users: str) -> dict[str, int]:
    counts = dict.fromkeys(users, 0)
    for meeting in stack.meetings():
        if meeting["host_id"] in counts:
            counts[meeting["host_id"]] += 1
    return counts


def test_w07_admin_maps_staff_to_users_of_the_connected_account(stack: Stack, studio: SiteClient) -> None:
    account = f"acct-{studio.site_id}"
    owner = stack.new_zoom_user(role="Owner", account=account)
    member = stack.new_zoom_user(role="Member", account=account)
    connection = studio.connect_zoom(owner, access="account")  # the admin-managed app (S01)

    listed = studio.ok("GET", f"{studio.base}/zoom/users")
    assert listed["connection_id"] == connection
    assert {u["id"] for u in listed["users"]} == {owner, member}  # that account's users only

    mapping = {"provider": "zoom", "connection_id": connection, "zoom_user_id": member}
    studio.ok("PUT", f"{studio.base}/staff/anna/vc-account", mapping)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(staff_id="anna"))
    studio.ok("PUT", f"{studio.base}/sessions/s2", session_body(staff_id=None))
    assert hosts(stack, owner, member) == {
        owner: 1,
        member: 1,
    }  # anna's under her user, the rest the default's

    # W03: the session goes to another staff member: its meeting moves to the new host.
    before = stack.zoom_calls()
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(staff_id="bob"))
    stack.settle()  # the request deletes (its one call); the worker creates under the new host
    assert delta(before, stack.zoom_calls()) == {"delete_meeting": 1, "create_meeting": 1}
    assert hosts(stack, owner, member) == {owner: 2, member: 0}


def test_w04_w05_a_staff_member_connects_their_own_zoom(stack: Stack, studio: SiteClient) -> None:
    staff_user = stack.new_zoom_user(role="Member")
    params = {"ticket": studio.ticket(staff="anna"), "return_to": RETURN_TO}
    early = httpx.get(f"{stack.base_url}/v1/oauth/zoom/start", params=params, timeout=30)
    assert early.status_code == 409  # W05: the site's default account comes first
    assert "default account" in early.json()["detail"]
    studio.ok("PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": "https://meet.example.com/x"})

    studio.connect_zoom(staff_user, staff="anna")  # the platform mints a ticket for anna's browser
    token = studio.ok("POST", f"{studio.base}/tokens", {"role": "staff", "staff_id": "anna"})["token"]
    own = studio.ok("GET", f"{studio.base}/staff/anna/vc-account")
    assert own["account"]["provider"] == "zoom"
    assert own["account"]["zoom_user_id"] == staff_user
    other = stack.get(f"{studio.base}/staff/bob/vc-account", token)
    assert other.status_code == 403  # W04: only their own

    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(staff_id="anna"))
    assert hosts(stack, staff_user) == {staff_user: 1}
    staff_link = stack.get(f"{studio.base}/sessions/s1/link", token, audience="staff").json()
    assert staff_link["kind"] == "host"
    assert staff_link["provider"] == "zoom"
