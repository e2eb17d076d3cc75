"""Issue 13: every kind of account gives a session's link itself (the resolver's `LinkSource`), so
the resolver knows no provider: a kind it has never seen gives its link through `resolve` as
the custom link, Jitsi and the hosted providers do, with the resolver's own rules (precedence,
the client's gate, X07, pending) around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

import pytest

from shared.domain.models import (
    PROVIDER_TITLES,
    AccountLink,
    Audience,
    Booking,
    GrantProvider,
    HostedProvider,
    LinkProvider,
    Session,
    Site,
)
from shared.domain.resolver import Link, NoLink, Reason, Source, resolve
from tests.support import factories as f


@dataclass(frozen=True)
class RoomPerClient:
    """A kind the resolver was never told of: a room per session and client, the host's own room."""

    base: str = "https://rooms.example/"
    dead: bool = False
    ready: bool = True

    @property
    def needs_reconnect(self) -> bool:
        return self.dead

    def session_link(
        self, session: Session, audience: Audience, booking: Booking | None
    ) -> AccountLink | None:
        if not self.ready:
            return None
        if audience is Audience.CLIENT and booking is not None:
            return AccountLink(f"{self.base}{session.session_id}/{booking.booking_id}", "custom", "pw")
        return AccountLink(f"{self.base}{session.session_id}/host", "custom", "pw", "the host's room")


def with_default(account: RoomPerClient, **settings: object) -> Site:
    """A site whose default is `account` (not a `VcAccount`: set without validation)."""
    return f.site(**settings).model_copy(update={"default_account": account})


def test_issue13_a_kind_the_resolver_does_not_know_gives_each_audience_its_own_link() -> None:
    site = with_default(RoomPerClient(), join_window_minutes=10)
    client = resolve(site, f.service(), f.session(), None, Audience.CLIENT, f.booking(), f.START)
    staff = resolve(site, f.service(), f.session(), None, Audience.STAFF, None, f.START)
    assert client == Link(
        url="https://rooms.example/s1/b1",
        kind="join",
        provider="custom",
        source=Source.DEFAULT,
        password="pw",
        opens_at=f.START - timedelta(minutes=10),  # X03: the resolver's gate, not the kind's
    )
    assert staff == Link(
        url="https://rooms.example/s1/host",
        kind="host",
        provider="custom",
        source=Source.DEFAULT,
        password="pw",
        description="the host's room",
    )


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        (RoomPerClient(dead=True), Reason.NEEDS_RECONNECT),  # X07
        (RoomPerClient(ready=False), Reason.PENDING),  # its meeting is not there yet
    ],
)
def test_x07_issue13_a_kind_without_a_link_gets_the_resolvers_reason(
    account: RoomPerClient, reason: Reason
) -> None:
    decision = resolve(
        with_default(account), f.service(), f.session(), None, Audience.CLIENT, f.booking(), f.START
    )
    assert isinstance(decision, NoLink)
    assert decision.reason is reason


def test_issue13_every_provider_name_has_the_title_its_emails_give_it() -> None:
    """One list of names (LinkProvider): a name added without its title would fail every email of
    its sessions (the table is read with [], as a missing title is a bug, not a provider)."""
    assert list(PROVIDER_TITLES) == list(get_args(LinkProvider))
    assert get_args(HostedProvider) == ("zoom", *get_args(GrantProvider))
