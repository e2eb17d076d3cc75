"""The local stack for a newcomer (issue 12): the .env `make dev` writes works in a shell, the
README's return_to loads, and the outbox names each recipient once."""

from __future__ import annotations

import json
import shlex
import subprocess

import httpx

from tests.support.stack import CLI, ROOT, SiteClient, Stack


def test_the_env_file_loads_in_a_shell_and_its_key_works(stack: Stack) -> None:
    assert stack.env_file is not None
    command = f"set -a; . {shlex.quote(str(stack.env_file))}; set +a; env"
    loaded = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout
    values = dict(
        line.split("=", 1) for line in loaded.splitlines() if line.split("=", 1)[0] in ("API", "SITE", "KEY")
    )
    assert values["API"] == stack.base_url
    assert stack.env_file.stat().st_mode & 0o077 == 0  # it holds an API key: the owner's only
    answer = httpx.get(
        f"{values['API']}/v1/sites/{values['SITE']}/settings",
        headers={"Authorization": f"Bearer {values['KEY']}"},
        timeout=30,
    )
    assert answer.status_code == 200


def test_the_readme_return_to_is_a_page_that_loads(stack: Stack) -> None:
    page = httpx.get(
        f"{stack.base_url}/_local/connected", params={"zoom": "connected", "connection_id": "<b>"}
    )
    assert page.status_code == 200
    assert "Back from Zoom" in page.text
    assert "&lt;b&gt;" in page.text


def test_the_outbox_names_each_recipient_once(stack: Stack, studio: SiteClient) -> None:
    studio.ok(
        "PUT", f"{studio.base}/vc-account", {"provider": "custom", "url": "https://meet.example/studio"}
    )
    studio.ok("PUT", f"{studio.base}/services/consult", {"kind": "appointment", "online": True})
    session = {"service_id": "consult", "start": "2031-01-06T10:00:00Z", "end": "2031-01-06T11:00:00Z"}
    studio.ok("PUT", f"{studio.base}/sessions/s1", session)
    client = f"once-{studio.site_id}@example.com"
    studio.ok("PUT", f"{studio.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": client})
    notify = {
        "type": "booking_confirmation",
        "session_id": "s1",
        "booking_id": "b1",
        "staff_email": "anna@x.test",
    }
    studio.ok("POST", f"{studio.base}/notifications", notify)

    def outbox(*extra: str) -> str:
        command = [*CLI, "--state-file", str(stack.state_file), "outbox", *extra]
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
        ).stdout

    mine = [email for email in json.loads(outbox("--json")) if client in email["to"]]
    assert [email["to"] for email in mine] == [[client]]
    assert outbox().count(f"To: {client}\n") == 1
