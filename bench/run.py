"""`make bench`: the quality bars of DESIGN.md, measured on the local stack; writes bench/RESULTS.md.

Timings on shared machines are noisy: medians of many runs, and ratios measured in the
same run, are what to compare. Counts (round trips, Zoom calls, refreshes) are exact.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.bars import Section, summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
FUNCTIONS = ("accounts", "oauth_callback", "resolve_link", "send_confirmation", "session_hooks", "worker")
START = datetime(2031, 5, 5, 9, 0, tzinfo=UTC)

# Public list prices, us-east-1, as of 2026 (arm64 Lambda, HTTP API, DynamoDB on demand).
LAMBDA_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
HTTP_API_REQUEST = 1.00 / 1_000_000
DYNAMODB_READ_UNIT = 0.125 / 1_000_000
WRITE_UNIT = 0.625 / 1_000_000
MEMORY_GB = 0.5


# -- counting and timing -------------------------------------------------------------------


@contextmanager
def handler_timer(timings: list[float]) -> Iterator[None]:
    """Time each handler invocation the local gateway makes (the Lambda's own time; the gateway
    keeps warm execution environments, so the invocation is timed, not the handler's making)."""
    from local.gateway import Gateway

    original = Gateway.invoke

    def timed(self: Gateway, route: Any, event: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return original(self, route, event)
        finally:
            timings.append(time.perf_counter() - began)

    Gateway.invoke = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        Gateway.invoke = original  # type: ignore[method-assign]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p95_ms(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000


# -- the stack and a site ------------------------------------------------------------------


def measure(requests: int) -> dict[str, Any]:
    from local.aws import count_aws_calls
    from local.stack import LocalStack
    from tests.support.stack import Stack, delta, session_body

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        local = LocalStack(port=0, state_file=Path(tmp) / "state.json", sweep_seconds=0).start()
        try:
            stack = Stack(local.base_url, local.zoom_url, local.state_file)
            site = stack.create_site("Bench Studio")
            user = stack.new_zoom_user()
            site.connect_zoom(user, access="account")  # the admin-managed app: /zoom/users below
            site.ok("PUT", f"{site.base}/services/consult", {"kind": "appointment", "online": True})
            site.ok("PUT", f"{site.base}/services/flow", {"kind": "class", "online": True})

            # A session's life: counts of Zoom calls.
            before = stack.zoom_calls()
            site.ok("PUT", f"{site.base}/sessions/s1", session_body(START))
            site.ok("PUT", f"{site.base}/sessions/s1", session_body(START))  # a retried call
            created = delta(before, stack.zoom_calls())
            before = stack.zoom_calls()
            site.ok("PUT", f"{site.base}/sessions/s1", session_body(START + timedelta(days=1)))
            site.ok("PUT", f"{site.base}/sessions/s1", session_body(START + timedelta(days=1)))
            rescheduled = delta(before, stack.zoom_calls())
            site.ok(
                "PUT",
                f"{site.base}/sessions/s1/bookings/b1",
                {"client_name": "Ada", "client_email": "a@x.test"},
            )

            # resolve_link hot path: round trips, Zoom and Secrets Manager calls, time.
            path = f"{site.base}/sessions/s1/link"
            params = {"audience": "client", "booking": "b1"}
            site.ok("GET", path, params=params)  # warm
            join_url = site.ok("GET", path, params=params)["join_url"]
            zoom_before = stack.zoom_calls()
            items: Counter[str] = Counter()
            units: dict[str, float] = {}
            with count_aws_calls(items, except_threads="-poller-", units=units) as calls:
                site.ok("GET", path, params=params)
            one_call = dict(calls)
            join_units: dict[str, float] = {}
            with count_aws_calls(except_threads="-poller-", units=join_units) as calls:
                httpx.get(join_url, timeout=30)
            join_call = dict(calls)
            hintless_url = join_url.rsplit("/v1/j/", 1)[0] + "/v1/j/" + _hintless_token(site.site_id)
            with count_aws_calls(except_threads="-poller-") as calls:
                httpx.get(hintless_url, timeout=30)
            hintless_call = dict(calls)
            handler_times: list[float] = []
            http_times: list[float] = []
            with handler_timer(handler_times):
                for _ in range(requests):
                    began = time.perf_counter()
                    site.call("GET", path, params=params)
                    http_times.append(time.perf_counter() - began)
            join_times: list[float] = []
            hintless_times: list[float] = []
            for _ in range(requests):  # interleaved: one round trip against two, same moment
                with handler_timer(join_times):
                    httpx.get(join_url, timeout=30)
                with handler_timer(hintless_times):
                    httpx.get(hintless_url, timeout=30)
            results["resolve"] = {
                "aws_calls": one_call,
                "items_read": sum(items.values()),
                "read_units": sum(units.values()),
                "join_aws_calls": join_call,
                "join_read_units": sum(join_units.values()),
                "hintless_aws_calls": hintless_call,
                "zoom_calls": delta(zoom_before, stack.zoom_calls()),
                "handler_median_ms": median_ms(handler_times),
                "handler_p95_ms": p95_ms(handler_times),
                "http_median_ms": median_ms(http_times),
                "join_handler_median_ms": median_ms(join_times),
                "join_handler_p95_ms": p95_ms(join_times),
                "hintless_handler_median_ms": median_ms(hintless_times),
                "requests": requests,
            }

            results["load"] = load(
                stack.base_url, path, params, site.api_key, join_url, LOAD_SECONDS, LOAD_CLIENTS
            )

            before = stack.zoom_calls()
            assert site.call("DELETE", f"{site.base}/sessions/s1").status_code == 204
            cancelled = delta(before, stack.zoom_calls())
            results["life"] = {"create": created, "reschedule": rescheduled, "cancel": cancelled}

            # A class with N bookings.
            n = 20
            site.ok("PUT", f"{site.base}/sessions/c1", session_body(START, service_id="flow"))
            before = stack.zoom_calls()
            for i in range(n):
                site.ok(
                    "PUT",
                    f"{site.base}/sessions/c1/bookings/b{i}",
                    {"client_name": f"C{i}", "client_email": f"c{i}@x.test"},
                )
            meetings = [m for m in stack.meetings() if m["host_id"] == user]
            results["class"] = {
                "bookings": n,
                "calls": delta(before, stack.zoom_calls()),
                "meetings": len(meetings),
            }

            # 50 concurrent requests on an expired token.
            site.ok("GET", f"{site.base}/zoom/users")
            stack.zoom("POST", "expire-tokens")
            before = stack.zoom_calls()
            answers = site.concurrently("GET", f"{site.base}/zoom/users", 50)
            statuses = Counter(answer.status_code for answer in answers)
            results["refresh"] = {"statuses": dict(statuses), "calls": delta(before, stack.zoom_calls())}
        finally:
            local.stop()
    return results


def _hintless_token(site_id: str) -> str:
    """The client link of b1 as tokens were made before they carried hints (two round trips):
    the same run's measure of what one round trip saves."""
    from shared.bootstrap import container
    from shared.domain.join_tokens import client_token

    booking = container().repo.get_booking(site_id, "s1", "b1")
    assert booking is not None
    return client_token(booking, container().join_key)


LOAD_SECONDS = 10.0
LOAD_CLIENTS = 16


def load(
    base_url: str, path: str, params: dict[str, str], key: str, join_url: str, seconds: float, clients: int
) -> dict[str, Any]:
    """Many clients at once, for a bounded time: half resolve links, half open join links."""
    deadline = time.monotonic() + seconds

    def client(n: int) -> tuple[int, int, list[float]]:
        done = errors = 0
        times: list[float] = []
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                if n % 2:
                    answer = http.get(path, params=params)
                    ok = answer.status_code == 200
                else:
                    answer = http.get(join_url)
                    ok = answer.status_code == 302
                times.append(time.perf_counter() - began)
                done += 1
                errors += 0 if ok else 1
        return done, errors, times

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = list(pool.map(client, range(clients)))
    elapsed = time.monotonic() - began
    times = [t for _, _, ts in outcomes for t in ts]
    total = sum(done for done, _, _ in outcomes)
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": total,
        "errors": sum(errors for _, errors, _ in outcomes),
        "throughput": total / elapsed,
        "median_ms": median_ms(times),
        "p95_ms": p95_ms(times),
    }


# -- cold start ----------------------------------------------------------------------------

IMPORT_PROBE = """
import sys, time
began, cpu = time.perf_counter(), time.process_time()
{code}
print(time.perf_counter() - began, time.process_time() - cpu)
"""
BASELINE = "import boto3\nboto3.client('dynamodb', region_name='eu-west-1')"
# What the design card's stack costs before any of our code: boto3, Powertools' HTTP
# resolver with its pydantic request validation.
FLOOR = (
    "import boto3\nboto3.client('dynamodb', region_name='eu-west-1')\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
    "APIGatewayHttpResolver(enable_validation=True)"
)


# A function's init as Lambda pays it: its module imported, then what its first request creates
# before any network call (the composition root's DynamoDB repository, as the floor's one client;
# resolve_link also its Secrets Manager client, for the join-token key its first link needs).
# The network calls themselves (the key's read) are not in the floor either.
FIRST_REQUEST = dict.fromkeys(FUNCTIONS, "from shared.bootstrap import container\ncontainer().repo") | {
    "resolve_link": "from shared.bootstrap import container\ncontainer().repo\n"
    "import boto3\nboto3.client('secretsmanager', region_name='eu-west-1')",
}


def init_code(name: str) -> str:
    return f"import functions.{name}.app\n{FIRST_REQUEST[name]}"


ROUTE_FIRST_USE = {
    # what the Zoom callback loads before its first network call (the app's secret read)
    "oauth_callback+zoom_callback": "from shared.services import connect\nimport httpx\n"
    "import shared.adapters.zoom.provider\nimport shared.adapters.zoom.client\ncontainer().token_secrets\n"
    "container().zoom_app",
    "oauth_callback+zoom_webhook": "from shared.services.zoom import webhooks\ncontainer().zoom_app",
}
"""What a route that imports its service when it first runs adds to its function's init (shown,
not a bar: the first request of that route pays it, the other routes do not)."""


TRACER = "from aws_lambda_powertools import Tracer\nTracer(service='vclinks')"
"""Powertools Tracer as a handler would make it (aws-xray-sdk, boto3 and httpx patched): measured
beside each function to decide between Tracer and X-Ray off (issue 12; README, "Operations")."""
TRACED = ("resolve_link", "worker")


def _probe(code: str) -> tuple[float, float]:
    env = os.environ | {
        "ACCOUNTS_TABLE": "bench-accounts",
        "SESSION_LINKS_TABLE": "bench-links",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "vclinks",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(code=code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def cold_starts(rounds: int) -> dict[str, Any]:
    """Each function's init (import and its first request's creations) against the floor,
    interleaved round by round so that the machine's load weighs on all alike."""
    traced = [f"{name}+tracer" for name in TRACED]
    samples: dict[str, list[tuple[float, float]]] = {
        name: [] for name in ("boto3", "floor", *FUNCTIONS, *ROUTE_FIRST_USE, *traced)
    }
    _probe(BASELINE)  # bytecode compiled once, as in a deployed package
    for name in FUNCTIONS:
        _probe(init_code(name))
    for _ in range(rounds):
        samples["boto3"].append(_probe(BASELINE))
        samples["floor"].append(_probe(FLOOR))
        for name in FUNCTIONS:
            samples[name].append(_probe(init_code(name)))
        for route, code in ROUTE_FIRST_USE.items():
            samples[route].append(_probe(f"{init_code(route.split('+')[0])}\n{code}"))
        for name in TRACED:
            samples[f"{name}+tracer"].append(_probe(f"{init_code(name)}\n{TRACER}"))
    found = {}
    for name, values in samples.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        found[name] = {
            "median_ms": statistics.median(wall) * 1000,
            "min_ms": min(wall) * 1000,
            "max_ms": max(wall) * 1000,
            "cpu_median_ms": statistics.median(cpu) * 1000,
        }
    return found


# -- deployed size -------------------------------------------------------------------------


def sizes() -> dict[str, int] | str:
    sam = ROOT / ".venv-sam" / "bin" / "sam"
    if not sam.exists():
        return "not measured: run `make build` first (.venv-sam is missing)"
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"PATH": f"{sam.parent}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
        subprocess.run(
            [str(sam), "build", "--build-dir", tmp], cwd=ROOT, env=env, check=True, capture_output=True
        )
        found = {}
        for folder in sorted(Path(tmp).iterdir()):
            if folder.is_dir():
                found[folder.name] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        return found


# -- report --------------------------------------------------------------------------------


def cost_per_million(handler_ms: float, read_units: float) -> dict[str, float]:
    billed_ms = max(1.0, round(handler_ms + 0.5))  # Lambda bills by the millisecond
    lambda_cost = 1_000_000 * (billed_ms / 1000 * MEMORY_GB * LAMBDA_GB_SECOND + LAMBDA_REQUEST)
    return {
        "lambda": lambda_cost,
        "http_api": 1_000_000 * HTTP_API_REQUEST,
        "dynamodb": 1_000_000 * read_units * DYNAMODB_READ_UNIT,
    }


def _dynamodb(calls: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in calls.items() if name.startswith("dynamodb.")}


def _writes(calls: dict[str, int]) -> int:
    return sum(n for name, n in _dynamodb(calls).items() if not name.endswith(("GetItem", "Query")))


def _read_trips(calls: dict[str, int]) -> int:
    return sum(n for name, n in _dynamodb(calls).items() if name.endswith(("GetItem", "Query")))


def resolve_section(measured: dict[str, Any]) -> Section:
    resolve = measured["resolve"]
    section = Section("resolve_link hot path")
    others = {k: v for k, v in resolve["aws_calls"].items() if not k.startswith("dynamodb.")}
    join_calls = _dynamodb(resolve["join_aws_calls"])
    link_calls = _dynamodb(resolve["aws_calls"])
    section.bar(
        "DynamoDB read round trips of a join click (`GET /v1/j/{token}`)",
        "1 (2 after a reassignment)",
        f"{_read_trips(join_calls)} {join_calls}",
        _read_trips(join_calls) <= 1,
    )
    section.bar(
        "read units of a join click (eventually consistent, items under 4 KB)",
        "at most 2.5",
        resolve["join_read_units"],
        resolve["join_read_units"] <= 2.5,
    )
    section.bar(
        "writes of a join click (X12: its first and latest time)",
        "at most 1",
        f"{_writes(join_calls)}",
        _writes(join_calls) <= 1,
    )
    section.bar(
        "DynamoDB round trips of a link read (`GET .../link`, a warm Lambda that read the session before)",
        "1 (2 after a reassignment)",
        f"{_read_trips(link_calls)} {link_calls}",
        _read_trips(link_calls) <= 1,
    )
    section.bar(
        f"provider calls in {resolve['requests']} + 3 reads",
        "0",
        resolve["zoom_calls"] or 0,
        not resolve["zoom_calls"],
    )
    section.bar("Secrets Manager and other AWS calls of a read", "0", others or 0, not others)
    hintless = _dynamodb(resolve["hintless_aws_calls"])
    section.lines = [
        f"A link read (`GET .../link`) costs {resolve['read_units']} read units "
        f"({resolve['items_read']} items): its session and booking are read strongly (a platform "
        "reads back what it just wrote), the site, service and staff member eventually. A join "
        f"link made before tokens carried their hints: {_read_trips(hintless)} round trips {hintless}.",
        "",
        f"Handler time, median (p95) of {resolve['requests']}: "
        f"link read {resolve['handler_median_ms']:.2f} ms "
        f"({resolve['handler_p95_ms']:.2f} ms); join click (one round trip) "
        f"{resolve['join_handler_median_ms']:.2f} ms ({resolve['join_handler_p95_ms']:.2f} ms) against "
        f"{resolve['hintless_handler_median_ms']:.2f} ms for a hintless token (two round trips, the "
        "path every click took before issue 14), interleaved in the same run; the whole HTTP round trip "
        f"of a link read, median {resolve['http_median_ms']:.2f} ms. Before issue 14 (bench/RESULTS.md "
        "of 2026-11-26, two strongly consistent round trips): 18.11 ms a link read, 19.03 ms a join. "
        "The handler time includes the DynamoDB round trips to moto's server on loopback; a join's "
        "click is written at most once a minute per link and warm Lambda, so most of these clicks "
        "write nothing.",
    ]
    load = measured["load"]
    section.bar("load: errors", "0", f"{load['errors']} of {load['requests']}", load["errors"] == 0)
    section.lines.append(
        f"Load: {load['clients']} concurrent clients for {load['seconds']:.0f} s, half resolving links, half "
        f"opening join links: {load['requests']} requests, {load['throughput']:.0f}/s, latency median "
        f"{load['median_ms']:.1f} ms, p95 {load['p95_ms']:.1f} ms (every handler in one Python process "
        "here: a floor, not Lambda's throughput, which scales out per request)."
    )
    return section


def zoom_section(measured: dict[str, Any]) -> Section:
    life, klass, refresh = measured["life"], measured["class"], measured["refresh"]
    section = Section("A session's life at Zoom")
    section.bar(
        "create, then the same call retried",
        "1 create",
        life["create"],
        life["create"] == {"create_meeting": 1},
    )
    section.bar(
        "reschedule, then the same call retried",
        "1 update",
        life["reschedule"],
        life["reschedule"] == {"update_meeting": 1},
    )
    section.bar("cancel", "1 delete", life["cancel"], life["cancel"] == {"delete_meeting": 1})
    n = klass["bookings"]
    section.bar(
        f"a class with {n} bookings",
        f"1 meeting, {n} registrants",
        f"{klass['meetings']} meeting(s), {klass['calls']}",
        klass["meetings"] == 1
        and klass["calls"].get("add_registrant") == n
        and "create_meeting" not in klass["calls"],
    )
    refreshes = refresh["calls"].get("token_refresh", 0)
    section.bar(
        "50 concurrent requests on an expired token",
        "exactly 1 refresh, every answer 200",
        f"{refreshes} refresh(es), answers {refresh['statuses']}",
        refreshes == 1 and refresh["statuses"] == {200: 50},
    )
    return section


def cold_section(cold: dict[str, Any], rounds: int) -> Section:
    """The bar is on CPU time: Lambda runs an init on its own vCPU share, so its cost is the CPU it
    takes; wall time here also counts the waits for this shared machine's cores."""
    section = Section("Cold start")
    floor, floor_cpu = cold["floor"]["median_ms"], cold["floor"]["cpu_median_ms"]
    rows = [
        "| what | CPU, median | ratio (CPU) | wall, median | wall spread (min-max) | ratio (wall) |",
        "|---|---|---|---|---|---|",
    ]
    for name, value in cold.items():
        label = {
            "boto3": "boto3 + `boto3.client('dynamodb')`",
            "floor": "**the floor**: boto3, a client, Powertools' resolver with validation",
        }.get(name, f"`{name}` init")
        if name.endswith("+tracer"):
            label = f"`{name.removesuffix('+tracer')}` init **with Tracer** (not deployed)"
        elif name in ROUTE_FIRST_USE:
            function, route = name.split("+")
            label = f"`{function}` init + the first `{route}` (its service and clients, not a bar)"
        rows.append(
            f"| {label} | {value['cpu_median_ms']:.0f} ms | {value['cpu_median_ms'] / floor_cpu:.2f}x "
            f"| {value['median_ms']:.0f} ms | {value['min_ms']:.0f}-{value['max_ms']:.0f} ms "
            f"| {value['median_ms'] / floor:.2f}x |"
        )
    for name in FUNCTIONS:
        ratio = cold[name]["cpu_median_ms"] / floor_cpu
        section.bar(f"`{name}` init (CPU)", "at most 1.15x the floor", f"{ratio:.2f}x", ratio <= 1.15)
    section.lines = [
        f"Each function's init in a fresh Python process: its module imported, then what its first "
        "request creates before any network call (the DynamoDB repository; resolve_link also the "
        f"Secrets Manager client of the join-token key). oauth_callback's routes import their service "
        "when they first run: the rows marked 'first' add what one route's first request loads. "
        f"{rounds} rounds interleaved (bytecode "
        "compiled once first, as in a deployed package); medians. The floor: boto3, one client and "
        "Powertools' HTTP resolver with validation, no code of ours. The bar reads CPU time (an init "
        "on Lambda runs on its own share of a vCPU); wall time is shown too, and on a busy machine "
        "it mostly measures the wait for a core.",
        "",
        *rows,
    ]
    return section


def size_section(built: dict[str, int] | str) -> Section:
    section = Section("Deployed size (sam build, arm64)")
    if isinstance(built, str):
        section.lines = [built]
        return section
    section.lines = ["| artifact | size |", "|---|---|"]
    section.lines += [f"| {name} | {size / 1000:,.0f} KB |" for name, size in built.items()]
    section.lines += ["", "Each function deploys its own code plus the shared layer (SharedLayer)."]
    return section


def cost_section(measured: dict[str, Any]) -> Section:
    resolve = measured["resolve"]
    units = resolve["join_read_units"]
    cost = cost_per_million(resolve["join_handler_median_ms"], units)
    write = 1_000_000 * WRITE_UNIT  # X12: at most one write a click (once a minute a link)
    section = Section("Cost per million join clicks (an estimate from the measured median)")
    section.lines = [
        "| part | USD per million |",
        "|---|---|",
        f"| Lambda (arm64, {MEMORY_GB * 1024:.0f} MB, billed from the median handler time) "
        f"| {cost['lambda']:.2f} |",
        f"| API Gateway HTTP API | {cost['http_api']:.2f} |",
        f"| DynamoDB on demand ({units} read units a click, eventually consistent) "
        f"| {cost['dynamodb']:.2f} |",
        f"| **total** | **{sum(cost.values()):.2f}** |",
        f"| X12: the click's write, when made (1 write unit, at most once a minute a link) | {write:.3f} |",
        "",
        f"A link read through the API (`GET .../link`) reads {resolve['read_units']} units "
        f"(${1_000_000 * resolve['read_units'] * DYNAMODB_READ_UNIT:.2f} per million): its session and "
        "booking strongly. Read strongly throughout, a resolve would be 5 units ($0.62 per million).",
        "",
        "Handler time on Lambda differs from this machine's (the DynamoDB round trips go over the "
        "network there): treat the Lambda line as an order of magnitude.",
    ]
    return section


def render(sections: list[Section]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, by `make bench`. The bars are "
        "DESIGN.md's and the issues'; `make bench` exits 1 when one is missed. Timings are noisy on "
        "shared machines: compare medians and same-run ratios; counts are exact.",
        "",
        *summary(sections),
    ]
    for section in sections:
        lines += section.markdown()
    return "\n".join(lines)


PARTS = ("stack", "cold", "pipeline", "concurrency", "size")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=11, help="cold-start rounds (at least 9)")
    parser.add_argument("--skip", action="append", choices=PARTS, default=[], help="leave a part out")
    parser.add_argument("--no-build", action="store_true", help="same as --skip size")
    args = parser.parse_args(argv)
    skip = set(args.skip) | ({"size"} if args.no_build else set())
    sections: list[Section] = []
    if "stack" not in skip:
        measured = measure(args.requests)
        sections += [resolve_section(measured), zoom_section(measured), cost_section(measured)]
    if "cold" not in skip:
        sections.append(cold_section(cold_starts(max(args.rounds, 9)), max(args.rounds, 9)))
    if "pipeline" not in skip:
        from bench import pipeline
        from local.dynamodb_local import DynamoDBLocal

        with DynamoDBLocal() as server:
            sections += pipeline.run(server.endpoint_url)
    if "concurrency" not in skip:
        from bench import concurrency

        sections.append(concurrency.run())
    if "size" not in skip:
        sections.append(size_section(sizes()))
    text = render(sections)
    if skip:
        print(text)
        print(f"(parts skipped: {sorted(skip)}; bench/RESULTS.md left as it was)")
    else:
        RESULTS.write_text(text)
        print(text)
    return 0 if all(bar.met for section in sections for bar in section.bars) else 1


if __name__ == "__main__":
    sys.exit(main())
