"""Races over HTTP: many requests at the same instant, and the figures the concurrency bar
counts (DESIGN.md "Quality bars": 0 lost updates and 0 dead join links with 20 concurrent
identical or conflicting requests per write route).

tests/e2e/test_concurrency.py runs one race per write route of template.yaml and records a
`Figures` row for each; `summary()` prints them as a table (and `make bench` can run the
same suite and read the JSON that `write_report` leaves, see REPORT_ENV).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

TIMES = 20
SUCCESS = frozenset({200, 201, 204, 302})
REPORT_ENV = "VCLINKS_CONCURRENCY_REPORT"
"""A path: the suite writes its figures there as JSON (for `make bench`)."""


def race(requests: Sequence[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Every request from its own thread, released together by a barrier (answers in order)."""
    barrier = threading.Barrier(len(requests))

    def one(request: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def is_retryable_conflict(answer: httpx.Response) -> bool:
    """A 409 problem that tells the caller to try again (the record kept changing under it)."""
    if answer.status_code != 409 or answer.headers.get("content-type") != "application/problem+json":
        return False
    problem = answer.json()
    return bool(problem["type"].endswith("/conflict") and problem.get("retryable") is True)


@dataclass
class Figures:
    """What one race measured."""

    route: str
    kind: str  # "identical" or "conflicting"
    requests: int
    statuses: dict[int, int]
    retryable_409: int = 0
    lost_updates: int = 0
    dead_links: int = 0
    join_links_checked: int = 0
    provider_calls: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def of(cls, route: str, kind: str, answers: Sequence[httpx.Response], started: float) -> Figures:
        return cls(
            route=route,
            kind=kind,
            requests=len(answers),
            statuses=dict(sorted(Counter(a.status_code for a in answers).items())),
            retryable_409=sum(is_retryable_conflict(a) for a in answers),
            seconds=round(time.monotonic() - started, 2),
        )


RECORDED: list[Figures] = []


def summary(figures: Sequence[Figures] = ()) -> str:
    rows = list(figures or RECORDED)
    head = (
        f"{'route':58} {'kind':11} {'statuses':26} {'409r':>4} {'lost':>4} {'dead':>4} {'links':>5} {'s':>5}"
    )
    lines = [head, "-" * len(head)]
    for f in rows:
        statuses = " ".join(f"{k}x{v}" for k, v in f.statuses.items())
        lines.append(
            f"{f.route:58} {f.kind:11} {statuses:26} {f.retryable_409:>4} {f.lost_updates:>4} "
            f"{f.dead_links:>4} {f.join_links_checked:>5} {f.seconds:>5.1f}"
            + (f"  provider {f.provider_calls}" if f.provider_calls else "")
        )
    totals = (
        sum(f.requests for f in rows),
        sum(f.retryable_409 for f in rows),
        sum(f.lost_updates for f in rows),
        sum(f.dead_links for f in rows),
        sum(f.join_links_checked for f in rows),
    )
    lines.append(
        f"{len(rows)} races, {totals[0]} requests: {totals[1]} retryable 409s, "
        f"{totals[2]} lost updates, {totals[3]} dead join links (of {totals[4]} checked)"
    )
    return "\n".join(lines)


def as_json(figures: Sequence[Figures]) -> str:
    return json.dumps([asdict(f) for f in figures], indent=2)


def from_json(text: str) -> list[Figures]:
    return [Figures(**row) for row in json.loads(text)]


def write_report(path: Path, figures: Sequence[Figures] = ()) -> None:
    path.write_text(as_json(figures or RECORDED))


def report_path() -> Path | None:
    value = os.environ.get(REPORT_ENV)
    return Path(value) if value else None
