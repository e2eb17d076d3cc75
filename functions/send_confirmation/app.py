"""Emails for bookings, and the email template settings of a site."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.domain.models import ID_PATTERN, EmailType, Language
from shared.http.api import handle, logger, make_app
from shared.http.dependencies import AdminSite, BaseUrl, Root
from shared.http.email_models import (
    NotificationRequest,
    NotificationResult,
    SentView,
    TemplateInput,
    TemplateView,
)
from shared.http.email_views import template_view
from shared.services import templates

app = make_app()
SiteId = Annotated[str, Path(pattern=ID_PATTERN)]


@app.post("/v1/sites/<site>/notifications")
def send_notification(
    site: SiteId, body: Annotated[NotificationRequest, Body()], record: AdminSite, root: Root, base: BaseUrl
) -> NotificationResult:
    notifier = root.notifier(base)
    job = notifier.load(record, body.session_id, body.booking_id, body.type)
    sent = notifier.send(job, body.staff_email, body.idempotency_key, body.staff_copy)
    return NotificationResult(
        results=[SentView(recipient=s.recipient, audience=s.audience, sent=s.sent) for s in sent]
    )


@app.get("/v1/sites/<site>/email-templates/<type>")
def get_template(
    site: SiteId,
    type: Annotated[EmailType, Path()],
    record: AdminSite,
    root: Root,
    language: Annotated[Language | None, Query()] = None,
) -> TemplateView:
    return template_view(templates.state(root.repo, record, type, language))


@app.put("/v1/sites/<site>/email-templates/<type>")
def put_template(
    site: SiteId,
    type: Annotated[EmailType, Path()],
    body: Annotated[TemplateInput, Body()],
    record: AdminSite,
    root: Root,
) -> TemplateView:
    saved = templates.save(
        root.repo,
        record,
        type,
        show_online_section=body.show_online_section,
        language=body.language,
        subject=body.subject,
        body=body.body,
    )
    return template_view(saved)


@app.delete("/v1/sites/<site>/email-templates/<type>")
def reset_template(
    site: SiteId, type: Annotated[EmailType, Path()], record: AdminSite, root: Root
) -> TemplateView:
    return template_view(templates.reset(root.repo, record, type))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)
