"""Cancellation is cancellation (issue 11, point 1): a cancelled session or booking is announced
to each client who was emailed, in cancel wording with an iTIP CANCEL of the booking's own
invitation, once; it gets no confirmation or reminder (409)."""

from __future__ import annotations

from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from tests.support.api import SiteHandle
from tests.support.emails import invitation
from tests.support.links import MEET, book, set_default, setup_session

CLIENT = "bob@client.test"


def to(address: str) -> list[SentEmail]:
    return [e for e in sent_emails() if address in e.destinations]


def notify(site: SiteHandle, email_type: str = "booking_confirmation", booking: str = "b1") -> Any:
    body = {"type": email_type, "session_id": "s1", "booking_id": booking}
    return site.api.post(f"{site.base}/notifications", body)


def book_as(site: SiteHandle, booking: str, address: str) -> None:
    answer = site.api.put(
        f"{site.base}/sessions/s1/bookings/{booking}",
        {"client_name": f"Client {booking}", "client_email": address},
    )
    assert answer.status in (200, 201), answer.text


@pytest.fixture
def confirmed(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET, password="s3cret")
    setup_session(site, kind="class")
    book(site)
    assert notify(site).status == 200
    return site


def test_w13_x09_a_cancelled_session_tells_each_emailed_client_with_a_cancel_once(
    confirmed: SiteHandle, worker: Any
) -> None:
    book_as(confirmed, "b2", "eve@client.test")
    assert notify(confirmed, booking="b2").status == 200
    book_as(confirmed, "b3", "never@client.test")  # booked, never emailed: nothing to take back
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1").status == 204
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1").status == 204  # the same cancel again
    for address in (CLIENT, "eve@client.test"):
        confirmation, cancel = to(address)
        assert cancel.subject == "Session cancelled: svc on 3 March"
        text = cancel.part("text/plain")
        assert "we have had to cancel the session" in text
        assert "has changed" not in text
        assert "/v1/j/" not in text
        assert "s3cret" not in text
        calendar, event = invitation(cancel.part("text/calendar"))
        _, request = invitation(confirmation.part("text/calendar"))
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == str(request["UID"])
        assert int(event["SEQUENCE"]) > int(request["SEQUENCE"])
    assert to("never@client.test") == []
    again_for_everyone(confirmed, worker, ["b1", "b2", "b3"])  # the items run again: nothing is told twice
    assert [len(to(a)) for a in (CLIENT, "eve@client.test", "never@client.test")] == [2, 2, 0]


def again_for_everyone(site: SiteHandle, worker: Any, bookings: list[str]) -> None:
    """Each booking's work item flagged again and done (a repeated change event, a retry)."""
    from shared.bootstrap import container
    from shared.domain.work import WorkRef

    refs = [WorkRef.booking(site.site_id, "s1", b) for b in bookings]
    container().repo.flag_work(refs)
    container().queue.send(refs)
    worker.drain()


def test_w13_no_confirmation_or_reminder_for_a_cancelled_session(confirmed: SiteHandle) -> None:
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1").status == 204
    sent = len(to(CLIENT))
    for email_type in ("booking_confirmation", "reminder", "request_approved"):
        refused = notify(confirmed, email_type)
        assert refused.status == 409
        assert refused.json["detail"].startswith(f"The session is cancelled: no {email_type} is sent for it.")
    assert len(to(CLIENT)) == sent


def test_w13_a_cancelled_booking_tells_its_client_once_with_the_bookings_words(confirmed: SiteHandle) -> None:
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1/bookings/b1").status == 204
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1/bookings/b1").status == 204
    [subjects, cancel] = [[e.subject for e in to(CLIENT)], to(CLIENT)[-1]]
    assert subjects == ["Your booking is confirmed: svc", "Your booking is cancelled: svc"]
    assert "Your booking for svc has been cancelled." in cancel.part("text/plain")
    calendar, event = invitation(cancel.part("text/calendar"))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert int(event["SEQUENCE"]) == 1
    # the platform's own booking_changed for it now: already told, so the same cancel is not sent again
    assert notify(confirmed, "booking_changed").json["results"][0]["sent"] is False
    assert len(to(CLIENT)) == 2


def test_w13_a_session_set_up_again_confirms_its_clients_with_a_new_request(confirmed: SiteHandle) -> None:
    assert confirmed.api.delete(f"{confirmed.base}/sessions/s1").status == 204
    setup_session(confirmed, kind="class")  # the business puts the session back
    assert [e.subject for e in to(CLIENT)] == [
        "Your booking is confirmed: svc",
        "Session cancelled: svc on 3 March",
        "Your booking is confirmed: svc",
    ]
    again = to(CLIENT)[-1]
    calendar, event = invitation(again.part("text/calendar"))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert int(event["SEQUENCE"]) == 2
    assert "/v1/j/" in again.part("text/plain")
