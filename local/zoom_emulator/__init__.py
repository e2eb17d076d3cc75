"""The Zoom emulator: `ZoomEmulator` (the server and its state) and `ZoomApp` (a Marketplace
app it knows). See emulator.py and docs/ZOOM-FIDELITY.md."""

from local.zoom_emulator.apps import ADMIN_SCOPES, USER_SCOPES, Managed, ZoomApp
from local.zoom_emulator.emulator import ZoomEmulator, ZoomError

__all__ = ["ADMIN_SCOPES", "USER_SCOPES", "Managed", "ZoomApp", "ZoomEmulator", "ZoomError"]
