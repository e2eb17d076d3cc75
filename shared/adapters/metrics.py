"""Operational metrics: CloudWatch Embedded Metric Format lines, through Powertools Metrics.

One line on stdout per data point (`single_metric`): CloudWatch Logs turns it into a metric, so
publishing costs no AWS call and no time on any request path (the link-resolve path's bars).
Namespace `vclinks` (POWERTOOLS_METRICS_NAMESPACE), dimension `service` (POWERTOOLS_SERVICE_NAME)
on every point; the alarms in template.yaml read the points that carry no other dimension.
Powertools' metrics module is imported on the first point, not when a handler is imported
(cold start).
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any


class Metric(StrEnum):
    ZOOM_CALLS = "ZoomCalls"  # dimension operation
    ZOOM_FAILURES = "ZoomFailures"  # dimensions operation, kind
    PROVIDER_CALLS = "ProviderCalls"  # Google Meet and Microsoft Graph: dimensions provider, operation
    PROVIDER_FAILURES = "ProviderFailures"  # dimensions provider, operation, kind
    DUE_WORK = "DueWork"  # the dispatcher's round: due items it found (at most 26 a site)
    OLDEST_PENDING_WORK = "OldestPendingWorkSeconds"  # the oldest due item, since first flagged
    EMAILS_SENT = "EmailsSent"
    EMAILS_REFUSED = "EmailsRefused"
    EMAILS_BOUNCED = "EmailsBounced"
    CONNECTIONS_NEEDING_RECONNECT = "ConnectionsNeedingReconnect"  # a connection that just lost its grant
    JOIN_CLICKS = "JoinClicks"  # dimension outcome
    JOIN_CLICKS_UNRECORDED = "JoinClicksUnrecorded"  # X12: the click's write failed (still redirected)
    WEBHOOKS_DELIVERED = "WebhooksDelivered"
    WEBHOOKS_FAILED = "WebhooksFailed"
    RATE_LIMITED = "RateLimited"  # dimension bucket


SECONDS = "Seconds"
COUNT = "Count"


def put(metric: Metric, value: float = 1, unit: str = COUNT, **dimensions: str) -> None:
    """Publish one data point (never raises: a metric must not fail the work it measures)."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":  # the local stack
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "vclinks"
    try:
        with single_metric(
            name=metric.value, unit=MetricUnit(unit), value=value, namespace=namespace
        ) as point:
            for name, dimension in dimensions.items():
                point.add_dimension(name=name, value=dimension)
    except Exception:  # noqa: S110 - a malformed point is dropped, the work goes on
        pass


class MeasuredMailer:
    """The mailer, counted: EmailsSent, and EmailsRefused when SES refuses a recipient for good.
    (Bounces arrive later, from SES's notifications: their handler calls `put(EMAILS_BOUNCED)`.)"""

    def __init__(self, mailer: Any) -> None:
        self.mailer = mailer

    def send(self, *args: Any, **kwargs: Any) -> Any:
        from shared.adapters.mailer import EmailNotSent

        try:
            answer = self.mailer.send(*args, **kwargs)
        except EmailNotSent as refused:
            if refused.permanent:
                put(Metric.EMAILS_REFUSED)
            raise
        put(Metric.EMAILS_SENT)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.mailer, name)
