"""The emulator's control API (`/_emulator/...`): what the tests and `make dev` do to Zoom
from outside it: register apps, inject faults, count calls, end grants, start or end a
meeting, set a host's daily usage, send webhooks. Never faulted, never counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from local.zoom_emulator.answers import ZoomError, day, json_body, zoom_json
from local.zoom_emulator.apps import ZoomApp

if TYPE_CHECKING:
    from local.zoom_emulator.emulator import ZoomEmulator


class ControlApi:
    def __init__(self, zoom: ZoomEmulator) -> None:
        self.zoom = zoom

    def apps(self, request: Request) -> Response:
        """Register (or replace) an app: {client_id, client_secret, managed, scopes,
        optional_scopes, redirect_uris, deauthorization_url, webhook_secret_token}."""
        try:
            app = self.zoom.register_app(ZoomApp(**json_body(request)))
        except (TypeError, ValueError) as error:
            raise ZoomError(400, 300, str(error)) from error
        return zoom_json(201, {"client_id": app.client_id, "managed": app.managed.value})

    def calls(self, request: Request) -> Response:
        return zoom_json(200, self.zoom.calls())

    def journal(self, request: Request) -> Response:
        """The counted calls in the order they came (did the deletes come before the revoke?)."""
        return zoom_json(200, {"calls": self.zoom.journal()})

    def portal_edit(self, request: Request) -> Response:
        """The host moves a meeting in Zoom's web portal: {meeting_id, start_time, url?}; with a
        url, Zoom's meeting.updated is sent there."""
        body = json_body(request)
        try:
            status = self.zoom.edit_in_portal(
                str(body["meeting_id"]), str(body["start_time"]), body.get("url")
            )
        except KeyError as error:
            raise ZoomError(404, 3001, f"Meeting does not exist: {error}.") from error
        return zoom_json(200, {"status": status})

    def user_status(self, request: Request) -> Response:
        """An account admin changes a user: {user_id, status: inactive | active | deleted, url?,
        client_id?}; with a url, Zoom's user.deactivated / user.activated / user.deleted is sent."""
        body = json_body(request)
        if body.get("status") not in ("inactive", "active", "deleted"):
            raise ZoomError(400, 300, "status is inactive, active or deleted")
        try:
            status = self.zoom.set_user_status(
                str(body["user_id"]), str(body["status"]), body.get("url"), body.get("client_id")
            )
        except KeyError as error:
            raise ZoomError(404, 1001, f"User does not exist: {error}.") from error
        return zoom_json(200, {"status": status})

    def registrant_adds(self, request: Request) -> Response:
        """How many times a registrant was added to a meeting today: {meeting_id, email, count}."""
        body = json_body(request)
        key = ("add", str(body["meeting_id"]), str(body["email"]).lower(), day(self.zoom.clock()))
        with self.zoom._lock:
            self.zoom.registrant_daily[key] = int(body["count"])
        return zoom_json(200, {"count": int(body["count"])})

    def faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.zoom.clear_faults()
        else:
            self.zoom.add_fault(**json_body(request))
        return zoom_json(200, {"faults": len(self.zoom.faults)})

    def reset(self, request: Request) -> Response:
        self.zoom.reset()
        return zoom_json(200, {"status": "reset"})

    def meetings(self, request: Request) -> Response:
        with self.zoom._lock:
            meetings = [
                {
                    **m,
                    "state": self.zoom.meeting_state.get(str(m["id"]), "waiting"),
                    "registrants": list(self.zoom.registrants.get(str(m["id"]), {}).values()),
                }
                for m in self.zoom.meetings.values()
            ]
        return zoom_json(200, {"meetings": meetings})

    def meeting_status(self, request: Request) -> Response:
        """The host starts a meeting, or it ends: {meeting_id, state: started | ended | waiting}."""
        body = json_body(request)
        try:
            self.zoom.set_meeting_state(str(body["meeting_id"]), str(body["state"]))
        except KeyError as error:
            raise ZoomError(404, 3001, f"Meeting does not exist: {error}.") from error
        except ValueError as error:
            raise ZoomError(400, 300, str(error)) from error
        return zoom_json(200, {"state": body["state"]})

    def deauthorize(self, request: Request) -> Response:
        """The user removes the app in Zoom's marketplace: {user_id, url?, client_id?}."""
        body = json_body(request)
        answer = self.zoom.deauthorize(body["user_id"], body.get("url"), body.get("client_id"))
        return zoom_json(200, {"status": answer.status_code})

    def deliveries(self, request: Request) -> Response:
        with self.zoom._lock:
            return zoom_json(200, {"deliveries": list(self.zoom.deliveries)})

    def add_user(self, request: Request) -> Response:
        body = json_body(request)
        user_id = self.zoom.add_user(
            body.get("account_id", "acct-demo"),
            body["email"],
            body.get("first_name", "Test"),
            body.get("last_name", "User"),
            role=body.get("role", "Member"),
            user_type=body.get("type"),
        )
        return zoom_json(201, {"id": user_id})

    def daily_usage(self, request: Request) -> Response:
        """Set how many meeting creates/updates a user has made today (the 100-a-day limit)."""
        body = json_body(request)
        with self.zoom._lock:
            self.zoom.daily[(body["user_id"], day(self.zoom.clock()))] = int(body["count"])
        return zoom_json(200, {"limit": self.zoom.daily_limit})

    def daily_limit(self, request: Request) -> Response:
        """The daily limit's size and the form of its answer: `429` (today's) or `code300` (older)."""
        body = json_body(request)
        with self.zoom._lock:
            self.zoom.daily_limit = int(body.get("limit", self.zoom.daily_limit))
            form = str(body.get("form", self.zoom.daily_limit_form))
            if form not in ("429", "code300"):
                raise ZoomError(400, 300, "form is 429 or code300")
            self.zoom.daily_limit_form = form
        return zoom_json(200, {"limit": self.zoom.daily_limit, "form": self.zoom.daily_limit_form})

    def revoke(self, request: Request) -> Response:
        """The user's grant ends without a webhook (password change, admin action): tokens die."""
        self.zoom.revoke_user_tokens(json_body(request)["user_id"])
        return zoom_json(200, {"status": "revoked"})

    def delete_meeting(self, request: Request) -> Response:
        """Someone deletes a meeting in Zoom's own web portal: it goes, and (with a url) the app is told."""
        body = json_body(request)
        if not body.get("url"):  # the event is not subscribed, or its delivery was lost
            with self.zoom._lock:
                self.zoom.meetings.pop(str(body["meeting_id"]), None)
            return zoom_json(200, {"status": None})
        answer = self.zoom.delete_meeting_and_notify(str(body["meeting_id"]), body["url"])
        return zoom_json(200, {"status": answer.status_code})

    def webhooks(self, request: Request) -> Response:
        body = json_body(request)
        answer = self.zoom.send_webhook(
            body["url"], body["event"], body.get("payload") or {}, body.get("client_id")
        )
        return zoom_json(200, {"status": answer.status_code})

    def expire(self, request: Request) -> Response:
        self.zoom.expire_access_tokens()
        return zoom_json(200, {"status": "expired"})
