"""The pipeline's order in a fresh process per function (issue 9: reactions registered by import
side effects ran in import order; inside session_hooks the change email ran before the Zoom step).

Each function of template.yaml gets a new Python process that imports that function's handler
module and nothing else of ours first; only then does it read the pipeline's table and make a
session change and a booking on moto, through the worker, recording the steps as they run.
Whatever a function imported before, SESSION reconciles the meeting before it tells the
clients, and BOOKING syncs the registrant before it tells the client; and no module keeps a
global list of steps that an import could add to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.template import functions, load_template
from tests.support.aws import TEST_ENV
from tests.support.stack import ROOT

SESSION = [
    "shared.services.meetings.reconcile_meeting",
    "shared.services.change_emails.tell_clients",
    "shared.services.reminders.plan_reminders",  # X08: the next reminder follows the session's time
]
BOOKING = ["shared.services.registrants.sync_registrant", "shared.services.change_emails.tell_client"]

PROBE = r"""
import importlib, json, os, sys
from datetime import UTC, datetime, timedelta

for name in sys.argv[1:]:
    importlib.import_module(name)  # the function's own handler module, before anything else of ours

from shared.services import pipeline

table = pipeline.reactions()
steps = {id(step) for chain in table.values() for step in chain}


def holds_a_step(value):
    items = list(value.values()) if isinstance(value, dict) else list(value)
    nested = [i for item in items if isinstance(item, (list, tuple, set)) for i in item]
    return any(id(item) in steps for item in items + nested)


holders = sorted(
    f"{module_name}.{attribute}"
    for module_name, module in list(sys.modules.items())
    if module_name.split(".")[0] in ("shared", "functions")
    for attribute, value in vars(module).items()
    if not attribute.startswith("__") and isinstance(value, (list, dict, set)) and holds_a_step(value)
)
mutated = dict(table)
mutated.clear()

from moto import mock_aws
from tests.support.aws import create_world

ran = []
with mock_aws():
    create_world()
    from shared.bootstrap import container
    from shared.domain.models import CustomLink, ServiceKind
    from shared.services import sites, worker

    real = worker.reactions

    def recording(kind, step):
        def run(ctx, work):
            ran.append([kind.value, f"{step.__module__}.{step.__name__}"])
            return step(ctx, work)
        return run

    worker.reactions = lambda: {k: tuple(recording(k, s) for s in chain) for k, chain in real().items()}
    root = container()
    site, _ = sites.create_site(root.repo, "Order Studio")
    root.accounts.set_default_account(site, CustomLink(url="https://meet.example.com/order"))
    site = root.repo.get_site(site.site_id)
    root.sessions.put_service(site, "svc", ServiceKind.APPOINTMENT, True, None)
    start = datetime.now(UTC) + timedelta(days=3)
    root.sessions.put_session(
        site, "s1", service_id="svc", staff_id=None, start=start, end=start + timedelta(hours=1), online=None
    )
    root.sessions.put_booking(site, "s1", "b1", "Ada", "ada@order.test")

print(json.dumps({
    "table": {kind.value: [f"{s.__module__}.{s.__name__}" for s in chain] for kind, chain in table.items()},
    "tuples": all(isinstance(chain, tuple) for chain in table.values()),
    "fresh_table": pipeline.reactions() is not table and len(pipeline.reactions()) == len(table),
    "holders": holders,
    "ran": ran,
}))
"""


def handler_modules() -> dict[str, str]:
    """Each function of template.yaml and the Python module its Handler names."""
    found = {}
    for name, resource in functions(load_template()).items():
        props = resource["Properties"]
        package = props["CodeUri"].strip("/").replace("/", ".")
        found[name] = f"{package}.{props['Handler'].rpartition('.')[0]}"
    return found


MODULES = handler_modules()
RUNS = {name: [module] for name, module in MODULES.items()} | {
    "every handler, in reverse order": list(reversed(MODULES.values()))
}


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, Any]]:
    """One fresh interpreter per run, two at a time (the machine has two cores)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | TEST_ENV
    env |= {"ACCOUNTS_TABLE": "", "SESSION_LINKS_TABLE": "", "WORK_QUEUE_URL": ""}

    def probe(modules: list[str]) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-c", PROBE, *modules],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(RUNS, pool.map(probe, RUNS.values()), strict=True))


def test_every_function_of_the_template_is_probed() -> None:
    assert set(MODULES) == {
        "ResolveLinkFunction",
        "AccountsFunction",
        "SessionHooksFunction",
        "OAuthCallbackFunction",
        "SendConfirmationFunction",
        "WorkerFunction",
    }


@pytest.mark.parametrize("run", RUNS)
def test_the_table_is_the_same_in_every_function(probes: dict[str, dict[str, Any]], run: str) -> None:
    table = probes[run]["table"]
    assert table["session"] == SESSION
    assert table["booking"] == BOOKING
    assert table == probes["WorkerFunction"]["table"]


@pytest.mark.parametrize("run", RUNS)
def test_a_session_change_reconciles_the_meeting_before_telling_the_clients(
    probes: dict[str, dict[str, Any]], run: str
) -> None:
    ran = probes[run]["ran"]
    assert [step for kind, step in ran if kind == "session"][:3] == SESSION
    assert [step for kind, step in ran if kind == "booking"] == BOOKING


@pytest.mark.parametrize("run", RUNS)
def test_nothing_registers_itself_on_import(probes: dict[str, dict[str, Any]], run: str) -> None:
    """The table is built on each call, of tuples, and no module-level list, dict or set holds
    a step: an import has nothing to append to, and a caller nothing to change for the others."""
    probe = probes[run]
    assert probe["holders"] == []
    assert probe["tuples"] is True
    assert probe["fresh_table"] is True
