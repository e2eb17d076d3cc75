"""`vclinks google-risc register | verify`: the operator's registration of the deployment's RISC
receiver with Google (docs/GOOGLE-SETUP.md, step 5), as https://developers.google.com/identity/protocols/risc
shows it: a Bearer JWT the service account (role roles/riscconfigs.admin) signs itself, then
`stream:update` with the receiver URL, or `stream:verify` to have Google send a test event."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from shared.services.google_risc import EVENTS_REQUESTED, PUSH_DELIVERY

RISC_API = "https://risc.googleapis.com"
AUDIENCE = "https://risc.googleapis.com/google.identity.risc.v1beta.RiscManagementService"


def bearer(service_account: dict[str, Any], now: float | None = None) -> str:
    """The service account's self-signed JWT (RS256, kid = its private_key_id), valid an hour."""
    issued = int(now or time.time())
    email = str(service_account["client_email"])
    claims = {"iss": email, "sub": email, "aud": AUDIENCE, "iat": issued, "exp": issued + 3600}
    headers = {"kid": str(service_account["private_key_id"])}
    return jwt.encode(claims, str(service_account["private_key"]), algorithm="RS256", headers=headers)


def read_service_account(path: Path) -> dict[str, Any]:
    found = json.loads(path.read_text())
    if not isinstance(found, dict) or not {"client_email", "private_key", "private_key_id"} <= found.keys():
        raise SystemExit(
            f"{path} is not a service account's JSON key (client_email, private_key_id, private_key)."
        )
    return found


def throwaway_account() -> dict[str, Any]:
    """The local stack's Google emulator checks the Bearer's shape, not whose key signed it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "client_email": "risc@local.iam.gserviceaccount.com",
        "private_key_id": "local",
        "private_key": pem,
    }


def register(token: str, receiver: str, api: str = RISC_API) -> None:
    """Google pushes every event vclinks knows to `receiver` (stack output GoogleRiscReceiverUri)."""
    stream = {
        "delivery": {"delivery_method": PUSH_DELIVERY, "url": receiver},
        "events_requested": EVENTS_REQUESTED,
    }
    _post(f"{api.rstrip('/')}/v1beta/stream:update", token, stream)


def verify(token: str, state: str, api: str = RISC_API) -> None:
    """Google sends a `verification` event carrying `state` (the receiver logs it)."""
    _post(f"{api.rstrip('/')}/v1beta/stream:verify", token, {"state": state})


def _post(url: str, token: str, body: dict[str, Any]) -> None:
    answer = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if answer.status_code != 200:
        raise SystemExit(f"Google's RISC API answered {answer.status_code}: {answer.text[:500]}")
