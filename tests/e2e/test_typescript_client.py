"""The TypeScript client of clients/typescript/ (generated from openapi.json with openapi-typescript,
calls made by openapi-fetch) run by Node against the local stack: the README's flow, typed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.stack import ROOT, Stack

CLIENT = ROOT / "clients" / "typescript"
NODE = shutil.which("node")
NPM = shutil.which("npm")

pytestmark = pytest.mark.skipif(
    NODE is None or NPM is None,
    reason="node and npm are needed for the TypeScript client (Node.js 20 or later); they are not on PATH",
)


def npm(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    assert NPM is not None
    return subprocess.run(
        [NPM, *args], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed() -> Path:
    """The client's pinned packages (package-lock.json), installed once."""
    if not (CLIENT / "node_modules" / ".package-lock.json").exists():
        done = npm("ci", "--no-audit", "--no-fund")
        assert done.returncode == 0, done.stdout + done.stderr
    return CLIENT


def test_the_client_types_are_generated_from_openapi_json_and_check(installed: Path) -> None:
    """`npm run generate` after `make openapi`: this fails when src/schema.ts lags openapi.json,
    or when the client or its example no longer type-checks against it."""
    checked = npm("run", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_readme_flow_runs_in_node_with_the_typed_client(installed: Path, stack: Stack) -> None:
    site = stack.create_site("TypeScript Studio")
    env = os.environ | {"API": stack.base_url, "SITE": site.site_id, "KEY": site.api_key}
    ran = npm("run", "--silent", "flow", env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    answer = json.loads(ran.stdout.strip().splitlines()[-1])

    assert (answer["account"], answer["service"], answer["session"], answer["booking"]) == (
        200,
        200,
        201,
        201,
    )
    assert answer["join_url"].startswith(f"{stack.base_url}/v1/j/")
    link = answer["link"]
    assert (link["decision"], link["url"], link["password"]) == (
        "link",
        "https://meet.google.com/abc-defg-hij",
        "1234",
    )
    assert link["join_url"] == answer["join_url"]
    assert answer["refused"]["status"] == 401
    assert answer["refused"]["type"] == "https://vclinks.dev/problems/unauthorized"
