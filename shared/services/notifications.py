"""Emails for a booking, with their online-join section (W13, W14, S04, S05, X01, X02, X05, X06).

The client's copy carries the stable join link (`/v1/j/{token}`), the password, the
description and when the link opens; the staff member's copy carries the host link. The
section appears only when the site shows it for that email type (W14) and a link
resolves. Each send is deduplicated: a marker keyed by the recipient and what the email
says is written (conditionally) before SES is called and removed if SES fails, so a
retried request or a repeated change event never sends twice, and a failure can be retried.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shared.adapters.mailer import EmailNotSent, Mailer
from shared.adapters.repository import Repository
from shared.domain import join_tokens
from shared.domain.emails.context import EmailContext, JoinDetails
from shared.domain.emails.ics import build_ics
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import render_email
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.models import (
    Audience,
    Booking,
    BookingStatus,
    EmailType,
    Service,
    ServiceKind,
    Session,
    Site,
    Staff,
)
from shared.domain.resolver import Link, resolve
from shared.services.templates import custom_template

logger = Logger(service="vclinks")
SENT_MARKER_DAYS = 60
PROVIDER_NAMES = {"zoom": "Zoom", "jitsi": "Jitsi", "custom": None}
ICS_TYPES = (EmailType.BOOKING_CONFIRMATION, EmailType.BOOKING_CHANGED, EmailType.COURSE_CHANGED)


@dataclass(frozen=True)
class Sent:
    recipient: str
    audience: str
    sent: bool  # False: the same email was sent before (deduplicated)


def _join_details(decision: object, stable_url: str) -> JoinDetails | None:
    if not isinstance(decision, Link):
        return None
    return JoinDetails(
        url=stable_url,
        password=decision.password,
        description=decision.description,
        opens_at=decision.opens_at,
        provider=PROVIDER_NAMES.get(decision.provider),
    )


def link_fingerprint(decision: object) -> str:
    """What a client was told of a link: changes of it are what X02 notifies."""
    if isinstance(decision, Link):
        return hashlib.sha256(
            json.dumps([decision.url, decision.password, decision.description, decision.provider]).encode()
        ).hexdigest()[:32]
    return "none"


@dataclass(frozen=True)
class EmailJob:
    site: Site
    service: Service
    session: Session
    staff: Staff | None
    booking: Booking
    email_type: EmailType


class Notifier:
    def __init__(
        self, store: Repository, mailer: Mailer, default_sender: str, links: join_tokens.JoinLinks
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.default_sender = default_sender
        self.links = links

    def load(self, site: Site, session_id: str, booking_id: str, email_type: EmailType) -> EmailJob:
        context = self.store.load_link_context(site.site_id, session_id, booking_id)
        session, booking = context.session, context.booking
        if session is None or booking is None:
            raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
        staff, service = self.store.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
        if service is None:
            raise NotFound(f"No service '{session.service_id}'.")
        return EmailJob(site, service, session, staff, booking, email_type)

    def send(self, job: EmailJob, staff_email: str | None = None, key: str | None = None) -> list[Sent]:
        """Send the client's email (and the staff copy when `staff_email` is given)."""
        if job.booking.status is BookingStatus.CANCELLED and job.email_type is not EmailType.BOOKING_CHANGED:
            raise InvalidInput("The booking is cancelled; only a 'booking_changed' email may be sent for it.")
        if not job.booking.client_email:
            raise InvalidInput(
                "The booking has no client email address; set client_email on the booking first."
            )
        now = datetime.now(UTC)
        client_decision = resolve(
            job.site, job.service, job.session, job.staff, Audience.CLIENT, job.booking, now
        )
        results = [self._send_one(job, "client", job.booking.client_email, client_decision, key)]
        if staff_email:
            staff_decision = resolve(job.site, job.service, job.session, job.staff, Audience.STAFF, None, now)
            results.append(self._send_one(job, "staff", staff_email, staff_decision, key))
        if job.email_type is not EmailType.REMINDER:
            self._remember_told(job.booking, link_fingerprint(client_decision))
        return results

    def _send_one(
        self, job: EmailJob, audience: str, recipient: str, decision: object, key: str | None
    ) -> Sent:
        site, session = job.site, job.session
        shown = job.email_type not in site.settings.hidden_email_sections  # W14
        stable = (
            self.links.client(job.booking, session) if audience == "client" else self.links.staff(session)
        )
        details = _join_details(decision, stable) if shown else None
        context = EmailContext(
            email_type=job.email_type,
            language=site.settings.language,
            recipient="client" if audience == "client" else "staff",
            site_name=site.name,
            client_name=job.booking.client_name or "",
            staff_name=job.staff.name if job.staff else None,
            service_name=job.service.name or job.service.service_id,
            session_start=session.start,
            session_end=session.end,
            timezone=site.settings.timezone,
            client_join=details if audience == "client" else None,
            staff_join=details if audience == "staff" else None,
            booking_id=job.booking.booking_id,
            session_id=session.session_id,
            cancelled=job.booking.status is BookingStatus.CANCELLED,
        )
        digest = self._digest(job, audience, recipient, details, key)
        site_id, session_id = site.site_id, session.session_id
        if not self.store.mark_sent(site_id, session_id, digest, SENT_MARKER_DAYS):
            return Sent(recipient, audience, sent=False)
        try:
            custom = custom_template(self.store, site.site_id, job.email_type, site.settings.language)
            rendered = render_email(context, custom)
            ics = None
            if job.email_type in ICS_TYPES and audience == "client":
                ics = build_ics(context)
            sender = site.settings.sender_email or self.default_sender
            raw = build_mime(
                sender, recipient, rendered, ics, message_id_domain=sender.partition("@")[2] or "vclinks"
            )
            self.mailer.send(sender, [recipient], raw)
        except Exception:
            self.store.unmark_sent(site_id, session_id, digest)
            raise
        logger.info("email sent", extra={"email_type": job.email_type.value, "audience": audience})
        return Sent(recipient, audience, sent=True)

    def _digest(
        self, job: EmailJob, audience: str, recipient: str, details: JoinDetails | None, key: str | None
    ) -> str:
        """What identifies this email: the same type, booking, recipient and content is sent once."""
        what = key or json.dumps(
            [
                job.session.start.isoformat(),
                job.session.end.isoformat(),
                details.model_dump(mode="json") if details else None,
                job.booking.status.value,
            ]
        )
        return hashlib.sha256(
            "|".join(
                (job.email_type.value, job.booking.booking_id, audience, recipient.lower(), what)
            ).encode()
        ).hexdigest()

    def _remember_told(self, booking: Booking, fingerprint: str) -> None:
        if booking.notified_fingerprint != fingerprint or booking.email_problem:
            self.store.set_told(booking, fingerprint)

    def tell_of_change(self, job: EmailJob) -> bool:
        """X02: email the client whose link changed since they were last told, once. False when
        there was nothing to tell, or the address was refused for good (recorded on the booking)."""
        booking = job.booking
        if booking.status is not BookingStatus.ACTIVE or booking.notified_fingerprint is None:
            return False  # never told of a link: the confirmation will carry the current one
        if not booking.client_email:
            return False
        decision = resolve(
            job.site, job.service, job.session, job.staff, Audience.CLIENT, booking, datetime.now(UTC)
        )
        if link_fingerprint(decision) == booking.notified_fingerprint:
            return False
        try:
            results = self.send(job)
        except EmailNotSent as refused:
            if not refused.permanent:
                raise
            logger.info("a client's address was refused for good", extra={"problem": refused.slug})
            self.store.set_told(booking, booking.notified_fingerprint, problem=refused.detail)
            return False
        return any(r.sent for r in results)


def change_email_type(service: Service) -> EmailType:
    return EmailType.COURSE_CHANGED if service.kind is ServiceKind.COURSE else EmailType.BOOKING_CHANGED
