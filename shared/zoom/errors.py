"""Zoom's refusals, as domain errors (tokens, codes and passwords never appear in them)."""

from __future__ import annotations

from shared.errors import NotFound, Unauthorized, VclinksError


class ZoomNotFound(NotFound):
    """404 from Zoom: meeting (code 3001) or user (1001) does not exist."""

    slug = "zoom-not-found"
    title = "Zoom does not know this meeting or user"


class ZoomAccessTokenInvalid(Unauthorized):
    """401, code 124: the access token is invalid or expired (refresh and try once more)."""

    slug = "zoom-token-invalid"
    title = "Zoom refused the access token"


class ZoomRequestRejected(VclinksError):
    """Another 4xx: Zoom refused what we sent."""

    status = 502
    slug = "zoom-rejected"
    title = "Zoom refused the request"
