"""Domain errors. Raised by `shared/`, turned into RFC 9457 problem answers in one place
(`shared.http.api.problem_response`). Each error has a stable `type` slug and an HTTP status."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_TYPE_BASE = "https://vclinks.dev/problems/"


class VclinksError(Exception):
    """Base of every error the API answers as a problem document."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.slug

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InvalidInput(VclinksError):
    status = 400
    slug = "invalid-input"
    title = "The request is not valid"


class Unauthorized(VclinksError):
    status = 401
    slug = "unauthorized"
    title = "Missing or invalid credentials"


class Forbidden(VclinksError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for this credential"


class NotFound(VclinksError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(VclinksError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class StorageBusy(VclinksError):
    """DynamoDB kept throttling after the client's own retries: nothing was half-written; retry."""

    status = 503
    slug = "storage-busy"
    title = "The data store is busy"


class Gone(VclinksError):
    status = 410
    slug = "gone"
    title = "No longer available"


class RateLimited(VclinksError):
    """A site used its share of a fixed window (writes, or token minting); `retry_after` seconds
    until the next window (the answer's Retry-After header, RFC 9110 section 10.2.3)."""

    status = 429
    slug = "rate-limited"
    title = "Too many requests for this site"

    @property
    def retry_after(self) -> int:
        return int(self.extra.get("retry_after", 60))


class PayloadTooLarge(VclinksError):
    status = 413
    slug = "payload-too-large"
    title = "The request body is too large"


class UnsupportedMediaType(VclinksError):
    status = 415
    slug = "unsupported-media-type"
    title = "The request body must be JSON"


class PreconditionRequired(VclinksError):
    """A rule's precondition is not met (W05: a staff account needs a default first)."""

    status = 409
    slug = "precondition-failed"
    title = "A required step comes first"


class ZoomNotConfigured(VclinksError):
    """The deployment has no Zoom app credentials (its ZoomAppSecret secret is still empty)."""

    status = 503
    slug = "zoom-not-configured"
    title = "Zoom is not configured for this deployment"


class ZoomUnavailable(VclinksError):
    """Zoom did not answer usefully (5xx, timeout, connection error) after bounded retries."""

    status = 503
    slug = "zoom-unavailable"
    title = "Zoom is unavailable"


class ZoomRateLimited(VclinksError):
    """Zoom answered 429 (including the per-host daily create/update limit)."""

    status = 503
    slug = "zoom-rate-limited"
    title = "Zoom's rate limit was reached"


class ZoomNotFound(NotFound):
    """404 from Zoom: meeting (code 3001) or user (1001) does not exist (raised by
    shared.adapters.zoom; here so that the services can tell it without importing Zoom's adapter)."""

    slug = "zoom-not-found"
    title = "Zoom does not know this meeting or user"


class ZoomNeedsReconnect(VclinksError):
    """The Zoom connection's refresh token is revoked or expired (X07)."""

    status = 409
    slug = "zoom-needs-reconnect"
    title = "The Zoom connection must be connected again"


class ZoomAppMisconfigured(VclinksError):
    """Zoom refused the deployment's own app credentials (401 `invalid_client`): the operator's
    client id or secret is wrong or was rotated. A deployment problem, not a dead grant: no
    connection is marked needs_reconnect; fix the parameters and every connection works again."""

    status = 503
    slug = "zoom-app-misconfigured"
    title = "Zoom refused this deployment's Zoom app credentials"


class ZoomMissingScopes(VclinksError):
    """The Zoom token lacks scopes vclinks needs (Zoom's 400 code 4711, or a consent where
    they were unticked). `missing_scopes` names them."""

    status = 409
    slug = "zoom-missing-scopes"
    title = "The Zoom connection lacks permissions vclinks needs"


class ZoomHostNotLicensed(VclinksError):
    """The meeting's host is a Basic (free) Zoom user: Zoom takes no registrants for their
    meetings (400, code 200 "Only available for Paid user"). Clients get the meeting's own
    join link instead of one each."""

    status = 409
    slug = "zoom-host-not-licensed"
    title = "The Zoom host's plan does not allow registrants"


class ZoomRegistrantRateLimited(ZoomRateLimited):
    """Zoom's per-registrant limit (the same registrant added 3 times a day to one meeting, or
    its status changed 10 times): it resets at 00:00 UTC and says nothing of the host's own
    daily limit of meeting creates and updates (`daily_limit` stays unset)."""

    slug = "zoom-registrant-rate-limited"
    title = "Zoom's daily limit for this registrant was reached"


class ZoomRefreshLost(ZoomNeedsReconnect):
    """Zoom rotated a connection's tokens but the new pair never reached our store (the refresh
    answer was lost, or saving it failed): the stored refresh token is dead. Zoom keeps no copy
    we could ask for, so the Zoom user must connect again (X07), and the admin is told exactly this."""

    slug = "zoom-refresh-lost"
    title = "Zoom's new tokens for this connection were lost"


class ZoomUserNotInAccount(VclinksError):
    """W07: the Zoom user an admin maps a staff member to is not a user of that connection's Zoom
    account (unknown, or of another account)."""

    status = 422
    slug = "zoom-user-not-in-account"
    title = "No such user in the connection's Zoom account"


# -- Provider-neutral errors (Google Meet, Microsoft Teams; Zoom keeps its own above) -------------
# Each carries `provider` ("google", "microsoft") in its problem body, so the admin sees whose
# answer it was. Tokens, codes and secrets never appear in them.


class ProviderUnavailable(VclinksError):
    """The provider did not answer usefully (5xx, timeout, connection error) after bounded
    retries. `uncertain=True`: a create may have happened; look before creating again."""

    status = 503
    slug = "provider-unavailable"
    title = "The video provider is unavailable"


class ProviderRateLimited(VclinksError):
    """The provider's rate limit held after bounded retries (429, Google 403 rateLimitExceeded)."""

    status = 503
    slug = "provider-rate-limited"
    title = "The video provider's rate limit was reached"


class ProviderNeedsReconnect(VclinksError):
    """The stored grant is dead: `invalid_grant` on refresh (revoked, expired, unused too long),
    or the access token is refused after a fresh refresh (X07)."""

    status = 409
    slug = "provider-needs-reconnect"
    title = "The video provider connection must be connected again"


class ProviderMisconfigured(VclinksError):
    """Our deployment's app registration is wrong (`invalid_client`, `unauthorized_client`,
    redirect URI not registered): no user action helps; the operator must fix the settings."""

    status = 503
    slug = "provider-misconfigured"
    title = "The video provider app is not configured correctly"


class ProviderScopeMissing(VclinksError):
    """The user finished consent but did not grant a permission we need (Google's granular
    consent lets them untick it): connect again and allow it."""

    status = 409
    slug = "provider-scope-missing"
    title = "A needed permission was not granted"


class ProviderAccountUnsupported(VclinksError):
    """The connected account cannot make meetings: a personal Microsoft account, a Teams user
    without a licence, a guest. A clear reason, never a session pending for ever (X15)."""

    status = 409
    slug = "provider-account-unsupported"
    title = "This account cannot create meetings"


class ProviderConnectFailed(VclinksError):
    """The code exchange failed (code reused, expired, or the verifier does not match): the
    connect must start again. Not a dead stored grant."""

    status = 400
    slug = "provider-connect-failed"
    title = "Connecting the video provider failed"


class ProviderMeetingNotFound(NotFound):
    """The provider does not know this meeting (404), or it was deleted (410)."""

    slug = "provider-meeting-not-found"
    title = "The video provider does not know this meeting"


class ProviderAccessTokenInvalid(VclinksError):
    """401 from the provider's API: refresh the token and try once more (our caller's own
    credentials are fine, hence 502, not 401)."""

    status = 502
    slug = "provider-token-invalid"
    title = "The video provider refused the access token"


class ProviderRejected(VclinksError):
    """Another 4xx: the provider refused what we sent (a bug of ours, or a policy of theirs)."""

    status = 502
    slug = "provider-rejected"
    title = "The video provider refused the request"
