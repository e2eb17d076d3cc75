"""Sending email through SES (raw MIME: the message carries its own parts and .ics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from shared.domain.errors import VclinksError

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient


class EmailNotSent(VclinksError):
    """SES did not send. `permanent`: it refused this recipient for good (retrying cannot help)."""

    status = 502
    slug = "email-not-sent"
    title = "The email service refused or failed"

    @property
    def permanent(self) -> bool:
        return bool(self.extra.get("permanent"))


PERMANENT_CODES = frozenset({"InvalidParameterValue"})
"""SES refuses a malformed or unusable recipient address with this; nothing a retry mends."""


class Mailer:
    def __init__(self, client: SESClient) -> None:
        self.client = client

    def send(self, sender: str, recipients: list[str], raw: bytes) -> str:
        """Send one raw message; returns SES's message id."""
        try:
            answer = self.client.send_raw_email(
                Source=sender, Destinations=recipients, RawMessage={"Data": raw}
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            reason = str(error.response.get("Error", {}).get("Message", ""))[:300]
            hint = (
                " Check that the sender (the site's sender_email, or SenderEmail) is verified in SES."
                if code == "MessageRejected"
                else ""
            )
            permanent = code in PERMANENT_CODES or "suppression list" in reason.lower()
            raise EmailNotSent(
                f"SES did not send the email ({code}: {reason}).{hint}", permanent=permanent
            ) from error
        except BotoCoreError as error:
            raise EmailNotSent("SES could not be reached.") from error
        return answer["MessageId"]
