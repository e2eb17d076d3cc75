"""Google's API refusals as domain errors.

Two error shapes exist (shared/google/SOURCE.md): the AIP-193 one that the Meet REST API uses,
`{"error": {"code", "message", "status", "details": [{"@type": ".../google.rpc.ErrorInfo",
"reason", ...}]}}`, and the older Calendar one with `{"error": {"errors": [{"domain", "reason"}],
"code", "message"}}`. We branch on the status and the machine-readable reason, never on text.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.adapters.http_retry import json_object
from shared.domain.errors import (
    ProviderAccessTokenInvalid,
    ProviderAccountUnsupported,
    ProviderMeetingNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderScopeMissing,
    VclinksError,
)

PROVIDER = "google"
# 403s that mean "slow down" (Calendar usage limits page): retried like a 429.
RETRYABLE_403 = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def reasons(body: dict[str, Any]) -> set[str]:
    """Every machine-readable reason in either error shape."""
    error = body.get("error")
    if not isinstance(error, dict):
        return set()
    found = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    found |= {str(d.get("reason")) for d in error.get("details") or [] if isinstance(d, dict)}
    return found - {"None"}


def is_rate_limited(answer: httpx.Response) -> bool:
    if answer.status_code == 429:
        return True
    return answer.status_code == 403 and bool(reasons(json_object(answer)) & RETRYABLE_403)


def api_refusal(answer: httpx.Response, *, creating: bool = False) -> VclinksError:
    body = json_object(answer)
    error = body["error"] if isinstance(body.get("error"), dict) else {}
    status, why = answer.status_code, reasons(body)
    message = str(error.get("message", ""))[:200]
    if status == 401:
        return ProviderAccessTokenInvalid("Google refused the access token.", provider=PROVIDER)
    if status == 403 and "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in why:
        return ProviderScopeMissing(
            "The Google connection lacks the permission to create Meet meetings; connect Google "
            "again and leave 'Create Google Meet conferences' ticked.",
            provider=PROVIDER,
        )
    if status == 403 and "quotaExceeded" in why:
        return ProviderRateLimited(
            "Google's usage limits for this account were reached; retrying soon will not help.",
            provider=PROVIDER,
        )
    if status == 403 and creating:
        return ProviderAccountUnsupported(
            f"This Google account may not create Meet meetings ({message or 'permission denied'}); "
            "a Workspace admin may have turned Meet or its API off for it.",
            provider=PROVIDER,
        )
    if status in (404, 410):
        return ProviderMeetingNotFound(f"Google does not know this meeting ({status}).", provider=PROVIDER)
    return ProviderRejected(
        f"Google refused the request: {status} {error.get('status', '')} {message}".strip(),
        provider=PROVIDER,
        reasons=sorted(why),
    )
