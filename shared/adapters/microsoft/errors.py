"""Microsoft Graph's refusals as domain errors.

Graph answers `{"error": {"code", "message", "innerError": {...}}}` (shared/microsoft/SOURCE.md,
"error shape"). Two refusals matter most and are not documented, only reported:
- a personal Microsoft account: 400 `AuthenticationError` "Error authenticating with resource"
  (microsoftgraph/microsoft-graph-docs#7782, OfficeDev/msteams-meetings-template#3);
- a work account without a Teams licence, or a guest: a bare 403 `Forbidden` with an empty
  message (microsoft-graph-docs#6663, #8889; MS Q&A 2169311).
We branch on status and `code`, never on the message's words (Microsoft says texts change).
"""

from __future__ import annotations

import httpx

from shared.adapters.http_retry import json_object
from shared.domain.errors import (
    ProviderAccessTokenInvalid,
    ProviderAccountUnsupported,
    ProviderMeetingNotFound,
    ProviderRejected,
    VclinksError,
)

PROVIDER = "microsoft"


def api_refusal(answer: httpx.Response) -> VclinksError:
    body = json_object(answer)
    error = body["error"] if isinstance(body.get("error"), dict) else {}
    status, code, message = answer.status_code, str(error.get("code", "")), str(error.get("message", ""))
    if status == 401:
        return ProviderAccessTokenInvalid("Microsoft refused the access token.", provider=PROVIDER, code=code)
    if status == 400 and code == "AuthenticationError":
        return ProviderAccountUnsupported(
            "This is a personal Microsoft account, which cannot create Teams meetings; connect a work "
            "or school account.",
            provider=PROVIDER,
            code=code,
        )
    if status == 403 and code == "Forbidden" and not message:
        return ProviderAccountUnsupported(
            "Microsoft refused to make a Teams meeting for this user: the account needs a Teams "
            "licence (guests cannot organise meetings); ask the tenant admin to assign one.",
            provider=PROVIDER,
            code=code,
        )
    if status in (404, 410):
        return ProviderMeetingNotFound(f"Microsoft does not know this meeting ({status}).", provider=PROVIDER)
    return ProviderRejected(
        f"Microsoft refused the request: {status} {code} {message[:200]}".strip(),
        provider=PROVIDER,
        code=code,
    )
