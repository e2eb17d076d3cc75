"""Concurrency over HTTP on the local stack (issue 9, DESIGN.md bar: 0 lost updates and 0 dead
join links with 20 concurrent identical or conflicting requests per write route).

Every write route of template.yaml (every method but GET, and the GETs that write: the OAuth
callback) has two races here, and a route without them fails `test_every_write_route_has_
both_races`:
- IDENTICAL: 20 copies of one request at once answer as the same request sent 20 times one
  after another would: the same success (a create: one 201, nineteen 200, the same join
  link), or, for a DELETE whose repeat is specified as 404, one success and nineteen 404.
  Zoom is called as for one request (one meeting, one registrant, one delete).
- CONFLICTING: 20 different values for one record at once. Each answer is a success or a
  retryable 409 problem; after the worker settles, the stored state is the state of ONE
  successful request (no mix of two, no lost update), the provider agrees with it, and every
  join link any answer gave still works, except those the spec revokes.
Nothing ever answers 5xx. Each race records its figures (tests/support/concurrency.py); the
table is printed in pytest's terminal summary (tests/e2e/conftest.py), and written as JSON
where VCLINKS_CONCURRENCY_REPORT points (for `make bench`).

Measured when this suite was written (local stack on moto, 2 cores shared with other runs):
46 races, 920 requests: 0 lost updates, 0 dead join links (61 checked), 0 to 1 retryable 409s
(a conflicting race may see one), about 4.5 minutes under a load average of 5. Before the fixes
it found, the same races lost the site's Zoom connection (20 concurrent connects), left a Zoom
meeting at an earlier time than its session (20 reschedules), mixed two email templates, told
three deauthorization deliveries they each removed the connection, answered 500 (moto's
non-atomic UpdateItem), and answered 200 to DELETEs that deleted nothing.

With the routes of issues 10 to 12 (measured 2026-12-01, load average 9 on 2 cores): 66 races,
1,320 requests, 0 lost updates, 0 dead join links (65 checked), 1 to 3 retryable 409s, about
11 minutes at that load (the races added about 23% of it). They found: 20 key rotations at
once all answering 201 and leaving only the last key working; a retire undoing a concurrent
rotation's overlap; 20 site deletions all answering 202; 20 sender DELETEs all answering 204;
a sender's claim let go by a concurrent create of the same SES identity; a write to a site
deleted meanwhile answering 404; and, in the local stack, requests reading each other's
Powertools event (one process for concurrent requests, where Lambda has one per request).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.stack import ZOOM_CLIENT_ID, ZOOM_WEBHOOK_TOKEN
from local.template import http_routes, load_template
from tests.support.concurrency import (
    RECORDED,
    SUCCESS,
    TIMES,
    Figures,
    is_retryable_conflict,
    race,
    report_path,
    write_report,
)
from tests.support.hosted import Hosted
from tests.support.stack import RETURN_TO, START, SiteClient, Stack, delta, iso, session_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WRITING_GETS = frozenset(
    {
        "GET /v1/oauth/zoom/start",  # spends a connect ticket, stores a state
        "GET /v1/oauth/zoom/callback",  # stores a pending connection
        "GET /v1/oauth/{provider}/start",
        "GET /v1/oauth/{provider}/callback",
    }
)
NOT_WRITES = frozenset({"GET", "OPTIONS"})
"""OPTIONS is a CORS preflight: it answers which origins and methods a browser may use, from the
site's settings, and stores nothing; the request the browser sends after it is raced here."""
WRITE_ROUTES = [
    r.route_key
    for r in http_routes(load_template())
    if r.method not in NOT_WRITES or r.route_key in WRITING_GETS
]
MEET = "https://meet.example.com/default"


def room(n: int | str) -> str:
    return f"https://meet.example.com/room-{n}"


Request = Callable[[], httpx.Response]
Scenario = Callable[["World"], None]
IDENTICAL: dict[str, Scenario] = {}
CONFLICTING: dict[str, Scenario] = {}


def identical(route: str) -> Callable[[Scenario], Scenario]:
    return functools.partial(_register, IDENTICAL, route)


def conflicting(route: str) -> Callable[[Scenario], Scenario]:
    return functools.partial(_register, CONFLICTING, route)


def _register(table: dict[str, Scenario], route: str, scenario: Scenario) -> Scenario:
    assert route not in table, route
    table[route] = scenario
    return scenario


# -- the world the races run in -----------------------------------------------------------


SITES = (
    "studio",  # a custom default link: staff, services, sessions, bookings, emails, tokens
    "admin",  # the site's own records: its default account, settings, templates, Zoom connections
    "zoom",  # a Zoom default: meetings and registrants
    "keys",  # its API key and token secret rotated (the races put the newest key in `sites`)
    "hooks",  # its webhook endpoint and sender address (no sessions: no event is ever delivered)
    "doomed",  # deleted, with a Zoom default
    "doomed-too",  # deleted, racing writes
)


@dataclass
class World:
    stack: Stack
    sites: dict[str, SiteClient]
    zoom_user: str | None = None  # the Zoom site's user, once a race connected it
    pending: list[tuple[Browser, httpx.Response]] = field(default_factory=list)
    """Confirmation pages the callback's race left for the confirmation's race to answer."""

    def site(self, name: str) -> SiteClient:
        return self.sites[name]

    def race(
        self, route: str, kind: str, requests: Sequence[Request]
    ) -> tuple[list[httpx.Response], Figures]:
        """Settle what came before, fire the requests together, let the worker finish; no 5xx."""
        assert len(requests) == TIMES
        self.stack.settle()
        started = time.monotonic()
        answers = race(requests)
        self.stack.settle()
        figures = Figures.of(route, kind, answers, started)
        RECORDED.append(figures)
        errors = [(a.status_code, a.text[:200]) for a in answers if a.status_code >= 500]
        assert not errors, errors
        return answers, figures

    def check_links(self, figures: Figures, expected: dict[str, tuple[int, str | None]]) -> None:
        """Every join link given out answers as expected: (302, where it goes) or (status, None)."""
        wrong = {}
        for url, (status, location) in expected.items():
            answer = httpx.get(url, timeout=30)
            got = (answer.status_code, answer.headers.get("location") if location is not None else None)
            if got != (status, location):
                wrong[url] = (got, (status, location))
        figures.join_links_checked += len(expected)
        figures.dead_links += len(wrong)
        assert not wrong, wrong


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    with ThreadPoolExecutor(max_workers=len(SITES)) as pool:
        created = dict(zip(SITES, pool.map(stack.create_site, SITES), strict=True))
    studio = created["studio"]
    studio.ok("PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": MEET})
    world = World(stack, created)
    yield world
    for browser, page in world.pending:  # a confirmation race that did not run: nothing left waiting
        browser.decide(page, "cancel")
    path = report_path()
    if path is not None:
        write_report(path)


def test_every_write_route_has_both_races() -> None:
    """A new write route in template.yaml must get its two races here."""
    assert set(IDENTICAL) <= set(WRITE_ROUTES), set(IDENTICAL) - set(WRITE_ROUTES)
    assert set(CONFLICTING) <= set(WRITE_ROUTES), set(CONFLICTING) - set(WRITE_ROUTES)
    missing = [r for r in WRITE_ROUTES if r not in IDENTICAL or r not in CONFLICTING]
    assert not missing, f"write routes without a concurrency race: {missing}"


@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_20_identical_requests_answer_as_one(world: World, route: str) -> None:
    if route not in IDENTICAL:
        pytest.fail(f"no race of identical requests for {route}: add one to this module")
    IDENTICAL[route](world)


@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_20_conflicting_requests_leave_one_of_them(world: World, route: str) -> None:
    if route not in CONFLICTING:
        pytest.fail(f"no race of conflicting requests for {route}: add one to this module")
    CONFLICTING[route](world)


# -- helpers --------------------------------------------------------------------------------


def call(site: SiteClient, method: str, path: str, body: Any = None) -> Request:
    return functools.partial(site.call, method, path, body)


def statuses(answers: Sequence[httpx.Response]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for answer in answers:
        counted[answer.status_code] = counted.get(answer.status_code, 0) + 1
    return dict(sorted(counted.items()))


def succeeded(answers: Sequence[httpx.Response], ok: frozenset[int] = SUCCESS) -> list[int]:
    """Indexes of the successful answers; every other answer must be a retryable 409 problem."""
    others = [
        (a.status_code, a.text[:200])
        for a in answers
        if a.status_code not in ok and not is_retryable_conflict(a)
    ]
    assert not others, others
    return [i for i, a in enumerate(answers) if a.status_code in ok]


def lost(figures: Figures, final: object, candidates: Sequence[object]) -> None:
    """The final state must be one successful request's (a lost update otherwise)."""
    if final not in candidates:
        figures.lost_updates += 1
    assert final in candidates, (final, candidates)


def prepare(
    site: SiteClient,
    tag: str,
    *,
    kind: str = "appointment",
    online: bool = True,
    staff: str | None = None,
    bookings: int = 1,
    start: Any = START,
) -> list[str]:
    """A service `svc-{tag}`, a session `s-{tag}` and its bookings `b-{tag}-{n}`; their join links."""
    site.ok("PUT", f"{site.base}/services/svc-{tag}", {"kind": kind, "online": online})
    body = session_body(start, service_id=f"svc-{tag}", staff_id=staff)
    site.ok("PUT", f"{site.base}/sessions/s-{tag}", body)
    return [
        site.ok(
            "PUT",
            f"{site.base}/sessions/s-{tag}/bookings/b-{tag}-{n}",
            {"client_name": f"Client {n}", "client_email": f"c{n}-{tag}@{site.site_id}.test"},
        )["join_url"]
        for n in range(bookings)
    ]


def link_of(site: SiteClient, tag: str, booking: int = 0) -> dict[str, Any]:
    path = f"{site.base}/sessions/s-{tag}/link"
    return dict(site.ok("GET", path, params={"audience": "client", "booking": f"b-{tag}-{booking}"}))


def zoom_site(world: World, name: str) -> tuple[SiteClient, str]:
    site = world.site(name)
    user = world.stack.new_zoom_user()
    site.connect_zoom(user)
    return site, user


def meetings_of(stack: Stack, user: str) -> list[dict[str, Any]]:
    return [m for m in stack.meetings() if m["host_id"] == user]


# -- the site's default account -------------------------------------------------------------

SITE_ACCOUNT = "PUT /v1/sites/{site}/vc-account"


@identical(SITE_ACCOUNT)
def _(world: World) -> None:
    """W01, S08: a custom link set 20 times at once over a Zoom default: all answer the same,
    the Zoom default is let go once (its meeting deleted, its grant revoked once)."""
    site, user = zoom_site(world, "admin")
    [join] = prepare(site, "acct")
    world.stack.settle()
    before = world.stack.zoom_calls()
    body = {"provider": "custom", "url": room("a")}
    path = f"{site.base}/vc-account"
    answers, figures = world.race(SITE_ACCOUNT, "identical", [call(site, "PUT", path, body)] * TIMES)
    world.stack.sweep(timedelta(minutes=1))  # the grant goes once its sessions let go (30 s)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {200: TIMES}
    account = body | {"password": None, "description": None}
    assert all(a.json() == {"connected": True, "account": account} for a in answers)
    lost(figures, site.ok("GET", path)["account"]["url"], [room("a")])
    assert figures.provider_calls == {"delete_meeting": 1, "token_revoke": 1}
    assert meetings_of(world.stack, user) == []
    world.check_links(figures, {join: (302, room("a"))})


@conflicting(SITE_ACCOUNT)
def _(world: World) -> None:
    site = world.site("admin")
    [join] = prepare(site, "acct2")
    requests = [
        call(site, "PUT", f"{site.base}/vc-account", {"provider": "custom", "url": room(i)})
        for i in range(TIMES)
    ]
    answers, figures = world.race(SITE_ACCOUNT, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    assert all(answers[i].json()["account"]["url"] == room(i) for i in ok)
    final = site.ok("GET", f"{site.base}/vc-account")["account"]["url"]
    lost(figures, final, [room(i) for i in ok])
    world.check_links(figures, {join: (302, final)})


SITE_DISCONNECT = "DELETE /v1/sites/{site}/vc-account"


@identical(SITE_DISCONNECT)
def _(world: World) -> None:
    """W06, S08: 20 disconnects of a Zoom default: each meeting deleted once, one grant revoked."""
    site, user = zoom_site(world, "admin")
    [join] = prepare(site, "disc")
    world.stack.settle()
    meetings = len(meetings_of(world.stack, user))  # this session's and the site's earlier ones
    assert meetings >= 1
    before = world.stack.zoom_calls()
    answers, figures = world.race(
        SITE_DISCONNECT, "identical", [call(site, "DELETE", f"{site.base}/vc-account")] * TIMES
    )
    world.stack.sweep(timedelta(minutes=1))  # the grant goes once its sessions let go (30 s)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {200: TIMES}
    assert all(a.json() == {"connected": False, "account": None} for a in answers)
    lost(figures, site.ok("GET", f"{site.base}/vc-account")["connected"], [False])
    assert figures.provider_calls == {"delete_meeting": meetings, "token_revoke": 1}
    assert meetings_of(world.stack, user) == []
    world.check_links(figures, {join: (200, None)})  # W06: a page saying why, not a dead end


@conflicting(SITE_DISCONNECT)
def _(world: World) -> None:
    """A disconnect racing settings PATCHes stays disconnected, and the PATCHes land."""
    site = world.site("admin")
    site.ok("PUT", f"{site.base}/vc-account", {"provider": "custom", "url": room("back")})
    [join] = prepare(site, "disc2")
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", f"{site.base}/vc-account"))
        requests.append(call(site, "PATCH", f"{site.base}/settings", {"join_window_minutes": 30 + i}))
    answers, figures = world.race(SITE_DISCONNECT, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    patched = [30 + i // 2 for i in ok if i % 2]
    assert all(answers[i].json()["join_window_minutes"] == 30 + i // 2 for i in ok if i % 2)
    settings = site.ok("GET", f"{site.base}/settings")
    lost(figures, site.ok("GET", f"{site.base}/vc-account")["connected"], [False])
    lost(figures, settings["join_window_minutes"], patched)
    site.ok("PATCH", f"{site.base}/settings", {"join_window_minutes": None})
    world.check_links(figures, {join: (200, None)})


# -- staff accounts -------------------------------------------------------------------------

STAFF_ACCOUNT = "PUT /v1/sites/{site}/staff/{staff}/vc-account"
STAFF_DISCONNECT = "DELETE /v1/sites/{site}/staff/{staff}/vc-account"


@identical(STAFF_ACCOUNT)
def _(world: World) -> None:
    site = world.site("studio")
    [join] = prepare(site, "anna", staff="anna")
    body = {"provider": "custom", "url": room("anna")}
    path = f"{site.base}/staff/anna/vc-account"
    answers, figures = world.race(STAFF_ACCOUNT, "identical", [call(site, "PUT", path, body)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, site.ok("GET", path)["account"]["url"], [room("anna")])
    world.check_links(figures, {join: (302, room("anna"))})


@conflicting(STAFF_ACCOUNT)
def _(world: World) -> None:
    site = world.site("studio")
    path = f"{site.base}/staff/anna/vc-account"
    [join] = prepare(site, "anna2", staff="anna")
    urls = [room(f"anna-{i}") for i in range(TIMES)]
    requests = [call(site, "PUT", path, {"provider": "custom", "url": url}) for url in urls]
    answers, figures = world.race(STAFF_ACCOUNT, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    assert all(answers[i].json()["account"]["url"] == urls[i] for i in ok)
    final = site.ok("GET", path)["account"]["url"]
    lost(figures, final, [urls[i] for i in ok])
    world.check_links(figures, {join: (302, final)})


@identical(STAFF_DISCONNECT)
def _(world: World) -> None:
    """The first DELETE removes the account; the others find none: 404, as one after another."""
    site = world.site("studio")
    [join] = prepare(site, "bert", staff="bert")
    path = f"{site.base}/staff/bert/vc-account"
    site.ok("PUT", path, {"provider": "custom", "url": room("bert")})
    answers, figures = world.race(STAFF_DISCONNECT, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {200: 1, 404: TIMES - 1}
    assert {a.json()["type"] for a in answers if a.status_code == 404} == {
        "https://vclinks.dev/problems/not-found"
    }
    lost(figures, site.ok("GET", path)["connected"], [False])
    world.check_links(figures, {join: (302, MEET)})  # the site default again


@conflicting(STAFF_DISCONNECT)
def _(world: World) -> None:
    site = world.site("studio")
    path = f"{site.base}/staff/bert/vc-account"
    site.ok("PUT", path, {"provider": "custom", "url": room("bert")})
    [join] = prepare(site, "bert2", staff="bert")
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"provider": "custom", "url": room(f"bert-{i}")}))
    answers, figures = world.race(STAFF_DISCONNECT, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 404}))
    deleted = any(answers[i].status_code == 200 for i in ok if i % 2 == 0)
    assert all(answers[i].status_code == 200 for i in ok if i % 2)
    candidates = ([None] if deleted else []) + [room(f"bert-{i // 2}") for i in ok if i % 2]
    account = site.ok("GET", path)["account"]
    final = account["url"] if account else None
    lost(figures, final, candidates)
    world.check_links(figures, {join: (302, final or MEET)})


# -- settings and tokens ----------------------------------------------------------------------

SETTINGS = "PATCH /v1/sites/{site}/settings"
TOKENS = "POST /v1/sites/{site}/tokens"


@identical(SETTINGS)
def _(world: World) -> None:
    site = world.site("admin")
    body = {"language": "fr", "members_area_links": False}
    answers, figures = world.race(
        SETTINGS, "identical", [call(site, "PATCH", f"{site.base}/settings", body)] * TIMES
    )
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    final = site.ok("GET", f"{site.base}/settings")
    lost(figures, {k: final[k] for k in body}, [body])


SETTING_VALUES: dict[str, list[Any]] = {
    "members_area_links": [False, True, False, True],
    "join_window_minutes": [11, 12, 13, 14],
    "language": ["it", "de", "es", "nl"],
    "timezone": ["Europe/Rome", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam"],
    "reply_to": ["desk-1@studio.test", "desk-2@studio.test", "desk-3@studio.test", "desk-4@studio.test"],
}


@conflicting(SETTINGS)
def _(world: World) -> None:
    """Twenty PATCHes, four to each of five fields with different values: every field lands."""
    site = world.site("admin")
    fields = list(SETTING_VALUES)
    bodies = [{fields[i % 5]: SETTING_VALUES[fields[i % 5]][i // 5]} for i in range(TIMES)]
    requests = [call(site, "PATCH", f"{site.base}/settings", body) for body in bodies]
    answers, figures = world.race(SETTINGS, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    for i in ok:
        ((name, value),) = bodies[i].items()
        assert answers[i].json()[name] == value
    final = site.ok("GET", f"{site.base}/settings")
    for name in fields:
        lost(figures, final[name], [bodies[i][name] for i in ok if name in bodies[i]])
    reset = {
        "language": "en",
        "members_area_links": True,
        "join_window_minutes": None,
        "timezone": "UTC",
        "reply_to": None,
    }
    site.ok("PATCH", f"{site.base}/settings", reset)


def _token_works(site: SiteClient, body: dict[str, Any], token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    if body["role"] == "admin":
        path, params = f"{site.base}/settings", {}
    elif body["role"] == "staff":
        path, params = f"{site.base}/staff/{body['staff_id']}/vc-account", {}
    else:
        path = f"{site.base}/sessions/{body['session_id']}/link"
        params = {"audience": "client", "booking": body["booking_id"]}
    return (
        httpx.get(f"{site.stack.base_url}{path}", params=params, headers=headers, timeout=30).status_code
        == 200
    )


@identical(TOKENS)
def _(world: World) -> None:
    """A token is minted, not stored: 20 requests, 20 tokens, each of them works."""
    site = world.site("studio")
    body = {"role": "staff", "staff_id": "anna"}
    answers, _ = world.race(TOKENS, "identical", [call(site, "POST", f"{site.base}/tokens", body)] * TIMES)
    assert statuses(answers) == {201: TIMES}
    assert all(_token_works(site, body, a.json()["token"]) for a in answers)


@conflicting(TOKENS)
def _(world: World) -> None:
    site = world.site("studio")
    prepare(site, "token")
    bodies: list[dict[str, Any]] = [
        [
            {"role": "admin", "ttl_seconds": 60 + i},
            {"role": "staff", "staff_id": f"st-{i}"},
            {"role": "client", "session_id": "s-token", "booking_id": "b-token-0"},
        ][i % 3]
        for i in range(TIMES)
    ]
    answers, _ = world.race(
        TOKENS, "conflicting", [call(site, "POST", f"{site.base}/tokens", b) for b in bodies]
    )
    assert statuses(answers) == {201: TIMES}
    assert all(_token_works(site, b, a.json()["token"]) for a, b in zip(answers, bodies, strict=True))


# -- services and course links ----------------------------------------------------------------

SERVICE = "PUT /v1/sites/{site}/services/{service}"
SERVICE_DELETE = "DELETE /v1/sites/{site}/services/{service}"
COURSE_LINK = "PUT /v1/sites/{site}/services/{service}/link"
COURSE_LINK_DELETE = "DELETE /v1/sites/{site}/services/{service}/link"


@identical(SERVICE)
def _(world: World) -> None:
    """S02: a service turned online 20 times at once: its session shows the link once settled."""
    site = world.site("studio")
    [join] = prepare(site, "on", online=False)
    body = {"kind": "appointment", "online": True, "name": "Consultation"}
    answers, figures = world.race(
        SERVICE, "identical", [call(site, "PUT", f"{site.base}/services/svc-on", body)] * TIMES
    )
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, link_of(site, "on")["url"], [MEET])
    world.check_links(figures, {join: (302, MEET)})


def _service_name_in_email(site: SiteClient, tag: str) -> str:
    """The service's name as the client's next email gives it (the API has no GET of a service)."""
    address = f"c0-{tag}@{site.site_id}.test"
    body = {"type": "booking_confirmation", "session_id": f"s-{tag}", "booking_id": f"b-{tag}-0"}
    site.ok("POST", f"{site.base}/notifications", body | {"idempotency_key": f"read-{time.time()}"})
    [email] = [e for e in site.stack.outbox() if address in e["to"]][-1:]
    return str(email["text"])


@conflicting(SERVICE)
def _(world: World) -> None:
    """Online on and off with a name each: the service ends as one request left it, and its
    session's link follows the last one (the worker's fan-out runs after the last write)."""
    site = world.site("studio")
    [join] = prepare(site, "flip", online=False)
    bodies = [
        {"kind": "appointment", "online": i % 2 == 0, "name": f"Service number {i:02}"} for i in range(TIMES)
    ]
    requests = [call(site, "PUT", f"{site.base}/services/svc-flip", b) for b in bodies]
    answers, figures = world.race(SERVICE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    assert all(answers[i].json()["name"] == bodies[i]["name"] for i in ok)
    online = site.ok("GET", f"{site.base}/sessions/s-flip")["online"]
    text = _service_name_in_email(site, "flip")
    named = [i for i in ok if str(bodies[i]["name"]) in text]
    lost(figures, (online, len(named)), [(bodies[i]["online"], 1) for i in ok])
    link = link_of(site, "flip")
    assert (link["decision"], link.get("url")) == (("link", MEET) if online else ("none", None))
    world.check_links(figures, {join: (302, MEET) if online else (200, None)})


@identical(SERVICE_DELETE)
def _(world: World) -> None:
    """The first DELETE removes the service, the others find none (404, as one after another);
    the session's client link then shows a page, never an error."""
    site = world.site("studio")
    [join] = prepare(site, "gone")
    path = f"{site.base}/services/svc-gone"
    answers, figures = world.race(SERVICE_DELETE, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {204: 1, 404: TIMES - 1}
    lost(figures, site.call("GET", f"{site.base}/sessions/s-gone").status_code, [404])
    world.check_links(figures, {join: (200, None)})


@conflicting(SERVICE_DELETE)
def _(world: World) -> None:
    site = world.site("studio")
    [join] = prepare(site, "back")
    path = f"{site.base}/services/svc-back"
    requests: list[Request] = []
    for _ in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"kind": "appointment", "online": True}))
    answers, figures = world.race(SERVICE_DELETE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 204, 404}))
    assert all(answers[i].status_code in (204, 404) for i in ok if i % 2 == 0)
    assert all(answers[i].status_code == 200 for i in ok if i % 2)
    exists = site.call("GET", f"{site.base}/sessions/s-back").status_code == 200
    candidates = ([False] if any(answers[i].status_code == 204 for i in ok) else []) + (
        [True] if any(i % 2 for i in ok) else []
    )
    lost(figures, exists, candidates)
    world.check_links(figures, {join: (302, MEET) if exists else (200, None)})


def _course(site: SiteClient, tag: str, sessions: int = 3) -> list[str]:
    """A course with `sessions` sessions, a booking each whose client was told the link (X02)."""
    site.ok("PUT", f"{site.base}/services/svc-{tag}", {"kind": "course", "online": True})
    joins = []
    for n in range(sessions):
        body = session_body(START + timedelta(days=7 * n), service_id=f"svc-{tag}")
        site.ok("PUT", f"{site.base}/sessions/s-{tag}-{n}", body)
        booking = site.ok(
            "PUT",
            f"{site.base}/sessions/s-{tag}-{n}/bookings/b-{tag}-{n}",
            {"client_name": f"Client {n}", "client_email": f"c{n}-{tag}@{site.site_id}.test"},
        )
        notice = {"type": "booking_confirmation", "session_id": f"s-{tag}-{n}", "booking_id": f"b-{tag}-{n}"}
        site.ok("POST", f"{site.base}/notifications", notice)
        joins.append(booking["join_url"])
    return joins


def _course_links(site: SiteClient, tag: str, sessions: int = 3) -> list[str | None]:
    """Each session's client link as the API gives it: the course link, or None (the default)."""
    found = []
    for n in range(sessions):
        path = f"{site.base}/sessions/s-{tag}-{n}/link"
        link = site.ok("GET", path, params={"audience": "client", "booking": f"b-{tag}-{n}"})
        found.append(link["url"] if link["source"] == "course" else None)
    return found


@identical(COURSE_LINK)
def _(world: World) -> None:
    """W10, X02: 20 identical course link edits: every session gets it, every client is told once."""
    site = world.site("studio")
    joins = _course(site, "crs")
    path = f"{site.base}/services/svc-crs/link"
    answers, figures = world.race(
        COURSE_LINK, "identical", [call(site, "PUT", path, {"url": room("crs")})] * TIMES
    )
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    links = _course_links(site, "crs")
    figures.lost_updates += sum(link != room("crs") for link in links)
    assert links == [room("crs")] * 3
    told = [e for e in site.stack.outbox() if "-crs@" in e["to"][0] and e["subject"] != ""]
    changed = {e["to"][0]: 0 for e in told}
    for email in told:
        changed[email["to"][0]] += 1
    assert changed == {f"c{n}-crs@{site.site_id}.test": 2 for n in range(3)}  # the confirmation, one change
    world.check_links(figures, {join: (302, room("crs")) for join in joins})


@conflicting(COURSE_LINK)
def _(world: World) -> None:
    """W10: 20 different course links at once: every session ends with the SAME one of them."""
    site = world.site("studio")
    joins = _course(site, "crs2")
    urls = [room(f"crs2-{i}") for i in range(TIMES)]
    path = f"{site.base}/services/svc-crs2/link"
    answers, figures = world.race(
        COURSE_LINK, "conflicting", [call(site, "PUT", path, {"url": u}) for u in urls]
    )
    ok = succeeded(answers, frozenset({200}))
    assert all(answers[i].json()["course_link"]["url"] == urls[i] for i in ok)
    links = _course_links(site, "crs2")
    lost(figures, links[0], [urls[i] for i in ok])
    figures.lost_updates += sum(link != links[0] for link in links)
    assert len(set(links)) == 1, links
    world.check_links(figures, dict.fromkeys(joins, (302, links[0])))


@identical(COURSE_LINK_DELETE)
def _(world: World) -> None:
    site = world.site("studio")
    joins = _course(site, "crs3", sessions=2)
    path = f"{site.base}/services/svc-crs3/link"
    site.ok("PUT", path, {"url": room("crs3")})
    answers, figures = world.race(COURSE_LINK_DELETE, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {200: 1, 404: TIMES - 1}
    links = _course_links(site, "crs3", sessions=2)
    figures.lost_updates += sum(link is not None for link in links)
    assert links == [None, None]
    world.check_links(figures, dict.fromkeys(joins, (302, MEET)))


@conflicting(COURSE_LINK_DELETE)
def _(world: World) -> None:
    site = world.site("studio")
    joins = _course(site, "crs4", sessions=2)
    path = f"{site.base}/services/svc-crs4/link"
    site.ok("PUT", path, {"url": room("crs4")})
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"url": room(f"crs4-{i}")}))
    answers, figures = world.race(COURSE_LINK_DELETE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 404}))
    assert all(answers[i].status_code == 200 for i in ok if i % 2)
    deleted = any(answers[i].status_code == 200 for i in ok if i % 2 == 0)
    candidates = ([None] if deleted else []) + [room(f"crs4-{i // 2}") for i in ok if i % 2]
    links = _course_links(site, "crs4", sessions=2)
    lost(figures, links[0], candidates)
    assert len(set(links)) == 1, links
    world.check_links(figures, dict.fromkeys(joins, (302, links[0] or MEET)))


# -- sessions ---------------------------------------------------------------------------------

SESSION = "PUT /v1/sites/{site}/sessions/{session}"
SESSION_CANCEL = "DELETE /v1/sites/{site}/sessions/{session}"


def _zoom_world(world: World) -> tuple[SiteClient, str]:
    """The Zoom site, connected once (the first race that needs it connects it)."""
    site = world.site("zoom")
    if world.zoom_user is None:
        site, world.zoom_user = zoom_site(world, "zoom")
    return site, world.zoom_user


def follow(stack: Stack, url: str) -> tuple[int, str | None]:
    """Follow a link through our own redirects (a host link read again): where it lands."""
    answer = httpx.get(url, timeout=30)
    while answer.status_code == 302 and answer.headers["location"].startswith(stack.base_url):
        answer = httpx.get(answer.headers["location"], timeout=30)
    return answer.status_code, answer.headers.get("location")


def _meeting(stack: Stack, meeting_id: int) -> dict[str, Any] | None:
    return next((m for m in stack.meetings() if m["id"] == meeting_id), None)


def _starts_at(meeting: dict[str, Any]) -> str:
    return str(meeting["start_time"]).replace("+00:00", "Z")


@identical(SESSION)
def _(world: World) -> None:
    """S01, S03 bar: 20 identical session creates: one 201, nineteen 200, ONE Zoom meeting."""
    site, user = _zoom_world(world)
    site.ok("PUT", f"{site.base}/services/svc-z", {"kind": "appointment", "online": True})
    world.stack.settle()
    known = {m["id"] for m in meetings_of(world.stack, user)}
    before = world.stack.zoom_calls()
    body = session_body(service_id="svc-z")
    answers, figures = world.race(
        SESSION, "identical", [call(site, "PUT", f"{site.base}/sessions/s-z1", body)] * TIMES
    )
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {200: TIMES - 1, 201: 1}
    [staff_join] = {a.json()["staff_join_url"] for a in answers}
    [meeting] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    assert figures.provider_calls == {"create_meeting": 1}
    lost(figures, _starts_at(meeting), [iso(START)])
    figures.join_links_checked += 1
    landed = follow(world.stack, staff_join)
    figures.dead_links += landed != (302, meeting["start_url"])
    assert landed == (302, meeting["start_url"])


@conflicting(SESSION)
def _(world: World) -> None:
    """20 reschedules at once: the session ends at one of them and its Zoom meeting agrees."""
    site, user = _zoom_world(world)
    known = {m["id"] for m in meetings_of(world.stack, user)}
    [join] = prepare(site, "z2")
    world.stack.settle()
    [meeting] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    starts = [START + timedelta(hours=i + 1) for i in range(TIMES)]
    body = {"service_id": "svc-z2"}
    requests = [call(site, "PUT", f"{site.base}/sessions/s-z2", session_body(s, **body)) for s in starts]
    before = world.stack.zoom_calls()
    answers, figures = world.race(SESSION, "conflicting", requests)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    ok = succeeded(answers, frozenset({200}))
    final = site.ok("GET", f"{site.base}/sessions/s-z2")
    lost(figures, final["start"], [iso(starts[i]) for i in ok])
    moved = _meeting(world.stack, meeting["id"])
    assert moved is not None
    lost(figures, _starts_at(moved), [final["start"]])
    assert [m["id"] for m in meetings_of(world.stack, user) if m["id"] not in known] == [meeting["id"]]
    assert "create_meeting" not in figures.provider_calls
    assert final["meeting_state"] == "ready"
    world.check_links(figures, {join: (302, moved["join_url"])})
    _reassignments(world)


def _reassignments(world: World) -> None:
    """20 reassignments at once: the last staff member's link works; the links the others were
    given are revoked (X01: a reassigned staff member's old link), the client's never."""
    site = world.site("studio")
    [join] = prepare(site, "who", staff="st-start")
    bodies = [session_body(service_id="svc-who", staff_id=f"st-{i}") for i in range(TIMES)]
    requests = [call(site, "PUT", f"{site.base}/sessions/s-who", b) for b in bodies]
    answers, figures = world.race(SESSION, "conflicting (staff)", requests)
    ok = succeeded(answers, frozenset({200}))
    final = site.ok("GET", f"{site.base}/sessions/s-who")
    lost(figures, final["staff_id"], [f"st-{i}" for i in ok])
    given = {answers[i].json()["staff_join_url"] for i in ok} | {final["staff_join_url"]}
    expected = dict.fromkeys(given, (404, None)) | {final["staff_join_url"]: (302, MEET), join: (302, MEET)}
    world.check_links(figures, expected)


@identical(SESSION_CANCEL)
def _(world: World) -> None:
    """20 cancels at once: all 204 (a cancel is idempotent), ONE delete at Zoom; the client's
    link shows the cancellation page (revoked by the spec)."""
    site, user = _zoom_world(world)
    known = {m["id"] for m in meetings_of(world.stack, user)}
    [join] = prepare(site, "zc")
    world.stack.settle()
    [meeting] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    before = world.stack.zoom_calls()
    path = f"{site.base}/sessions/s-zc"
    answers, figures = world.race(SESSION_CANCEL, "identical", [call(site, "DELETE", path)] * TIMES)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {204: TIMES}
    assert figures.provider_calls == {"delete_meeting": 1}
    assert _meeting(world.stack, meeting["id"]) is None
    lost(figures, site.ok("GET", path)["status"], ["cancelled"])
    world.check_links(figures, {join: (200, None)})


@conflicting(SESSION_CANCEL)
def _(world: World) -> None:
    """Cancels racing reschedules: cancelled with no meeting left at Zoom, or scheduled at one
    of the times with exactly one meeting at that time."""
    site, user = _zoom_world(world)
    known = {m["id"] for m in meetings_of(world.stack, user)}
    [join] = prepare(site, "zc2")
    path = f"{site.base}/sessions/s-zc2"
    starts = {}
    requests: list[Request] = []
    for i in range(TIMES // 2):
        starts[2 * i + 1] = START + timedelta(hours=i + 1)
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, session_body(starts[2 * i + 1], service_id="svc-zc2")))
    answers, figures = world.race(SESSION_CANCEL, "conflicting", requests)
    world.stack.sweep(timedelta(minutes=10))  # what a retry would do, if one was left
    ok = succeeded(answers, frozenset({200, 204}))
    final = site.ok("GET", path)
    candidates = ([("cancelled", None)] if any(i % 2 == 0 for i in ok) else []) + [
        ("scheduled", iso(starts[i])) for i in ok if i % 2
    ]
    state = (final["status"], None if final["status"] == "cancelled" else final["start"])
    lost(figures, state, candidates)
    live = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    if state[0] == "cancelled":
        assert live == []
        world.check_links(figures, {join: (200, None)})
    else:
        [meeting] = live
        assert _starts_at(meeting) == final["start"]
        world.check_links(figures, {join: (302, meeting["join_url"])})


# -- session links ------------------------------------------------------------------------------

SESSION_LINK = "PUT /v1/sites/{site}/sessions/{session}/link"
SESSION_LINK_RESTORE = "DELETE /v1/sites/{site}/sessions/{session}/link"
SESSION_LINK_REMOVE = "POST /v1/sites/{site}/sessions/{session}/link/remove"


def _session_link(site: SiteClient, tag: str) -> str | None:
    """The session's client link: its URL, or None when it is in person."""
    link = link_of(site, tag)
    return link["url"] if link["decision"] == "link" else None


@identical(SESSION_LINK)
def _(world: World) -> None:
    site = world.site("studio")
    [join] = prepare(site, "ov")
    path = f"{site.base}/sessions/s-ov/link"
    answers, figures = world.race(
        SESSION_LINK, "identical", [call(site, "PUT", path, {"url": room("ov")})] * TIMES
    )
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, _session_link(site, "ov"), [room("ov")])
    world.check_links(figures, {join: (302, room("ov"))})


@conflicting(SESSION_LINK)
def _(world: World) -> None:
    site = world.site("studio")
    [join] = prepare(site, "ov2")
    path = f"{site.base}/sessions/s-ov2/link"
    urls = [room(f"ov2-{i}") for i in range(TIMES)]
    answers, figures = world.race(
        SESSION_LINK, "conflicting", [call(site, "PUT", path, {"url": u}) for u in urls]
    )
    ok = succeeded(answers, frozenset({200}))
    final = _session_link(site, "ov2")
    lost(figures, final, [urls[i] for i in ok])
    world.check_links(figures, {join: (302, str(final))})


@identical(SESSION_LINK_RESTORE)
def _(world: World) -> None:
    """W11 restore: the first restores, the others find the original link already (404)."""
    site = world.site("studio")
    [join] = prepare(site, "rs")
    path = f"{site.base}/sessions/s-rs/link"
    site.ok("PUT", path, {"url": room("rs")})
    answers, figures = world.race(SESSION_LINK_RESTORE, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {200: 1, 404: TIMES - 1}
    lost(figures, _session_link(site, "rs"), [MEET])
    world.check_links(figures, {join: (302, MEET)})


@conflicting(SESSION_LINK_RESTORE)
def _(world: World) -> None:
    site = world.site("studio")
    [join] = prepare(site, "rs2")
    path = f"{site.base}/sessions/s-rs2/link"
    site.ok("PUT", path, {"url": room("rs2")})
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"url": room(f"rs2-{i}")}))
    answers, figures = world.race(SESSION_LINK_RESTORE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 404}))
    assert all(answers[i].status_code == 200 for i in ok if i % 2)
    restored = any(answers[i].status_code == 200 for i in ok if i % 2 == 0)
    candidates = ([MEET] if restored else []) + [room(f"rs2-{i // 2}") for i in ok if i % 2]
    final = _session_link(site, "rs2")
    lost(figures, final, candidates)
    world.check_links(figures, {join: (302, str(final))})


@identical(SESSION_LINK_REMOVE)
def _(world: World) -> None:
    """W12: 20 removals at once: in person, the client's link shows a page saying so."""
    site = world.site("studio")
    [join] = prepare(site, "rm")
    path = f"{site.base}/sessions/s-rm/link/remove"
    answers, figures = world.race(SESSION_LINK_REMOVE, "identical", [call(site, "POST", path)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, _session_link(site, "rm"), [None])
    world.check_links(figures, {join: (200, None)})


@conflicting(SESSION_LINK_REMOVE)
def _(world: World) -> None:
    """W12 at the last minute: removals racing new links end in person or with one of the links."""
    site = world.site("studio")
    [join] = prepare(site, "rm2")
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "POST", f"{site.base}/sessions/s-rm2/link/remove"))
        requests.append(call(site, "PUT", f"{site.base}/sessions/s-rm2/link", {"url": room(f"rm2-{i}")}))
    answers, figures = world.race(SESSION_LINK_REMOVE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    candidates = ([None] if any(i % 2 == 0 for i in ok) else []) + [
        room(f"rm2-{i // 2}") for i in ok if i % 2
    ]
    final = _session_link(site, "rm2")
    lost(figures, final, candidates)
    world.check_links(figures, {join: (302, final) if final else (200, None)})


# -- bookings ---------------------------------------------------------------------------------

BOOKING = "PUT /v1/sites/{site}/sessions/{session}/bookings/{booking}"
BOOKING_CANCEL = "DELETE /v1/sites/{site}/sessions/{session}/bookings/{booking}"


@identical(BOOKING)
def _(world: World) -> None:
    """X01: the same booking 20 times at once: one 201, nineteen 200, ONE join link that works."""
    site = world.site("studio")
    prepare(site, "bk", bookings=0)
    body = {"client_name": "Ada", "client_email": f"ada@{site.site_id}.test"}
    path = f"{site.base}/sessions/s-bk/bookings/b-bk-0"
    answers, figures = world.race(BOOKING, "identical", [call(site, "PUT", path, body)] * TIMES)
    assert statuses(answers) == {200: TIMES - 1, 201: 1}
    joins = {a.json()["join_url"] for a in answers}
    lost(figures, len(joins), [1])
    world.check_links(figures, dict.fromkeys(joins, (302, MEET)))
    _class_booking(world)


def _class_booking(world: World) -> None:
    """S03: the same class booking 20 times at once: ONE registrant at Zoom, the client's own link."""
    site, user = _zoom_world(world)
    site.ok("PUT", f"{site.base}/services/svc-cls", {"kind": "class", "online": True})
    site.ok("PUT", f"{site.base}/sessions/s-cls", session_body(service_id="svc-cls"))
    world.stack.settle()
    before = world.stack.zoom_calls()
    body = {"client_name": "Ada", "client_email": f"ada@{site.site_id}.test"}
    path = f"{site.base}/sessions/s-cls/bookings/b-cls"
    answers, figures = world.race(BOOKING, "identical (zoom class)", [call(site, "PUT", path, body)] * TIMES)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {200: TIMES - 1, 201: 1}
    assert figures.provider_calls == {"add_registrant": 1}
    [join] = {a.json()["join_url"] for a in answers}
    [meeting] = [m for m in meetings_of(world.stack, user) if m["registrants"]]
    [registrant] = meeting["registrants"]
    world.check_links(figures, {join: (302, registrant["join_url"])})


@conflicting(BOOKING)
def _(world: World) -> None:
    """Different names and addresses for one booking at once: one join link, one request's pair."""
    site = world.site("studio")
    prepare(site, "bk2", bookings=0)
    bodies = [
        {"client_name": f"Client {i}", "client_email": f"c{i}@{site.site_id}.test"} for i in range(TIMES)
    ]
    path = f"{site.base}/sessions/s-bk2/bookings/b-bk2-0"
    answers, figures = world.race(BOOKING, "conflicting", [call(site, "PUT", path, b) for b in bodies])
    ok = succeeded(answers, frozenset({200, 201}))
    assert sorted(answers[i].status_code for i in ok).count(201) == 1
    final = site.ok("GET", path)
    lost(figures, {k: final[k] for k in ("client_name", "client_email")}, [bodies[i] for i in ok])
    joins = {answers[i].json()["join_url"] for i in ok}
    assert joins == {final["join_url"]}
    world.check_links(figures, dict.fromkeys(joins, (302, MEET)))


@identical(BOOKING_CANCEL)
def _(world: World) -> None:
    """20 cancels at once: all 204; the client's link shows the cancellation (X01: revoked)."""
    site = world.site("studio")
    [join] = prepare(site, "bc")
    path = f"{site.base}/sessions/s-bc/bookings/b-bc-0"
    answers, figures = world.race(BOOKING_CANCEL, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {204: TIMES}
    lost(figures, site.ok("GET", path)["status"], ["cancelled"])
    world.check_links(figures, {join: (200, None)})


@conflicting(BOOKING_CANCEL)
def _(world: World) -> None:
    """Cancels racing re-bookings: cancelled, or active under one request's name; the one join
    link works exactly when the booking is active."""
    site = world.site("studio")
    [join] = prepare(site, "bc2")
    path = f"{site.base}/sessions/s-bc2/bookings/b-bc2-0"
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"client_name": f"Client {i}"}))
    answers, figures = world.race(BOOKING_CANCEL, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 204}))
    final = site.ok("GET", path)
    candidates = ([("cancelled", None)] if any(i % 2 == 0 for i in ok) else []) + [
        ("active", f"Client {i // 2}") for i in ok if i % 2
    ]
    state = (final["status"], None if final["status"] == "cancelled" else final["client_name"])
    lost(figures, state, candidates)
    assert {answers[i].json()["join_url"] for i in ok if i % 2} <= {join}
    world.check_links(figures, {join: (302, MEET) if state[0] == "active" else (200, None)})


# -- Zoom: the connect flow's callback and the webhooks -------------------------------------------

CALLBACK = "GET /v1/oauth/zoom/callback"
CONFIRM = "POST /v1/oauth/zoom/confirm"
WEBHOOK = "POST /v1/zoom/webhook"


@dataclass
class Browser:
    """An admin's browser in the connect flow: the cookie `/start` gave it, and where Zoom sends it."""

    cookie: dict[str, str]
    callback: str
    user: str

    def back_from_zoom(self) -> httpx.Response:
        return httpx.get(self.callback, headers=self.cookie, timeout=60)

    def decide(self, page: httpx.Response, decision: str) -> httpx.Response:
        """Connect or Cancel on the confirmation page `page` (its form, posted by this browser)."""
        found = re.search(r'name="request" value="([^"]+)"', page.text)
        assert found, page.text
        form = {"request": found.group(1), "decision": decision}
        url = f"{urlsplit(self.callback).scheme}://{urlsplit(self.callback).netloc}/v1/oauth/zoom/confirm"
        return httpx.post(url, data=form, headers=self.cookie, timeout=60)


def _at_zoom(site: SiteClient, user: str) -> Browser:
    """start (a connect ticket) -> Zoom's consent as `user` -> the callback URL, not yet followed."""
    with site.browser() as browser:
        start = browser.get("/v1/oauth/zoom/start", params={"ticket": site.ticket(), "return_to": RETURN_TO})
        assert start.status_code == 302, start.text
        cookie = {"cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    authorize = start.headers["location"]
    form = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()} | {"user": user, "allow": "1"}
    consent = httpx.post(f"{site.stack.zoom_url}/oauth/authorize", data=form, timeout=30)
    assert consent.status_code == 302, consent.text
    return Browser(cookie, str(consent.headers["location"]), user)


def _browsers(world: World, site: SiteClient, count: int) -> list[Browser]:
    """`count` admins' browsers, each back from Zoom's consent as a Zoom user of its own."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        users = list(pool.map(lambda _: world.stack.new_zoom_user(), range(count)))
        return list(pool.map(functools.partial(_at_zoom, site), users))


def _returned(answer: httpx.Response) -> dict[str, str]:
    """The confirmation's 303 back to the site: its query (zoom=connected|cancelled, connection_id)."""
    assert answer.status_code == 303, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def _is_page(answer: httpx.Response, status: int) -> bool:
    return answer.status_code == status and answer.headers["content-type"].startswith("text/html")


def _account(site: SiteClient) -> tuple[str | None, str | None]:
    """The site's default account as the API shows it: (Zoom connection id, status) or its URL."""
    account = site.ok("GET", f"{site.base}/vc-account")["account"] or {}
    return account.get("connection_id") or account.get("url"), account.get("status")


def _meeting_link_of(world: World, site: SiteClient, user: str, tag: str) -> tuple[str, dict[str, Any]]:
    """A new session's client join link, and the Zoom meeting made for it under `user`."""
    known = {m["id"] for m in meetings_of(world.stack, user)}
    [join] = prepare(site, tag)
    world.stack.settle()
    [meeting] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    return join, meeting


def _callback_once(
    world: World, route: str, provider: str, browser: Browser, calls: Callable[[], dict[str, int]]
) -> None:
    """The provider's redirect followed 20 times at once in one browser (a double click, a retry):
    the state works once: ONE confirmation page (200), nineteen 409 pages; the provider's code
    exchanged once; nothing attached until the admin confirms, and that one page's Connect works."""
    site = world.site("admin")
    world.stack.settle()
    account = _account(site)
    before = calls()
    answers, figures = world.race(route, "identical", [browser.back_from_zoom] * TIMES)
    figures.provider_calls = delta(before, calls())
    assert statuses(answers) == {200: 1, 409: TIMES - 1}
    assert all(_is_page(a, a.status_code) for a in answers)
    assert {k: v for k, v in figures.provider_calls.items() if k != "get_me"} == {"token_exchange": 1}
    lost(figures, _account(site), [account])  # a callback attaches nothing
    [page] = [a for a in answers if a.status_code == 200]
    connected = _returned(browser.decide(page, "connect"))
    assert connected[provider] == "connected"
    lost(figures, _account(site), [(connected["connection_id"], "connected")])
    world.stack.sweep(timedelta(minutes=1))  # the account it replaced goes


@identical(CALLBACK)
def _(world: World) -> None:
    browser = _at_zoom(world.site("admin"), world.stack.new_zoom_user())
    _callback_once(world, CALLBACK, "zoom", browser, world.stack.zoom_calls)


@conflicting(CALLBACK)
def _(world: World) -> None:
    """Twenty Zoom users' consents for one site come back at once, each in its admin's browser:
    twenty confirmation pages (one pending connection each, its code exchanged once), the site's
    account untouched. The confirmation's race answers these pages (`World.pending`)."""
    site = world.site("admin")
    browsers = _browsers(world, site, TIMES)
    world.stack.settle()
    account = _account(site)
    before = world.stack.zoom_calls()
    answers, figures = world.race(CALLBACK, "conflicting", [b.back_from_zoom for b in browsers])
    assert statuses(answers) == {200: TIMES}
    assert all(_is_page(a, 200) for a in answers)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert figures.provider_calls == {"token_exchange": TIMES}
    lost(figures, _account(site), [account])
    world.pending = list(zip(browsers, answers, strict=True))


@identical(CONFIRM)
def _(world: World) -> None:
    """Connect pressed 20 times at once on one confirmation page: ONE 303 back to the site,
    connected; nineteen 409 pages (answered already); the site's account is that connection and
    its new session's join link goes to its user's meeting. No token exchange; each meeting made
    under the new user once."""
    site = world.site("admin")
    browser = _at_zoom(site, world.stack.new_zoom_user())
    page = browser.back_from_zoom()
    assert _is_page(page, 200), page.text
    world.stack.settle()
    before = world.stack.zoom_calls()
    answers, figures = world.race(
        CONFIRM, "identical", [functools.partial(browser.decide, page, "connect")] * TIMES
    )
    assert statuses(answers) == {303: 1, 409: TIMES - 1}
    assert all(_is_page(a, 409) for a in answers if a.status_code == 409)
    [connected] = [_returned(a) for a in answers if a.status_code == 303]
    assert connected["zoom"] == "connected"
    lost(figures, _account(site), [(connected["connection_id"], "connected")])
    join, meeting = _meeting_link_of(world, site, browser.user, "cf")
    world.stack.sweep(timedelta(minutes=1))  # the account it replaced goes
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert figures.provider_calls.get("token_exchange", 0) == 0
    made = meetings_of(world.stack, browser.user)  # the site's online sessions moved to it, and "cf"
    assert figures.provider_calls["create_meeting"] == len(made)  # each made once, none made and dropped
    world.check_links(figures, {join: (302, meeting["join_url"])})


@conflicting(CONFIRM)
def _(world: World) -> None:
    """Twenty admins answer their confirmation pages for one site at once, ten Connect and ten
    Cancel, each a Zoom user of its own: the site keeps ONE of the connected, connected, and its
    meetings are made under it; every other connection (cancelled or replaced) is removed and
    its grant revoked once."""
    site = world.site("admin")
    site.ok("PUT", f"{site.base}/vc-account", {"provider": "custom", "url": room("cf2")})
    pending, world.pending = world.pending, []  # the callback's race's pages, when it ran just before
    if len(pending) != TIMES:
        browsers = _browsers(world, site, TIMES)
        with ThreadPoolExecutor(max_workers=4) as pool:
            pending = list(zip(browsers, pool.map(Browser.back_from_zoom, browsers), strict=True))
    browsers, pages = [b for b, _ in pending], [p for _, p in pending]
    assert all(_is_page(p, 200) for p in pages)
    world.stack.settle()  # the sessions leave the Zoom account the custom link replaced,
    world.stack.sweep(timedelta(minutes=1))  # which then goes, before the race
    before = world.stack.zoom_calls()
    decisions = ["connect" if i % 2 == 0 else "cancel" for i in range(TIMES)]
    requests = [functools.partial(b.decide, p, d) for b, p, d in zip(browsers, pages, decisions, strict=True)]
    answers, figures = world.race(CONFIRM, "conflicting", requests)
    world.stack.sweep(timedelta(minutes=1))  # replaced connections go once their sessions let go
    returned = [_returned(a) for a in answers]
    assert [r["zoom"] for r in returned] == ["connected", "cancelled"] * (TIMES // 2)
    connected = [r["connection_id"] for r in returned if r["zoom"] == "connected"]
    final = _account(site)
    lost(figures, final, [(c, "connected") for c in connected])
    owner = browsers[2 * connected.index(str(final[0]))].user
    join, meeting = _meeting_link_of(world, site, owner, "cf2")
    world.check_links(figures, {join: (302, meeting["join_url"])})
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert figures.provider_calls.get("token_revoke") == TIMES - 1
    assert figures.provider_calls.get("token_exchange", 0) == 0


# -- the connect flows' first steps: /start (every provider) and Google's and Microsoft's callback ---

ZOOM_START = "GET /v1/oauth/zoom/start"
PROVIDER_START = "GET /v1/oauth/{provider}/start"
PROVIDER_CALLBACK = "GET /v1/oauth/{provider}/callback"


def _start(site: SiteClient, path: str, ticket: str) -> Request:
    """The admin's browser opens /start with `ticket` (a browser of its own: no shared cookie)."""

    def opened() -> httpx.Response:
        with site.browser() as browser:
            return browser.get(path, params={"ticket": ticket, "return_to": RETURN_TO})

    return opened


def _states(answers: Sequence[httpx.Response]) -> set[str]:
    """The OAuth `state` of each consent page the 302s send the browsers to."""
    return {parse_qs(urlsplit(a.headers["location"]).query)["state"][0] for a in answers}


def _start_once(world: World, route: str, path: str) -> None:
    """One connect ticket opened 20 times at once (a double click, a retried redirect): the ticket
    works once (ONE 302 to the consent page, nineteen 401 problems saying it was used) and the site's
    account is untouched."""
    site = world.site("admin")
    account = _account(site)
    answers, figures = world.race(route, "identical", [_start(site, path, site.ticket())] * TIMES)
    assert statuses(answers) == {302: 1, 401: TIMES - 1}
    refused = [a.json() for a in answers if a.status_code == 401]
    assert all("used already" in problem["detail"] for problem in refused), refused
    lost(figures, _account(site), [account])


def _start_many(world: World, route: str, path: str) -> None:
    """Twenty tickets of one site opened at once: twenty consent pages, each with a state of its own
    (none overwrote another), and nothing attached before a consent comes back."""
    site = world.site("admin")
    account = _account(site)
    tickets = [site.ticket() for _ in range(TIMES)]
    answers, figures = world.race(route, "conflicting", [_start(site, path, t) for t in tickets])
    assert statuses(answers) == {302: TIMES}
    assert len(_states(answers)) == TIMES
    lost(figures, _account(site), [account])


@identical(ZOOM_START)
def _(world: World) -> None:
    _start_once(world, ZOOM_START, "/v1/oauth/zoom/start")


@conflicting(ZOOM_START)
def _(world: World) -> None:
    _start_many(world, ZOOM_START, "/v1/oauth/zoom/start")


@identical(PROVIDER_START)
def _(world: World) -> None:
    _start_once(world, PROVIDER_START, "/v1/oauth/google/start")


@conflicting(PROVIDER_START)
def _(world: World) -> None:
    _start_many(world, PROVIDER_START, "/v1/oauth/microsoft/start")


def _back_from(hosted: Hosted, site: SiteClient, user: str) -> Browser:
    """start -> the provider's consent as `user` -> the callback URL, not yet followed."""
    with site.browser() as browser:
        back = hosted.back_url(site, browser, user)
        cookie = {"cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    return Browser(cookie, back, user)


@identical(PROVIDER_CALLBACK)
def _(world: World) -> None:
    google = Hosted(world.stack, "google")
    browser = _back_from(google, world.site("admin"), google.new_user("race"))
    _callback_once(world, PROVIDER_CALLBACK, "google", browser, google.calls)


@conflicting(PROVIDER_CALLBACK)
def _(world: World) -> None:
    """Twenty Teams users' consents for one site come back at once, each in its admin's browser:
    twenty confirmation pages, each code exchanged once, the site's account untouched until one is
    confirmed."""
    site = world.site("admin")
    teams = Hosted(world.stack, "microsoft")
    users = [teams.new_user("race") for _ in range(TIMES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        browsers = list(pool.map(functools.partial(_back_from, teams, site), users))
    account = _account(site)
    before = teams.calls()
    answers, figures = world.race(PROVIDER_CALLBACK, "conflicting", [b.back_from_zoom for b in browsers])
    figures.provider_calls = delta(before, teams.calls())
    assert statuses(answers) == {200: TIMES}
    assert all(_is_page(a, 200) for a in answers)
    assert figures.provider_calls.get("token_exchange") == TIMES
    lost(figures, _account(site), [account])


# -- Google's revocation notices (RISC) ------------------------------------------------------

RISC = "POST /v1/google/risc"


def _set_delivery(stack: Stack, token: str) -> Request:
    """Google's push of one Security Event Token to the receiver (RFC 8935)."""
    headers = {"content-type": "application/secevent+jwt", "accept": "application/json"}
    return functools.partial(
        httpx.post, f"{stack.base_url}/v1/google/risc", content=token, headers=headers, timeout=60
    )


def _google_default(world: World, site: SiteClient) -> tuple[Hosted, str]:
    """A Google user of its own connected as the site's default; the user's Google id."""
    google = Hosted(world.stack, "google")
    user = google.new_user("risc")
    google.connect(site, user)
    world.stack.settle()
    return google, user


@identical(RISC)
def _(world: World) -> None:
    """One SET (the user removed our app) delivered 20 times at once, as Google's redeliveries may
    come: all 202, the connection needs reconnecting with Google's reason, and Google is not
    called (no refresh, no meeting call)."""
    site = world.site("admin")
    google, user = _google_default(world, site)
    signed = google.control("POST", "risc/sign", json={"sub": user})
    before = google.calls()
    answers, figures = world.race(RISC, "identical", [_set_delivery(world.stack, signed["token"])] * TIMES)
    figures.provider_calls = delta(before, google.calls())
    assert statuses(answers) == {202: TIMES}
    assert all(a.text == "" for a in answers)
    account = site.ok("GET", f"{site.base}/vc-account")["account"]
    final = (account["status"], account["problem"])
    lost(figures, final, [("needs_reconnect", "google_tokens_revoked")])
    assert figures.provider_calls == {}  # Google told us: no refresh, no meeting call


@conflicting(RISC)
def _(world: World) -> None:
    """Twenty different notices about one user at once (tokens revoked, the account disabled or
    purged, sessions revoked...): all 202, and the connection ends needing reconnecting with the
    problem of one of the notices that revoke the grant."""
    site = world.site("admin")
    google, user = _google_default(world, site)
    kinds = [
        ("tokens-revoked", None),
        ("account-disabled", "hijacking"),
        ("account-purged", None),
        ("sessions-revoked", None),
        ("account-credential-change-required", None),
    ]
    tokens = [
        google.control("POST", "risc/sign", json={"sub": user, "event": e} | ({"reason": r} if r else {}))
        for e, r in (kinds * TIMES)[:TIMES]
    ]
    deliveries = [_set_delivery(world.stack, t["token"]) for t in tokens]
    answers, figures = world.race(RISC, "conflicting", deliveries)
    assert statuses(answers) == {202: TIMES}
    account = site.ok("GET", f"{site.base}/vc-account")["account"]
    candidates = [
        ("needs_reconnect", f"google_{what}")
        for what in ("tokens_revoked", "account_disabled", "account_purged")
    ]
    lost(figures, (account["status"], account["problem"]), candidates)


def _signed(event: str, payload: dict[str, Any], at_ms: int | None = None) -> tuple[str, dict[str, str]]:
    """A webhook body and headers as Zoom signs them (v0 HMAC-SHA256 of timestamp and raw body)."""
    raw = json.dumps({"event": event, "event_ts": at_ms or int(time.time() * 1000), "payload": payload})
    stamp = str(int(time.time()))
    digest = hmac.new(ZOOM_WEBHOOK_TOKEN.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": f"v0={digest}",
    }
    return raw, headers


def _deliver(stack: Stack, raw: str, headers: dict[str, str]) -> Request:
    return functools.partial(
        httpx.post, f"{stack.base_url}/v1/zoom/webhook", content=raw, headers=headers, timeout=30
    )


@identical(WEBHOOK)
def _(world: World) -> None:
    """Zoom delivers one meeting.deleted 20 times at once: one answer forgets the meeting, the
    others say they did nothing or that they saw this event already (a retry of the same event,
    time and payload); ONE new meeting; the client's link goes to it."""
    site, user = _zoom_world(world)
    known = {m["id"] for m in meetings_of(world.stack, user)}
    [join] = prepare(site, "hook")
    world.stack.settle()
    [meeting] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    nowhere = f"{world.stack.base_url}/v1/health"  # deleted in Zoom's portal; its own notice is lost
    world.stack.zoom("POST", "delete-meeting", json={"meeting_id": meeting["id"], "url": nowhere})
    payload = {"account_id": "", "object": {"id": meeting["id"], "uuid": meeting["uuid"], "host_id": user}}
    raw, headers = _signed("meeting.deleted", payload)
    before = world.stack.zoom_calls()
    answers, figures = world.race(WEBHOOK, "identical", [_deliver(world.stack, raw, headers)] * TIMES)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {200: TIMES}
    said = [a.json() for a in answers]
    assert said.count({"status": "ok", "forgotten": True}) == 1, said
    others = ({"status": "ok", "forgotten": False}, {"status": "duplicate"})  # or seen already: a retry
    assert all(s in others for s in said if s != {"status": "ok", "forgotten": True}), said
    assert figures.provider_calls == {"create_meeting": 1}
    [remade] = [m for m in meetings_of(world.stack, user) if m["id"] not in known]
    lost(figures, remade["id"] != meeting["id"], [True])
    world.check_links(figures, {join: (302, remade["join_url"])})


@conflicting(WEBHOOK)
def _(world: World) -> None:
    """S08: 20 deauthorizations of one grant at once, half of them replays sent before it was
    made (about an earlier grant): exactly one removes the connection, the replays nothing."""
    site = world.site("admin")
    account = f"acct-{site.site_id}-deauth"
    user = world.stack.new_zoom_user(account=account)
    site.connect_zoom(user)
    [join] = prepare(site, "deauth")
    world.stack.settle()
    payload = {"account_id": account, "user_id": user, "client_id": ZOOM_CLIENT_ID, "signature": "x"}
    now, hour_ago = int(time.time() * 1000), int((time.time() - 3600) * 1000)
    requests = [  # twenty distinct events (their times differ): a retry of one is a duplicate
        _deliver(world.stack, *_signed("app_deauthorized", payload, (now if i % 2 else hour_ago) + i))
        for i in range(TIMES)
    ]
    answers, figures = world.race(WEBHOOK, "conflicting", requests)
    world.stack.sweep(timedelta(minutes=1))
    assert statuses(answers) == {200: TIMES}
    removed = [a.json()["removed_connections"] for a in answers]
    assert sorted(removed) == [0] * (TIMES - 1) + [1]
    assert all(removed[i] == 0 for i in range(0, TIMES, 2))  # the replays
    lost(figures, site.ok("GET", f"{site.base}/vc-account")["connected"], [False])
    world.check_links(figures, {join: (200, None)})


# -- emails ---------------------------------------------------------------------------------------

NOTIFY = "POST /v1/sites/{site}/notifications"
TEMPLATE = "PUT /v1/sites/{site}/email-templates/{type}"
TEMPLATE_RESET = "DELETE /v1/sites/{site}/email-templates/{type}"


def _emails_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    return [e for e in stack.outbox() if address in e["to"]]


@identical(NOTIFY)
def _(world: World) -> None:
    """W13: one confirmation asked 20 times at once (the same idempotency key): sent ONCE."""
    site = world.site("studio")
    prepare(site, "mail")
    address = f"c0-mail@{site.site_id}.test"
    body = {
        "type": "booking_confirmation",
        "session_id": "s-mail",
        "booking_id": "b-mail-0",
        "idempotency_key": "k1",
    }
    answers, figures = world.race(
        NOTIFY, "identical", [call(site, "POST", f"{site.base}/notifications", body)] * TIMES
    )
    assert statuses(answers) == {200: TIMES}
    sent = [r["sent"] for a in answers for r in a.json()["results"]]
    assert sorted(sent) == [False] * (TIMES - 1) + [True]
    lost(figures, len(_emails_to(world.stack, address)), [1])


@conflicting(NOTIFY)
def _(world: World) -> None:
    """Four different emails for one booking, each asked five times at once: each sent once."""
    site = world.site("studio")
    prepare(site, "mail2")
    address = f"c0-mail2@{site.site_id}.test"
    kinds = ["booking_confirmation", "reminder", "booking_changed", "request_approved"]
    bodies = [
        {"type": kinds[i % 4], "session_id": "s-mail2", "booking_id": "b-mail2-0"} for i in range(TIMES)
    ]
    requests = [call(site, "POST", f"{site.base}/notifications", b) for b in bodies]
    answers, figures = world.race(NOTIFY, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    for kind in kinds:
        sent = [answers[i].json()["results"][0]["sent"] for i in ok if bodies[i]["type"] == kind]
        assert sorted(sent) == [False] * (len(sent) - 1) + [True], (kind, sent)
    lost(figures, len(_emails_to(world.stack, address)), [len(kinds)])


def _template(site: SiteClient, kind: str) -> tuple[bool, str | None, bool]:
    """An email type's template as stored: (custom?, its body, the online section shown?)."""
    found = site.ok("GET", f"{site.base}/email-templates/{kind}")
    return found["custom"], found["body"], found["show_online_section"]


@identical(TEMPLATE)
def _(world: World) -> None:
    site = world.site("admin")
    body = {"subject": "Your booking", "body": "See you soon.", "show_online_section": False}
    path = f"{site.base}/email-templates/booking_confirmation"
    answers, figures = world.race(TEMPLATE, "identical", [call(site, "PUT", path, body)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, _template(site, "booking_confirmation"), [(True, "See you soon.", False)])


@conflicting(TEMPLATE)
def _(world: World) -> None:
    """W14, S05: 20 different templates at once (text and section shown or hidden): the stored
    template is ONE request's, its text and its section together."""
    site = world.site("admin")
    bodies = [
        {"subject": f"Subject {i}", "body": f"Body {i}.", "show_online_section": i % 2 == 0}
        for i in range(TIMES)
    ]
    path = f"{site.base}/email-templates/booking_changed"
    answers, figures = world.race(TEMPLATE, "conflicting", [call(site, "PUT", path, b) for b in bodies])
    ok = succeeded(answers, frozenset({200}))
    candidates = [(True, bodies[i]["body"], bodies[i]["show_online_section"]) for i in ok]
    lost(figures, _template(site, "booking_changed"), candidates)


@identical(TEMPLATE_RESET)
def _(world: World) -> None:
    """W14: a reset is idempotent: 20 at once all answer the default template, section shown."""
    site = world.site("admin")
    path = f"{site.base}/email-templates/reminder"
    site.ok("PUT", path, {"subject": "Soon", "body": "Tomorrow.", "show_online_section": False})
    answers, figures = world.race(TEMPLATE_RESET, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    assert len({a.text for a in answers}) == 1
    lost(figures, _template(site, "reminder"), [(False, None, True)])


@conflicting(TEMPLATE_RESET)
def _(world: World) -> None:
    """Resets racing custom templates: the default with the section shown, or ONE request's
    template with its section hidden; never a custom text from one and the section of another."""
    site = world.site("admin")
    path = f"{site.base}/email-templates/request_approved"
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(
            call(site, "PUT", path, {"subject": f"S{i}", "body": f"B{i}.", "show_online_section": False})
        )
    answers, figures = world.race(TEMPLATE_RESET, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    candidates = ([(False, None, True)] if any(i % 2 == 0 for i in ok) else []) + [
        (True, f"B{i // 2}.", False) for i in ok if i % 2
    ]
    lost(figures, _template(site, "request_approved"), candidates)


# -- staff profiles -------------------------------------------------------------------------------

STAFF = "PUT /v1/sites/{site}/staff/{staff}"


@identical(STAFF)
def _(world: World) -> None:
    """S04: a staff member's name and address sent 20 times at once: all answer the same profile."""
    site = world.site("studio")
    body = {"name": "Carla", "email": f"carla@{site.site_id}.test"}
    path = f"{site.base}/staff/carla"
    answers, figures = world.race(STAFF, "identical", [call(site, "PUT", path, body)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    profile = {"staff_id": "carla", **body, "has_account": False}
    assert all(a.json() == profile for a in answers)
    lost(figures, site.ok("GET", path), [profile])


@conflicting(STAFF)
def _(world: World) -> None:
    """S04, W04: profile PUTs (different names) racing the same staff member's account PUTs
    (different rooms), one record: the profile of one request AND the account of one; neither
    kind of write loses the other's, and the client's join link goes to that account."""
    site = world.site("studio")
    [join] = prepare(site, "dora", staff="dora")
    profile, account = f"{site.base}/staff/dora", f"{site.base}/staff/dora/vc-account"
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(
            call(site, "PUT", profile, {"name": f"Dora {i}", "email": f"dora{i}@{site.site_id}.test"})
        )
        requests.append(call(site, "PUT", account, {"provider": "custom", "url": room(f"dora-{i}")}))
    answers, figures = world.race(STAFF, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    final = site.ok("GET", profile)
    names = [(f"Dora {i // 2}", f"dora{i // 2}@{site.site_id}.test", True) for i in ok if i % 2 == 0]
    lost(figures, (final["name"], final["email"], final["has_account"]), names)
    url = site.ok("GET", account)["account"]["url"]
    lost(figures, url, [room(f"dora-{i // 2}") for i in ok if i % 2])
    world.check_links(figures, {join: (302, url)})


# -- the site's sender address ----------------------------------------------------------------------

SENDER = "POST /v1/sites/{site}/sender"
SENDER_DELETE = "DELETE /v1/sites/{site}/sender"


def _sender(site: SiteClient) -> tuple[str, str] | None:
    """The site's own sender address and its status, or None (emails go from the deployment's)."""
    answer = site.call("GET", f"{site.base}/sender")
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return answer.json()["email"], answer.json()["status"]


def _claimed_elsewhere(world: World, address: str) -> bool:
    """Whether another site is refused `address` (its claim held by the site that asked first)."""
    other = world.site("admin")
    answer = other.call("POST", f"{other.base}/sender", {"email": address})
    if answer.status_code == 202:
        other.ok("DELETE", f"{other.base}/sender")
        return False
    assert answer.status_code == 409, answer.text
    return True


@identical(SENDER)
def _(world: World) -> None:
    """Issue 11: one address asked 20 times at once: each answer says SES emailed a link (202,
    pending: as twenty asks one after another, each starting the verification anew); the site's
    sender is that address, the owner's click verifies it, and no other site can take it."""
    site = world.site("hooks")
    address = f"desk@{site.site_id}.test"
    path = f"{site.base}/sender"
    answers, figures = world.race(SENDER, "identical", [call(site, "POST", path, {"email": address})] * TIMES)
    assert statuses(answers) == {202: TIMES}
    assert {(a.json()["email"], a.json()["status"]) for a in answers} == {(address, "pending")}
    lost(figures, _sender(site), [(address, "pending")])
    world.stack.click_ses_verification_link(address)
    lost(figures, _sender(site), [(address, "verified")])
    assert _claimed_elsewhere(world, address)


@conflicting(SENDER)
def _(world: World) -> None:
    """Twenty different addresses at once: the site's sender is ONE of them, and it verifies; an
    address it replaced is let go (another site may take it)."""
    site = world.site("hooks")
    addresses = [f"desk-{i}@{site.site_id}.test" for i in range(TIMES)]
    path = f"{site.base}/sender"
    answers, figures = world.race(
        SENDER, "conflicting", [call(site, "POST", path, {"email": a}) for a in addresses]
    )
    ok = succeeded(answers, frozenset({202}))
    final = _sender(site)
    lost(figures, final, [(addresses[i], "pending") for i in ok])
    assert final is not None
    world.stack.click_ses_verification_link(final[0])
    assert _sender(site) == (final[0], "verified")
    assert _claimed_elsewhere(world, final[0])
    assert not _claimed_elsewhere(world, next(addresses[i] for i in ok if addresses[i] != final[0]))


@identical(SENDER_DELETE)
def _(world: World) -> None:
    """The first DELETE lets the address go (204), the others find none: 404, as one after another;
    emails go from the deployment's address again and another site may take it."""
    site = world.site("hooks")
    address = f"desk-del@{site.site_id}.test"
    site.ok("POST", f"{site.base}/sender", {"email": address})
    path = f"{site.base}/sender"
    answers, figures = world.race(SENDER_DELETE, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {204: 1, 404: TIMES - 1}
    assert {a.json()["type"] for a in answers if a.status_code == 404} == {
        "https://vclinks.dev/problems/not-found"
    }
    lost(figures, _sender(site), [None])
    assert not _claimed_elsewhere(world, address)


@conflicting(SENDER_DELETE)
def _(world: World) -> None:
    """DELETEs racing new addresses: no sender, or ONE of the addresses, which verifies."""
    site = world.site("hooks")
    site.ok("POST", f"{site.base}/sender", {"email": f"desk-back@{site.site_id}.test"})
    path = f"{site.base}/sender"
    addresses = {2 * i + 1: f"desk-new-{i}@{site.site_id}.test" for i in range(TIMES // 2)}
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "POST", path, {"email": addresses[2 * i + 1]}))
    answers, figures = world.race(SENDER_DELETE, "conflicting", requests)
    ok = succeeded(answers, frozenset({202, 204, 404}))
    assert all(answers[i].status_code == 202 for i in ok if i % 2)
    removed = any(answers[i].status_code == 204 for i in ok if i % 2 == 0)
    final = _sender(site)
    lost(figures, final, ([None] if removed else []) + [(addresses[i], "pending") for i in ok if i % 2])
    if final is not None:
        world.stack.click_ses_verification_link(final[0])
        assert _sender(site) == (final[0], "verified")
        site.ok("DELETE", path)


# -- the site's keys ----------------------------------------------------------------------------

ROTATE = "POST /v1/sites/{site}/api-keys/rotate"
RETIRE = "POST /v1/sites/{site}/api-keys/retire"
TOKEN_SECRET = "POST /v1/sites/{site}/token-secret/rotate"


def _works(site: SiteClient, credential: str) -> int:
    """The status a request of the site's settings answers with `credential`."""
    return site.stack.get(f"{site.base}/settings", credential).status_code


def _with_key(world: World, name: str, key: str) -> SiteClient:
    """The site's admin from now on holds `key` (the newest)."""
    site = world.sites[name] = SiteClient(world.stack, world.site(name).site_id, key)
    return site


@identical(ROTATE)
def _(world: World) -> None:
    """A rotation sent 20 times at once (a retry): ONE new key (201); the other nineteen are
    refused (403) as a rotation sent after it is, since their key is now the previous one. The
    new key works, and so does the previous one, in its overlap."""
    site = world.site("keys")
    old = site.api_key
    answers, figures = world.race(
        ROTATE, "identical", [call(site, "POST", f"{site.base}/api-keys/rotate", {})] * TIMES
    )
    assert statuses(answers) == {201: 1, 403: TIMES - 1}
    assert {a.json()["type"] for a in answers if a.status_code == 403} == {
        "https://vclinks.dev/problems/forbidden"
    }
    [new] = [a.json()["api_key"] for a in answers if a.status_code == 201]
    lost(figures, (_works(site, new), _works(site, old)), [(200, 200)])
    _with_key(world, "keys", new)


@conflicting(ROTATE)
def _(world: World) -> None:
    """Twenty rotations with different overlaps at once: ONE lands (201), the rest 403; the new
    key works, and the previous one exactly as that rotation's overlap says (0: retired now)."""
    site = world.site("keys")
    old = site.api_key
    overlaps = [60 * i for i in range(TIMES)]
    path = f"{site.base}/api-keys/rotate"
    requests = [call(site, "POST", path, {"overlap_seconds": o}) for o in overlaps]
    answers, figures = world.race(ROTATE, "conflicting", requests)
    ok = succeeded(answers, frozenset({201, 403}))
    [won] = [i for i in ok if answers[i].status_code == 201]
    new = answers[won].json()["api_key"]
    assert (answers[won].json()["previous_key_expires_at"] is None) == (overlaps[won] == 0)
    previous = 200 if overlaps[won] else 401
    lost(figures, (_works(site, new), _works(site, old)), [(200, previous)])
    _with_key(world, "keys", new)


@identical(RETIRE)
def _(world: World) -> None:
    """A retire is idempotent: 20 at once all answer 200 with no previous key; the previous key is
    refused from then on (401), the current one works."""
    site = world.site("keys")
    old = site.api_key
    site = _with_key(world, "keys", site.ok("POST", f"{site.base}/api-keys/rotate", {})["api_key"])
    path = f"{site.base}/api-keys/retire"
    answers, figures = world.race(RETIRE, "identical", [call(site, "POST", path)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    assert all(a.json() == {"previous_key_expires_at": None} for a in answers)
    lost(figures, (_works(site, site.api_key), _works(site, old)), [(200, 401)])


@conflicting(RETIRE)
def _(world: World) -> None:
    """Retires racing rotations, all with the current key: ONE rotation lands; a retire that
    comes after it is refused (its key is the previous one now), so the rotation's overlap
    stands: the newest key and the one it replaced both work, the one before them does not."""
    site = world.site("keys")
    oldest = site.api_key
    site = _with_key(world, "keys", site.ok("POST", f"{site.base}/api-keys/rotate", {})["api_key"])
    requests: list[Request] = []
    for _ in range(TIMES // 2):
        requests.append(call(site, "POST", f"{site.base}/api-keys/retire"))
        requests.append(call(site, "POST", f"{site.base}/api-keys/rotate", {"overlap_seconds": 3600}))
    answers, figures = world.race(RETIRE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 201, 403}))
    assert all(answers[i].status_code in (201, 403) for i in ok if i % 2)
    [won] = [i for i in ok if answers[i].status_code == 201]
    newest = answers[won].json()["api_key"]
    works = (_works(site, newest), _works(site, site.api_key), _works(site, oldest))
    lost(figures, works, [(200, 200, 401)])
    _with_key(world, "keys", newest)


def _scoped_token(site: SiteClient) -> str:
    return str(site.ok("POST", f"{site.base}/tokens", {"role": "admin", "ttl_seconds": 600})["token"])


@identical(TOKEN_SECRET)
def _(world: World) -> None:
    """A token-secret rotation sent 20 times at once: twenty rotations, as one after another
    (each 200); tokens minted after them work, the API key still does."""
    site = world.site("keys")
    path = f"{site.base}/token-secret/rotate"
    answers, figures = world.race(TOKEN_SECRET, "identical", [call(site, "POST", path)] * TIMES)
    assert statuses(answers) == {200: TIMES}
    lost(figures, (_works(site, _scoped_token(site)), _works(site, site.api_key)), [(200, 200)])


@conflicting(TOKEN_SECRET)
def _(world: World) -> None:
    """Token-secret rotations racing settings PATCHes of the same record: every rotation and one
    PATCH land. Ten rotations one after another keep only the last two secrets, so a token minted
    before the race is refused (a rotation a PATCH wrote over would let it through); a token
    minted after works, and the settings hold one PATCH's value."""
    site = world.site("keys")
    before = _scoped_token(site)
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "POST", f"{site.base}/token-secret/rotate"))
        requests.append(call(site, "PATCH", f"{site.base}/settings", {"join_window_minutes": 40 + i}))
    answers, figures = world.race(TOKEN_SECRET, "conflicting", requests)
    ok = succeeded(answers, frozenset({200}))
    assert [i for i in ok if i % 2 == 0] == list(range(0, TIMES, 2))
    window = site.ok("GET", f"{site.base}/settings")["join_window_minutes"]
    lost(figures, window, [40 + i // 2 for i in ok if i % 2])
    lost(figures, (_works(site, before), _works(site, _scoped_token(site))), [(401, 200)])


# -- deleting a site ------------------------------------------------------------------------------

SITE_DELETE = "DELETE /v1/sites/{site}"


@identical(SITE_DELETE)
def _(world: World) -> None:
    """A deletion sent 20 times at once: ONE 202; the others 401, as a request after it gets (the
    site answers as one that does not exist). Once done, its Zoom meeting was deleted once and its
    grant revoked once; its key is refused and its join link answers 404."""
    site, user = zoom_site(world, "doomed")
    [join] = prepare(site, "del")
    world.stack.settle()
    assert len(meetings_of(world.stack, user)) == 1
    before = world.stack.zoom_calls()
    answers, figures = world.race(SITE_DELETE, "identical", [call(site, "DELETE", site.base)] * TIMES)
    world.stack.sweep(timedelta(minutes=1))  # the deletion waits for the connection's removal (30 s)
    figures.provider_calls = delta(before, world.stack.zoom_calls())
    assert statuses(answers) == {202: 1, 401: TIMES - 1}
    [deleted] = [a.json() for a in answers if a.status_code == 202]
    assert deleted["status"] == "deleting"
    assert figures.provider_calls == {"delete_meeting": 1, "token_revoke": 1}
    assert meetings_of(world.stack, user) == []
    lost(figures, _works(site, site.api_key), [401])
    world.check_links(figures, {join: (404, None)})


@conflicting(SITE_DELETE)
def _(world: World) -> None:
    """Deletions racing settings PATCHes: ONE deletion accepted (202), the others 401; a PATCH
    lands before it (200) or is refused after it (401); the site is gone either way."""
    site = world.site("doomed-too")
    [join] = prepare(site, "del2")
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", site.base))
        requests.append(call(site, "PATCH", f"{site.base}/settings", {"join_window_minutes": 20 + i}))
    answers, figures = world.race(SITE_DELETE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 202, 401}))
    assert sorted(answers[i].status_code for i in ok if i % 2 == 0).count(202) == 1
    assert all(answers[i].status_code in (200, 401) for i in ok if i % 2)
    lost(figures, _works(site, site.api_key), [401])
    world.check_links(figures, {join: (404, None)})


# -- the platform's webhook endpoint ----------------------------------------------------------------

HOOK = "PUT /v1/sites/{site}/webhook"
HOOK_DELETE = "DELETE /v1/sites/{site}/webhook"
EVENTS = ["session.link_changed", "meeting.ready", "connection.needs_reconnect", "email.bounced"]


def _endpoint(site: SiteClient) -> dict[str, Any] | None:
    answer = site.call("GET", f"{site.base}/webhook")
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _hook(n: int | str) -> str:
    return f"https://platform.example.com/hooks/{n}"


@identical(HOOK)
def _(world: World) -> None:
    """The same new endpoint set 20 times at once: ONE answer shows its secret (a new endpoint's,
    shown once); the nineteen after it keep that endpoint and its secret (none shown)."""
    site = world.site("hooks")
    path = f"{site.base}/webhook"
    answers, figures = world.race(HOOK, "identical", [call(site, "PUT", path, {"url": _hook("a")})] * TIMES)
    assert statuses(answers) == {200: TIMES}
    secrets_ = [a.json()["secret"] for a in answers if a.json()["secret"] is not None]
    assert len(secrets_) == 1, secrets_
    assert secrets_[0].startswith("whsec_")
    assert len({a.json()["created_at"] for a in answers}) == 1
    stored = {
        "url": _hook("a"),
        "created_at": answers[0].json()["created_at"],
        "secret": None,
        "events": EVENTS,
    }
    lost(figures, _endpoint(site), [stored])


@conflicting(HOOK)
def _(world: World) -> None:
    """Twenty URLs at once, half with a new secret: the endpoint is ONE request's, as it answered
    (its URL and its creation time); every request that asked for a secret got its own."""
    site = world.site("hooks")
    path = f"{site.base}/webhook"
    bodies = [{"url": _hook(f"b{i}"), "rotate_secret": i % 2 == 0} for i in range(TIMES)]
    answers, figures = world.race(HOOK, "conflicting", [call(site, "PUT", path, b) for b in bodies])
    ok = succeeded(answers, frozenset({200}))
    shown = [answers[i].json()["secret"] for i in ok if bodies[i]["rotate_secret"]]
    assert all(shown)
    assert len(set(shown)) == len(shown)
    lost(figures, _endpoint(site), [answers[i].json() | {"secret": None} for i in ok])


@identical(HOOK_DELETE)
def _(world: World) -> None:
    """A removal is idempotent ("no endpoint any more"): 20 at once all answer 204; none is left."""
    site = world.site("hooks")
    site.ok("PUT", f"{site.base}/webhook", {"url": _hook("c")})
    path = f"{site.base}/webhook"
    answers, figures = world.race(HOOK_DELETE, "identical", [call(site, "DELETE", path)] * TIMES)
    assert statuses(answers) == {204: TIMES}
    lost(figures, _endpoint(site), [None])


@conflicting(HOOK_DELETE)
def _(world: World) -> None:
    """Removals racing new URLs: no endpoint, or ONE request's, as it answered."""
    site = world.site("hooks")
    site.ok("PUT", f"{site.base}/webhook", {"url": _hook("d")})
    path = f"{site.base}/webhook"
    requests: list[Request] = []
    for i in range(TIMES // 2):
        requests.append(call(site, "DELETE", path))
        requests.append(call(site, "PUT", path, {"url": _hook(f"d{i}")}))
    answers, figures = world.race(HOOK_DELETE, "conflicting", requests)
    ok = succeeded(answers, frozenset({200, 204}))
    assert all(answers[i].status_code == 204 for i in ok if i % 2 == 0)
    candidates = [None] + [answers[i].json() | {"secret": None} for i in ok if i % 2]
    lost(figures, _endpoint(site), candidates)
    site.ok("DELETE", path)
