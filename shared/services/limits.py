"""A per-site limit on writes and on token minting (issue 12): fixed windows of one minute.

One counter item per site, kind and minute, raised with an atomic ADD (one write, on write
routes only: reading a link never counts). Over the limit the request is refused with 429 and
`Retry-After`: the seconds until the next window. The limits are settings
(SITE_WRITES_PER_MINUTE, SITE_TOKENS_PER_MINUTE); floods of unauthenticated traffic are not
stopped here but in front of the API (README: CloudFront and AWS WAF).
"""

from __future__ import annotations

import time

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import Repository
from shared.config import Settings
from shared.domain.errors import RateLimited

WINDOW_SECONDS = 60


def charge_request(
    repo: Repository, settings: Settings, site_id: str, *, tokens: bool, now: float | None = None
) -> None:
    bucket, limit = (
        ("tokens", settings.site_tokens_per_minute) if tokens else ("writes", settings.site_writes_per_minute)
    )
    moment = time.time() if now is None else now
    window = int(moment // WINDOW_SECONDS)
    ends = (window + 1) * WINDOW_SECONDS
    count = repo.count_request(site_id, bucket, window, expires_at=ends + WINDOW_SECONDS)
    if count > limit:
        put(Metric.RATE_LIMITED, bucket=bucket)
        what = "scoped tokens minted" if tokens else "writes"
        raise RateLimited(
            f"This site has reached its limit of {limit} {what} a minute; retry after Retry-After seconds.",
            retry_after=max(1, int(ends - moment + 0.999)),
        )
