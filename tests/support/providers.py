"""Driving the Google and Microsoft emulators' consent pages as a person would, our clients
pointed at those emulators, and a clock the tests move by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx

from shared.adapters.google.client import GoogleClient
from shared.adapters.http_retry import RetryPolicy
from shared.adapters.microsoft.client import MicrosoftClient
from shared.adapters.oauth import code_challenge, new_code_verifier

if TYPE_CHECKING:
    from local.google_emulator import GoogleEmulator
    from local.microsoft_emulator import MicrosoftEmulator

REDIRECT = "http://127.0.0.1/callback"


class Clock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps:
    """Stands in for time.sleep in a RetryPolicy: records the pauses, waits for none."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def consent(authorize_url: str, form: dict[str, str | list[str]]) -> dict[str, str]:
    """Open the consent page, submit it with `form` added, return the redirect's query."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200, page.text
    fields = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    base = authorize_url.split("?")[0]
    answer = httpx.post(base, data={**fields, **form})
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def pkce() -> tuple[str, str]:
    verifier = new_code_verifier()
    return verifier, code_challenge(verifier)


def google_client(
    google: GoogleEmulator,
    *,
    sleeps: Sleeps | None = None,
    secret: str | None = None,
    http: httpx.Client | None = None,
) -> GoogleClient:
    """Our Google client, every Google host pointed at the emulator; its retries' pauses are
    recorded in `sleeps`, never waited."""
    return GoogleClient(
        client_id=google.client_id,
        client_secret=google.client_secret if secret is None else secret,
        accounts_base_url=google.base_url,
        oauth2_base_url=google.base_url,
        meet_base_url=google.base_url,
        http=http,
        retry=RetryPolicy(sleep=sleeps or Sleeps()),
    )


def microsoft_client(
    microsoft: MicrosoftEmulator,
    *,
    sleeps: Sleeps | None = None,
    secret: str | None = None,
    tenant: str = "organizations",
    http: httpx.Client | None = None,
) -> MicrosoftClient:
    """Our Microsoft client, sign-in and Graph pointed at the emulator; its retries' pauses are
    recorded in `sleeps`, never waited."""
    return MicrosoftClient(
        client_id=microsoft.client_id,
        client_secret=microsoft.client_secret if secret is None else secret,
        tenant=tenant,
        login_base_url=microsoft.base_url,
        graph_base_url=f"{microsoft.base_url}/v1.0",
        http=http,
        retry=RetryPolicy(sleep=sleeps or Sleeps()),
    )
