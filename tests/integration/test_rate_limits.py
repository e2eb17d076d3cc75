"""A per-site limit on writes and on token minting (issue 12): past it a 429 problem with
Retry-After; one site's flood does not touch another's share; a caller without a valid key
spends nobody's share; the link-resolve path and the join click cost not one call more."""

from __future__ import annotations

from typing import Any

import pytest

from local.aws import count_aws_calls
from shared.bootstrap import container
from tests.support.api import Api, SiteHandle
from tests.support.links import book, join_path, set_default, setup_session


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.aws import reset_caches

    monkeypatch.setenv("SITE_WRITES_PER_MINUTE", "3")
    monkeypatch.setenv("SITE_TOKENS_PER_MINUTE", "2")
    reset_caches()


def test_writes_past_the_limit_are_a_429_problem_with_retry_after(
    make_site: Any, small_limits: None, worker_switch: Any
) -> None:
    site, other = make_site("Busy"), make_site("Quiet")
    with worker_switch.paused():
        answers = [site.api.put(f"{site.base}/services/s{n}", {"kind": "appointment"}) for n in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["type"].endswith("/rate-limited")
    assert refused.json["retry_after"] == int(refused.headers["Retry-After"])
    assert container().repo.get_service(site.site_id, "s3") is None  # nothing was written
    assert other.api.put(f"{other.base}/services/s0", {"kind": "appointment"}).status == 200
    assert site.api.get(f"{site.base}/settings").status == 200  # reads are not limited


def test_token_minting_has_its_own_limit(site: SiteHandle, small_limits: None) -> None:
    mint = [site.api.post(f"{site.base}/tokens", {"role": "admin"}) for _ in range(3)]

    assert [a.status for a in mint] == [201, 201, 429]
    assert "Retry-After" in mint[-1].headers
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment"}).status == 200


def test_a_caller_without_the_key_spends_nobody_s_share(site: SiteHandle, small_limits: None) -> None:
    intruder = site.api.as_(f"vcl_{site.site_id}.not-the-key")
    for _ in range(10):
        assert intruder.put(f"{site.base}/services/svc", {"kind": "appointment"}).status == 401

    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment"}).status == 200


def test_a_write_costs_one_counter_update_and_a_read_costs_nothing_more(
    site: SiteHandle, anonymous: Api, worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])

    with count_aws_calls() as read, worker_switch.paused():
        assert (
            site.api.get(
                f"{site.base}/sessions/s1/link", query={"audience": "client", "booking": "b1"}
            ).status
            == 200
        )
        assert anonymous.get(join).status == 302
    with count_aws_calls() as write, worker_switch.paused():
        assert site.api.patch(f"{site.base}/settings", {"language": "fr"}).status == 200

    # as without a limit: the link read's two round trips (its first of s1), the join's one, and
    # the join's click (X12)
    assert dict(read) == {"dynamodb.BatchGetItem": 3, "dynamodb.UpdateItem": 1}
    # the caller's site, the settings' read-modify-write, and one UpdateItem: the window's counter
    assert dict(write) == {"dynamodb.GetItem": 2, "dynamodb.PutItem": 1, "dynamodb.UpdateItem": 1}
