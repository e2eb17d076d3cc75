"""Google Meet's provider, made from what the composition root offers
(shared.adapters.provider_root): our OAuth client, the settings' Google URLs (the emulator's
locally), tokens kept with every provider's."""

from __future__ import annotations

import httpx

from shared.adapters.google.client import GoogleClient
from shared.adapters.google.errors import PROVIDER
from shared.adapters.google.provider import GoogleMeet
from shared.adapters.provider_root import ProviderRoot
from shared.adapters.provider_tokens import ProviderTokens


def build(root: ProviderRoot) -> GoogleMeet:
    client_id, secret = root.provider_credentials(PROVIDER)  # no OAuth client: refused before any I/O
    s = root.settings
    client = GoogleClient(
        client_id=client_id,
        client_secret=secret,
        accounts_base_url=s.google_accounts_base_url,
        oauth2_base_url=s.google_oauth2_base_url,
        meet_base_url=s.google_meet_base_url,
        http=httpx.Client(timeout=10.0),
    )
    tokens = ProviderTokens(root.token_secrets, client.refresh, root.dead_grant)
    return GoogleMeet(client, tokens, root.settings.provider_token_secret_prefix, secret)
