"""Zoom keeps one grant per user per app ("the last token issued is valid"): tokens are kept per
(app, Zoom account, Zoom user), shared by every connection of that user (issue 10, point 2).
Through the handlers on moto, with the strict emulator as Zoom: two sites, or a site's default
and a staff member, on one Zoom user both keep working; signing in again overwrites the pair;
the grant is revoked only when its last connection goes; a refresh whose answer was lost, or
whose new pair could not be saved, is told to the admin as exactly that (X07)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from shared.domain.work import WorkRef
from tests.support.api import SiteHandle
from tests.support.zoom import connect, session, stored_zoom_secrets


def zoomed(site: SiteHandle, zoom: ZoomEmulator, **kw: Any) -> str:
    connection = connect(site, zoom, **kw)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    return connection


def state(site: SiteHandle, session_id: str = "s1") -> tuple[str, str | None]:
    stored = site.api.get(f"{site.base}/sessions/{session_id}").json
    return stored["meeting_state"], stored["pending_reason"]


def test_x07_two_sites_on_one_zoom_user_share_its_grant_and_both_keep_working(
    make_site: Any, zoom: ZoomEmulator
) -> None:
    first, second = make_site("First"), make_site("Second")
    zoomed(first, zoom)
    zoomed(second, zoom)  # Zoom ends the user's first grant of the app here
    assert len(stored_zoom_secrets()) == 1  # one pair, the grant's

    zoom.expire_access_tokens()  # each site must use (and refresh) the one grant
    assert first.api.put(f"{first.base}/sessions/s1", session()).status == 201
    assert second.api.put(f"{second.base}/sessions/s1", session()).status == 201
    assert (state(first), state(second)) == (("ready", None), ("ready", None))
    assert zoom.calls()["token_refresh"] == 1  # one grant, one refresh


def test_w04_a_site_default_and_a_staff_member_on_one_zoom_user_both_keep_working(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom)
    connect(site, zoom, staff="anna")  # anna connects her own Zoom: the same Zoom user
    zoom.expire_access_tokens()
    assert site.api.put(f"{site.base}/sessions/s1", session() | {"staff_id": "anna"}).status == 201
    assert site.api.put(f"{site.base}/sessions/s2", session(days=1)).status == 201
    assert (state(site, "s1"), state(site, "s2")) == (("ready", None), ("ready", None))
    assert len(stored_zoom_secrets()) == 1


def test_x07_signing_in_again_overwrites_the_pair_and_keeps_the_meeting(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    first = zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    [meeting] = zoom.meetings.values()
    zoom.reset_counters()

    second = connect(site, zoom)  # the admin connects the same Zoom user again
    assert second != first
    assert len(stored_zoom_secrets()) == 1
    assert zoom.calls() == {"token_exchange": 1}  # no revoke of the grant just made, no meeting call
    assert site.api.get(f"{site.base}/vc-account").json["account"]["connection_id"] == second
    staff_link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert staff_link["url"] == meeting["start_url"]  # the same meeting, now under the new connection
    assert list(zoom.meetings) == [str(meeting["id"])]


def test_s08_the_grant_is_revoked_only_when_its_last_connection_goes(
    make_site: Any, zoom: ZoomEmulator
) -> None:
    first, second = make_site("First"), make_site("Second")
    zoomed(first, zoom)
    last = zoomed(second, zoom)

    assert first.api.delete(f"{first.base}/vc-account").status == 200
    assert zoom.calls().get("token_revoke") is None  # the second site still uses the grant
    assert len(stored_zoom_secrets()) == 1
    assert second.api.put(f"{second.base}/sessions/s1", session()).status == 201
    assert state(second) == ("ready", None)

    assert second.api.delete(f"{second.base}/vc-account").status == 200
    assert zoom.calls().get("token_revoke") is None  # its meeting is deleted at Zoom first (S08)
    assert [m["id"] for m in zoom.meetings.values()] == []
    container().worker.run(WorkRef.connection(second.site_id, last))  # then the connection goes
    assert zoom.calls()["token_revoke"] == 1  # the last one: revoked, and its tokens deleted (S08)
    assert stored_zoom_secrets() == []


def test_x07_a_refresh_answer_lost_on_the_way_is_told_as_such(site: SiteHandle, zoom: ZoomEmulator) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.expire_access_tokens()
    zoom.add_fault("POST", r"^/oauth/token$", drop=True)  # Zoom rotates the pair; we never hear it

    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("pending", "zoom_unavailable")  # uncertain: it may have rotated
    container().worker.run(WorkRef.session(site.site_id, "s1"))  # the retry: the old token is refused

    assert state(site) == ("pending", "zoom_refresh_lost")
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", "zoom_refresh_lost")


def test_x07_a_grant_revoked_at_zoom_is_not_told_as_a_lost_answer(
    site: SiteHandle, zoom: ZoomEmulator
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.revoke_user_tokens("zu-host")
    zoom.expire_access_tokens()
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("pending", "needs_reconnect")
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", None)


@pytest.fixture
def failing_secret_writes() -> Any:
    """Secrets Manager refuses PutSecretValue the next `n` times (an exact AWS error, injected on
    the client's own event hook: everything else still reaches moto)."""
    client = container().token_secrets.client
    left = {"n": 0}

    def refuse(**_: Any) -> None:
        if left["n"] > 0:
            left["n"] -= 1
            raise ClientError(
                {"Error": {"Code": "InternalServiceError", "Message": "boom"}}, "PutSecretValue"
            )

    client.meta.events.register("before-call.secrets-manager.PutSecretValue", refuse)
    yield left
    client.meta.events.unregister("before-call.secrets-manager.PutSecretValue", refuse)


def test_x07_the_new_pair_is_saved_before_use_and_the_write_is_retried(
    site: SiteHandle, zoom: ZoomEmulator, failing_secret_writes: dict[str, int]
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.expire_access_tokens()
    failing_secret_writes["n"] = 2  # twice refused, then saved
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("ready", None)
    assert failing_secret_writes["n"] == 0


def test_x07_a_new_pair_that_could_not_be_saved_is_told_as_lost(
    site: SiteHandle, zoom: ZoomEmulator, failing_secret_writes: dict[str, int]
) -> None:
    zoomed(site, zoom)
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    zoom.expire_access_tokens()
    failing_secret_writes["n"] = 100  # Secrets Manager is down for good
    assert site.api.put(f"{site.base}/sessions/s1", session(days=1)).status == 200
    assert state(site) == ("pending", "zoom_refresh_lost")
    account = site.api.get(f"{site.base}/vc-account").json["account"]
    assert (account["status"], account["problem"]) == ("needs_reconnect", "zoom_refresh_lost")


def test_x07_a_dead_grant_marks_every_connection_of_it_and_signing_in_again_revives_them(
    make_site: Any, zoom: ZoomEmulator
) -> None:
    first, second = make_site("First"), make_site("Second")
    zoomed(first, zoom)
    zoomed(second, zoom)
    zoom.revoke_user_tokens("zu-host")  # the user removed the app (no notice reached us)
    zoom.expire_access_tokens()
    assert first.api.put(f"{first.base}/sessions/s1", session()).status == 201
    for site in (first, second):  # one refused refresh: both sites' connections say so
        assert site.api.get(f"{site.base}/vc-account").json["account"]["status"] == "needs_reconnect"

    connect(second, zoom)  # the second site's admin connects the same Zoom user again
    for site in (first, second):
        assert site.api.get(f"{site.base}/vc-account").json["account"]["status"] == "connected"
    assert first.api.put(f"{first.base}/sessions/s1", session(days=1)).status == 200
    assert state(first) == ("ready", None)  # the first site works again on the new grant
