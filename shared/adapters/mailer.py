"""Sending email through SES v2 (raw MIME: the message carries its own parts and .ics), and the
SES identities that sites verify to send from their own address.

Every message goes through the deployment's configuration set, so SES publishes its bounces
and complaints (template.yaml: EmailEvents); its tags name the site, session and booking, so
the event finds its way back to the booking (shared.services.deliveries).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.domain.errors import VclinksError

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client


class EmailNotSent(VclinksError):
    """SES did not send. `permanent`: it refused this recipient for good (retrying cannot help)."""

    status = 502
    slug = "email-not-sent"
    title = "The email service refused or failed"

    @property
    def permanent(self) -> bool:
        return bool(self.extra.get("permanent"))


PERMANENT_CODES = frozenset({"BadRequestException", "InvalidParameterValue"})
"""SES refuses a malformed or unusable recipient address with these (SES v2 answers
BadRequestException; moto, which reuses v1's checks, InvalidParameterValue): nothing a retry mends."""
_TAG_SAFE = re.compile(r"[^A-Za-z0-9-]")


def tag_value(value: str) -> str:
    """A message tag value holds only ASCII letters, digits, '_' and '-' (SES v2 MessageTag):
    any other character (and '_' itself) is written `_XX`, its hex code, so it reads back."""
    return _TAG_SAFE.sub(lambda m: "".join(f"_{b:02X}" for b in m.group(0).encode()), value)


def tag_text(value: str) -> str:
    """The value `tag_value` encoded."""
    return re.sub(r"(?:_[0-9A-F]{2})+", lambda m: bytes.fromhex(m.group(0).replace("_", "")).decode(), value)


class Mailer:
    def __init__(self, client: SESV2Client, configuration_set: str = "") -> None:
        self.client = client
        self.configuration_set = configuration_set

    def send(self, sender: str, recipient: str, raw: bytes, tags: Mapping[str, str] | None = None) -> str:
        """Send one raw message to one recipient; returns SES's message id."""
        kwargs: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        if tags:
            kwargs["EmailTags"] = [{"Name": name, "Value": tag_value(value)} for name, value in tags.items()]
        try:
            answer = self.client.send_email(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            reason = str(error.response.get("Error", {}).get("Message", ""))[:300]
            hint = (
                " Check that the sender (the site's verified sender, or SenderEmail) is verified in SES."
                if code in ("MessageRejected", "MailFromDomainNotVerifiedException")
                else ""
            )
            raise EmailNotSent(
                f"SES did not send the email ({code}: {reason}).{hint}", permanent=code in PERMANENT_CODES
            ) from error
        except BotoCoreError as error:
            raise EmailNotSent("SES could not be reached.") from error
        return str(answer["MessageId"])


@dataclass(frozen=True)
class Identity:
    """An SES email identity as a site's sender sees it."""

    exists: bool
    verified: bool = False
    failed: bool = False  # the verification link expired unclicked
    ours: bool = False  # created by this deployment (it carries the deployment's tag)


class SenderIdentities:
    """SES v2 email identities created for sites' own sender addresses, tagged with the deployment
    (the IAM policy lets the functions send only as identities carrying that tag, and as SenderEmail)."""

    TAG = "vclinks-stack"

    def __init__(self, client: SESV2Client, stack: str) -> None:
        self.client = client
        self.stack = stack

    def create(self, address: str) -> None:
        """SES emails the address a verification link (valid 24 hours)."""
        self.client.create_email_identity(
            EmailIdentity=address, Tags=[{"Key": self.TAG, "Value": self.stack}]
        )

    def get(self, address: str) -> Identity:
        try:
            answer = self.client.get_email_identity(EmailIdentity=address)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NotFoundException":
                return Identity(exists=False)
            raise
        tags = {t.get("Key"): t.get("Value") for t in answer.get("Tags") or []}
        return Identity(
            exists=True,
            verified=bool(answer.get("VerifiedForSendingStatus")),
            failed=answer.get("VerificationStatus") == "FAILED",
            ours=tags.get(self.TAG) == self.stack,
        )

    def delete(self, address: str) -> None:
        try:
            self.client.delete_email_identity(EmailIdentity=address)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":
                raise
