"""Bounded retries for the provider clients: exponential backoff with full jitter, Retry-After
honoured (capped). An idempotent call retries on 429, 5xx, timeouts and dropped connections.
A call that creates something without an idempotency key retries only when the request surely
did not arrive (connection refused) or was refused before acting (429); after a 5xx or a read
timeout it raises `ProviderUnavailable(uncertain=True)`, so the caller looks before creating again.
Each call is counted for the operator, as Zoom's are: ProviderCalls, and ProviderFailures by kind
(shared.adapters.metrics), under the provider's name and the call's `operation` (its method and
path with the ids left out: few enough values for a dimension).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.domain.errors import ProviderRateLimited, ProviderUnavailable, VclinksError

JITTER = random.SystemRandom()  # from the OS: a SnapStart snapshot copies random's state


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    max_retry_after: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, attempt: int, retry_after: str | None) -> None:
        delay = JITTER.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), self.max_retry_after))
        self.sleep(delay)


def send(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    operation: str,
    policy: RetryPolicy,
    idempotent: bool,
    timeout: float,
    rate_limited: Callable[[httpx.Response], bool] = lambda answer: answer.status_code == 429,
    **kw: Any,
) -> httpx.Response:
    """The provider's answer once it is neither a rate limit nor a server fault, else an error;
    counted: one ProviderCalls, and one ProviderFailures when it ends in an error or a 4xx."""
    from shared.adapters.metrics import Metric, put

    put(Metric.PROVIDER_CALLS, provider=provider, operation=operation)
    try:
        answer = _send_with_retries(
            http, method, url, provider, policy, idempotent, timeout, rate_limited, **kw
        )
    except VclinksError as error:
        put(Metric.PROVIDER_FAILURES, provider=provider, operation=operation, kind=error.slug)
        raise
    if answer.status_code >= 400:
        kind = f"http-{answer.status_code}"
        put(Metric.PROVIDER_FAILURES, provider=provider, operation=operation, kind=kind)
    return answer


def _send_with_retries(
    http: httpx.Client,
    method: str,
    url: str,
    provider: str,
    policy: RetryPolicy,
    idempotent: bool,
    timeout: float,
    rate_limited: Callable[[httpx.Response], bool],
    **kw: Any,
) -> httpx.Response:
    attempt = 0
    while True:
        attempt += 1
        last = attempt >= policy.max_attempts
        try:
            answer = http.request(method, url, timeout=timeout, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if last:
                raise ProviderUnavailable(f"{provider} could not be reached.", provider=provider) from error
            policy.pause(attempt, None)
            continue
        except httpx.TransportError as error:  # read timeout, dropped connection: it may have landed
            if not idempotent or last:
                raise ProviderUnavailable(
                    f"{provider} did not answer in time.", provider=provider, uncertain=not idempotent
                ) from error
            policy.pause(attempt, None)
            continue
        if rate_limited(answer):
            if last:
                raise ProviderRateLimited(
                    f"{provider}'s rate limit was reached; the work is retried later.",
                    provider=provider,
                    retry_after=answer.headers.get("retry-after"),
                )
            policy.pause(attempt, answer.headers.get("retry-after"))
            continue
        if answer.status_code >= 500:
            if not idempotent or last:
                raise ProviderUnavailable(
                    f"{provider} answered {answer.status_code}.", provider=provider, uncertain=not idempotent
                )
            policy.pause(attempt, answer.headers.get("retry-after"))
            continue
        return answer


def json_object(answer: httpx.Response) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
