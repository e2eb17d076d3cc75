"""Microsoft Teams' provider, made from what the composition root offers
(shared.adapters.provider_root): our Entra app, the settings' login and Graph URLs (the
emulator's locally), tokens kept with every provider's."""

from __future__ import annotations

import httpx

from shared.adapters.microsoft.client import MicrosoftClient
from shared.adapters.microsoft.errors import PROVIDER
from shared.adapters.microsoft.provider import TeamsMeetings
from shared.adapters.provider_root import ProviderRoot
from shared.adapters.provider_tokens import ProviderTokens


def build(root: ProviderRoot) -> TeamsMeetings:
    client_id, secret = root.provider_credentials(PROVIDER)  # no Entra app: refused before any I/O
    s = root.settings
    client = MicrosoftClient(
        client_id=client_id,
        client_secret=secret,
        login_base_url=s.microsoft_login_base_url,
        graph_base_url=s.microsoft_graph_base_url,
        http=httpx.Client(timeout=10.0),
    )
    tokens = ProviderTokens(root.token_secrets, client.refresh, root.dead_grant)
    return TeamsMeetings(client, tokens, root.settings.provider_token_secret_prefix, secret)
