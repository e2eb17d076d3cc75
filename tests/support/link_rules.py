"""The link rules (W01-W15, S02-S07, X01, X03, X04, bad input, credentials) as scenarios over
the API: run through API Gateway events on moto (tests/integration/test_links_api.py) and,
unchanged, over real HTTP against the local stack (tests/e2e/test_link_rules_over_http.py).

Every scenario about which link a client or a staff member gets takes `kit`: it runs once for
each provider a site or a staff member can use (custom link, Jitsi, Zoom, Google Meet, Microsoft
Teams; tests/support/provider_kits.py), and what the link must be comes from the kit's rule (a
custom link's own URL; a room or meeting of the account's own for each session). Scenarios that
no provider changes (bad input, credentials, who may edit what) run once. A tier gives the
`tier` fixture (its emulators, its worker); it may narrow `kit`'s providers (its docstring says
so)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Answer, Api, SiteHandle
from tests.support.links import (
    COURSE,
    MEET,
    OVERRIDE,
    START,
    TEAMS,
    book,
    client_link,
    iso,
    join_path,
    set_default,
    setup_session,
    staff_token,
)
from tests.support.provider_kits import Kit, kit_fixture  # noqa: F401 - `kit`, for every provider


def assert_forbidden(answer: Answer, *leaked: str) -> None:
    """403 as a problem document that says why, and gives nothing of what was refused away."""
    assert answer.status == 403, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json
    assert (problem["type"], problem["status"]) == ("https://vclinks.dev/problems/forbidden", 403)
    assert problem["detail"]
    assert not [secret for secret in leaked if secret in answer.text]


def test_w01_custom_default_link_with_password_and_description(site: SiteHandle) -> None:
    set_default(site, password="4321", description="Bring a mat")
    setup_session(site)
    book(site)

    link = client_link(site)

    assert (link["url"], link["password"], link["description"], link["source"]) == (
        MEET,
        "4321",
        "Bring a mat",
        "default",
    )
    assert site.api.get(f"{site.base}/vc-account").json["account"]["url"] == MEET


def test_w01_the_default_account_gives_an_online_session_its_link(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site)
    book(site)

    link = client_link(site)

    assert (link["url"], link["provider"], link["source"]) == (
        kit.client_url(default, "s1"),
        kit.provider,
        "default",
    )
    assert site.api.get(f"{site.base}/vc-account").json["account"]["provider"] == kit.provider


def test_w05_staff_member_adds_own_account_only_after_the_default(site: SiteHandle, kit: Kit) -> None:
    refused = kit.try_own_account(site, "anna", staff_token(site))
    kit.connect(site)
    kit.connect(site, staff="anna")

    assert refused.status == 409
    assert refused.json["type"].endswith("/precondition-failed")
    assert site.api.get(f"{site.base}/staff/anna/vc-account").json["account"]["provider"] == kit.provider


def test_w05_a_staff_member_adds_their_own_custom_link_themselves(site: SiteHandle) -> None:
    anna = site.api.as_(staff_token(site))
    set_default(site)
    accepted = anna.put(f"{site.base}/staff/anna/vc-account", {"provider": "custom", "url": TEAMS})
    assert accepted.status == 200


def test_w04_staff_account_is_used_for_their_sessions_only(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    anna = kit.connect(site, staff="anna")
    setup_session(site, staff="anna", session="s1")
    setup_session(site, staff="bob", session="s2")
    book(site, "b1", "s1")
    book(site, "b2", "s2")

    own, others = client_link(site, "b1", "s1"), client_link(site, "b2", "s2")

    assert (own["url"], own["source"]) == (kit.client_url(anna, "s1"), "staff")
    assert (others["url"], others["source"]) == (kit.client_url(default, "s2"), "default")


def test_w04_staff_token_cannot_touch_another_staff_members_account(site: SiteHandle) -> None:
    set_default(site)
    anna = site.api.as_(staff_token(site, "anna"))
    answer = anna.put(f"{site.base}/staff/bob/vc-account", {"provider": "custom", "url": TEAMS})
    assert_forbidden(answer)
    assert site.api.get(f"{site.base}/staff/bob/vc-account").json == {"connected": False, "account": None}


def test_w06_disconnecting_default_hides_every_link_and_reconnecting_restores(
    site: SiteHandle, kit: Kit
) -> None:
    kit.connect(site)
    anna = kit.connect(site, staff="anna")
    setup_session(site)
    book(site)

    assert site.api.delete(f"{site.base}/vc-account").status == 200
    hidden = client_link(site)
    kit.connect(site)
    back = client_link(site)

    assert (hidden["decision"], hidden["reason"]) == ("none", "default_disconnected")
    assert (back["url"], back["source"]) == (kit.client_url(anna, "s1"), "staff")


def test_w03_x04_each_session_gets_its_own_room_or_meeting_and_a_custom_link_is_shared(
    site: SiteHandle, kit: Kit
) -> None:
    default = kit.connect(site)
    setup_session(site, session="s1")
    setup_session(site, session="s2")
    book(site, "b1", "s1")
    book(site, "b2", "s2")

    first, second = client_link(site, "b1", "s1")["url"], client_link(site, "b2", "s2")["url"]

    assert first == kit.client_url(default, "s1")
    assert second == kit.client_url(default, "s2")  # for a room or meeting: not s1's (W03, X04)


# -- services, sessions, links -------------------------------------------------------------


def test_s02_video_conferencing_is_off_for_a_new_service(site: SiteHandle, kit: Kit) -> None:
    kit.connect(site)
    site.api.put(f"{site.base}/services/svc", {"kind": "appointment"})
    site.api.put(
        f"{site.base}/sessions/s1",
        {"service_id": "svc", "start": iso(START), "end": iso(START + timedelta(hours=1))},
    )
    book(site)
    assert client_link(site)["reason"] == "service_not_online"


def test_w09_w10_course_link_applies_to_all_sessions_and_edits_change_them_all(
    site: SiteHandle, kit: Kit
) -> None:
    default = kit.connect(site)
    for i in range(3):
        setup_session(site, kind="course", session=f"c{i}", start=START + timedelta(days=7 * i))
        book(site, f"b{i}", f"c{i}")

    def links() -> list[dict[str, Any]]:
        return [client_link(site, f"b{i}", f"c{i}") for i in range(3)]

    assert [link["url"] for link in links()] == [kit.client_url(default, f"c{i}") for i in range(3)]
    site.api.put(f"{site.base}/services/svc/link", {"url": COURSE})
    assert [link["url"] for link in links()] == [COURSE] * 3
    site.api.put(f"{site.base}/services/svc/link", {"url": OVERRIDE})
    assert [(link["url"], link["source"]) for link in links()] == [(OVERRIDE, "course")] * 3
    assert site.api.delete(f"{site.base}/services/svc/link").status == 200
    assert [link["url"] for link in links()] == [kit.client_url(default, f"c{i}") for i in range(3)]


def test_w09_course_link_on_a_non_course_is_refused(site: SiteHandle) -> None:
    setup_session(site, kind="class")
    answer = site.api.put(f"{site.base}/services/svc/link", {"url": COURSE})
    assert answer.status == 400
    assert "only a course" in answer.json["detail"]


def test_w11_create_update_restore_remove_a_session_link(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site)
    book(site)
    anna = site.api.as_(staff_token(site, "anna"))

    assert anna.put(f"{site.base}/sessions/s1/link", {"url": OVERRIDE}).status == 200
    assert (client_link(site)["url"], client_link(site)["source"]) == (OVERRIDE, "session")
    assert site.api.put(f"{site.base}/sessions/s1/link", {"url": TEAMS, "password": "9"}).status == 200
    assert (client_link(site)["url"], client_link(site)["password"]) == (TEAMS, "9")
    assert anna.delete(f"{site.base}/sessions/s1/link").status == 200  # restore after two edits
    restored = client_link(site)
    assert (restored["url"], restored["source"]) == (kit.client_url(default, "s1"), "default")
    assert anna.post(f"{site.base}/sessions/s1/link/remove").status == 200
    assert client_link(site)["reason"] == "offline"


def test_w11_another_staff_member_cannot_edit_the_session_link(site: SiteHandle) -> None:
    set_default(site)
    setup_session(site, staff="anna")
    bob = site.api.as_(staff_token(site, "bob"))
    assert_forbidden(bob.put(f"{site.base}/sessions/s1/link", {"url": OVERRIDE}), MEET)
    assert site.api.get(f"{site.base}/sessions/s1").json["has_custom_link"] is False  # unchanged


def test_w12_session_made_in_person_and_online_again_at_the_last_minute(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    soon = datetime.now(UTC) + timedelta(minutes=2)
    setup_session(site, start=soon)
    book(site)
    body = {
        "service_id": "svc",
        "staff_id": "anna",
        "start": iso(soon),
        "end": iso(soon + timedelta(hours=1)),
    }

    site.api.put(f"{site.base}/sessions/s1", {**body, "online": False})
    offline = client_link(site)
    site.api.put(f"{site.base}/sessions/s1", {**body, "online": True})

    assert offline["reason"] == "offline"
    assert client_link(site)["url"] == kit.client_url(default, "s1")


def test_w12_adding_a_link_to_an_in_person_session_makes_it_online(site: SiteHandle, kit: Kit) -> None:
    kit.connect(site)
    setup_session(site)
    book(site)
    site.api.post(f"{site.base}/sessions/s1/link/remove")
    site.api.put(f"{site.base}/sessions/s1/link", {"url": OVERRIDE})
    assert client_link(site)["url"] == OVERRIDE


# -- who sees what -------------------------------------------------------------------------


def test_w15_members_area_setting_hides_links_from_client_tokens_only(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site)
    book(site)
    token = site.api.post(
        f"{site.base}/tokens", {"role": "client", "session_id": "s1", "booking_id": "b1"}
    ).json["token"]
    client = site.api.as_(token)
    query = {"audience": "client", "booking": "b1"}

    shown = client.get(f"{site.base}/sessions/s1/link", query=query).json
    site.api.patch(f"{site.base}/settings", {"members_area_links": False})
    hidden = client.get(f"{site.base}/sessions/s1/link", query=query).json

    assert shown["url"] == kit.client_url(default, "s1")
    assert hidden["reason"] == "hidden_for_client"
    # the platform's server still gets it (emails, W15 is a page setting)
    assert client_link(site)["url"] == kit.client_url(default, "s1")


def test_x01_client_token_never_reads_another_booking(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site)
    book(site, "b1")
    book(site, "b2")
    token = site.api.post(
        f"{site.base}/tokens", {"role": "client", "session_id": "s1", "booking_id": "b1"}
    ).json["token"]
    others = client_link(site, "b2")["url"]

    answer = site.api.as_(token).get(
        f"{site.base}/sessions/s1/link", query={"audience": "client", "booking": "b2"}
    )

    assert others == kit.client_url(default, "s1")
    assert_forbidden(answer, others, "/v1/j/")


def test_s04_staff_link_is_the_host_link_for_their_own_session(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site, staff="anna")
    anna = site.api.as_(staff_token(site, "anna"))
    bob = site.api.as_(staff_token(site, "bob"))

    own = anna.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"})
    other = bob.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"})

    assert (own.status, own.json["kind"]) == (200, "host")
    assert own.json["url"] == kit.host_url(default, "s1")
    assert other.status == 404


# -- stable join links ---------------------------------------------------------------------


def test_x01_join_link_redirects_to_the_current_link_at_click_time(
    site: SiteHandle, anonymous: Api, kit: Kit
) -> None:
    default = kit.connect(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])

    first = anonymous.get(join)
    assert (first.status, first.headers["Location"]) == (302, kit.client_url(default, "s1"))
    site.api.put(f"{site.base}/sessions/s1/link", {"url": OVERRIDE})
    second = anonymous.get(join)

    assert (second.status, second.headers["Location"]) == (302, OVERRIDE)
    assert second.headers["Cache-Control"] == "no-store"


def test_x01_join_links_are_opaque(site: SiteHandle, anonymous: Api, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site)
    token = join_path(book(site)["join_url"]).removeprefix("/v1/j/")
    staff = join_path(
        site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json["join_url"]
    )
    for opaque in (token, staff.removeprefix("/v1/j/")):
        decoded = base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4))
        for name in (site.site_id, "s1", "b1", "svc", "anna"):
            assert name.encode() not in decoded
    client = anonymous.get(f"/v1/j/{token}")
    host = anonymous.get(staff)
    assert (client.status, client.headers["Location"]) == (302, kit.client_url(default, "s1"))
    assert (host.status, host.headers["Location"]) == (302, kit.host_url(default, "s1"))
    assert anonymous.get(f"/v1/j/{token[:-2]}").status == 404


def test_x01_cancelled_booking_link_stops_working(site: SiteHandle, anonymous: Api, kit: Kit) -> None:
    kit.connect(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    meeting = client_link(site)["url"]
    site.api.delete(f"{site.base}/sessions/s1/bookings/b1")

    answer = anonymous.get(join)

    assert answer.status == 200
    assert "cancelled" in answer.text
    assert meeting not in answer.text


@pytest.mark.parametrize("token", ["nope", "aGVsbG8.secret", "x" * 600])
def test_x01_unknown_join_tokens_show_a_page_not_an_error(anonymous: Api, token: str) -> None:
    """Whatever arrives as a token (a mangled, a forged, a 600-character one), the client's
    browser gets the unknown-link page: 404, HTML, never a JSON error."""
    answer = anonymous.get(f"/v1/j/{token}")
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.text.lstrip().lower().startswith("<!doctype html>")
    assert answer.headers["Cache-Control"] == "no-store"


def test_x01_staff_join_link_ends_when_the_session_is_reassigned(
    site: SiteHandle, anonymous: Api, kit: Kit
) -> None:
    kit.connect(site)
    setup_session(site, staff="anna")
    old = join_path(
        site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json["join_url"]
    )
    setup_session(site, staff="bob")

    assert anonymous.get(old).status == 404


def test_x03_time_gated_join_link_shows_when_it_opens(site: SiteHandle, anonymous: Api, kit: Kit) -> None:
    kit.connect(site)
    site.api.patch(f"{site.base}/settings", {"join_window_minutes": 10, "timezone": "Europe/Paris"})
    setup_session(site, start=datetime.now(UTC) + timedelta(hours=2))
    join = join_path(book(site)["join_url"])
    meeting = client_link(site)["url"]  # the platform's server reads it at once (X03 gates clicks)

    early = anonymous.get(join)

    assert early.status == 200
    assert "not open yet" in early.text
    assert "Paris time" in early.text  # the zone as clients say it (X06)
    assert meeting not in early.text


def test_x03_join_link_opens_inside_the_window(site: SiteHandle, anonymous: Api, kit: Kit) -> None:
    default = kit.connect(site)
    site.api.patch(f"{site.base}/settings", {"join_window_minutes": 10})
    setup_session(site, start=datetime.now(UTC) + timedelta(minutes=5))
    join = join_path(book(site)["join_url"])
    assert anonymous.get(join).headers.get("Location") == kit.client_url(default, "s1")


# -- report ---------------------------------------------------------------------------------


def test_s06_online_meetings_report_of_a_period_filtered_by_staff(site: SiteHandle, kit: Kit) -> None:
    default = kit.connect(site)
    setup_session(site, staff="anna", session="s1", start=START)
    setup_session(site, staff="bob", session="s2", start=START + timedelta(days=1))
    setup_session(site, staff="anna", session="s3", start=START + timedelta(days=40))
    site.api.post(f"{site.base}/sessions/s2/link/remove")
    period = {"from": iso(START - timedelta(days=1)), "to": iso(START + timedelta(days=10))}

    everyone = site.api.get(f"{site.base}/reports/online-meetings", query=period).json["items"]
    anna = site.api.get(f"{site.base}/reports/online-meetings", query={**period, "staff": "anna"}).json[
        "items"
    ]

    assert [row["session_id"] for row in everyone] == ["s1"]  # s2 in person, s3 outside the period
    assert [row["session_id"] for row in anna] == ["s1"]
    assert (everyone[0]["url"], everyone[0]["provider"]) == (kit.host_url(default, "s1"), kit.provider)
    opened = site.api.get(join_path(everyone[0]["open_url"]))  # S06: the admin opens the meeting
    assert opened.status == 302
    assert opened.headers["Location"] == kit.host_url(default, "s1")


# -- isolation and bad input ----------------------------------------------------------------


def test_w02_sites_never_see_each_others_data(make_site: Any, kit: Kit) -> None:
    one, two = make_site("One"), make_site("Two")
    kit.connect(one)
    setup_session(one)
    book(one)
    meeting = client_link(one)["url"]

    with_other_key = two.api.get(
        f"{one.base}/sessions/s1/link", query={"audience": "client", "booking": "b1"}
    )
    other_sessions = two.api.get(
        f"{two.base}/sessions/s1/link", query={"audience": "client", "booking": "b1"}
    )

    assert with_other_key.status == 404
    assert other_sessions.status == 404
    assert meeting not in with_other_key.text + other_sessions.text


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("PUT", "/vc-account", "{not json", 400),
        ("PUT", "/vc-account", '{"provider": "custom"}', 400),
        ("PUT", "/vc-account", '{"provider": "custom", "url": "javascript:alert(1)"}', 400),
        ("PUT", "/vc-account", '{"provider": "custom", "url": "https://x.test", "password": 5}', 400),
        ("PUT", "/vc-account", '{"provider": "skype", "url": "https://x.test"}', 400),
        ("PUT", "/vc-account", "[]", 400),
        ("PUT", "/services/svc", '{"kind": "webinar"}', 400),
        ("PUT", "/sessions/s1", '{"service_id": "svc", "start": "yesterday", "end": "x"}', 400),
        (
            "PUT",
            "/sessions/s1",
            '{"service_id": "svc", "start": "2031-01-01T10:00:00Z", "end": "2031-01-01T09:00:00Z"}',
            400,
        ),
        (
            "PUT",
            "/sessions/s1",
            '{"service_id": "svc", "start": "2031-01-01T10:00:00", "end": "2031-01-01T11:00:00"}',
            400,
        ),
        (
            "PUT",
            "/sessions/s1",
            '{"service_id": "nope", "start": "2031-01-01T10:00:00Z", "end": "2031-01-01T11:00:00Z"}',
            404,
        ),
        ("PATCH", "/settings", '{"timezone": "Mars/Olympus"}', 400),
        ("PATCH", "/settings", '{"join_window_minutes": -5}', 400),
        ("POST", "/tokens", '{"role": "client"}', 400),
        ("POST", "/tokens", '{"role": "root"}', 400),
        ("POST", "/tokens", '{"role": "admin", "staff_id": "anna"}', 400),
        ("POST", "/tokens", '{"role": "staff", "staff_id": "anna", "booking_id": "b1"}', 400),
        ("PUT", "/vc-account", '{"provider": "custom", "url": "https://x.test", "extra": 1}', 400),
    ],
)
def test_bad_input_is_a_clear_4xx_problem(
    site: SiteHandle, method: str, path: str, raw: str, status: int
) -> None:
    answer = site.api.call(method, site.base + path, raw=raw)
    assert answer.status == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json
    assert problem["status"] == status
    assert problem["type"].startswith("https://vclinks.dev/problems/")
    assert problem["detail"]


def test_oversized_body_is_413(site: SiteHandle) -> None:
    answer = site.api.call(
        "PUT", f"{site.base}/vc-account", raw='{"provider": "custom", "url": "' + "a" * 70_000 + '"}'
    )
    assert answer.status == 413
    assert answer.json["type"].endswith("/payload-too-large")


def test_non_json_content_type_is_415(site: SiteHandle) -> None:
    answer = site.api.call(
        "PUT", f"{site.base}/vc-account", raw="url=x", headers={"Content-Type": "text/plain"}
    )
    assert answer.status == 415


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_missing_or_malformed_credentials_are_401(site: SiteHandle, header: str | None) -> None:
    api = site.api.as_(None)
    answer = api.get(f"{site.base}/settings", headers={"Authorization": header} if header else None)
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json["type"] == "https://vclinks.dev/problems/unauthorized"


def test_w02_another_sites_api_key_is_404_as_if_the_site_did_not_exist(site: SiteHandle) -> None:
    """A well-formed key of another site: 404, so no site learns which ids another has."""
    api = site.api.as_(None)
    answer = api.get(f"{site.base}/settings", headers={"Authorization": "Bearer vcl_other.key"})
    assert answer.status == 404
    assert answer.json["type"] == "https://vclinks.dev/problems/not-found"
    assert "WWW-Authenticate" not in answer.headers


def test_a_wrong_api_key_of_this_site_is_401(site: SiteHandle) -> None:
    api = site.api.as_(None)
    wrong = f"Bearer vcl_{site.site_id}.not-the-key"
    answer = api.get(f"{site.base}/settings", headers={"Authorization": wrong})
    assert answer.status == 401
    assert answer.json["type"] == "https://vclinks.dev/problems/unauthorized"


def test_unknown_site_is_404(site: SiteHandle) -> None:
    answer = site.api.get("/v1/sites/nope-123/settings")
    assert answer.status == 404


def test_health_needs_no_credential(anonymous: Api) -> None:
    answer = anonymous.get("/v1/health")
    assert (answer.status, answer.json["status"]) == (200, "ok")
