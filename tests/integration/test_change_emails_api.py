"""Change emails say what changed (X02, issue 11 point 2): since the client's last email, the
time, the link, the password, the host; none when nothing the client sees changed; with the
online-join section hidden, only the time. Account changes that change what clients were told
(the site default, a staff member's account) reach them through the pipeline. A moved session,
and a session made in person then online again, are told for every provider's kit
(tests/support/provider_kits.py): a provider that keeps a meeting's link on a move must not
tell of a new link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from tests.support.api import SiteHandle
from tests.support.links import MEET, START, TEAMS, book, client_link, iso, set_default, setup_session
from tests.support.provider_kits import Kit, kit_fixture  # noqa: F401 - `kit`, for every provider

CLIENT = "bob@client.test"
IN_PERSON = "This session now takes place in person: there is no link to join any more."
NOW_ONLINE = "This session now takes place online: join with the link below."


def to(address: str = CLIENT) -> list[SentEmail]:
    return [e for e in sent_emails() if address in e.destinations]


def changes_of(email: SentEmail) -> list[str]:
    """The lines under "What has changed:" in the plain-text part."""
    text = email.part("text/plain").replace("\r\n", "\n")
    if "What has changed:" not in text:
        return []
    block = text.split("What has changed:\n", 1)[1].split("\n\n", 1)[0]
    return [line.removeprefix("- ") for line in block.splitlines()]


def confirm(site: SiteHandle) -> None:
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1"}
    assert site.api.post(f"{site.base}/notifications", body).status == 200


def put_session(site: SiteHandle, hours: int = 0, staff: str = "anna") -> None:
    start = START + timedelta(hours=hours)
    body = {
        "service_id": "svc",
        "staff_id": staff,
        "start": iso(start),
        "end": iso(start + timedelta(hours=1)),
    }
    assert site.api.put(f"{site.base}/sessions/s1", body).status == 200


@pytest.fixture
def told(site: SiteHandle) -> SiteHandle:
    """Bob booked s1 (Anna, the site's Meet link with a password) and got his confirmation."""
    set_default(site, MEET, password="s3cret")
    setup_session(site)
    book(site)
    confirm(site)
    return site


@pytest.fixture
def kit_told(site: SiteHandle, kit: Kit) -> SiteHandle:
    """Bob booked s1 (Anna, the site's default account of `kit`'s provider), and was told."""
    kit.connect(site)
    setup_session(site)
    book(site)
    confirm(site)
    return site


LINK_CHANGED = "The link to join has changed: please use the one below."


def test_x02_a_moved_session_says_the_new_time_and_the_old(kit_told: SiteHandle) -> None:
    told = kit_told
    link = client_link(told)
    put_session(told, hours=2)
    assert client_link(told)["url"] == link["url"]  # every provider keeps the session's meeting
    [_, change] = to()
    assert change.subject == "Your booking has changed: svc"
    assert changes_of(change) == [
        "New time: Monday, 3 March 2031, 19:00–20:00 (was: Monday, 3 March 2031, 17:00–18:00)"
    ]
    put_session(told, hours=2)  # the same again: nothing new to tell
    assert len(to()) == 2


def test_x02_a_new_password_says_the_new_password(told: SiteHandle) -> None:
    set_default(told, MEET, password="n3w-pass")
    [_, change] = to()
    assert changes_of(change) == ["New password: n3w-pass"]


def test_x02_a_new_link_says_so_and_gives_the_way_in(told: SiteHandle) -> None:
    set_default(told, TEAMS, password="s3cret")
    [_, change] = to()
    assert changes_of(change) == [LINK_CHANGED]
    assert "/v1/j/" in change.part("text/plain")


def test_x02_a_new_host_is_named(told: SiteHandle) -> None:
    for staff, name in (("anna", "Anna"), ("ben", "Ben")):
        assert told.api.put(f"{told.base}/staff/{staff}", {"name": name}).status == 200
    put_session(told, staff="ben")
    [_, change] = to()
    assert changes_of(change) == ["Your session is now with Ben (instead of Anna)."]


def test_x02_w14_with_the_section_hidden_only_the_time_is_told(told: SiteHandle) -> None:
    hidden = told.api.put(f"{told.base}/email-templates/booking_changed", {"show_online_section": False})
    assert hidden.status == 200
    set_default(told, TEAMS, password="other")  # only what the hidden section would show: nothing to send
    assert len(to()) == 1
    put_session(told, hours=1)
    [_, change] = to()
    assert changes_of(change) == [
        "New time: Monday, 3 March 2031, 18:00–19:00 (was: Monday, 3 March 2031, 17:00–18:00)"
    ]
    for secret in ("/v1/j/", "other", "s3cret", TEAMS):
        assert secret not in change.part("text/plain")


def test_x02_a_client_never_emailed_is_not_told_of_changes(site: SiteHandle) -> None:
    set_default(site, MEET)
    setup_session(site)
    book(site)
    put_session(site, hours=3)
    set_default(site, TEAMS)
    assert to() == []


def test_x02_the_staff_members_new_account_reaches_the_clients_of_their_sessions(told: SiteHandle) -> None:
    answer = told.api.put(f"{told.base}/staff/anna/vc-account", {"provider": "custom", "url": TEAMS})
    assert answer.status == 200
    [_, change] = to()
    assert changes_of(change) == [LINK_CHANGED]
    assert "s3cret" not in change.part("text/plain")  # the staff account has no password


def test_x02_in_person_now_tells_the_client_their_link_is_gone(kit_told: SiteHandle) -> None:
    told = kit_told
    removed = told.api.post(f"{told.base}/sessions/s1/link/remove")
    assert removed.status == 200, removed.text
    [_, change] = to()
    assert change.subject == "Your booking has changed: svc"
    assert changes_of(change) == [IN_PERSON]
    assert "/v1/j/" not in change.part("text/plain")
    restored = told.api.delete(f"{told.base}/sessions/s1/link")  # online again: the link is back
    assert restored.status == 200, restored.text
    [_, _, back] = to()
    assert changes_of(back) == [NOW_ONLINE]  # the section below gives it all (a new meeting's too)
    password = client_link(told)["password"]
    assert "/v1/j/" in back.part("text/plain")
    assert password is None or password in back.part("text/plain")


def test_x02_a_service_no_longer_online_tells_its_clients_once_and_online_again_gives_the_link(
    told: SiteHandle,
) -> None:
    off = told.api.put(f"{told.base}/services/svc", {"kind": "appointment", "online": False})
    assert off.status == 200, off.text
    [_, change] = to()
    assert changes_of(change) == [IN_PERSON]
    assert "s3cret" not in change.part("text/plain")
    again = told.api.put(f"{told.base}/services/svc", {"kind": "appointment", "online": False})
    assert again.status == 200  # the same again: nothing new to tell
    assert len(to()) == 2
    on = told.api.put(f"{told.base}/services/svc", {"kind": "appointment", "online": True})
    assert on.status == 200, on.text
    [_, _, back] = to()
    assert changes_of(back) == [NOW_ONLINE]
    assert "s3cret" in back.part("text/plain")  # the section gives the way in whole, password included


def test_x02_course_changed_for_a_course(site: SiteHandle) -> None:
    set_default(site, MEET)
    setup_session(site, kind="course", service="course")
    book(site)
    confirm(site)
    link: dict[str, Any] = {"provider": "custom", "url": TEAMS, "password": "c0urse"}
    assert site.api.put(f"{site.base}/services/course/link", link).status == 200
    [_, change] = to()
    assert change.subject == "Your course has changed: course"
    assert changes_of(change) == [
        LINK_CHANGED,
        "New password: c0urse",
    ]
