"""The whole local stack (`python -m local.dev`, as `make dev` starts it) in a child process,
driven over HTTP only (tests/support/stack.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.stack import ROOT, ZOOM_TIMEOUT, CancelAfter, SiteClient, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state_file = tmp_path_factory.mktemp("stack") / "local-stack.json"
    log = (state_file.parent / "stack.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACCOUNTS_", "SESSION_"))}
    env["VCLINKS_ZOOM_TIMEOUT_SECONDS"] = str(ZOOM_TIMEOUT)  # the timeout tests wait this long
    process = subprocess.Popen(
        # No background sweep: the tests run it when they mean to (Stack.sweep), so counts are exact.
        [
            sys.executable,
            "-m",
            "local.dev",
            "--port",
            "0",
            "--sweep-seconds",
            "0",
            "--state-file",
            str(state_file),
            "--env-file",
            str(state_file.parent / ".env"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local stack did not start: {(state_file.parent / 'stack.log').read_text()}"
                )
            time.sleep(0.1)
        state = json.loads(state_file.read_text())
        assert httpx.get(f"{state['base_url']}/v1/health", timeout=30).status_code == 200
        yield Stack(state["base_url"], state["zoom_url"], state_file, state_file.parent / ".env")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def studio(stack: Stack) -> SiteClient:
    return stack.create_site("Yoga Studio")


@pytest.fixture
def cancel_after(stack: Stack) -> Iterator[CancelAfter]:
    """`cancel_after(site, "sessions/s1")`: what a test leaves waiting for 00:00 UTC (X11, a host's or a
    registrant's daily limit) is cancelled when the test ends, pass or fail. Left waiting, it would be
    made by the first sweep after midnight, in whichever test of the worker then counts Zoom's calls."""
    left: list[tuple[SiteClient, str]] = []
    yield lambda site, path: left.append((site, path))
    for site, path in left:
        assert site.call("DELETE", f"{site.base}/{path}").status_code in (200, 204, 404)
    stack.settle()
    for site in {site for site, _ in left}:
        hosts = site.ok("GET", f"{site.base}/zoom/usage")["hosts"]
        assert [h["waiting"] for h in hosts if h["waiting"]] == []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module that names `EVERY_PROVIDER_OVER_HTTP` (tests whose `kit` runs for every provider)
    runs its other kit tests for the custom link only: the whole provider matrix is the
    integration tier's (see the module's docstring); the other tests are deselected, not skipped."""
    kept, dropped = [], []
    for item in items:
        every = getattr(getattr(item, "module", None), "EVERY_PROVIDER_OVER_HTTP", None)
        callspec = getattr(item, "callspec", None)
        provider = callspec.params.get("kit") if callspec is not None else None
        narrowed = every is not None and provider not in (None, "custom")
        (dropped if narrowed and getattr(item, "originalname", "") not in every else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist (`make test`), a worker hands its races' figures to the controller."""
    from tests.support.concurrency import RECORDED, as_json

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and RECORDED:
        workeroutput["concurrency"] = as_json(RECORDED)
