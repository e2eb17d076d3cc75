"""moto made to refuse what SES refuses (local/ses.py), each behaviour with its SES document,
and the IAM policy of sending as template.yaml declares it (IAM itself is not emulated)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from local.ses import click_verification_link
from local.template import load_template
from tests.support.aws import REGION, TEST_ENV, Tables

RAW = b"From: hello@yoga.example\r\nTo: bob@client.test\r\nSubject: Hi\r\n\r\nHello\r\n"


def send(sender: str, configuration_set: str = TEST_ENV["EMAIL_CONFIGURATION_SET"]) -> str:
    answer = boto3.client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["bob@client.test"]},
        Content={"Raw": {"Data": RAW}},
        ConfigurationSetName=configuration_set,
    )
    return str(answer["MessageId"])


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_an_address_identity_waits_for_its_owners_click(moto_aws: Tables) -> None:
    """https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html#verify-email-addresses-procedure"""
    ses = boto3.client("sesv2")
    ses.create_email_identity(EmailIdentity="hello@yoga.example")
    found = ses.get_email_identity(EmailIdentity="hello@yoga.example")
    assert (found["VerificationStatus"], found["VerifiedForSendingStatus"]) == ("PENDING", False)
    with pytest.raises(ClientError) as refused:
        send("hello@yoga.example")
    assert code(refused) == "MessageRejected"
    click_verification_link("hello@yoga.example", REGION)
    found = ses.get_email_identity(EmailIdentity="hello@yoga.example")
    assert (found["VerificationStatus"], found["VerifiedForSendingStatus"]) == ("SUCCESS", True)
    assert send("hello@yoga.example")


def test_an_identity_is_created_once_and_deleted_whatever_its_status(moto_aws: Tables) -> None:
    """AlreadyExistsException: https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateEmailIdentity.html"""
    ses = boto3.client("sesv2")
    ses.create_email_identity(EmailIdentity="hello@yoga.example")
    with pytest.raises(ClientError) as again:
        ses.create_email_identity(EmailIdentity="hello@yoga.example")
    assert code(again) == "AlreadyExistsException"
    ses.delete_email_identity(EmailIdentity="hello@yoga.example")  # still pending
    with pytest.raises(ClientError) as gone:
        ses.get_email_identity(EmailIdentity="hello@yoga.example")
    assert code(gone) == "NotFoundException"


def test_a_send_through_a_configuration_set_that_does_not_exist_is_refused(moto_aws: Tables) -> None:
    """https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html (NotFoundException)"""
    with pytest.raises(ClientError) as refused:
        send(TEST_ENV["SENDER_EMAIL"], "no-such-set")
    assert code(refused) == "NotFoundException"
    assert send(TEST_ENV["SENDER_EMAIL"])


def _statements(name: str) -> dict[str, dict[str, object]]:
    policy = load_template()["Resources"][name]["Properties"]["PolicyDocument"]
    return {s["Sid"]: s for s in policy["Statement"]}


def test_sending_is_allowed_only_as_the_deployments_sender_or_the_identities_it_created() -> None:
    statements = _statements("EmailSendingPolicy")
    sends = {sid: s for sid, s in statements.items() if "ses:SendEmail" in s["Action"]}  # type: ignore[operator]
    assert set(sends) == {"SendAsTheDeploymentSender", "SendAsSiteSenders", "ThroughTheConfigurationSet"}
    deployment = sends["SendAsTheDeploymentSender"]["Condition"]["StringEquals"]  # type: ignore[index]
    assert deployment["ses:FromAddress"].value == "SenderEmail"
    sites = sends["SendAsSiteSenders"]["Condition"]["StringEquals"]  # type: ignore[index]
    assert sites["aws:ResourceTag/vclinks-stack"].value == "AWS::StackName"
    assert (
        "configuration-set/${EmailConfigurationSet}" in sends["ThroughTheConfigurationSet"]["Resource"].value
    )  # type: ignore[union-attr]


def test_every_function_that_emails_has_the_sending_policy_and_no_other_ses_right() -> None:
    functions = load_template()["Resources"]
    for name in ("SendConfirmationFunction", "SessionHooksFunction", "WorkerFunction"):
        policies = functions[name]["Properties"]["Policies"]
        assert any(getattr(p, "value", None) == "EmailSendingPolicy" for p in policies), name
        inline = [s for p in policies if isinstance(p, dict) for s in p.get("Statement", [])]
        assert not [s for s in inline if any(str(a).startswith("ses:") for a in s["Action"])], name
