"""Emails for bookings, and the email template settings of a site."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.mailer import get_mailer
from shared.adapters.repository import get_store
from shared.config import get_settings
from shared.domain.models import ID_PATTERN, EmailType, Language
from shared.http.api import base_url, handle, load_site_and_caller, logger, make_app
from shared.http.models import NotificationRequest, NotificationResult, SentView
from shared.services import templates as templates_store
from shared.services.notifications import Notifier
from shared.services.templates import TemplateInput, TemplateView

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]


@app.post("/v1/sites/<site>/notifications")
def send_notification(site: SiteId, body: Annotated[NotificationRequest, Body()]) -> NotificationResult:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    notifier = Notifier(store, get_mailer(), get_settings().sender_email, base_url(app))
    job = notifier.load(record, body.session_id, body.booking_id, body.type)
    sent = notifier.send(job, body.staff_email, body.idempotency_key)
    return NotificationResult(
        results=[SentView(recipient=s.recipient, audience=s.audience, sent=s.sent) for s in sent]
    )


@app.get("/v1/sites/<site>/email-templates/<type>")
def get_template(
    site: SiteId, type: Annotated[EmailType, Path()], language: Annotated[Language | None, Query()] = None
) -> TemplateView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return templates_store.view(store, record, type, language)


@app.put("/v1/sites/<site>/email-templates/<type>")
def put_template(
    site: SiteId, type: Annotated[EmailType, Path()], body: Annotated[TemplateInput, Body()]
) -> TemplateView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return templates_store.save(store, record, type, body)


@app.delete("/v1/sites/<site>/email-templates/<type>")
def reset_template(site: SiteId, type: Annotated[EmailType, Path()]) -> TemplateView:
    store = get_store()
    record, caller = load_site_and_caller(app, site, store.get_site)
    caller.require_admin()
    return templates_store.reset(store, record, type)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
