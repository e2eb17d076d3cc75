"""The emulator's HTML: the consent page (sign in as a user, untick optional scopes, allow or
deny), refusal pages, and the meeting "room" a join, start or registrant link lands on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from werkzeug.wrappers import Response

from local.zoom_emulator.apps import Managed, ZoomApp

CARRIED = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "response_type")
HTML = "text/html; charset=utf-8"


def page(status: int, title: str, body: str) -> Response:
    document = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body>{body}</body></html>"
    )
    return Response(document, status, content_type=HTML)


def refusal(status: int, code: int, message: str) -> Response:
    """Zoom shows authorize errors as a page with the error code (4709, 4700, ...)."""
    return page(status, "Zoom: error", f"<h1 id='error'>{escape(message)}</h1><p id='code'>{code}</p>")


def consent(app: ZoomApp, params: Mapping[str, str], users: Iterable[dict[str, Any]]) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
        for name in CARRIED
        if name in params
    )
    options = "".join(
        f'<option value="{escape(u["id"])}">{escape(u["email"])} ({escape(u["role_name"])})</option>'
        for u in users
    )
    scopes = "".join(_scope_line(scope, scope in app.optional_scopes) for scope in sorted(app.scopes))
    reach = "every user of your Zoom account" if app.managed is Managed.ADMIN else "your own Zoom account"
    return page(
        200,
        "Zoom emulator: authorize",
        f"<h1>Allow {escape(app.name)} to use {reach}?</h1>"
        f"<form method='post' action='/oauth/authorize'>{hidden}"
        f"<label>Sign in as <select name='user' id='user'>{options}</select></label>"
        f"<ul id='scopes'>{scopes}</ul>"
        "<button type='submit' name='allow' id='allow'>Allow</button> "
        "<button type='submit' name='deny' id='deny'>Deny</button></form>",
    )


def _scope_line(scope: str, optional: bool) -> str:
    if not optional:
        return f"<li>{escape(scope)}</li>"
    box_id = "scope-" + scope.replace(":", "-")
    return (
        f'<li><input type="hidden" name="offered" value="{escape(scope)}">'
        f'<label><input type="checkbox" name="scope" value="{escape(scope)}" id="{box_id}" checked> '
        f"{escape(scope)} (optional)</label></li>"
    )


def meeting_room(meeting_id: str, role: str) -> Response:
    return page(
        200,
        "Zoom",
        f"<h1 id='room'>Zoom meeting {escape(meeting_id)}</h1><p id='role'>{escape(role)}</p>",
    )
