"""What SES tells of emails after it took them (issue 11, Delivery): bounces and complaints.

SES publishes the events of the deployment's configuration set to EventBridge; a rule sends
"Email Bounced" and "Email Complaint Received" to the worker (template.yaml: EmailEvents).
The message's tags (shared.adapters.mailer) name the site, session and booking. A hard
bounce (including an address on SES's suppression list, which SES reports as a bounce) or
a complaint makes the address undeliverable for that site: it is never emailed again, and
the booking shows why to the admin (`email_problem`). A soft bounce (SES gave up after
retrying) is shown on the booking, and the address stays usable.

Event format: https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html (the
`detail` is the event record of https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from shared.adapters.mailer import tag_text
from shared.adapters.metrics import Metric, put
from shared.adapters.queue import WorkQueue
from shared.adapters.repository import Repository
from shared.domain.webhooks import EventType
from shared.services import platform_events

logger = Logger(service="vclinks")
DETAIL_TYPES = ("Email Bounced", "Email Complaint Received")


@dataclass(frozen=True)
class Recorded:
    undeliverable: int = 0  # addresses no longer emailed
    problems: int = 0  # bookings that show a problem
    ignored: bool = False  # not an event of ours (another configuration set, untagged, another type)


def record(repo: Repository, event: Mapping[str, Any], queue: WorkQueue | None = None) -> Recorded:
    """Record one SES event; the platform hears of it too (`email.bounced`, issue 12), with ids
    and the kind only: it reads the booking's `email_problem` through the API."""
    detail = event.get("detail") or {}
    kind = detail.get("eventType")
    tags = _tags(detail.get("mail") or {})
    site_id = tags.get("vclinks-site")
    if kind not in ("Bounce", "Complaint") or not site_id:
        return Recorded(ignored=True)
    at = _time(detail, kind) or datetime.now(UTC)
    if kind == "Bounce":
        bounce = detail.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        subtype = str(bounce.get("bounceSubType") or "")
        recipients = [
            (str(r.get("emailAddress", "")), _bounce_reason(r, subtype, permanent))
            for r in bounce.get("bouncedRecipients") or []
        ]
    else:
        permanent = True
        recipients = [
            (str(r.get("emailAddress", "")), "The client marked an email as spam (complaint).")
            for r in (detail.get("complaint") or {}).get("complainedRecipients") or []
        ]
    undeliverable = problems = 0
    for address, reason in recipients:
        if not address:
            continue
        put(Metric.EMAILS_BOUNCED)
        if permanent:
            repo.mark_undeliverable(site_id, address, reason, at)
            undeliverable += 1
        if (
            tags.get("vclinks-audience") == "client"
            and tags.get("vclinks-session")
            and tags.get("vclinks-booking")
        ):
            repo.set_email_problem(site_id, tags["vclinks-session"], tags["vclinks-booking"], reason)
            problems += 1
    if any(address for address, _ in recipients):
        data = {
            "session_id": tags.get("vclinks-session"),
            "booking_id": tags.get("vclinks-booking"),
            "recipient": tags.get("vclinks-audience"),
            "kind": "complaint" if kind == "Complaint" else "bounce",
            "permanent": permanent,
        }
        platform_events.emit(repo, site_id, EventType.EMAIL_BOUNCED, data, queue)
    logger.info("email event recorded", extra={"event_type": kind, "permanent": permanent})
    return Recorded(undeliverable, problems)


def _tags(mail: Mapping[str, Any]) -> dict[str, str]:
    """The message's tags (SES gives each as a list of values), decoded."""
    found = {}
    for name, values in (mail.get("tags") or {}).items():
        if isinstance(values, list) and values:
            found[str(name)] = tag_text(str(values[0]))
    return found


def _bounce_reason(recipient: Mapping[str, Any], subtype: str, permanent: bool) -> str:
    if subtype == "OnAccountSuppressionList":
        return "The address is on the email service's suppression list (it bounced or complained before)."
    diagnostic = str(recipient.get("diagnosticCode") or recipient.get("status") or "").strip()
    what = "bounced" if permanent else "could not be delivered after retries"
    return f"An email to this address {what}" + (f": {diagnostic}" if diagnostic else ".")


def _time(detail: Mapping[str, Any], kind: str) -> datetime | None:
    stamp = (detail.get(kind.lower()) or {}).get("timestamp")
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return None
