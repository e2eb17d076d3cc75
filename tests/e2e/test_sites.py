"""Two sites on one deployment, over HTTP (W02): credentials, isolation, and the console
commands (`vclinks --local site create`, `vclinks --local outbox`) against the running stack."""

from __future__ import annotations

import json
import subprocess

from tests.support.stack import CLI, ROOT, Stack, session_body


def test_w02_two_sites_never_reach_each_other(stack: Stack) -> None:
    yoga, clinic = stack.create_site("Yoga"), stack.create_site("Clinic")
    for site in (yoga, clinic):
        site.ok(
            "PUT",
            f"{site.base}/vc-account",
            {"provider": "custom", "url": f"https://meet.example.com/{site.site_id}"},
        )
        site.ok("PUT", f"{site.base}/services/consult", {"kind": "appointment", "online": True})
        site.ok("PUT", f"{site.base}/sessions/s1", session_body())
        site.ok("PUT", f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada"})

    # The yoga studio's key on the clinic's routes: the same answer as a site that does not exist.
    crossed = stack.get(f"{clinic.base}/sessions/s1/link", yoga.api_key, audience="client", booking="b1")
    assert crossed.status_code == 404
    assert crossed.headers["content-type"] == "application/problem+json"
    assert "meet.example.com" not in crossed.text
    missing = stack.get(f"{clinic.base}/settings")
    assert missing.status_code == 401

    # A client token of one booking reads that booking's link only.
    token = yoga.ok(
        "POST", f"{yoga.base}/tokens", {"role": "client", "session_id": "s1", "booking_id": "b1"}
    )["token"]
    own = stack.get(f"{yoga.base}/sessions/s1/link", token, audience="client", booking="b1")
    assert own.status_code == 200
    assert own.json()["url"] == f"https://meet.example.com/{yoga.site_id}"
    other_site = stack.get(f"{clinic.base}/sessions/s1/link", token, audience="client", booking="b1")
    assert other_site.status_code == 404
    as_admin = stack.get(f"{yoga.base}/settings", token)
    assert as_admin.status_code == 403


def test_the_outbox_command_prints_the_emails_the_stack_sent(stack: Stack) -> None:
    site = stack.create_site("Outbox Studio")
    site.ok("PUT", f"{site.base}/vc-account", {"provider": "jitsi"})
    service = {"kind": "appointment", "online": True, "name": "First consultation"}
    site.ok("PUT", f"{site.base}/services/consult", service)
    site.ok("PUT", f"{site.base}/sessions/s1", session_body())
    address = f"ada@{site.site_id}.test"
    site.ok("PUT", f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Ada", "client_email": address})
    site.ok(
        "POST",
        f"{site.base}/notifications",
        {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1"},
    )

    out = subprocess.run(
        [*CLI, "--state-file", str(stack.state_file), "outbox", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [email] = [e for e in json.loads(out.stdout) if address in e["to"]]
    assert email["subject"] == "Your booking is confirmed: First consultation"
    assert email["has_ics"] is True
    assert f"{stack.base_url}/v1/j/" in email["text"]
    human = subprocess.run(
        [*CLI, "--state-file", str(stack.state_file), "outbox"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert human.returncode == 0
    assert f"To: {address}" in human.stdout


def test_the_site_create_command_refuses_without_a_target() -> None:
    out = subprocess.run(
        [*CLI[:3], "site", "create", "Nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 2
    assert "--local" in out.stderr
