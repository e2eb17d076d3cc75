"""Emails for a booking, with their online-join section and invitation (W13, W14, S04, S05, X01,
X02, X05, X06, X08, X09).

The client's copy carries the stable join link (`/v1/j/{token}`), the password, the
description and when the link opens, shown when the site shows the section for that email
type (W14) and a link resolves; the staff member's copy always carries the host link (S04).
Confirmations, changes, cancellations and approved requests carry an iTIP invitation from
the business (ORGANIZER) to the client (ATTENDEE) with the booking's own UID and a SEQUENCE
raised on every change (X09). The From address is the site's verified sender or the
deployment's, named after the business, with Reply-To the business.

Each email is sent once: a marker keyed by the recipient and what the email says is written
(conditionally) before SES is called and removed if SES fails, so a retried request or a
repeated change never sends twice, and a failure can be retried. After a client's email,
the booking keeps what it told them (`Booking.told`): the next change email says what
changed since, and none goes when nothing the client sees changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shared.adapters.mailer import EmailNotSent, Mailer
from shared.adapters.repository import Repository
from shared.domain import join_tokens
from shared.domain.emails.context import (
    Change,
    EmailContext,
    HostChanged,
    JoinDetails,
    LinkChanged,
    PasswordChanged,
    PlaceChanged,
    TimeChanged,
)
from shared.domain.emails.ics import build_ics, calendar_uid, legacy_uid
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import change_lines, render_email
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.models import (
    PROVIDER_TITLES,
    Audience,
    Booking,
    BookingStatus,
    EmailType,
    Service,
    ServiceKind,
    Session,
    SessionStatus,
    Site,
    Staff,
    Told,
)
from shared.domain.reminders import reminder_key
from shared.domain.resolver import Decision, Link, Reason, resolve
from shared.services.senders import Senders
from shared.services.templates import custom_template

logger = Logger(service="vclinks")
SENT_MARKER_DAYS = 60
CALENDAR_TYPES = frozenset(
    {
        EmailType.BOOKING_CONFIRMATION,
        EmailType.BOOKING_CHANGED,
        EmailType.COURSE_CHANGED,
        EmailType.REQUEST_APPROVED,
    }
)
"""The emails that carry the invitation (X05, X09). Every client email (a reminder too) is kept as
what the client was told: a later change or cancellation is announced to them."""
CHANGE_TYPES = frozenset({EmailType.BOOKING_CHANGED, EmailType.COURSE_CHANGED})
UNSETTLED = frozenset({Reason.PENDING, Reason.NEEDS_RECONNECT})
"""A link that is being prepared or waits for the admin: not a change to tell clients about."""
GONE = "none"
IN_PERSON = "in_person"
"""Told that the link is gone because the session takes place in person (a session turned online
again is then "now online", not merely "the link changed")."""
IN_PERSON_REASONS = frozenset({Reason.OFFLINE, Reason.SERVICE_NOT_ONLINE})


@dataclass(frozen=True)
class Sent:
    recipient: str
    audience: str
    sent: bool  # False: the same email was sent before (deduplicated)


@dataclass(frozen=True)
class EmailJob:
    site: Site
    service: Service
    session: Session
    staff: Staff | None
    booking: Booking
    email_type: EmailType

    @property
    def cancellation(self) -> str | None:
        """Which cancellation applies: the session's (the business) wins over the booking's."""
        if self.session.status is SessionStatus.CANCELLED:
            return "session"
        return "booking" if self.booking.status is BookingStatus.CANCELLED else None


def change_email_type(service: Service) -> EmailType:
    return EmailType.COURSE_CHANGED if service.kind is ServiceKind.COURSE else EmailType.BOOKING_CHANGED


def _fingerprint(*values: object) -> str:
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:32]


def link_fingerprint(decision: Decision) -> str:
    """The join link as a client holds it (its URL, provider and description), not the password."""
    return (
        _fingerprint(decision.url, decision.provider, decision.description)
        if isinstance(decision, Link)
        else GONE
    )


def password_fingerprint(decision: Decision) -> str:
    return _fingerprint(decision.password) if isinstance(decision, Link) and decision.password else GONE


def legacy_fingerprint(decision: Decision) -> str:
    """What bookings emailed before issue 11 kept (`notified_fingerprint`): link and password in one."""
    if isinstance(decision, Link):
        return _fingerprint(decision.url, decision.password, decision.description, decision.provider)
    return GONE


def settled(decision: Decision) -> bool:
    return isinstance(decision, Link) or decision.reason not in UNSETTLED


def told_now(session: Session, decision: Decision, shown: bool, before: Told | None, cancelled: bool) -> Told:
    """What the client holds after an email: the link and password only if the section showed
    them; a link gone (in person, no account) once they were told of one."""
    link, password = (before.link, before.password) if before else (None, None)
    if isinstance(decision, Link):
        if shown:
            link, password = link_fingerprint(decision), password_fingerprint(decision)
    elif settled(decision) and link is not None:
        link, password = (IN_PERSON if decision.reason in IN_PERSON_REASONS else GONE), GONE
    return Told(
        start=session.start,
        end=session.end,
        link=link,
        password=password,
        host=session.staff_id,
        cancelled=cancelled,
    )


def _join_details(decision: Decision, stable_url: str) -> JoinDetails | None:
    if not isinstance(decision, Link):
        return None
    return JoinDetails(
        url=stable_url,
        password=decision.password,
        description=decision.description,
        opens_at=decision.opens_at,
        provider=PROVIDER_TITLES[decision.provider],
    )


class Notifier:
    def __init__(
        self,
        store: Repository,
        mailer: Mailer,
        senders: Senders,
        links: join_tokens.JoinLinks,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.senders = senders
        self.links = links
        self.clock = clock or (lambda: datetime.now(UTC))

    def load(self, site: Site, session_id: str, booking_id: str, email_type: EmailType) -> EmailJob:
        context = self.store.load_link_context(site.site_id, session_id, booking_id)
        session, booking = context.session, context.booking
        if session is None or booking is None:
            raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
        staff, service = self.store.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
        if service is None:
            raise NotFound(f"No service '{session.service_id}'.")
        return EmailJob(site, service, session, staff, booking, email_type)

    # -- the platform asks (POST /notifications) ------------------------------------------

    def send(
        self, job: EmailJob, staff_email: str | None = None, key: str | None = None, staff_copy: bool = False
    ) -> list[Sent]:
        """The client's email, and the staff member's copy to `staff_email` (or, with `staff_copy`,
        to the address stored for the staff member). A cancelled booking or session gets only its
        cancellation, as a change email (409 for any other type)."""
        cancelled = job.cancellation
        if cancelled and job.email_type not in CHANGE_TYPES:
            whose = "session" if cancelled == "session" else "booking"
            raise Conflict(
                f"The {whose} is cancelled: no {job.email_type.value} is sent for it. A 'booking_changed' "
                "email announces the cancellation (clients who were emailed get it automatically)."
            )
        address = job.booking.client_email
        if not address:
            raise InvalidInput(
                "The booking has no client email address; set client_email on the booking first."
            )
        problem = self.store.undeliverable(job.site.site_id, address)
        if problem:
            raise Conflict(
                f"The client's address cannot be emailed ({problem}); "
                "set another client_email on the booking."
            )
        staff_address = staff_email or (job.staff.email if staff_copy and job.staff else None)
        if staff_copy and not staff_address:
            raise InvalidInput("The session's staff member has no email; set it with PUT .../staff/{staff}.")
        decision = self._client_decision(job)
        changes = self.changes(job, decision) if job.email_type in CHANGE_TYPES and not cancelled else ()
        told_cancelled = job.booking.told is not None and job.booking.told.cancelled
        raise_sequence = bool(changes) or (cancelled is not None and not told_cancelled)
        client = self._client_email(
            job, decision, key=key, changes=changes, raise_sequence=raise_sequence, force=True
        )
        results = [client or Sent(address, "client", sent=False)]
        if staff_address:
            results.append(self._staff_email(job, staff_address, key))
        return results

    # -- the pipeline: changes and cancellations (X02), reminders (X08) --------------------

    def tell_of_change(self, job: EmailJob) -> bool:
        """Tell a client who was emailed what changed since (time, link, password, host), that
        their booking or session is cancelled, or that a cancelled session is back; once each.
        False when there was nothing to tell or the address cannot be emailed."""
        booking = job.booking
        address = booking.client_email
        if not address or (booking.told is None and booking.notified_fingerprint is None):
            return False  # never emailed: the confirmation will say how things are
        if self.store.undeliverable(job.site.site_id, address):
            return False
        told = booking.told
        if job.cancellation:
            if told is not None and told.cancelled:
                return False
            return self._tell(job, job, (), force=True)
        decision = self._client_decision(job)
        if told is not None and told.cancelled:  # reinstated: confirmed again, with a new invitation
            again = EmailJob(
                job.site, job.service, job.session, job.staff, booking, EmailType.BOOKING_CONFIRMATION
            )
            return self._tell(job, again, (), force=True)
        changes = self.changes(job, decision)
        if not changes:
            return False
        gone = told is not None and told.link not in (None, GONE) and link_fingerprint(decision) == GONE
        return self._tell(job, job, changes, force=gone)

    def remind(self, job: EmailJob, offset: int, start: datetime) -> bool:
        """X08: the client's reminder for one offset of one session start, once. False: skipped
        (cancelled, no address, or an address that cannot be emailed) or sent before."""
        booking = job.booking
        if job.cancellation or not booking.client_email:
            return False
        if self.store.undeliverable(job.site.site_id, booking.client_email):
            return False
        try:
            sent = self._client_email(job, self._client_decision(job), key=reminder_key(offset, start))
        except EmailNotSent as refused:
            if not refused.permanent:
                raise
            return False  # recorded on the booking
        return sent is not None and sent.sent

    def _tell(self, job: EmailJob, email: EmailJob, changes: tuple[Change, ...], *, force: bool) -> bool:
        try:
            sent = self._client_email(
                email, self._client_decision(job), changes=changes, raise_sequence=True, force=force
            )
        except EmailNotSent as refused:
            if not refused.permanent:
                raise
            return False
        return sent is not None and sent.sent

    def changes(self, job: EmailJob, decision: Decision) -> tuple[Change, ...]:
        """What changed since the client's last email (X02): the time, the place (in person or online),
        the link, the password, the host."""
        told, session = job.booking.told, job.session
        if told is None:  # emailed before issue 11: only a hash of link and password was kept
            legacy = job.booking.notified_fingerprint
            changed = legacy is not None and settled(decision) and legacy_fingerprint(decision) != legacy
            return (LinkChanged(),) if changed else ()
        found: list[Change] = []
        if (told.start, told.end) != (session.start, session.end):
            found.append(TimeChanged(old_start=told.start, old_end=told.end))
        if told.link is not None and settled(decision):
            in_person = not isinstance(decision, Link) and decision.reason in IN_PERSON_REASONS
            if in_person and told.link != IN_PERSON:
                found.append(PlaceChanged(online=False))
            elif isinstance(decision, Link) and told.link == IN_PERSON:
                found.append(PlaceChanged(online=True))
            elif not in_person and link_fingerprint(decision) != told.link:
                found.append(LinkChanged())
            back = told.link in (GONE, IN_PERSON)  # the link comes back: the section gives it all
            if isinstance(decision, Link) and not back and password_fingerprint(decision) != told.password:
                found.append(PasswordChanged())
        if told.host != session.staff_id:
            found.append(
                HostChanged(old_name=self._staff_name(job.site.site_id, told.host), new_name=_name(job.staff))
            )
        return tuple(found)

    # -- one email -------------------------------------------------------------------------

    def _client_decision(self, job: EmailJob) -> Decision:
        return resolve(
            job.site, job.service, job.session, job.staff, Audience.CLIENT, job.booking, self.clock()
        )

    def _client_email(
        self,
        job: EmailJob,
        decision: Decision,
        *,
        key: str | None = None,
        changes: tuple[Change, ...] = (),
        raise_sequence: bool = False,
        force: bool = False,
    ) -> Sent | None:
        """The client's email; None when it has changes none of which this client sees (and not `force`)."""
        booking, site = job.booking, job.site
        address = booking.client_email
        assert address
        shown = job.email_type not in site.settings.hidden_email_sections  # W14
        stable = self.links.client(booking, job.session)
        details = _join_details(decision, stable) if shown else None
        calendar = job.email_type in CALENDAR_TYPES
        uid, sequence = self._calendar(job, raise_sequence) if calendar else (None, None)
        context = self._context(job, "client", address, client_join=details, uid=uid, sequence=sequence)
        context = context.model_copy(update={"changes": changes})
        if changes and not change_lines(context) and not force:
            return None
        digest = self._digest(job, "client", address, details, key, sequence)
        sent = self._deliver(job, "client", address, context, digest, with_ics=calendar)
        told = told_now(
            job.session, decision, details is not None, booking.told, job.cancellation is not None
        )
        self.store.remember_email(booking, told, uid, sequence)
        return sent

    def _staff_email(self, job: EmailJob, address: str, key: str | None) -> Sent:
        """S04: the staff member's own copy, with the host link even where the client's section is hidden."""
        decision = resolve(job.site, job.service, job.session, job.staff, Audience.STAFF, None, self.clock())
        stable = self.links.staff(job.session)
        details = _join_details(decision, stable)
        context = self._context(job, "staff", address, staff_join=details)
        digest = self._digest(job, "staff", address, details, key, None)
        return self._deliver(job, "staff", address, context, digest, with_ics=False)

    def _context(
        self,
        job: EmailJob,
        recipient: str,
        address: str,
        *,
        client_join: JoinDetails | None = None,
        staff_join: JoinDetails | None = None,
        uid: str | None = None,
        sequence: int | None = None,
    ) -> EmailContext:
        site, session = job.site, job.session
        return EmailContext(
            email_type=job.email_type,
            language=site.settings.language,
            recipient="client" if recipient == "client" else "staff",
            site_name=site.name,
            client_name=job.booking.client_name or "",
            staff_name=_name(job.staff),
            service_name=job.service.name or job.service.service_id,
            session_start=session.start,
            session_end=session.end,
            timezone=site.settings.timezone,
            client_join=client_join,
            staff_join=staff_join,
            booking_id=job.booking.booking_id,
            session_id=session.session_id,
            cancelled=job.booking.status is BookingStatus.CANCELLED,
            session_cancelled=session.status is SessionStatus.CANCELLED,
            sender_email=self.senders.from_address(site),
            recipient_email=address,
            calendar_uid=uid,
            sequence=sequence,
        )

    def _deliver(
        self,
        job: EmailJob,
        audience: str,
        address: str,
        context: EmailContext,
        digest: str,
        *,
        with_ics: bool,
    ) -> Sent:
        site, session = job.site, job.session
        if not self.store.mark_sent(site.site_id, session.session_id, digest, SENT_MARKER_DAYS):
            return Sent(address, audience, sent=False)
        sender = context.sender_email or self.senders.deployment_sender
        try:
            rendered = render_email(
                context, custom_template(self.store, site.site_id, job.email_type, context.language)
            )
            raw = build_mime(
                sender,
                address,
                rendered,
                build_ics(context, self.clock()) if with_ics else None,
                message_id_domain=sender.partition("@")[2] or "vclinks",
                sender_name=site.name,
                reply_to=_reply_to(site),
            )
            tags = {
                "vclinks-site": site.site_id,
                "vclinks-session": session.session_id,
                "vclinks-booking": job.booking.booking_id,
                "vclinks-audience": audience,
            }
            self.mailer.send(sender, address, raw, tags)
        except EmailNotSent as refused:
            self.store.unmark_sent(site.site_id, session.session_id, digest)
            if refused.permanent and audience == "client":  # recorded, and never tried again
                logger.info("a client's address was refused for good", extra={"problem": refused.slug})
                self.store.mark_undeliverable(site.site_id, address, refused.detail, self.clock())
                self.store.set_email_problem(
                    site.site_id, session.session_id, job.booking.booking_id, refused.detail
                )
            raise
        except Exception:
            self.store.unmark_sent(site.site_id, session.session_id, digest)
            raise
        logger.info("email sent", extra={"email_type": job.email_type.value, "audience": audience})
        return Sent(address, audience, sent=True)

    def _calendar(self, job: EmailJob, raise_sequence: bool) -> tuple[str, int]:
        """X09: the booking's UID (kept once sent) and the SEQUENCE of this invitation."""
        booking = job.booking
        if booking.calendar_uid is not None:
            sequence = booking.calendar_sequence or 0
            return booking.calendar_uid, sequence + 1 if raise_sequence else sequence
        if booking.notified_fingerprint is not None:  # only emails sent before issue 11 set it
            # emailed before issue 11: its invitations had this UID, and minutes since 1970 as SEQUENCE
            return legacy_uid(booking.booking_id, booking.session_id), int(self.clock().timestamp()) // 60 + 1
        return calendar_uid(job.site.site_id, job.session.session_id, booking.booking_id), 0

    def _digest(
        self,
        job: EmailJob,
        audience: str,
        recipient: str,
        details: JoinDetails | None,
        key: str | None,
        sequence: int | None,
    ) -> str:
        """What identifies this email: the same type, booking, recipient and content is sent once.
        The invitation's SEQUENCE is part of it (a change back and forth is two emails); an
        on-demand reminder without a key is one per hour."""
        hour = self.clock().strftime("%Y-%m-%dT%H") if job.email_type is EmailType.REMINDER else None
        what = key or json.dumps(
            [
                job.session.start.isoformat(),
                job.session.end.isoformat(),
                details.model_dump(mode="json") if details else None,
                job.booking.status.value,
                job.session.status.value,
                sequence,
                hour,
            ]
        )
        return hashlib.sha256(
            "|".join(
                (job.email_type.value, job.booking.booking_id, audience, recipient.lower(), what)
            ).encode()
        ).hexdigest()

    def _staff_name(self, site_id: str, staff_id: str | None) -> str | None:
        return _name(self.store.get_staff(site_id, staff_id)) if staff_id else None


def _name(staff: Staff | None) -> str | None:
    return (staff.name.strip() or None) if staff and staff.name else None


def _reply_to(site: Site) -> str | None:
    """Where answers go: the site's reply_to, else the business's own address when known."""
    settings = site.settings
    return settings.reply_to or (site.sender.email if site.sender else None) or settings.sender_email
