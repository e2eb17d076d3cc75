"""Webhooks to the booking platform (issue 12), delivered to a real receiver on localhost that
checks every signature with the Standard Webhooks reference library: a session's link changed,
a meeting ready, a connection that needs reconnecting, an email bounced; retried with the
worker's backoff under the same message id; a delivery log the platform reads; the secret shown
once; the endpoint URL guarded against SSRF (https, public addresses; loopback only where the
local stack allows it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.webhooks import EventType
from shared.services import platform_events
from tests.support.api import SiteHandle
from tests.support.aws import reset_caches
from tests.support.links import book, set_default, setup_session
from tests.support.webhooks import Receiver
from tests.support.zoom import connect, session


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the local stack sets (WEBHOOK_ALLOW_LOOPBACK): the receiver is on 127.0.0.1, over http."""
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "1")
    reset_caches()


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def subscribe(site: SiteHandle, receiver: Receiver) -> dict[str, Any]:
    answer = site.api.put(f"{site.base}/webhook", {"url": receiver.url})
    assert answer.status == 200, answer.text
    receiver.secret = answer.json["secret"]
    return dict(answer.json)


def later(worker: Any, seconds: int) -> None:
    """The pipeline's clock `seconds` on: the dispatcher queues what fell due, the worker does it."""
    root = container()
    root.repo.clock = lambda: time.time() + seconds
    root.worker.dispatch()
    worker.drain()


def test_a_changed_session_link_is_sent_signed_to_the_platform(site: SiteHandle, receiver: Receiver) -> None:
    subscribed = subscribe(site, receiver)
    set_default(site)
    setup_session(site)
    book(site)
    assert receiver.received == []  # a session's first link is no change

    set_default(site, url="https://meet.google.com/new-room")

    assert subscribed["secret"].startswith("whsec_")
    assert [m["type"] for m in receiver.verified()] == ["session.link_changed"]
    message = receiver.verified()[0]
    assert message["data"] == {
        "site_id": site.site_id,
        "session_id": "s1",
        "status": "scheduled",
        "link_available": True,
        "provider": "custom",
        "reason": None,
    }
    headers = receiver.received[0].headers
    assert headers["webhook-id"].startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert headers["webhook-signature"].startswith("v1,")
    log = site.api.get(f"{site.base}/webhook/deliveries").json["items"]
    assert [(d["id"], d["outcome"], d["status_code"], d["attempt"]) for d in log] == [
        (headers["webhook-id"], "delivered", 204, 1)
    ]


def test_a_meeting_ready_is_sent_from_the_reconcile(
    site: SiteHandle, zoom: ZoomEmulator, receiver: Receiver
) -> None:
    connect(site, zoom)
    subscribe(site, receiver)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200

    created = site.api.put(f"{site.base}/sessions/s1", session())
    moved = site.api.put(f"{site.base}/sessions/s1", session(days=1))  # the same meeting, moved

    assert created.json["meeting_state"] == "ready"
    assert moved.status == 200
    ready = [m for m in receiver.verified() if m["type"] == "meeting.ready"]
    assert [m["data"] for m in ready] == [{"site_id": site.site_id, "session_id": "s1", "provider": "zoom"}]


def test_a_connection_that_needs_reconnecting_is_sent(
    site: SiteHandle, zoom: ZoomEmulator, receiver: Receiver
) -> None:
    connect(site, zoom)
    subscribe(site, receiver)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    zoom.revoke_user_tokens("zu-host")  # the grant dies at Zoom
    zoom.expire_access_tokens()

    site.api.put(f"{site.base}/sessions/s1", session())

    lost = [m for m in receiver.verified() if m["type"] == "connection.needs_reconnect"]
    assert len(lost) == 1
    assert lost[0]["data"]["staff_id"] is None
    assert lost[0]["data"]["connection_id"]
    assert site.api.get(f"{site.base}/vc-account").json["account"]["status"] == "needs_reconnect"


def test_an_email_bounce_is_sent_through_emit(site: SiteHandle, receiver: Receiver, worker: Any) -> None:
    """For the bounce handler (branch emails2): `emit(repo, site, EMAIL_BOUNCED, data, queue)`."""
    subscribe(site, receiver)
    root = container()
    data = {"session_id": "s1", "booking_id": "b1", "recipient": "client"}

    ref = platform_events.emit(root.repo, site.site_id, EventType.EMAIL_BOUNCED, data, root.queue)
    worker.drain()

    assert ref is not None
    assert [(m["type"], m["data"]["booking_id"]) for m in receiver.verified()] == [("email.bounced", "b1")]


def test_no_endpoint_no_event_and_no_write(site: SiteHandle, worker: Any) -> None:
    root = container()
    assert platform_events.emit(root.repo, site.site_id, EventType.EMAIL_BOUNCED, {}, root.queue) is None


def test_a_failed_delivery_is_retried_with_backoff_under_the_same_id(
    site: SiteHandle, receiver: Receiver, worker: Any
) -> None:
    subscribe(site, receiver)
    receiver.fail_next = 2
    root = container()

    platform_events.emit(root.repo, site.site_id, EventType.EMAIL_BOUNCED, {"booking_id": "b1"}, root.queue)
    worker.drain()
    assert len(receiver.received) == 1
    worker.drain()
    later(worker, 1)  # not again at once: the backoff holds it
    assert len(receiver.received) == 1
    later(worker, 40)
    later(worker, 110)

    assert [r.verified for r in receiver.received] == [True, True, True]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    log = site.api.get(f"{site.base}/webhook/deliveries").json["items"]
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in log] == [
        (3, "delivered", 204),
        (2, "failed", 500),
        (1, "failed", 500),
    ]
    assert root.repo.get_work(platform_events.WorkRef.webhook(site.site_id, log[0]["id"], "")) is None


def test_the_delivery_log_is_paged(site: SiteHandle, receiver: Receiver, worker: Any) -> None:
    subscribe(site, receiver)
    root = container()
    for n in range(5):
        platform_events.emit(root.repo, site.site_id, EventType.EMAIL_BOUNCED, {"n": n}, root.queue)
    worker.drain()

    first = site.api.get(f"{site.base}/webhook/deliveries", query={"limit": "2"}).json
    second = site.api.get(
        f"{site.base}/webhook/deliveries", query={"limit": "2", "cursor": first["next_cursor"]}
    ).json

    assert len(first["items"]) == 2
    assert len(second["items"]) == 2
    assert {d["id"] for d in first["items"]}.isdisjoint(d["id"] for d in second["items"])


def test_the_secret_is_shown_once_and_rotated_on_request(site: SiteHandle, receiver: Receiver) -> None:
    first = subscribe(site, receiver)

    again = site.api.put(f"{site.base}/webhook", {"url": receiver.url})
    read = site.api.get(f"{site.base}/webhook")
    rotated = site.api.put(f"{site.base}/webhook", {"url": receiver.url, "rotate_secret": True})

    assert again.json["secret"] is None
    assert read.json["secret"] is None
    assert first["secret"] not in read.text
    assert rotated.json["secret"].startswith("whsec_")
    assert rotated.json["secret"] != first["secret"]
    assert set(read.json["events"]) == {e.value for e in EventType}


def test_a_removed_endpoint_drops_the_events_not_yet_sent(
    site: SiteHandle, receiver: Receiver, worker: Any
) -> None:
    subscribe(site, receiver)
    root = container()
    ref = platform_events.emit(root.repo, site.site_id, EventType.EMAIL_BOUNCED, {}, None)

    assert site.api.delete(f"{site.base}/webhook").status == 204
    assert site.api.get(f"{site.base}/webhook").status == 404
    assert ref is not None
    root.queue.send([ref])
    worker.drain()
    assert receiver.received == []
    assert root.repo.get_work(ref) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/vclinks",  # https only
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",  # the instance metadata service
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://user:pass@hooks.example.com/hook",
        "https://hooks.internal/hook",
    ],
)
def test_an_endpoint_that_could_reach_inside_is_refused(site: SiteHandle, url: str) -> None:
    answer = site.api.put(f"{site.base}/webhook", {"url": url})

    assert answer.status == 400, answer.text
    assert container().repo.get_site(site.site_id).webhook is None  # type: ignore[union-attr]


def test_loopback_over_http_is_the_local_stack_s_only(site: SiteHandle, loopback_allowed: None) -> None:
    assert site.api.put(f"{site.base}/webhook", {"url": "http://127.0.0.1:9/hook"}).status == 200
    assert site.api.put(f"{site.base}/webhook", {"url": "http://10.0.0.8/hook"}).status == 400
    assert site.api.put(f"{site.base}/webhook", {"url": "https://hooks.example.com/vclinks"}).status == 200


def test_no_deployment_allows_loopback() -> None:
    from local.template import load_template

    assert "WEBHOOK_ALLOW_LOOPBACK" not in str(load_template())
