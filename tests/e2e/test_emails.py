"""Emails end to end: requests over HTTP to the running local stack, the sent messages read
back from its SES outbox (W13, W14, S04, X01, X02, X05). The link an email carries and its
hidden section are checked for every provider's kit (tests/support/provider_kits.py) once here;
every email type for every provider is the integration tier's (tests/integration/test_emails_api.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, SiteHandle
from tests.support.http_api import HttpTransport, StackTier
from tests.support.links import client_link, setup_session
from tests.support.provider_kits import Kit, kit_fixture  # noqa: F401 - `kit`, for every provider
from tests.support.stack import SiteClient, Stack, session_body

TYPES = ["booking_confirmation", "reminder", "booking_changed", "course_changed", "request_approved"]
LINK = "https://meet.example.com/room-42"


def sent_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    return [e for e in stack.outbox() if address in e["to"]]


def every_part(email: dict[str, Any]) -> str:
    return "\n".join((email["text"], email["html"], email["ics"]))


@pytest.fixture
def booked(stack: Stack, studio: SiteClient) -> tuple[SiteClient, str]:
    studio.ok(
        "PUT",
        f"{studio.base}/vc-account",
        {"provider": "custom", "url": LINK, "password": "pw-777", "description": "Mat ready"},
    )
    studio.ok(
        "PUT",
        f"{studio.base}/services/consult",
        {"kind": "appointment", "online": True, "name": "Private class"},
    )
    studio.ok("PUT", f"{studio.base}/sessions/s1", session_body())
    address = f"client@{studio.site_id}.test"
    studio.ok(
        "PUT", f"{studio.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": address}
    )
    return studio, address


def send(site: SiteClient, email_type: str, key: str) -> None:
    body = {"type": email_type, "session_id": "s1", "booking_id": "b1", "idempotency_key": key}
    site.ok("POST", f"{site.base}/notifications", body)


def test_w14_each_template_shows_hides_and_resets_its_section(
    stack: Stack, booked: tuple[SiteClient, str]
) -> None:
    site, address = booked
    for email_type in TYPES:
        send(site, email_type, f"{email_type}-on")
        shown = every_part(sent_to(stack, address)[-1])
        assert f"{stack.base_url}/v1/j/" in shown, email_type
        assert "pw-777" in shown
        assert "Mat ready" in shown

        site.ok("PUT", f"{site.base}/email-templates/{email_type}", {"show_online_section": False})
        send(site, email_type, f"{email_type}-off")
        hidden = every_part(sent_to(stack, address)[-1])
        for secret in ("/v1/j/", "pw-777", "Mat ready", LINK):
            assert secret not in hidden, (email_type, secret)

        site.ok("DELETE", f"{site.base}/email-templates/{email_type}")
        send(site, email_type, f"{email_type}-reset")
        assert f"{stack.base_url}/v1/j/" in every_part(sent_to(stack, address)[-1])
    assert len(sent_to(stack, address)) == 3 * len(TYPES)


def test_s04_staff_copy_and_x05_invitation(stack: Stack, booked: tuple[SiteClient, str]) -> None:
    site, address = booked
    staff = f"anna@{site.site_id}.test"
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "staff_email": staff}
    site.ok("POST", f"{site.base}/notifications", body)
    [client] = sent_to(stack, address)
    [copy] = sent_to(stack, staff)
    assert "LOCATION:" in client["ics"]
    assert f"{stack.base_url}/v1/j/" in client["ics"].replace("\r\n ", "")
    client_link = client["text"][client["text"].index(f"{stack.base_url}/v1/j/") :].split()[0]
    assert client_link not in every_part(copy)
    assert "has booked" in copy["text"]  # the staff copy's own words (S04)


def test_x02_a_changed_course_link_is_emailed_once(stack: Stack, studio: SiteClient) -> None:
    studio.ok("PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": LINK})
    studio.ok(
        "PUT", f"{studio.base}/services/course", {"kind": "course", "online": True, "name": "Spring course"}
    )
    studio.ok("PUT", f"{studio.base}/sessions/c1", session_body(service_id="course"))
    addresses = [f"c{n}@{studio.site_id}.test" for n in range(3)]
    for n, address in enumerate(addresses):
        studio.ok(
            "PUT",
            f"{studio.base}/sessions/c1/bookings/b{n}",
            {"client_name": f"C{n}", "client_email": address},
        )
    for n in range(2):  # two clients were told of the link; the third was not yet
        studio.ok(
            "POST",
            f"{studio.base}/notifications",
            {"type": "booking_confirmation", "session_id": "c1", "booking_id": f"b{n}"},
        )
    new_link = {"provider": "custom", "url": "https://meet.example.com/new-course-room"}
    studio.ok("PUT", f"{studio.base}/services/course/link", new_link)
    studio.ok("PUT", f"{studio.base}/services/course/link", new_link)  # the same edit again
    stack.settle()  # the worker tells the clients
    for address in addresses[:2]:
        subjects = [e["subject"] for e in sent_to(stack, address)]
        assert subjects == [
            "Your booking is confirmed: Spring course",
            "Your course has changed: Spring course",
        ]
    assert sent_to(stack, addresses[2]) == []


@pytest.fixture(scope="module")
def transport(stack: Stack) -> HttpTransport:
    return HttpTransport(stack)


@pytest.fixture
def tier(stack: Stack, transport: HttpTransport) -> StackTier:
    return StackTier(stack, transport)


def test_w13_w14_x01_x05_each_providers_link_is_in_the_email_and_gone_when_the_section_is_hidden(
    stack: Stack, transport: HttpTransport, tier: StackTier, kit: Kit
) -> None:
    created = stack.create_site("Yoga Studio")
    site = SiteHandle(created.site_id, created.api_key, Api(transport, created.api_key))  # type: ignore[arg-type]
    kit.connect(site)
    setup_session(site)
    address = f"client@{site.site_id}.test"
    booked = site.api.put(
        f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": address}
    )
    assert booked.status == 201, booked.text
    link = client_link(site)
    assert link["decision"] == "link", link
    shown = [v for v in (link["password"], link["description"], kit.email_name) if v]

    def confirmation(key: str) -> dict[str, Any]:
        asked = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1"}
        assert site.api.post(f"{site.base}/notifications", asked | {"idempotency_key": key}).status == 200
        tier.settle()
        return sent_to(stack, address)[-1]

    on = confirmation("on")
    assert f"{stack.base_url}/v1/j/" in on["text"]  # X01: the stable link, not the meeting's own
    assert link["url"] not in on["text"]
    assert f"{stack.base_url}/v1/j/" in on["ics"].replace("\r\n ", "")  # X05
    assert [piece for piece in shown if piece not in every_part(on)] == []
    hidden = site.api.put(f"{site.base}/email-templates/booking_confirmation", {"show_online_section": False})
    assert hidden.status == 200, hidden.text
    off = every_part(confirmation("off"))
    for secret in ("/v1/j/", link["url"], *shown):
        assert secret not in off, secret
