"""A booking platform's webhook receiver on localhost: a real HTTP server that checks each
message's Standard Webhooks signature with the reference library (`standardwebhooks`), as a
platform would, and can be told to fail its next answers."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    verified: bool

    @property
    def message(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    secret: str = ""
    fail_next: int = 0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/vclinks"

    def verified(self) -> list[dict[str, Any]]:
        return [r.message for r in self.received if r.verified]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                receiver.received.append(Received(headers, body, verified))
                status = 204 if verified else 400
                if verified and receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 500
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
