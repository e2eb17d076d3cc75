"""Issue 14's cold start: what each function's module loads when Lambda imports it. Each
function builds the pydantic models of its own routes only, and a provider's client (httpx) or a
route's service is loaded by the route that uses it, not by every cold start. Each probe runs in a
fresh interpreter, as Lambda's init does; the times are in bench/RESULTS.md ("Cold start")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.stack import ROOT

ENV = {
    "ACCOUNTS_TABLE": "cold-accounts",
    "SESSION_LINKS_TABLE": "cold-links",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "vclinks",
}
WATCHED = (
    "httpx",
    "shared.http.account_models",
    "shared.http.session_models",
    "shared.http.email_models",
    "shared.http.site_models",
    "shared.http.zoom_models",
    "shared.http.link_models",
    "shared.adapters.zoom.client",
    "shared.services.connect",
    "shared.services.zoom.webhooks",
    "shared.services.zoom.host_links",
    "shared.domain.emails.render",
    "jwt",  # PyJWT and cryptography: the Google RISC route's only
    "cryptography",
    "shared.services.google_risc",
)


def loaded_at_init(function: str) -> set[str]:
    """The watched modules in sys.modules after the function's import and its composition root's
    repository (what every first request creates)."""
    probe = (
        "import json, sys\n"
        f"import functions.{function}.app\n"
        "from shared.bootstrap import container\n"
        "container().repo\n"
        f"print(json.dumps(sorted(m for m in {WATCHED!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    ("function", "loaded"),
    [
        ("resolve_link", {"shared.http.link_models"}),
        ("session_hooks", {"shared.http.session_models"}),
        ("send_confirmation", {"shared.http.email_models"}),
        ("accounts", {"shared.http.account_models", "shared.http.site_models"}),
        ("oauth_callback", {"shared.http.zoom_models"}),
        ("worker", set()),  # the email modules come with the first batch that sends one
    ],
)
def test_a_cold_start_loads_its_own_models_and_no_provider_client(function: str, loaded: set[str]) -> None:
    assert loaded_at_init(function) == loaded


def test_every_probe_of_the_bench_cold_part_runs() -> None:
    """bench/run.py's cold part runs each probe in a fresh process: one that raises (a network
    read, a missing setting) would stop `make bench` well into its run; here it fails in seconds.
    (The functions' own inits are the probes of the test above.)"""
    from bench import run

    probes = [run.FLOOR]
    probes += [f"{run.init_code(route.split('+')[0])}\n{code}" for route, code in run.ROUTE_FIRST_USE.items()]
    for code in probes:
        wall, cpu = run._probe(code)
        assert wall > 0, code
        assert cpu > 0, code
