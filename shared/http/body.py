"""Request bodies refused before anything parses them: too large (413), not JSON (415; but an HTML
form where a browser posts one, and a Security Event Token where Google pushes one), nested too
deeply (400).

The depth check exists because Python's JSON decoder recurses: a body of 30,000 `[` raises
RecursionError inside Powertools' validation, a 500. No body of this API nests deeper than a
few levels, so anything past MAX_DEPTH is refused; the check costs a count of brackets for
every body and a scan only for a body with more than MAX_DEPTH of them.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from shared.domain.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType, VclinksError

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
JSON_TYPES = ("application/json", "application/merge-patch+json", "")
FORM_ROUTES = frozenset({"POST /v1/oauth/zoom/confirm"})
"""Routes a browser's HTML form posts to (application/x-www-form-urlencoded); every other takes JSON."""
SET_ROUTES = frozenset({"POST /v1/google/risc"})
"""Routes a Security Event Token is pushed to (RFC 8935: the body is the JWT, application/secevent+jwt)."""
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)  # an unclosed string runs to the end: linear
_NOT_BRACKET = re.compile(r"[^\[\]{}]")


def refuse_unreadable(event: dict[str, Any]) -> VclinksError | None:
    """413 for a body over MAX_BODY_BYTES, 415 for a body that is not JSON."""
    body = event.get("body")
    if not body:
        return None
    limit = MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1)
    if len(body) > limit:
        return PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded" and event.get("routeKey") in FORM_ROUTES:
        return None
    if content_type == "application/secevent+jwt" and event.get("routeKey") in SET_ROUTES:
        return None
    if content_type not in JSON_TYPES:
        return UnsupportedMediaType("Send the request body as application/json.")
    return None


def refuse_too_deep(event: dict[str, Any]) -> VclinksError | None:
    """400 for a JSON body whose arrays and objects nest deeper than MAX_DEPTH."""
    body = event.get("body")
    if not body or event.get("isBase64Encoded") or event.get("routeKey") in FORM_ROUTES:
        return None
    if sum(body.count(opening) for opening in "[{") <= MAX_DEPTH:
        return None
    if nesting_depth(body) > MAX_DEPTH:
        return InvalidInput(f"The request body nests arrays and objects deeper than {MAX_DEPTH} levels.")
    return None


def nesting_depth(text: str) -> int:
    """How deep the JSON text's arrays and objects nest (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if char in "[{" else -1 for char in brackets), default=0)
