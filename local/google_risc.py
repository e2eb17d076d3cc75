"""The Google emulator's Cross-Account Protection (RISC) transmitter: Google's RISC configuration
and signing keys, the stream an operator registers, and Security Event Tokens pushed to it.

Sources: https://developers.google.com/identity/protocols/risc (RISC page; "R:" below),
RFC 8417 (SET), RFC 8935 (push delivery). Mixed into local.google_emulator.GoogleEmulator; kept
apart so the OAuth and Meet parts of the emulator change without touching it.

- `GET /.well-known/risc-configuration`: `issuer` (Google's own, `https://accounts.google.com/`)
  and `jwks_uri` (here: this emulator's `/oauth2/v3/certs`). R: "Validate and decode the token".
- `GET /oauth2/v3/certs`: the JWKS; one RSA key made when the emulator is built (RS256, `kid`).
- `POST /v1beta/stream:update` (R: "Register your receiver"): needs a Bearer token (a service
  account's self-signed JWT: its shape is checked, not its signature), `delivery.delivery_method` the push
  method and `delivery.url` an https URL (http only on loopback, for the local stack),
  `events_requested` known event types. `GET /v1beta/stream` reads it back.
- `POST /v1beta/stream:verify` `{"state"}`: a `verification` event with that state is pushed.
- Pushes: `POST` the JWT, `Content-Type: application/secevent+jwt` (RFC 8935 2.1); the receiver
  answers 202 (RFC 8935 2.2). Only for users who granted `email` or `profile` (R: "Prerequisite"),
  and only the event types the stream requested.
- Control: `POST /_emulator/risc/revoke` `{"sub", "fault"}` ends the user's grants (as removing the
  app does) and pushes `tokens-revoked`; `POST /_emulator/risc/push` `{"sub", "event", "reason",
  "fault"}` pushes any user event; `POST /_emulator/risc/redeliver` `{"jti"}` sends a SET again
  (Google redelivers what was not acknowledged); `GET /_emulator/risc/deliveries`. `fault`:
  `wrong_key` (signed by another key under Google's kid), `unknown_kid`, `wrong_audience`.
- `token-revoked` (push or sign, `{"sub", "event": "token-revoked", "token_identifier_alg"}`): the
  emulator revokes the user's newest refresh token (Google tells of a token it revoked) and names it
  as R: "OAuth token identifiers" says, `hash_base64_sha512_sha512` (the default: base64 of SHA-512
  of SHA-512 of the token) or `prefix` (its first 16 characters); 404 if the user holds none.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from local.provider_emulator import EmulatorError, json_answer, json_body

ISSUER = "https://accounts.google.com/"
PUSH = "https://schemas.openid.net/secevent/risc/delivery-method/push"
MANAGEMENT_AUDIENCE = "https://risc.googleapis.com/google.identity.risc.v1beta.RiscManagementService"
EVENT = "https://schemas.openid.net/secevent"
EVENT_TYPES = {
    "tokens-revoked": f"{EVENT}/oauth/event-type/tokens-revoked",
    "token-revoked": f"{EVENT}/oauth/event-type/token-revoked",
    "sessions-revoked": f"{EVENT}/risc/event-type/sessions-revoked",
    "account-disabled": f"{EVENT}/risc/event-type/account-disabled",
    "account-enabled": f"{EVENT}/risc/event-type/account-enabled",
    "account-purged": f"{EVENT}/risc/event-type/account-purged",
    "account-credential-change-required": f"{EVENT}/risc/event-type/account-credential-change-required",
    "verification": f"{EVENT}/risc/event-type/verification",
}
PROFILE_SCOPES = frozenset(
    {"https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"}
)
FAULTS = ("wrong_key", "unknown_kid", "wrong_audience")
TOKEN_IDENTIFIERS = ("hash_base64_sha512_sha512", "prefix")


def user_subject(sub: str) -> dict[str, str]:
    """R: the subject of a user's event (`iss-sub`: Google's issuer and the user's id)."""
    return {"subject_type": "iss-sub", "iss": ISSUER, "sub": sub}


def token_identifier(refresh_token: str, alg: str) -> str:
    """R: "OAuth token identifiers": `prefix` the first 16 characters; `hash_base64_sha512_sha512`
    "the double hash of the token using SHA-512" (base64 of the digest of the digest)."""
    if alg == "prefix":
        return refresh_token[:16]
    inner = hashlib.sha512(refresh_token.encode()).digest()
    return base64.b64encode(hashlib.sha512(inner).digest()).decode()


def risc_rules() -> list[Rule]:
    return [
        Rule("/.well-known/risc-configuration", endpoint="risc_configuration", methods=["GET"]),
        Rule("/oauth2/v3/certs", endpoint="risc_keys", methods=["GET"]),
        Rule("/v1beta/stream:update", endpoint="risc_stream_update", methods=["POST"]),
        Rule("/v1beta/stream:verify", endpoint="risc_stream_verify", methods=["POST"]),
        Rule("/v1beta/stream", endpoint="risc_stream", methods=["GET"]),
        Rule("/_emulator/risc/revoke", endpoint="control_risc_revoke", methods=["POST"]),
        Rule("/_emulator/risc/push", endpoint="control_risc_push", methods=["POST"]),
        Rule("/_emulator/risc/redeliver", endpoint="control_risc_redeliver", methods=["POST"]),
        Rule("/_emulator/risc/deliveries", endpoint="control_risc_deliveries", methods=["GET"]),
        Rule("/_emulator/risc/sign", endpoint="control_risc_sign", methods=["POST"]),
    ]


class RiscTransmitter:
    """Google's side of RISC. The host emulator provides the lock, clock, users' consents, the
    OAuth client id (the SETs' audience), `revoke_user` and `base_url`."""

    client_id: str
    base_url: str
    consented: dict[str, frozenset[str]]
    grants: dict[str, Any]  # grant id -> local.google_emulator.Grant (sub, refresh, serial)
    clock: Callable[[], float]
    _lock: threading.RLock

    if TYPE_CHECKING:

        def revoke_user(self, sub: str) -> None: ...

        def fault_body(self, status: int, message: str) -> dict[str, Any]: ...

    def reset_risc(self) -> None:
        if not hasattr(self, "_risc_key"):  # one key for the emulator's life (receivers cache it)
            self._risc_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self._risc_kid = secrets.token_hex(20)
        self.stream: dict[str, Any] | None = None
        self.sets: dict[str, str] = {}  # jti -> the signed SET (for redelivery)
        self.deliveries: list[dict[str, Any]] = []

    # -- Google's RISC endpoints ------------------------------------------------------------

    def _risc_configuration(self, request: Request) -> Response:
        return json_answer(
            200,
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.base_url}/oauth2/v3/certs",
                "delivery_methods_supported": [PUSH],
                "configuration_endpoint": f"{self.base_url}/v1beta/stream",
                "verification_endpoint": f"{self.base_url}/v1beta/stream:verify",
            },
        )

    def _risc_keys(self, request: Request) -> Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._risc_key.public_key(), as_dict=True)
        return json_answer(200, {"keys": [{**public, "kid": self._risc_kid, "alg": "RS256", "use": "sig"}]})

    def _risc_stream_update(self, request: Request) -> Response:
        self._risc_caller(request)
        body = json_body(request, self.fault_body)
        delivery = body.get("delivery")
        if not isinstance(delivery, dict):
            raise EmulatorError(400, self.fault_body(400, "delivery is required."))
        url = str(delivery.get("url", ""))
        if delivery.get("delivery_method") != PUSH:
            raise EmulatorError(400, self.fault_body(400, "Unsupported delivery_method."))
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise EmulatorError(400, self.fault_body(400, "The receiver URL must be https."))
        requested = body.get("events_requested")
        if (
            not isinstance(requested, list)
            or not requested
            or not set(requested) <= set(EVENT_TYPES.values())
        ):
            raise EmulatorError(400, self.fault_body(400, "events_requested names unknown event types."))
        with self._lock:
            self.stream = {"delivery": {"delivery_method": PUSH, "url": url}, "events_requested": requested}
        return json_answer(200, {})

    def _risc_stream(self, request: Request) -> Response:
        self._risc_caller(request)
        with self._lock:
            if self.stream is None:
                raise EmulatorError(404, self.fault_body(404, "No stream is configured."))
            return json_answer(200, self.stream)

    def _risc_stream_verify(self, request: Request) -> Response:
        self._risc_caller(request)
        state = str(json_body(request, self.fault_body).get("state", ""))
        self._push(None, "verification", {"state": state})
        return json_answer(200, {})

    def _risc_caller(self, request: Request) -> None:
        """R: the Bearer is a JWT the service account signs (RS256, kid its private_key_id; iss and
        sub its email; aud the RISC management service; an hour). Google checks the signature with
        the service account's public key; the emulator, which has none, checks the shape."""
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise EmulatorError(
                401, self.fault_body(401, "Request is missing required authentication credential.")
            ) from error
        well_formed = (
            header.get("alg") == "RS256"
            and bool(header.get("kid"))
            and claims.get("aud") == MANAGEMENT_AUDIENCE
            and "@" in str(claims.get("iss", ""))
            and claims.get("sub") == claims.get("iss")
            and isinstance(claims.get("exp"), int)
            and claims["exp"] > self.clock()
        )
        if not well_formed:
            raise EmulatorError(401, self.fault_body(401, "Request had invalid authentication credentials."))

    # -- pushing SETs -----------------------------------------------------------------------

    def push_event(
        self,
        sub: str,
        event: str,
        fields: dict[str, Any] | None = None,
        fault: str | None = None,
        subject: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A SET about user `sub` (or `subject`, one of their tokens) to the registered receiver:
        what was sent, and its answer."""
        if event not in EVENT_TYPES:
            raise EmulatorError(400, self.fault_body(400, f"Unknown event {event!r}."))
        with self._lock:
            granted = self.consented.get(sub, frozenset())
        if not granted & PROFILE_SCOPES:  # R: only users who granted profile or email
            return {"pushed": False, "why": "the user granted neither email nor profile"}
        return self._push(subject or user_subject(sub), event, fields or {}, fault)

    def revoke_newest_token(self, sub: str, alg: str) -> dict[str, str]:
        """Google revokes the user's newest refresh token: the `oauth_token` subject naming it."""
        if alg not in TOKEN_IDENTIFIERS:
            raise EmulatorError(
                400, self.fault_body(400, f"token_identifier_alg is one of {TOKEN_IDENTIFIERS}")
            )
        with self._lock:
            held = [(g.serial, gid) for gid, g in self.grants.items() if g.sub == sub and g.refresh]
            if not held:
                raise EmulatorError(404, self.fault_body(404, "The user holds no refresh token."))
            refresh = str(self.grants.pop(max(held)[1]).refresh)
        return {
            "subject_type": "oauth_token",
            "token_type": "refresh_token",
            "token_identifier_alg": alg,
            "token": token_identifier(refresh, alg),
        }

    def _push(
        self, subject: dict[str, Any] | None, event: str, fields: dict[str, Any], fault: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            stream = self.stream
        if stream is None or (
            event != "verification" and EVENT_TYPES[event] not in stream["events_requested"]
        ):
            return {"pushed": False, "why": "no stream requests this event"}
        jti, _ = self.sign_event(subject, event, fields, fault)
        return self._deliver(jti, str(stream["delivery"]["url"]))

    def sign_event(
        self, subject: dict[str, Any] | None, event: str, fields: dict[str, Any], fault: str | None = None
    ) -> tuple[str, str]:
        """A SET as Google signs it (kept for redelivery): its jti and the JWT."""
        jti = secrets.token_hex(16)
        claims = {
            "iss": ISSUER,
            "aud": "another-client.apps.googleusercontent.com"
            if fault == "wrong_audience"
            else self.client_id,
            "iat": int(self.clock()),
            "jti": jti,
            "events": {EVENT_TYPES[event]: ({"subject": subject} if subject else {}) | fields},
        }
        token = jwt.encode(claims, self._signing_key(fault), algorithm="RS256", headers=self._header(fault))
        with self._lock:
            self.sets[jti] = token
        return jti, token

    def _signing_key(self, fault: str | None) -> rsa.RSAPrivateKey:
        if fault in ("wrong_key", "unknown_kid"):
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._risc_key

    def _header(self, fault: str | None) -> dict[str, str]:
        return {
            "kid": secrets.token_hex(20) if fault == "unknown_kid" else self._risc_kid,
            "typ": "secevent+jwt",
        }

    def _deliver(self, jti: str, url: str) -> dict[str, Any]:
        """RFC 8935 2.1: POST the SET; 202 means the receiver has it."""
        headers = {"Content-Type": "application/secevent+jwt", "Accept": "application/json"}
        try:
            answer = httpx.post(url, content=self.sets[jti], headers=headers, timeout=30)
            status, body = answer.status_code, answer.text
        except httpx.HTTPError as error:
            status, body = 0, type(error).__name__
        delivery = {"jti": jti, "status": status, "body": body[:500]}
        with self._lock:
            self.deliveries.append(delivery)
        return {"pushed": True, **delivery}

    # -- control API ------------------------------------------------------------------------

    def _control_risc_revoke(self, request: Request) -> Response:
        body = json_body(request, self.fault_body)
        sub = str(body["sub"])
        self.revoke_user(sub)  # the user removed the app: every grant ends, then Google tells us
        return json_answer(200, self.push_event(sub, "tokens-revoked", fault=self._fault(body)))

    def _control_risc_push(self, request: Request) -> Response:
        body = json_body(request, self.fault_body)
        fields = {"reason": body["reason"]} if body.get("reason") else {}
        sub, event = str(body["sub"]), str(body.get("event", "tokens-revoked"))
        answer = self.push_event(sub, event, fields, self._fault(body), self._token_subject(body))
        return json_answer(200, answer)

    def _control_risc_redeliver(self, request: Request) -> Response:
        jti = str(json_body(request, self.fault_body)["jti"])
        with self._lock:
            stream = self.stream
        if jti not in self.sets or stream is None:
            raise EmulatorError(404, self.fault_body(404, "No such SET."))
        return json_answer(200, self._deliver(jti, str(stream["delivery"]["url"])))

    def _control_risc_sign(self, request: Request) -> Response:
        """A SET about a user, signed as Google signs it and kept for redelivery, NOT sent: a test
        delivers it itself (e.g. many times at once, as Google's redeliveries may arrive)."""
        body = json_body(request, self.fault_body)
        event = str(body.get("event", "tokens-revoked"))
        if event not in EVENT_TYPES:
            raise EmulatorError(400, self.fault_body(400, f"Unknown event {event!r}."))
        fields = {"reason": body["reason"]} if body.get("reason") else {}
        subject = self._token_subject(body) or user_subject(str(body["sub"]))
        jti, token = self.sign_event(subject, event, fields, self._fault(body))
        return json_answer(200, {"jti": jti, "token": token})

    def _control_risc_deliveries(self, request: Request) -> Response:
        with self._lock:
            return json_answer(200, {"deliveries": list(self.deliveries)})

    def _token_subject(self, body: dict[str, Any]) -> dict[str, str] | None:
        """A `token-revoked` event is about the user's newest refresh token (revoked now)."""
        if body.get("event") != "token-revoked":
            return None
        alg = str(body.get("token_identifier_alg") or TOKEN_IDENTIFIERS[0])
        return self.revoke_newest_token(str(body["sub"]), alg)

    def _fault(self, body: dict[str, Any]) -> str | None:
        fault = body.get("fault")
        if fault is not None and fault not in FAULTS:
            raise EmulatorError(400, self.fault_body(400, f"fault is one of {', '.join(FAULTS)}"))
        return str(fault) if fault else None
