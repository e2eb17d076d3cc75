"""Zoom's refusals, as domain errors (tokens, codes and passwords never appear in them)."""

from __future__ import annotations

from shared.domain.errors import VclinksError, ZoomNotFound

__all__ = ["ZoomAccessTokenInvalid", "ZoomNotFound", "ZoomRequestRejected"]


class ZoomAccessTokenInvalid(VclinksError):
    """401, code 124: the access token is invalid or expired (refresh and try once more).

    Our callers' credentials are fine when this happens: it answers 502, never 401."""

    status = 502
    slug = "zoom-token-invalid"
    title = "Zoom refused the access token"


class ZoomRequestRejected(VclinksError):
    """Another 4xx: Zoom refused what we sent."""

    status = 502
    slug = "zoom-rejected"
    title = "Zoom refused the request"
