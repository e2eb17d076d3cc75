"""Delivery (issue 11, point 10): SES v2 through the configuration set, bounces and complaints
recorded per address and shown on the booking, the address not emailed again; a refused
address recorded and not retried. SES's events are emulated as SES publishes them to
EventBridge (local/ses.py), and delivered through template.yaml's rule to the worker."""

from __future__ import annotations

from typing import Any

import pytest

from local.aws import SentEmail, sent_emails
from local.ses import event_for_last_email
from local.template import event_rules, load_template, matches, resolve_pattern
from tests.support.api import SiteHandle
from tests.support.aws import REGION, TEST_ENV
from tests.support.links import MEET, book, set_default, setup_session

CLIENT = "bob@client.test"


def to(address: str = CLIENT) -> list[SentEmail]:
    return [e for e in sent_emails() if address in e.destinations]


def publish(event: dict[str, Any], worker: Any) -> list[Any]:
    """EventBridge: every rule of template.yaml that matches the event invokes its function."""
    from local.gateway import LambdaContext

    template = load_template()
    refs = {"EmailConfigurationSet": TEST_ENV["EMAIL_CONFIGURATION_SET"]}
    answers = []
    for rule in event_rules(template):
        if matches(resolve_pattern(rule.pattern, refs, template), event):
            module = __import__(rule.module, fromlist=[rule.handler])
            answers.append(getattr(module, rule.handler)(event, LambdaContext(rule.function)))
    worker.drain()
    return answers


def confirm(site: SiteHandle, key: str = "1") -> Any:
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "idempotency_key": key}
    return site.api.post(f"{site.base}/notifications", body)


@pytest.fixture
def confirmed(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET)
    setup_session(site)
    book(site)
    assert confirm(site).status == 200
    return site


def booking_of(site: SiteHandle) -> dict[str, Any]:
    answer = site.api.get(f"{site.base}/sessions/s1/bookings/b1")
    assert answer.status == 200
    return dict(answer.json)


def test_a_hard_bounce_is_shown_on_the_booking_and_the_address_is_not_emailed_again(
    confirmed: SiteHandle, worker: Any
) -> None:
    bounce = event_for_last_email(CLIENT, "Bounce", REGION)
    assert bounce["detail"]["mail"]["tags"]["vclinks-booking"] == ["b1"]  # what the email was sent with
    assert publish(bounce, worker) == [{"undeliverable": 1, "problems": 1, "ignored": False}]
    assert (
        booking_of(confirmed)["email_problem"]
        == "An email to this address bounced: smtp; 550 5.1.1 user unknown"
    )
    refused = confirm(confirmed, "2")
    assert refused.status == 409
    assert "cannot be emailed" in refused.json["detail"]
    set_default(confirmed, "https://meet.google.com/new-room")  # a change: not emailed either
    assert len(to()) == 1
    book(confirmed, "b2")  # another booking with the same address: not emailed either
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b2"}
    assert confirmed.api.post(f"{confirmed.base}/notifications", body).status == 409
    assert len(to()) == 1


def test_a_complaint_stops_emails_to_that_address(confirmed: SiteHandle, worker: Any) -> None:
    publish(event_for_last_email(CLIENT, "Complaint", REGION), worker)
    assert booking_of(confirmed)["email_problem"] == "The client marked an email as spam (complaint)."
    assert confirm(confirmed, "2").status == 409


def test_an_address_on_the_suppression_list_is_recorded_and_not_retried(
    confirmed: SiteHandle, worker: Any
) -> None:
    event = event_for_last_email(CLIENT, "Bounce", REGION, bounce_subtype="OnAccountSuppressionList")
    publish(event, worker)
    assert booking_of(confirmed)["email_problem"] == (
        "The address is on the email service's suppression list (it bounced or complained before)."
    )
    assert confirm(confirmed, "2").status == 409


def test_a_soft_bounce_is_shown_but_the_address_stays_usable(confirmed: SiteHandle, worker: Any) -> None:
    event = event_for_last_email(
        CLIENT, "Bounce", REGION, bounce_type="Transient", bounce_subtype="MailboxFull"
    )
    assert publish(event, worker) == [{"undeliverable": 0, "problems": 1, "ignored": False}]
    assert booking_of(confirmed)["email_problem"] == (
        "An email to this address could not be delivered after retries: smtp; 550 5.1.1 user unknown"
    )
    assert confirm(confirmed, "2").status == 200
    assert booking_of(confirmed)["email_problem"] is None  # delivered again: the problem is gone


def test_a_bounce_is_the_sites_own_another_site_may_still_email_that_address(
    confirmed: SiteHandle, make_site: Any, worker: Any
) -> None:
    publish(event_for_last_email(CLIENT, "Bounce", REGION), worker)
    other = make_site("Other Studio")
    set_default(other, MEET)
    setup_session(other)
    book(other)
    assert confirm(other).status == 200


def test_only_events_of_the_deployments_configuration_set_reach_the_worker(
    confirmed: SiteHandle, worker: Any
) -> None:
    event = event_for_last_email(CLIENT, "Bounce", REGION)
    event["detail"]["mail"]["tags"]["ses:configuration-set"] = ["someone-elses-set"]
    assert publish(event, worker) == []
    assert booking_of(confirmed)["email_problem"] is None


def test_every_email_goes_through_the_configuration_set_with_its_tags(confirmed: SiteHandle) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from local.ses import SENT

    [message] = [
        m for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages if CLIENT in m.destinations
    ]
    assert SENT[message.id] == (
        TEST_ENV["EMAIL_CONFIGURATION_SET"],
        {
            "vclinks-site": confirmed.site_id.replace("_", "_5F"),
            "vclinks-session": "s1",
            "vclinks-booking": "b1",
            "vclinks-audience": "client",
        },
    )


def test_an_address_ses_refuses_for_good_is_recorded_and_a_change_is_not_retried(
    site: SiteHandle, worker: Any
) -> None:
    from shared.bootstrap import container

    set_default(site, MEET)
    setup_session(site)
    answer = site.api.put(
        f"{site.base}/sessions/s1/bookings/b1", {"client_name": "Bad", "client_email": "bad@client.test,x"}
    )
    assert answer.status in (200, 201)
    refused = confirm(site)
    assert refused.status == 502
    problem = booking_of(site)["email_problem"]
    assert problem.startswith("SES did not send the email (InvalidParameterValue")
    again = confirm(site, "2")
    assert again.status == 409  # not tried again
    assert again.json["detail"].startswith(
        "The client's address cannot be emailed (SES did not send the email"
    )
    container().repo.update_booking(
        site.site_id, "s1", "b1", lambda b: b.model_copy(update={"notified_fingerprint": "0" * 32})
    )  # as if it had been emailed: a change is due
    set_default(site, "https://meet.google.com/new-room")
    from shared.domain.work import WorkRef

    assert container().repo.get_work(WorkRef.booking(site.site_id, "s1", "b1")) is None  # done, not retried
    assert sent_emails() == []


def test_the_platform_hears_of_a_bounce_through_its_webhook(
    confirmed: SiteHandle, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12, point 5: `email.bounced`, signed, with ids and the kind (no address): the
    platform reads `email_problem` on the booking."""
    from tests.support.aws import reset_caches
    from tests.support.webhooks import Receiver

    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "1")  # what the local stack sets: a receiver on 127.0.0.1
    reset_caches()
    receiver = Receiver().start()
    try:
        answer = confirmed.api.put(f"{confirmed.base}/webhook", {"url": receiver.url})
        receiver.secret = answer.json["secret"]

        publish(event_for_last_email(CLIENT, "Bounce", REGION), worker)

        bounced = [m for m in receiver.verified() if m["type"] == "email.bounced"]
        assert [m["data"] for m in bounced] == [
            {
                "site_id": confirmed.site_id,
                "session_id": "s1",
                "booking_id": "b1",
                "recipient": "client",
                "kind": "bounce",
                "permanent": True,
            }
        ]
    finally:
        receiver.stop()
