"""What a request costs at the size of real users (issue 9's bars): the same site with 10 or
10,000 sessions, a class with 10 or 1,000 bookings, measured on DynamoDB Local (Amazon's own
engine) with the rest of AWS on moto, the Zoom emulator, the gateway and the worker in this
process. A request's DynamoDB calls and the items they read must not grow with the site; at
most one provider call is made inline. Used by tests/storage/test_scale.py and `make bench`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import Answer, Api, SiteHandle
from tests.support.aws import TEST_ENV, reset_caches
from tests.support.zoom import ADMIN_APP, REDIRECT, WEBHOOK_TOKENS, connect

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


@dataclass(frozen=True)
class Cost:
    """What one request cost: DynamoDB calls and items read by operation, provider calls, time."""

    status: int
    calls: dict[str, int]
    items: dict[str, int]
    provider_calls: dict[str, int]
    seconds: float
    answer: Any = field(default=None, repr=False, compare=False)  # the request's answer itself

    @property
    def dynamodb_calls(self) -> int:
        return sum(n for name, n in self.calls.items() if name.startswith("dynamodb."))

    @property
    def items_read(self) -> int:
        return sum(self.items.values())

    def shape(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """What must not change with the site's size."""
        return self.calls, self.items, self.provider_calls


@dataclass
class World:
    """The in-process service over DynamoDB Local; `api(site)` calls it as the site's admin."""

    gateway: Any
    poller: Any
    zoom: Any
    running: bool = False  # requests leave their work queued: a fan-out at size is the bench's, not a test's
    sites: dict[str, SiteHandle] = field(default_factory=dict)

    def after_request(self, _: object) -> None:
        if self.running:
            self.poller.drain()

    @contextmanager
    def worker_paused(self) -> Iterator[None]:
        running, self.running = self.running, False
        try:
            yield
        finally:
            self.running = running

    def site(self, name: str) -> SiteHandle:
        from shared.bootstrap import container
        from shared.services.sites import create_site

        record, key = create_site(container().repo, name)
        handle = SiteHandle(record.site_id, key, Api(self.gateway, key))
        self.sites[record.site_id] = handle
        return handle

    def anonymous(self) -> Api:
        return Api(self.gateway)

    def measure(self, call: Callable[[], Answer]) -> Cost:
        """One request, the worker paused: only what the request itself does is counted."""
        from local.aws import count_aws_calls

        before = dict(self.zoom.calls())
        items: Counter[str] = Counter()
        with self.worker_paused(), count_aws_calls(items) as calls:
            began = time.perf_counter()
            answer = call()
            seconds = time.perf_counter() - began
        after = dict(self.zoom.calls())
        provider = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
        read = {k: v for k, v in items.items() if v}
        return Cost(answer.status, dict(calls), read, provider, seconds, answer)

    def webhook(self, event: str, payload: dict[str, Any]) -> Answer:
        raw = json.dumps({"event": event, "event_ts": int(time.time() * 1000), "payload": payload})
        stamp = str(int(time.time()))
        digest = hmac.new(WEBHOOK_TOKENS[0].encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256)
        headers = {"x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest.hexdigest()}"}
        return self.anonymous().post("/v1/zoom/webhook", raw=raw, headers=headers)


@contextmanager
def world(dynamodb_endpoint: str) -> Iterator[World]:
    """DynamoDB on DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB`), SQS, Secrets Manager and SES on
    moto, the Zoom emulator with both apps, everything created from template.yaml."""
    import boto3
    from moto import mock_aws
    from werkzeug.test import Client

    from local.gateway import Gateway
    from local.template import http_routes, load_template
    from local.zoom_emulator import ADMIN_SCOPES, Managed, ZoomApp, ZoomEmulator
    from tests.support.aws import create_world

    saved = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(TEST_ENV | {"AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint})
    emulator = ZoomEmulator(redirect_uris=(REDIRECT,), webhook_secret_token=WEBHOOK_TOKENS[0])
    emulator.register_app(
        ZoomApp(
            *ADMIN_APP,
            Managed.ADMIN,
            ADMIN_SCOPES,
            redirect_uris=(REDIRECT,),
            webhook_secret_token=WEBHOOK_TOKENS[1],
        )
    )
    url = emulator.start()
    try:
        with mock_aws():
            _, poller = create_world(prefix=f"s{uuid.uuid4().hex[:10]}")
            secret = {
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
                "webhook_secret_token": WEBHOOK_TOKENS[0],
                "admin_client_id": ADMIN_APP[0],
                "admin_client_secret": ADMIN_APP[1],
                "admin_webhook_secret_token": WEBHOOK_TOKENS[1],
            }
            arn = boto3.client("secretsmanager").create_secret(
                Name="scale/app", SecretString=json.dumps(secret)
            )
            os.environ.update(
                {
                    "ZOOM_APP_SECRET_ARN": arn["ARN"],
                    "ZOOM_API_BASE_URL": f"{url}/v2",
                    "ZOOM_OAUTH_BASE_URL": url,
                }
            )
            reset_caches()
            holder: dict[str, World] = {}
            gateway = Gateway(
                http_routes(load_template()), after_invoke=lambda r: holder["w"].after_request(r)
            )
            built = World(Client(gateway), poller, emulator)
            holder["w"] = built
            yield built
    finally:
        emulator.stop()
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()


# -- seeding in bulk (batch writes: a real school's size in seconds) ------------------------------


def seed_sessions(
    site_id: str,
    service_id: str,
    count: int,
    *,
    staff_id: str | None = "anna",
    meeting_of: str | None = None,
    host: str = "zu-host",
) -> list[str]:
    """`count` upcoming sessions of one service and staff member (with meetings of connection
    `meeting_of`, as if the worker had made them). Returns their ids."""
    from shared.bootstrap import container
    from shared.domain.models import MeetingRef, MeetingState, Session

    sessions = []
    for n in range(count):
        start = START + timedelta(minutes=30 * n)
        meeting = (
            MeetingRef(
                meeting_id=f"9{n:010d}",
                connection_id=meeting_of,
                host_user_id=host,
                join_url=f"https://zoom.example/j/{n}",
                start_url=f"https://zoom.example/s/{n}",
                start=start,
                duration_minutes=60,
            )
            if meeting_of
            else None
        )
        sessions.append(
            Session(
                site_id=site_id,
                session_id=f"seed-{n}",
                service_id=service_id,
                staff_id=staff_id,
                start=start,
                end=start + timedelta(hours=1),
                jitsi_room=f"vclinks-seed-{n}",
                staff_join_secret=f"staff-secret-{n}",
                meeting=meeting,
                meeting_state=MeetingState.READY if meeting else MeetingState.NONE,
            )
        )
    container().repo.import_sessions(sessions)
    return [s.session_id for s in sessions]


def seed_bookings(site_id: str, session_id: str, count: int, *, told: bool = True) -> list[str]:
    """`count` active bookings of one session, each client told of the link (X02) if `told`."""
    from shared.bootstrap import container
    from shared.domain.models import Booking

    bookings = [
        Booking(
            site_id=site_id,
            session_id=session_id,
            booking_id=f"b{n}",
            client_name=f"Client {n}",
            client_email=f"client{n}@{site_id}.test",
            join_secret=f"join-secret-{n}",
            notified_fingerprint="told-before" if told else None,
        )
        for n in range(count)
    ]
    container().repo.import_bookings(bookings)
    return [b.booking_id for b in bookings]


def connect_zoom(world_: World, site: SiteHandle, access: str = "user") -> tuple[str, str]:
    """The site's default account: a Zoom user of its own (an owner), through the consent form
    (`access="account"`: the admin-managed app, which may host for the account's other users).
    Returns the connection id and the Zoom user id."""
    from shared.bootstrap import container

    user = world_.zoom.add_user(
        f"acct-{site.site_id}", f"owner@{site.site_id}.test", "Olga", "Owner", "Owner"
    )
    connect(site, world_.zoom, access=access, user=user)
    record = container().repo.get_site(site.site_id)
    assert record is not None
    return str(record.default_account.connection_id), user  # type: ignore[union-attr]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- the requests whose cost is compared across sizes -------------------------------------------


def requests_of_a_site(world_: World, sessions: int, bookings: int) -> dict[str, Cost]:
    """Every write route and the reads, on a site of `sessions` sessions and a class of `bookings`."""
    site = world_.site(f"Studio {sessions}")
    base, api = site.base, site.api
    assert (
        api.put(f"{base}/vc-account", {"provider": "custom", "url": "https://meet.example/room"}).status
        == 200
    )
    assert api.put(f"{base}/services/yoga", {"kind": "appointment", "online": True}).status == 200
    assert api.put(f"{base}/services/course", {"kind": "course", "online": True}).status == 200
    assert api.put(f"{base}/services/flow", {"kind": "class", "online": True}).status == 200
    seed_sessions(site.site_id, "yoga", sessions)
    seed_sessions(site.site_id, "course", sessions, staff_id=None)
    class_body = {
        "service_id": "flow",
        "staff_id": "anna",
        "start": iso(START),
        "end": iso(START + timedelta(hours=1)),
    }
    assert api.put(f"{base}/sessions/class", class_body).status == 201
    seed_bookings(site.site_id, "class", bookings)
    one = f"{base}/sessions/seed-1"
    moved = {
        "service_id": "yoga",
        "staff_id": "anna",
        "start": iso(START + timedelta(days=30)),
        "end": iso(START + timedelta(days=30, hours=1)),
    }
    reassigned = moved | {"staff_id": "ben"}
    link = {"provider": "custom", "url": "https://meet.example/other"}
    client = {"client_name": "New Client", "client_email": "new@client.test"}
    measure = world_.measure
    booking_link = api.get(f"{base}/sessions/class/bookings/b1").json["join_url"]
    join = "/v1/j/" + booking_link.rsplit("/v1/j/", 1)[1]
    report = {"from": iso(START - timedelta(days=1)), "to": iso(START + timedelta(days=200)), "limit": "100"}
    return {
        "PUT service (online off: a fan-out)": measure(
            lambda: api.put(f"{base}/services/yoga", {"kind": "appointment", "online": False})
        ),
        "PUT service (online on again)": measure(
            lambda: api.put(f"{base}/services/yoga", {"kind": "appointment", "online": True})
        ),
        "PUT course link (a fan-out)": measure(lambda: api.put(f"{base}/services/course/link", link)),
        "PUT session (reschedule)": measure(lambda: api.put(one, moved)),
        "PUT session (reassign)": measure(lambda: api.put(one, reassigned)),
        "PUT session link": measure(lambda: api.put(f"{one}/link", link)),
        "DELETE session link (restore)": measure(lambda: api.delete(f"{one}/link")),
        "POST session link/remove": measure(lambda: api.post(f"{one}/link/remove")),
        "DELETE session (cancel)": measure(lambda: api.delete(one)),
        "PUT booking (new, in the class)": measure(
            lambda: api.put(f"{base}/sessions/class/bookings/new", client)
        ),
        "DELETE booking": measure(lambda: api.delete(f"{base}/sessions/class/bookings/b2")),
        "PUT default account (a fan-out)": measure(lambda: api.put(f"{base}/vc-account", link)),
        "PUT staff account (a fan-out)": measure(lambda: api.put(f"{base}/staff/anna/vc-account", link)),
        "PATCH settings": measure(lambda: api.patch(f"{base}/settings", {"language": "fr"})),
        "GET session link": measure(
            lambda: api.get(f"{base}/sessions/class/link", query={"audience": "client", "booking": "b1"})
        ),
        "GET /v1/j/{token}": measure(lambda: world_.anonymous().get(join)),
        "PUT session (reassign the class)": measure(
            lambda: api.put(f"{base}/sessions/class", class_body | {"staff_id": "ben"})
        ),
        "GET /v1/j/{token} (its hints name the former staff member)": measure(
            lambda: world_.anonymous().get(join)
        ),
        "GET report (a page of 100)": measure(
            lambda: api.get(f"{base}/reports/online-meetings", query=report)
        ),
        "DELETE default account (a fan-out)": measure(lambda: api.delete(f"{base}/vc-account")),
    }


def zoom_requests_of_a_site(world_: World, sessions: int) -> dict[str, Cost]:
    """The Zoom side at size: a site whose `sessions` sessions hold meetings of its connection."""
    site = world_.site(f"Zoom Studio {sessions}")
    base, api = site.base, site.api
    connection, user = connect_zoom(world_, site)
    assert api.put(f"{base}/services/yoga", {"kind": "appointment", "online": True}).status == 200
    seed_sessions(site.site_id, "yoga", sessions, meeting_of=connection, host=user)
    body = {
        "service_id": "yoga",
        "staff_id": "anna",
        "start": iso(START),
        "end": iso(START + timedelta(hours=1)),
    }
    created = world_.measure(lambda: api.put(f"{base}/sessions/real", body))
    moved = body | {"start": iso(START + timedelta(days=1)), "end": iso(START + timedelta(days=1, hours=1))}
    costs = {
        "PUT session (create: 1 Zoom create inline)": created,
        "PUT session (reschedule: 1 Zoom PATCH inline)": world_.measure(
            lambda: api.put(f"{base}/sessions/real", moved)
        ),
        "Zoom webhook meeting.deleted": world_.measure(
            lambda: world_.webhook("meeting.deleted", {"account_id": "", "object": {"id": "90000000001"}})
        ),
    }
    from tests.support.zoom import decide

    browser = site.api.as_(None)  # the admin's browser: it holds the connect flow's cookie
    path, query = _consented(world_, site, user)
    page = world_.measure(lambda: browser.get(path, query=query))
    costs["OAuth callback (reconnect: Zoom's token and identity)"] = page
    costs["OAuth confirm (the reconnect attached: a fan-out)"] = world_.measure(
        lambda: decide(browser, page.answer)
    )
    account = world_.zoom.users[user]["account_id"]
    costs["Zoom webhook app_deauthorized"] = world_.measure(
        lambda: world_.webhook("app_deauthorized", {"account_id": account, "user_id": user})
    )
    return costs


def _consented(world_: World, site: SiteHandle, user: str) -> tuple[str, dict[str, str]]:
    """A reconnect up to Zoom's redirect back (the callback's path and query, to measure alone)."""
    from urllib.parse import parse_qs, urlsplit

    from tests.support.zoom import consent, start

    started = start(site)
    callback = urlsplit(consent(world_.zoom, started.headers["Location"], user))
    return callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()}
