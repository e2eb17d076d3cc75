"""The link resolver as a table: one row per rule of PRODUCT.md and per combination."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from shared.domain.models import Audience, BookingStatus, ConnectionStatus, SessionStatus
from shared.domain.resolver import Link, NoLink, Reason, Source, Surface, resolve
from tests.support import factories as f

NOW = f.START - timedelta(days=1)


@dataclass
class Row:
    """Given the records, when resolving for `audience`, then `expect` (a URL, or a Reason)."""

    rule: str
    site: dict[str, Any] = field(default_factory=dict)
    service: dict[str, Any] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    staff: Any = None
    booking: dict[str, Any] | None = None
    audience: Audience = Audience.CLIENT
    surface: Surface = Surface.API
    now: Any = NOW
    expect: str | Reason = f.DEFAULT_URL
    source: Source | None = None


ROWS = [
    # W01, W03: a custom default link serves every online service, the same link for every session
    Row("W01 custom default serves an appointment", expect=f.DEFAULT_URL, source=Source.DEFAULT),
    Row(
        "W03 custom link is the same for another session", session={"session_id": "s2"}, expect=f.DEFAULT_URL
    ),
    Row("W01 custom default serves a class", service={"kind": "class"}, expect=f.DEFAULT_URL),
    # W06: no default account -> no link anywhere, staff accounts included
    Row("W06 no default, no link", site={"default": None}, expect=Reason.DEFAULT_DISCONNECTED),
    Row(
        "W06 staff account set but default disconnected",
        site={"default": None},
        staff=f.custom(f.STAFF_URL),
        expect=Reason.DEFAULT_DISCONNECTED,
    ),
    Row(
        "W06 session override but default disconnected",
        site={"default": None},
        session={"override": f.custom(f.OVERRIDE_URL)},
        expect=Reason.DEFAULT_DISCONNECTED,
    ),
    Row(
        "W06 course link but default disconnected",
        site={"default": None},
        service={"kind": "course", "course_link": f.custom(f.COURSE_URL)},
        expect=Reason.DEFAULT_DISCONNECTED,
    ),
    # S02: VC is off by default for a service
    Row("S02 service not online", service={"online": False}, expect=Reason.SERVICE_NOT_ONLINE),
    Row(
        "S02 service not online beats a session override",
        service={"online": False},
        session={"override": f.custom(f.OVERRIDE_URL), "online": True},
        expect=Reason.SERVICE_NOT_ONLINE,
    ),
    # W12: in person / online at any time
    Row("W12 session made in person", session={"online": False}, expect=Reason.OFFLINE),
    Row("W12 session made online again", session={"online": True}, expect=f.DEFAULT_URL),
    Row("cancelled session", session={"status": SessionStatus.CANCELLED}, expect=Reason.SESSION_CANCELLED),
    # W04, W08: session override, else staff account, else site default
    Row(
        "W04 staff account replaces the default",
        staff=f.custom(f.STAFF_URL),
        expect=f.STAFF_URL,
        source=Source.STAFF,
    ),
    Row(
        "W08 staff without account uses the default", staff=None, expect=f.DEFAULT_URL, source=Source.DEFAULT
    ),
    Row(
        "W08 session override beats the staff account",
        staff=f.custom(f.STAFF_URL),
        session={"override": f.custom(f.OVERRIDE_URL)},
        expect=f.OVERRIDE_URL,
        source=Source.SESSION,
    ),
    Row(
        "W04 staff account in a class",
        service={"kind": "class"},
        staff=f.custom(f.STAFF_URL),
        expect=f.STAFF_URL,
        source=Source.STAFF,
    ),
    # W09: a course uses the default unless a course (or session) link is set; staff accounts do not apply
    Row(
        "W09 course uses the site default",
        service={"kind": "course"},
        expect=f.DEFAULT_URL,
        source=Source.DEFAULT,
    ),
    Row(
        "W09 course ignores the staff account",
        service={"kind": "course"},
        staff=f.custom(f.STAFF_URL),
        expect=f.DEFAULT_URL,
    ),
    Row(
        "W09 course link",
        service={"kind": "course", "course_link": f.custom(f.COURSE_URL)},
        expect=f.COURSE_URL,
        source=Source.COURSE,
    ),
    Row(
        "W09 course with a session override: the override for that session",
        service={"kind": "course", "course_link": f.custom(f.COURSE_URL)},
        session={"override": f.custom(f.OVERRIDE_URL)},
        expect=f.OVERRIDE_URL,
        source=Source.SESSION,
    ),
    Row(
        "W09 course link for the other sessions",
        service={"kind": "course", "course_link": f.custom(f.COURSE_URL)},
        session={"session_id": "s2"},
        expect=f.COURSE_URL,
    ),
    # X04: Jitsi, a room per session
    Row(
        "X04 jitsi room of the session",
        site={"default": f.jitsi()},
        expect="https://meet.jit.si/vclinks-room-s1",
    ),
    Row(
        "X04 jitsi room differs per session",
        site={"default": f.jitsi()},
        session={"session_id": "s2", "jitsi_room": "vclinks-room-s2"},
        expect="https://meet.jit.si/vclinks-room-s2",
    ),
    # W15: members area without links
    Row(
        "W15 members area hides the link from clients",
        site={"members_area_links": False},
        surface=Surface.MEMBERS_AREA,
        expect=Reason.HIDDEN_FOR_CLIENT,
    ),
    Row("W15 members area shows it when on", surface=Surface.MEMBERS_AREA, expect=f.DEFAULT_URL),
    Row(
        "W15 emails and API are not the members area",
        site={"members_area_links": False},
        expect=f.DEFAULT_URL,
    ),
    Row(
        "W15 staff still see their link",
        site={"members_area_links": False},
        surface=Surface.MEMBERS_AREA,
        audience=Audience.STAFF,
        expect=f.DEFAULT_URL,
    ),
    # X03: time-gated join links
    Row(
        "X03 join link before its window",
        site={"join_window_minutes": 15},
        surface=Surface.JOIN,
        now=f.START - timedelta(minutes=16),
        expect=Reason.NOT_YET_OPEN,
    ),
    Row(
        "X03 join link inside its window",
        site={"join_window_minutes": 15},
        surface=Surface.JOIN,
        now=f.START - timedelta(minutes=15),
        expect=f.DEFAULT_URL,
    ),
    Row(
        "X03 staff are never gated",
        site={"join_window_minutes": 15},
        surface=Surface.JOIN,
        audience=Audience.STAFF,
        now=f.START - timedelta(days=3),
        expect=f.DEFAULT_URL,
    ),
    Row(
        "X03 no window set: always open",
        surface=Surface.JOIN,
        now=f.START - timedelta(days=30),
        expect=f.DEFAULT_URL,
    ),
    Row("cancelled booking", booking={"status": BookingStatus.CANCELLED}, expect=Reason.BOOKING_CANCELLED),
    # W03, S03, S04, X07: Zoom
    Row(
        "S04 zoom client gets the join link",
        site={"default": f.zoom_account()},
        session={"meeting": f.meeting()},
        expect="https://zoom.example.com/j/111",
    ),
    Row(
        "S04 zoom staff gets the host link",
        site={"default": f.zoom_account()},
        session={"meeting": f.meeting()},
        audience=Audience.STAFF,
        expect="https://zoom.example.com/s/111?zak=host",
    ),
    Row(
        "S06 admin opens the meeting with the host link",
        site={"default": f.zoom_account()},
        session={"meeting": f.meeting()},
        audience=Audience.ADMIN,
        expect="https://zoom.example.com/s/111?zak=host",
    ),
    Row(
        "S03 class client gets their own registrant link",
        site={"default": f.zoom_account()},
        service={"kind": "class"},
        session={"meeting": f.meeting()},
        booking={"registrant_of": "111"},
        expect="https://zoom.example.com/w/111?tk=b1",
    ),
    Row(
        "S03 a registrant of an older meeting is not used",
        site={"default": f.zoom_account()},
        service={"kind": "class"},
        session={"meeting": f.meeting(meeting_id="222")},
        booking={"registrant_of": "111"},
        expect="https://zoom.example.com/j/222",
    ),
    Row("W03 zoom without a meeting yet: pending", site={"default": f.zoom_account()}, expect=Reason.PENDING),
    Row(
        "W04 zoom meeting of the previous host: pending until recreated",
        site={"default": f.zoom_account()},
        staff=f.zoom_account(connection="conn-2", user="zu-anna"),
        session={"meeting": f.meeting()},
        expect=Reason.PENDING,
    ),
    Row(
        "X07 zoom connection needs reconnect: no link, never a dead one",
        site={"default": f.zoom_account(status=ConnectionStatus.NEEDS_RECONNECT)},
        session={"meeting": f.meeting()},
        expect=Reason.NEEDS_RECONNECT,
    ),
    Row(
        "X07 staff zoom needs reconnect while the default is fine",
        site={"default": f.custom()},
        staff=f.zoom_account(status=ConnectionStatus.NEEDS_RECONNECT),
        session={"meeting": f.meeting()},
        expect=Reason.NEEDS_RECONNECT,
    ),
    Row(
        "W08 custom session override on a zoom site wins over the meeting",
        site={"default": f.zoom_account()},
        session={"meeting": f.meeting(), "override": f.custom(f.OVERRIDE_URL)},
        expect=f.OVERRIDE_URL,
    ),
]


def _build(row: Row) -> tuple[Any, ...]:
    site_kw = dict(row.site)
    default = site_kw.pop("default", "custom")
    site = f.site(default, **site_kw)
    service = f.service(**row.service)
    session = f.session(**row.session)
    staff = f.staff(row.staff)
    booking_kw = dict(row.booking or {})
    booking = f.booking(**booking_kw) if row.booking is not None or row.audience is Audience.CLIENT else None
    return site, service, session, staff, booking


@pytest.mark.parametrize("row", ROWS, ids=[r.rule for r in ROWS])
def test_resolver_rules(row: Row) -> None:
    site, service, session, staff, booking = _build(row)

    decision = resolve(site, service, session, staff, row.audience, booking, row.now, row.surface)

    if isinstance(row.expect, Reason):
        assert isinstance(decision, NoLink), decision
        assert decision.reason is row.expect
        assert decision.detail
    else:
        assert isinstance(decision, Link), decision
        assert decision.url == row.expect
        if row.source is not None:
            assert decision.source is row.source


def test_w01_custom_link_carries_password_and_description() -> None:
    site = f.site(f.custom(password="1234", description="Camera on, please"))
    decision = resolve(site, f.service(), f.session(), f.staff(), Audience.CLIENT, f.booking(), NOW)
    assert isinstance(decision, Link)
    assert (decision.password, decision.description, decision.provider) == (
        "1234",
        "Camera on, please",
        "custom",
    )


def test_w10_editing_the_default_changes_every_session_at_once() -> None:
    sessions = [f.session(session_id=f"s{i}") for i in range(3)]
    edited = f.site(f.custom("https://meet.google.com/new-room"))
    urls = {resolve(edited, f.service(), s, f.staff(), Audience.CLIENT, None, NOW).url for s in sessions}  # type: ignore[union-attr]
    assert urls == {"https://meet.google.com/new-room"}


def test_w06_reconnecting_the_default_brings_links_back() -> None:
    args = (f.service(), f.session(), f.staff(f.custom(f.STAFF_URL)), Audience.CLIENT, None, NOW)
    assert isinstance(resolve(f.site(None), *args), NoLink)
    back = resolve(f.site(f.custom()), *args)
    assert isinstance(back, Link)
    assert back.url == f.STAFF_URL


def test_x03_not_yet_open_says_when() -> None:
    site = f.site(join_window_minutes=10)
    decision = resolve(site, f.service(), f.session(), None, Audience.CLIENT, f.booking(), NOW, Surface.JOIN)
    assert isinstance(decision, NoLink)
    assert decision.opens_at == f.START - timedelta(minutes=10)


def test_s04_client_link_is_join_kind_and_staff_link_is_host_kind() -> None:
    site, service, session = f.site(f.zoom_account()), f.service(), f.session(meeting=f.meeting())
    client = resolve(site, service, session, None, Audience.CLIENT, f.booking(), NOW)
    staff = resolve(site, service, session, None, Audience.STAFF, None, NOW)
    assert isinstance(client, Link)
    assert isinstance(staff, Link)
    assert (client.kind, staff.kind) == ("join", "host")
    assert "zak" not in client.url
