"""A site's own sender address (issue 11, point 4): an SES identity verified for THAT site.

SES (v2) emails the address a verification link; until its owner clicks it the site's emails
go from the deployment's SenderEmail (Reply-To the business); once verified, from the site's
address. An address belongs to one site, and an SES identity this deployment did not create
is never taken over. moto is made to wait for the click as SES does (local/ses.py)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from local.aws import SentEmail, sent_emails
from local.ses import click_verification_link, expire_verification
from tests.support.api import SiteHandle
from tests.support.aws import REGION
from tests.support.links import MEET, book, set_default, setup_session

CLIENT = "bob@client.test"
DEPLOYMENT = "bookings@studio.test"
OWN = "hello@yoga.example"


def confirm(site: SiteHandle, key: str) -> Any:
    body = {"type": "booking_confirmation", "session_id": "s1", "booking_id": "b1", "idempotency_key": key}
    return site.api.post(f"{site.base}/notifications", body)


def last() -> SentEmail:
    return [e for e in sent_emails() if CLIENT in e.destinations][-1]


@pytest.fixture
def booked(site: SiteHandle) -> SiteHandle:
    set_default(site, MEET)
    setup_session(site)
    book(site)
    return site


def test_a_sites_sender_is_used_only_once_its_owner_verified_it(booked: SiteHandle) -> None:
    asked = booked.api.post(f"{booked.base}/sender", {"email": OWN})
    assert asked.status == 202
    assert asked.json == {"email": OWN, "status": "pending", "from_address": DEPLOYMENT}
    identity = boto3.client("sesv2").get_email_identity(EmailIdentity=OWN)
    assert identity["VerifiedForSendingStatus"] is False
    assert {t["Key"]: t["Value"] for t in identity["Tags"]} == {"vclinks-stack": "vclinks-test"}
    assert confirm(booked, "before").status == 200
    assert last().message["From"].addresses[0].addr_spec == DEPLOYMENT
    assert booked.api.get(f"{booked.base}/settings").json["sender_email"] is None

    click_verification_link(OWN, REGION)
    status = booked.api.get(f"{booked.base}/sender")
    assert status.json == {"email": OWN, "status": "verified", "from_address": OWN}
    assert booked.api.get(f"{booked.base}/settings").json["sender_email"] == OWN
    assert confirm(booked, "after").status == 200
    sender = last().message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Yoga Studio", OWN)
    assert last().source == OWN


def test_a_pending_sender_is_asked_about_again_when_emails_go(booked: SiteHandle, monkeypatch: Any) -> None:
    """Nobody needs to GET the status: a pending address is checked (every 5 minutes at most) as emails go."""
    from shared.services import senders

    assert booked.api.post(f"{booked.base}/sender", {"email": OWN}).status == 202
    click_verification_link(OWN, REGION)
    assert confirm(booked, "within-five-minutes").status == 200
    assert last().source == DEPLOYMENT  # checked a moment ago: not asked again yet
    monkeypatch.setattr(senders, "RECHECK", senders.RECHECK * 0)
    assert confirm(booked, "later").status == 200
    assert last().source == OWN


def test_an_address_belongs_to_one_site(booked: SiteHandle, make_site: Any) -> None:
    assert booked.api.post(f"{booked.base}/sender", {"email": OWN}).status == 202
    click_verification_link(OWN, REGION)
    other = make_site("Other Studio")
    taken = other.api.post(f"{other.base}/sender", {"email": OWN.upper()})
    assert taken.status == 409
    assert taken.json["detail"] == "'HELLO@YOGA.EXAMPLE' is the sender of another site."
    assert other.api.get(f"{other.base}/sender").status == 404


def test_an_identity_the_deployment_did_not_create_is_not_taken(booked: SiteHandle) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress="ops@yoga.example")  # verified by an operator
    refused = booked.api.post(f"{booked.base}/sender", {"email": "ops@yoga.example"})
    assert refused.status == 409
    assert "vclinks did not create" in refused.json["detail"]
    refused = booked.api.post(f"{booked.base}/sender", {"email": DEPLOYMENT})
    assert refused.status == 409
    assert booked.api.get(f"{booked.base}/sender").status == 404
    again = booked.api.post(f"{booked.base}/sender", {"email": OWN})  # the refusals left no claim behind
    assert again.status == 202


def test_an_expired_link_shows_failed_and_asking_again_sends_a_new_one(booked: SiteHandle) -> None:
    assert booked.api.post(f"{booked.base}/sender", {"email": OWN}).status == 202
    expire_verification(OWN, REGION)
    assert booked.api.get(f"{booked.base}/sender").json["status"] == "failed"
    again = booked.api.post(f"{booked.base}/sender", {"email": OWN})
    assert again.status == 202
    assert again.json["status"] == "pending"
    assert boto3.client("sesv2").get_email_identity(EmailIdentity=OWN)["VerificationStatus"] == "PENDING"


def test_removing_or_replacing_the_sender_deletes_its_identity_and_frees_it(
    booked: SiteHandle, make_site: Any
) -> None:
    ses = boto3.client("sesv2")
    assert booked.api.post(f"{booked.base}/sender", {"email": OWN}).status == 202
    assert booked.api.post(f"{booked.base}/sender", {"email": "team@yoga.example"}).status == 202
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_email_identity(EmailIdentity=OWN)
    assert booked.api.delete(f"{booked.base}/sender").status == 204
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_email_identity(EmailIdentity="team@yoga.example")
    assert booked.api.get(f"{booked.base}/sender").status == 404
    other = make_site("Other Studio")
    assert other.api.post(f"{other.base}/sender", {"email": "team@yoga.example"}).status == 202


def test_the_settings_no_longer_take_an_unverified_sender(booked: SiteHandle) -> None:
    answer = booked.api.patch(f"{booked.base}/settings", {"sender_email": "hello@unverified.test"})
    assert answer.status == 400
    assert answer.json["errors"][0]["location"] == "body/sender_email"


def test_a_sender_address_must_be_an_address(booked: SiteHandle) -> None:
    answer = booked.api.post(f"{booked.base}/sender", {"email": "not an address"})
    assert answer.status == 400
