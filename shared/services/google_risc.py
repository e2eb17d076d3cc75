"""Google's Cross-Account Protection (RISC) events: a revoked Google grant acted on when Google
says so (X07), instead of at the next token refresh.

Google pushes a Security Event Token (RFC 8417, RFC 8935) for users who granted our app `openid`
or `email` (we ask both: shared.adapters.google.client.SCOPES). What each event does
(https://developers.google.com/identity/protocols/risc, "Supported event types"):

| event | here |
|---|---|
| `oauth/.../tokens-revoked` (every token of the user for our app) | the grant needs reconnecting |
| `risc/.../account-disabled` reason `hijacking` or none | the same (Google holds the account) |
| `risc/.../account-purged` (the account is deleted) | the same |
| `risc/.../account-disabled` reason `bulk-account` | logged (the account works; nothing revoked) |
| `oauth/.../token-revoked` (one refresh token, by its hash) | the grant holding it: the same |
| `oauth/.../token-revoked` (one refresh token, by its first characters) | logged, see below |
| `sessions-revoked`, `account-enabled`, `account-credential-change-required` | logged (no sign-in here) |
| `risc/.../verification` (a test stream:verify asked for) | logged with its state |

"Needs reconnecting" is shared.services.connections.mark_needs_reconnect on each grant (a
Google user's connections across sites share one grant, stored per user): every connection of the
grant shows needs_reconnect with the event's problem, the platform gets connection.needs_reconnect,
sessions fall back to the clear "must be connected again" page, and the stored tokens are never
used again (shared.adapters.provider_tokens refuses a connection that needs reconnecting).

`token-revoked` names one refresh token (https://developers.google.com/identity/protocols/risc,
"OAuth token identifiers"): `token_identifier_alg` `hash_base64_sha512_sha512` ("the double hash of
the token using SHA-512", shared.adapters.provider_tokens.risc_token_hash) or `prefix` (its first
16 characters). A hash is looked up in the index kept beside each Google grant's secret
(shared.adapters.provider_tokens.GrantIndexedSecrets); the grant is acted on only while its secret
still holds that very token (a reconnect since stored a new one: the event is about a token we no
longer use). A grant stored before the index existed, or a token named by its prefix (we keep no
part of a token outside its secret), is not matched: the next refresh finds it (`invalid_grant`,
X07) as before. Neither the token nor its hash is logged.

A SET issued before the grant's newest connection was made is about tokens replaced since (a late
redelivery): it changes nothing. Google delivers a SET again until it is answered 202: each
`jti` is acted on once (the repository's webhook marker, set after acting, kept SEEN_DAYS).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from shared.adapters.google.risc import SetRefused
from shared.adapters.provider_tokens import canonical_token_hash, risc_token_hash
from shared.adapters.repository import Repository
from shared.domain.errors import ZoomNeedsReconnect
from shared.domain.models import Connection
from shared.domain.work import WorkRef
from shared.services.connections import mark_needs_reconnect

if TYPE_CHECKING:
    from shared.adapters.google.risc import RiscVerifier
    from shared.adapters.zoom.tokens import TokenSecrets

logger = Logger(service="vclinks")
SEEN_DAYS = 7
EVENT = "https://schemas.openid.net/secevent"
TOKENS_REVOKED = f"{EVENT}/oauth/event-type/tokens-revoked"
TOKEN_REVOKED = f"{EVENT}/oauth/event-type/token-revoked"
ACCOUNT_DISABLED = f"{EVENT}/risc/event-type/account-disabled"
ACCOUNT_PURGED = f"{EVENT}/risc/event-type/account-purged"
VERIFICATION = f"{EVENT}/risc/event-type/verification"
PUSH_DELIVERY = f"{EVENT}/risc/delivery-method/push"
EVENTS_REQUESTED = [
    TOKENS_REVOKED,
    TOKEN_REVOKED,
    f"{EVENT}/risc/event-type/sessions-revoked",
    ACCOUNT_DISABLED,
    f"{EVENT}/risc/event-type/account-enabled",
    ACCOUNT_PURGED,
    f"{EVENT}/risc/event-type/account-credential-change-required",
    VERIFICATION,
]
"""What the stream asks for (docs/GOOGLE-SETUP.md): every event this module knows, so each is logged."""
PROBLEMS = {
    TOKENS_REVOKED: "google_tokens_revoked",
    ACCOUNT_DISABLED: "google_account_disabled",
    ACCOUNT_PURGED: "google_account_purged",
}
"""The events that end a grant, and the problem its connections then show."""
TOKEN_PROBLEM = "google_token_revoked"
"""What the connections of a grant whose one refresh token Google revoked show."""
HASHED = "hash_base64_sha512_sha512"


@dataclass(frozen=True)
class Receipt:
    """What the route answers: 202, or 400 with RFC 8935's `err` and `description`; the work
    the events left for the worker."""

    refusal: tuple[str, str] | None = None
    work: list[WorkRef] = field(default_factory=list)
    duplicate: bool = False


def receive(repo: Repository, verifier: RiscVerifier, token: str, token_secrets: TokenSecrets) -> Receipt:
    """A pushed SET: verified, acted on once per `jti`; `token_secrets` holds the grants' tokens."""
    try:
        claims = verifier.verify(token)
    except SetRefused as refused:
        logger.info("google risc refused", extra={"err": refused.err})
        return Receipt(refusal=(refused.err, refused.description))
    digest = hashlib.sha256(f"google-risc\n{claims['jti']}".encode()).hexdigest()
    if repo.webhook_seen(digest):
        logger.info("google risc delivered again")
        return Receipt(duplicate=True)
    work = act(repo, claims, token_secrets)
    repo.mark_webhook(digest, SEEN_DAYS)  # after acting: a failure leaves Google's redelivery to act
    return Receipt(work=work)


def act(repo: Repository, claims: dict[str, Any], token_secrets: TokenSecrets) -> list[WorkRef]:
    issued = _issued_at(claims.get("iat"))
    work: list[WorkRef] = []
    for event_type, event in claims["events"].items():
        details = event if isinstance(event, dict) else {}
        token_hash = _hashed_token(details) if event_type == TOKEN_REVOKED else None
        if token_hash is not None:
            work += token_lost(repo, token_secrets, token_hash)
            continue
        problem = _grant_ending(event_type, details)
        sub = _subject(details, str(claims["iss"]))
        if problem is None or sub is None:
            _note(event_type, details)
            continue
        work += grant_lost(repo, sub, problem, issued)
    return work


def grant_lost(repo: Repository, sub: str, problem: str, issued: datetime | None) -> list[WorkRef]:
    """X07: every connection of the Google user `sub` (every site) needs reconnecting, saying why;
    a grant renewed after the SET was issued is left alone."""
    grants: dict[str, list[Connection]] = {}
    for connection in repo.connections_of_zoom_user("google", sub):
        if connection.provider == "google" and connection.removal is None:
            grants.setdefault(connection.secret_name, []).append(connection)
    work: list[WorkRef] = []
    for members in grants.values():
        if any(_renewed_since(issued, c) for c in members):
            continue
        work += mark_needs_reconnect(repo, members[0], problem)
    logger.info("google grant lost", extra={"problem": problem, "grants": len(grants), "work": len(work)})
    return work


def token_lost(repo: Repository, token_secrets: TokenSecrets, token_hash: str) -> list[WorkRef]:
    """X07: the grant whose stored refresh token has this hash needs reconnecting, every connection
    of it (every site). A hash no stored grant holds now changes nothing."""
    name = repo.grant_of_refresh_token(token_hash)
    if name is None or not _still_holds(token_secrets, name, token_hash):
        logger.info("google token revoked: no grant holds it")
        return []
    members = [
        repo.get_connection(site_id, connection_id) for site_id, connection_id in repo.grant_members(name)
    ]
    live = [c for c in members if c is not None and c.provider == "google" and c.removal is None]
    work = mark_needs_reconnect(repo, live[0], TOKEN_PROBLEM) if live else []
    logger.info("google grant lost", extra={"problem": TOKEN_PROBLEM, "grants": 1, "work": len(work)})
    return work


def _still_holds(token_secrets: TokenSecrets, name: str, token_hash: str) -> bool:
    """Whether the grant's secret still holds the token of this hash (not one a reconnect replaced)."""
    try:
        tokens = token_secrets.read(name)
    except ZoomNeedsReconnect:  # the secret is gone: the grant was removed
        return False
    return hmac.compare_digest(risc_token_hash(tokens.refresh_token), token_hash)


def _hashed_token(event: dict[str, Any]) -> str | None:
    """The hash of a `token-revoked` subject naming a refresh token by Google's double SHA-512."""
    subject = event.get("subject")
    if not isinstance(subject, dict) or subject.get("subject_type") != "oauth_token":
        return None
    if subject.get("token_type") != "refresh_token" or subject.get("token_identifier_alg") != HASHED:
        return None
    token = subject.get("token")
    return canonical_token_hash(token) if isinstance(token, str) else None


def _grant_ending(event_type: str, event: dict[str, Any]) -> str | None:
    if event_type == ACCOUNT_DISABLED and event.get("reason") not in (None, "hijacking"):
        return None  # bulk-account: Google flags the account, its tokens still work
    return PROBLEMS.get(event_type)


def _subject(event: dict[str, Any], issuer: str) -> str | None:
    """The Google user id of an `iss-sub` subject issued by Google itself."""
    subject = event.get("subject")
    if not isinstance(subject, dict) or subject.get("subject_type") != "iss-sub":
        return None
    sub = subject.get("sub")
    if subject.get("iss") != issuer or not isinstance(sub, str) or not sub:
        return None
    return sub


def _note(event_type: str, event: dict[str, Any]) -> None:
    """An event that changes nothing here: its type and the harmless fields (never a token)."""
    extra: dict[str, Any] = {"event_type": event_type.rsplit("/", 1)[-1]}
    if isinstance(event.get("reason"), str):
        extra["reason"] = event["reason"]
    if event_type == VERIFICATION and isinstance(event.get("state"), str):
        extra["state"] = event["state"][:200]
    if event_type == TOKEN_REVOKED:
        subject = event.get("subject")
        alg = subject.get("token_identifier_alg") if isinstance(subject, dict) else None
        extra["token_identifier_alg"] = str(alg or "")[:64]
    logger.info("google risc event noted", extra=extra)


def _issued_at(iat: object) -> datetime | None:
    if isinstance(iat, int | float) and not isinstance(iat, bool) and iat > 0:
        return datetime.fromtimestamp(iat, UTC)
    return None


def _renewed_since(issued: datetime | None, connection: Connection) -> bool:
    """`iat` has whole seconds: a connection made within that second is not newer than the SET."""
    return issued is not None and issued < connection.created_at.replace(microsecond=0)
