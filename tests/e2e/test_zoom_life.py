"""A Zoom-backed session's life over HTTP on the local stack (DESIGN.md performance bars:
1 create, 1 PATCH per reschedule, 1 DELETE on cancel, no duplicates; a class with N
bookings: 1 meeting and N registrants). Rules: S01, S03, S07, X01, X07, S08."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.support.stack import START, SiteClient, Stack, delta, session_body


def test_s01_s07_an_appointment_gets_one_meeting_kept_in_step_with_the_calendar(
    stack: Stack, studio: SiteClient
) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    before = stack.zoom_calls()

    created = studio.call("PUT", f"{studio.base}/sessions/s1", session_body())
    assert created.status_code == 201, created.text
    studio.ok(
        "PUT",
        f"{studio.base}/sessions/s1/bookings/b1",
        {"client_name": "Ada", "client_email": "ada@example.com"},
    )
    link = studio.ok("GET", f"{studio.base}/sessions/s1/link", params={"audience": "client", "booking": "b1"})
    meetings = [m for m in stack.meetings() if m["host_id"] == user]
    assert len(meetings) == 1
    assert link["decision"] == "link"
    assert link["provider"] == "zoom"
    assert link["url"] == meetings[0]["join_url"]
    assert delta(before, stack.zoom_calls()) == {"create_meeting": 1}

    # S07/X01: the client's stable link redirects to the meeting at click time.
    jump = httpx.get(link["join_url"], timeout=30)
    assert jump.status_code == 302
    assert jump.headers["location"] == meetings[0]["join_url"]

    # A reschedule: one PATCH, same meeting, same stable link.
    before = stack.zoom_calls()
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body(START + timedelta(days=1)))
    studio.ok(
        "PUT", f"{studio.base}/sessions/s1", session_body(START + timedelta(days=1))
    )  # a retry: no call
    assert delta(before, stack.zoom_calls()) == {"update_meeting": 1}
    moved = next(m for m in stack.meetings() if m["id"] == meetings[0]["id"])
    assert moved["start_time"].startswith("2031-05-06")

    # Cancel: one DELETE; the link falls back to nothing.
    before = stack.zoom_calls()
    assert studio.call("DELETE", f"{studio.base}/sessions/s1").status_code == 204
    # The same cancel again (a platform's retry after a timeout): 204 again, nothing more done.
    # A cancel keeps the session, marked cancelled (GET shows it), so 404 would be untrue; and
    # DELETE is idempotent (RFC 9110, 9.2.2): the repeat must not read as a failure.
    assert studio.call("DELETE", f"{studio.base}/sessions/s1").status_code == 204
    assert studio.ok("GET", f"{studio.base}/sessions/s1")["status"] == "cancelled"
    assert delta(before, stack.zoom_calls()) == {"delete_meeting": 1}
    assert all(m["id"] != meetings[0]["id"] for m in stack.meetings())


def test_s03_a_class_has_one_meeting_and_one_registrant_per_booking(stack: Stack, studio: SiteClient) -> None:
    user = stack.new_zoom_user()
    studio.connect_zoom(user)
    studio.ok("PUT", f"{studio.base}/services/flow", {"kind": "class", "online": True})
    studio.ok("PUT", f"{studio.base}/sessions/c1", session_body(service_id="flow"))
    before = stack.zoom_calls()
    for n in range(5):
        body = {"client_name": f"Client {n}", "client_email": f"client{n}@example.com"}
        studio.ok("PUT", f"{studio.base}/sessions/c1/bookings/b{n}", body)
    studio.ok("PUT", f"{studio.base}/sessions/c1/bookings/b0", {"client_name": "Client 0"})  # an edit
    stack.settle()
    [meeting] = [m for m in stack.meetings() if m["host_id"] == user]
    assert meeting["settings"]["approval_type"] == 0
    assert len([r for r in meeting["registrants"] if r["status"] == "approved"]) == 5
    assert delta(before, stack.zoom_calls()) == {"add_registrant": 5}

    links = {
        studio.ok(
            "GET", f"{studio.base}/sessions/c1/link", params={"audience": "client", "booking": f"b{n}"}
        )["url"]
        for n in range(5)
    }
    assert links == {r["join_url"] for r in meeting["registrants"]}  # each client their own

    assert studio.call("DELETE", f"{studio.base}/sessions/c1/bookings/b3").status_code == 204
    stack.settle()
    [meeting] = [m for m in stack.meetings() if m["host_id"] == user]
    assert len([r for r in meeting["registrants"] if r["status"] == "approved"]) == 4
    gone = studio.ok("GET", f"{studio.base}/sessions/c1/link", params={"audience": "client", "booking": "b3"})
    assert gone["decision"] == "none"
