"""The concurrency bar (issue 9, DESIGN.md): the suite tests/e2e/test_concurrency.py, run here
as `make test` runs it (20 identical and 20 conflicting requests per write route over HTTP on
the local stack), its figures read from the JSON it writes (tests/support/concurrency.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bars import Section

ROOT = Path(__file__).resolve().parents[1]
SUITE = "tests/e2e/test_concurrency.py"
REPORT_ENV = "VCLINKS_CONCURRENCY_REPORT"  # tests/support/concurrency.py reads the same name


def run() -> Section:
    section = Section("Concurrency: 20 identical and 20 conflicting requests per write route")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "concurrency.json"
        env = {**os.environ, REPORT_ENV: str(report)}
        done = subprocess.run(  # the exit code is one of the bars
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:logging", SUITE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        rows = json.loads(report.read_text()) if report.exists() else []
    requests = sum(r["requests"] for r in rows)
    server_errors = sum(n for r in rows for status, n in r["statuses"].items() if int(status) >= 500)
    lost = sum(r["lost_updates"] for r in rows)
    dead = sum(r["dead_links"] for r in rows)
    checked = sum(r["join_links_checked"] for r in rows)
    section.bar(
        "the suite",
        "every race passes",
        (done.stdout.strip().splitlines() or ["no output"])[-1],
        done.returncode == 0,
    )
    races = f"{lost} in {len(rows)} races, {requests} requests"
    section.bar("lost updates", "0", races, bool(rows) and lost == 0)
    section.bar("dead join links", "0", f"{dead} of {checked} checked", bool(rows) and dead == 0)
    section.bar("5xx answers", "0", server_errors, bool(rows) and server_errors == 0)
    retryable = sum(r["retryable_409"] for r in rows)
    slowest = max(rows, key=lambda r: r["seconds"], default=None)
    section.lines = [
        f"{retryable} retryable 409 answers in all (a conflicting race may see one; the client retries).",
        f"Slowest race: {slowest['route']} ({slowest['kind']}), {slowest['seconds']:.1f} s."
        if slowest
        else "",
    ]
    return section
