"""Driving the Google and Microsoft emulators' consent pages as a person would, and a clock the
tests move by hand."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from shared.adapters.oauth import code_challenge, new_code_verifier

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
