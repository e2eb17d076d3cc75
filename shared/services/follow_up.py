"""What follows a change of a session or a booking, outside our tables.

The store is written first; then the Zoom meeting is reconciled (DESIGN.md: desired
against actual) and clients who already hold a link are told of a change (X02). These
steps are registered by the modules that own them, so that the session code does not
import Zoom or email code (cold start) and each step can fail without losing the change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from aws_lambda_powertools import Logger

from shared.adapters.repository import Store
from shared.domain.models import Booking, Service, Session, Site

logger = Logger(service="vclinks")


class SessionStep(Protocol):
    def __call__(
        self,
        store: Store,
        site: Site,
        before: Session | None,
        after: Session,
        *,
        service_before: Service | None,
    ) -> None: ...


class BookingStep(Protocol):
    def __call__(
        self, store: Store, site: Site, session: Session, before: Booking | None, after: Booking
    ) -> None: ...


session_steps: list[SessionStep] = []
booking_steps: list[BookingStep] = []


def on_session_change(step: SessionStep) -> SessionStep:
    session_steps.append(step)
    return step


def on_booking_change(step: BookingStep) -> BookingStep:
    booking_steps.append(step)
    return step


def session_changed(
    store: Store, site: Site, before: Session | None, after: Session, *, service_before: Service | None = None
) -> None:
    for step in session_steps:
        run_step(_name(step), partial(step, store, site, before, after, service_before=service_before))


def booking_changed(
    store: Store, site: Site, session: Session, before: Booking | None, after: Booking
) -> None:
    for step in booking_steps:
        run_step(_name(step), partial(step, store, site, session, before, after))


def _name(step: object) -> str:
    return getattr(step, "__name__", type(step).__name__)


def run_step(name: str, call: Callable[[], object]) -> None:
    """Run a step; one that fails is logged and left for the sweep (the steps record their own
    pending state before acting), so the caller's change, already stored, is never lost."""
    try:
        call()
    except Exception:
        logger.exception("follow-up step failed; it will be retried", extra={"step": name})
