"""SES as the local stack and the tests need it, on moto: what moto leaves out, made as SES does it.

- An email address identity created through SES v2 (CreateEmailIdentity) is not verified
  until its owner clicks the link SES emails them: VerificationStatus PENDING,
  VerifiedForSendingStatus false, and sending from it refused (MessageRejected: "Email
  address is not verified"). moto marks it verified at once. Source:
  https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html#verify-email-addresses-procedure
  and https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html.
  `click_verification_link` is the owner's click. Creating an identity that exists is refused
  (AlreadyExistsException; moto overwrites it). DeleteEmailIdentity deletes it whatever its
  status (moto deletes only verified ones).
- A verification link expires after 24 hours (VerificationStatus FAILED): `expire_verification`.
- SendEmail names a configuration set that must exist (NotFoundException otherwise) and carries
  message tags that SES puts in the message's events; moto ignores both. Here a missing set is
  refused, and each message's set and tags are kept (`SENT`) for its events. Source:
  https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
- SES publishes the configuration set's bounce and complaint events to EventBridge; moto does
  not. `ses_event` / `event_for_last_email` build the event SES would
  publish for a sent message, from the SES event reference:
  https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html and
  https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html.
  The local stack delivers it to the worker through template.yaml's EventBridge rule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

_PATCHED = False
SENT: dict[str, tuple[str, dict[str, str]]] = {}
"""message id -> (configuration set, message tags) of each message sent through SES v2."""


def emulate_identity_verification() -> None:
    """Patch moto (process-wide, once): v2 email identities wait for their owner's click."""
    global _PATCHED
    if _PATCHED:
        return
    from moto.core.exceptions import JsonRESTError
    from moto.ses.models import SESBackend
    from moto.sesv2.models import SESV2Backend

    create = SESV2Backend.create_email_identity
    is_verified = SESBackend._is_verified_address

    def create_pending(self: Any, email_identity: str, *args: Any, **kwargs: Any) -> Any:
        if email_identity in self.core_backend.email_identities:
            raise JsonRESTError("AlreadyExistsException", f"Email identity {email_identity} already exist.")
        identity = create(self, email_identity, *args, **kwargs)
        if "@" in email_identity:
            identity.verification_status = "PENDING"
            identity.verified_for_sending_status = False
        return identity

    def verified_only(self: Any, source: str) -> bool:
        _, address = parseaddr(source)
        identity = self.email_identities.get(address)
        if identity is not None and identity.verification_status != "SUCCESS":
            domain = self.email_identities.get(address.split("@", 1)[-1])
            return domain is not None and domain.verification_status == "SUCCESS"
        return bool(is_verified(self, source))

    def delete_any(self: Any, email_identity: str) -> None:
        """SES deletes an identity whatever its status (moto only deletes verified ones)."""
        self.core_backend.email_identities.pop(email_identity, None)

    SESV2Backend.create_email_identity = create_pending  # type: ignore[method-assign]
    SESV2Backend.delete_email_identity = delete_any  # type: ignore[method-assign]
    SESBackend._is_verified_address = verified_only  # type: ignore[method-assign]
    _keep_sends()
    _PATCHED = True


def _keep_sends() -> None:
    import json

    from moto.ses.exceptions import NotFoundException
    from moto.sesv2.responses import SESV2Response

    send = SESV2Response.send_email

    def send_through_set(self: Any) -> str:
        params = json.loads(self.body)
        name = params.get("ConfigurationSetName")
        if name and name not in self.sesv2_backend.core_backend.config_sets:
            raise NotFoundException(f"Configuration set <{name}> does not exist.")
        answer = str(send(self))
        tags = {t["Name"]: t["Value"] for t in params.get("EmailTags") or []}
        SENT[json.loads(answer)["MessageId"]] = (name or "", tags)
        return answer

    SESV2Response.send_email = send_through_set  # type: ignore[method-assign]


def _identity(address: str, region: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID][region].email_identities[address]


def click_verification_link(address: str, region: str) -> None:
    identity = _identity(address, region)
    identity.verification_status = "SUCCESS"
    identity.verified_for_sending_status = True


def expire_verification(address: str, region: str) -> None:
    _identity(address, region).verification_status = "FAILED"


def event_for_last_email(to: str, kind: str, region: str, **options: Any) -> dict[str, Any]:
    """The event SES would publish for the last message sent to `to` (its set and tags)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = [m for m in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages if to in m.destinations]
    if not sent:
        raise LookupError(f"no email was sent to {to}")
    message = sent[-1]
    configuration_set, tags = SENT.get(message.id, ("", {}))
    if not configuration_set:
        raise LookupError(f"the last email to {to} went through no configuration set: SES publishes no event")
    return ses_event(kind, to, message.source, tags, configuration_set, region=region, **options)


def ses_event(
    kind: str,
    recipient: str,
    source: str,
    tags: dict[str, str],
    configuration_set: str,
    *,
    bounce_type: str = "Permanent",
    bounce_subtype: str = "General",
    region: str = "eu-west-1",
    account: str = "123456789012",
) -> dict[str, Any]:
    """The EventBridge event SES publishes for a bounce ("Bounce") or complaint ("Complaint") of
    one message sent through `configuration_set` with these message tags."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    all_tags = {name: [value] for name, value in tags.items()}
    all_tags["ses:configuration-set"] = [configuration_set]
    all_tags["ses:from-domain"] = [source.rpartition("@")[2]]
    detail: dict[str, Any] = {
        "eventType": kind,
        "mail": {
            "timestamp": now,
            "source": source,
            "sendingAccountId": account,
            "messageId": f"{uuid.uuid4().hex}-000000",
            "destination": [recipient],
            "headersTruncated": False,
            "tags": all_tags,
        },
    }
    if kind == "Bounce":
        detail["bounce"] = {
            "bounceType": bounce_type,
            "bounceSubType": bounce_subtype,
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": now,
            "feedbackId": f"{uuid.uuid4().hex}-000000",
            "reportingMTA": "dsn; mta.example.com",
        }
    else:
        detail["complaint"] = {
            "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": now,
            "feedbackId": f"{uuid.uuid4().hex}-000000",
            "complaintFeedbackType": "abuse",
        }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Email Bounced" if kind == "Bounce" else "Email Complaint Received",
        "source": "aws.ses",
        "account": account,
        "time": now,
        "region": region,
        "resources": [f"arn:aws:ses:{region}:{account}:configuration-set/{configuration_set}"],
        "detail": detail,
    }
