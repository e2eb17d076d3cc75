"""The whole service on this machine, in one process: moto's server, the Zoom emulator, and the
gateway in front of the real handlers. No Docker, no AWS account, no internet."""

from __future__ import annotations

import importlib
import json
import os
import threading
import traceback
from pathlib import Path
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from local.aws import (
    MotoServer,
    SentEmail,
    create_generated_secrets,
    create_tables,
    free_port,
    sent_emails,
)
from local.gateway import Gateway, LambdaContext
from local.template import (
    ROOT,
    function_environment,
    functions,
    http_routes,
    load_template,
    schedules,
)

STATE_FILE = ROOT / ".cache" / "local-stack.json"
SENDER = "bookings@vclinks.local"
ZOOM_CLIENT_ID = "local-client-id"
ZOOM_CLIENT_SECRET = "local-client-secret"
ZOOM_WEBHOOK_TOKEN = "local-webhook-token"


class LocalStack:
    """Start with `with LocalStack() as stack:`; `stack.base_url` is the API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str = "vclinks-local",
        state_file: Path = STATE_FILE,
        sweep_seconds: float = 60.0,
    ) -> None:
        self.state_file = state_file
        self.sweep_seconds = sweep_seconds
        self.template: dict[str, Any] = {}
        self._schedule_lock = threading.Lock()
        self._stopping = threading.Event()
        self.host = host
        self.port = port or free_port(host)
        self.prefix = prefix
        self.base_url = f"http://{host}:{self.port}"
        self.moto = MotoServer()
        self.zoom: Any = None
        self.zoom_url = ""
        self.table_names: dict[str, str] = {}
        self.environment: dict[str, str] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def aws_endpoint(self) -> str:
        return self.moto.endpoint

    def start(self) -> LocalStack:
        self.moto.start()
        template = self.template = load_template()
        self.table_names = create_tables(boto3.client("dynamodb"), template, self.prefix)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        self._start_zoom()
        secret_arn = boto3.client("secretsmanager").create_secret(
            Name=f"{self.prefix}/zoom-app",
            SecretString=json.dumps(
                {
                    "client_id": ZOOM_CLIENT_ID,
                    "client_secret": ZOOM_CLIENT_SECRET,
                    "webhook_secret_token": ZOOM_WEBHOOK_TOKEN,
                }
            ),
        )["ARN"]
        generated = create_generated_secrets(boto3.client("secretsmanager"), template, self.prefix)
        self.environment = self._environment(template, secret_arn, generated)
        os.environ.update(self.environment)
        _reset_caches()
        gateway = Gateway(http_routes(template))
        self._server = make_server(self.host, self.port, self._local_app(gateway), threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="vclinks-gateway", daemon=True
        )
        self._thread.start()
        if self.sweep_seconds > 0:
            threading.Thread(target=self._schedule_loop, name="vclinks-schedule", daemon=True).start()
        self._write_state()
        return self

    def _start_zoom(self) -> None:
        from local.zoom_emulator import ZoomEmulator

        self.zoom = ZoomEmulator(
            client_id=ZOOM_CLIENT_ID,
            client_secret=ZOOM_CLIENT_SECRET,
            webhook_secret_token=ZOOM_WEBHOOK_TOKEN,
        )
        self.zoom_url = self.zoom.start(self.host, 0)

    def _environment(
        self, template: dict[str, Any], secret_arn: str, generated: dict[str, str]
    ) -> dict[str, str]:
        refs = {
            **generated,
            "AccountsTable": self.table_names["AccountsTable"],
            "SessionLinksTable": self.table_names["SessionLinksTable"],
            "ZoomAppSecret": secret_arn,
            "AWS::StackName": self.prefix,
            "AllowedReturnUrls": f"http://127.0.0.1,http://localhost,{self.base_url}/",
            "SenderEmail": SENDER,
            "PublicBaseUrl": self.base_url,
            "LogLevel": os.environ.get("VCLINKS_LOG_LEVEL", "WARNING"),
        }
        environment: dict[str, str] = {}
        for function in functions(template):  # the functions share their variables (Globals)
            environment.update(function_environment(template, function, refs))
        environment.update(
            {
                "AWS_ENDPOINT_URL": self.moto.endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "ZOOM_API_BASE_URL": f"{self.zoom_url}/v2",
                "ZOOM_OAUTH_BASE_URL": self.zoom_url,
                "ZOOM_TIMEOUT_SECONDS": os.environ.get("VCLINKS_ZOOM_TIMEOUT_SECONDS", "5"),
            }
        )
        return environment

    def _write_state(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "base_url": self.base_url,
            "zoom_url": self.zoom_url,
            "aws_endpoint": self.moto.endpoint,
            "pid": os.getpid(),
            "environment": {k: v for k, v in self.environment.items() if k != "AWS_SECRET_ACCESS_KEY"}
            | {"AWS_SECRET_ACCESS_KEY": "testing"},
        }
        self.state_file.write_text(json.dumps(state, indent=2))

    def sent_emails(self) -> list[SentEmail]:
        return sent_emails()

    def run_schedules(self) -> dict[str, Any]:
        """What EventBridge does in AWS: invoke each function's Schedule event (the sweep)."""
        answers = {}
        with self._schedule_lock:
            for schedule in schedules(self.template):
                handler = getattr(importlib.import_module(schedule.module), schedule.handler)
                event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
                answers[schedule.function] = handler(event, LambdaContext(schedule.function))
        return answers

    def _schedule_loop(self) -> None:
        while not self._stopping.wait(self.sweep_seconds):
            try:
                self.run_schedules()
            except Exception:  # a failed run is retried at the next tick, as in AWS
                traceback.print_exc()

    def _local_app(self, gateway: Gateway) -> Any:
        """The gateway, plus `/_local/outbox` (the emails SES accepted) for `vclinks --local outbox`."""

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO") == "/_local/sweep" and environ.get("REQUEST_METHOD") == "POST":
                body = json.dumps(self.run_schedules()).encode()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
            if environ.get("PATH_INFO") == "/_local/outbox":
                body = json.dumps([email.as_dict() for email in self.sent_emails()]).encode()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
            return gateway(environ, start_response)

        return app

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self.zoom is not None:
            self.zoom.stop()
        self.moto.stop()
        if self.state_file.exists() and json.loads(self.state_file.read_text()).get("pid") == os.getpid():
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _reset_caches() -> None:
    """Settings and clients are cached per process; the stack's environment must take effect."""
    from shared.adapters.join_key import get_join_key
    from shared.adapters.repository import get_store
    from shared.config import get_settings

    get_settings.cache_clear()
    get_store.cache_clear()
    get_join_key.cache_clear()


def read_state(path: Path = STATE_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))
