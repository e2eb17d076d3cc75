"""The whole service on this machine, in one process: moto's server, the Zoom, Google and
Microsoft emulators, the
gateway in front of the real handlers, the work queue's pollers and the schedules. No Docker,
no AWS account, no internet."""

from __future__ import annotations

import importlib
import json
import os
import threading
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from local.aws import (
    MotoServer,
    SentEmail,
    create_generated_secrets,
    create_queues,
    create_tables,
    free_port,
    sent_emails,
)
from local.esm import QueuePoller
from local.gateway import Gateway, LambdaContext
from local.ses import click_verification_link, emulate_identity_verification, event_for_last_email
from local.template import (
    ROOT,
    event_rules,
    function_environment,
    function_timeout,
    functions,
    http_routes,
    load_template,
    matches,
    output,
    queue_sources,
    resolve_pattern,
    schedules,
)

STATE_FILE = ROOT / ".cache" / "local-stack.json"
SENDER = "bookings@vclinks.local"
ZOOM_CLIENT_ID = "local-client-id"
ZOOM_CLIENT_SECRET = "local-client-secret"
ZOOM_WEBHOOK_TOKEN = "local-webhook-token"
LOCAL_VISIBILITY_SECONDS = 5
"""template.yaml's 360 s visibility timeout, scaled down: a crashed batch comes back in seconds."""
POLLERS = 2
"""Lambda polls a queue with several concurrent invocations; two here, so races show up."""
ZOOM_ADMIN_CLIENT_ID = "local-admin-client-id"
ZOOM_ADMIN_CLIENT_SECRET = "local-admin-client-secret"
ZOOM_ADMIN_WEBHOOK_TOKEN = "local-admin-webhook-token"
GOOGLE_CLIENT_ID = "local-google-client.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "local-google-secret"
MICROSOFT_CLIENT_ID = "00000000-0000-4000-8000-00000000c1d0"
MICROSOFT_CLIENT_SECRET = "local-microsoft-secret"


class LocalStack:
    """Start with `with LocalStack() as stack:`; `stack.base_url` is the API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str = "vclinks-local",
        state_file: Path = STATE_FILE,
        sweep_seconds: float = 60.0,
        pollers: int = POLLERS,
    ) -> None:
        self.state_file = state_file
        self.sweep_seconds = sweep_seconds
        self.pollers_per_queue = pollers
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
        self.google: Any = None
        self.google_url = ""
        self.microsoft: Any = None
        self.microsoft_url = ""
        self.provider_secret_arn = ""
        self.table_names: dict[str, str] = {}
        self.queue_refs: dict[str, str] = {}
        self.pollers: list[QueuePoller] = []
        self.environment: dict[str, str] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def aws_endpoint(self) -> str:
        return self.moto.endpoint

    @property
    def configuration_set(self) -> str:
        """template.yaml's EmailConfigurationSet, as CloudFormation would name it."""
        return f"{self.prefix}-emails"

    def start(self) -> LocalStack:
        emulate_identity_verification()
        self.moto.start()
        template = self.template = load_template()
        self.table_names = create_tables(boto3.client("dynamodb"), template, self.prefix)
        self.queue_refs = create_queues(boto3.client("sqs"), template, self.prefix, LOCAL_VISIBILITY_SECONDS)
        boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
        boto3.client("sesv2").create_configuration_set(ConfigurationSetName=self.configuration_set)
        self._start_zoom(template)
        secret_arn = boto3.client("secretsmanager").create_secret(
            Name=f"{self.prefix}/zoom-app",
            SecretString=json.dumps(
                {
                    "client_id": ZOOM_CLIENT_ID,
                    "client_secret": ZOOM_CLIENT_SECRET,
                    "webhook_secret_token": ZOOM_WEBHOOK_TOKEN,
                    "admin_client_id": ZOOM_ADMIN_CLIENT_ID,
                    "admin_client_secret": ZOOM_ADMIN_CLIENT_SECRET,
                    "admin_webhook_secret_token": ZOOM_ADMIN_WEBHOOK_TOKEN,
                }
            ),
        )["ARN"]
        self._start_providers(template)
        generated = create_generated_secrets(boto3.client("secretsmanager"), template, self.prefix)
        self.environment = self._environment(template, secret_arn, generated)
        os.environ.update(self.environment)
        from shared import bootstrap

        bootstrap.reset()
        gateway = Gateway(http_routes(template))
        self._server = make_server(self.host, self.port, self._local_app(gateway), threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="vclinks-gateway", daemon=True
        )
        self._thread.start()
        self._start_pollers(template)
        if self.sweep_seconds > 0:
            threading.Thread(target=self._schedule_loop, name="vclinks-schedule", daemon=True).start()
        self._write_state()
        return self

    def _start_zoom(self, template: dict[str, Any]) -> None:
        """The emulator with the deployment's two Zoom apps, registered as docs/ZOOM-SETUP.md
        tells an operator to: the exact scopes, and the URLs the stack outputs give."""
        from local.zoom_emulator import Managed, ZoomApp, ZoomEmulator
        from shared.adapters.zoom.scopes import REQUIRED_SCOPES, ZoomAppType

        refs = self._refs()
        redirect = output(template, "ZoomRedirectUri", refs)
        deauthorization = output(template, "ZoomDeauthorizationUrl", refs)
        self.zoom = ZoomEmulator(ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_WEBHOOK_TOKEN)
        apps = (
            (ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_WEBHOOK_TOKEN, ZoomAppType.USER_MANAGED, Managed.USER),
            (
                ZOOM_ADMIN_CLIENT_ID,
                ZOOM_ADMIN_CLIENT_SECRET,
                ZOOM_ADMIN_WEBHOOK_TOKEN,
                ZoomAppType.ADMIN_MANAGED,
                Managed.ADMIN,
            ),
        )
        for client_id, secret, token, app_type, managed in apps:
            self.zoom.register_app(
                ZoomApp(
                    client_id,
                    secret,
                    managed,
                    REQUIRED_SCOPES[app_type],
                    redirect_uris=(redirect,),
                    deauthorization_url=deauthorization,
                    webhook_secret_token=token,
                )
            )
        self.zoom_url = self.zoom.start(self.host, 0)

    def _start_providers(self, template: dict[str, Any]) -> None:
        """The Google and Microsoft emulators, each with the OAuth client an operator registers
        (docs/GOOGLE-SETUP.md, docs/MICROSOFT-SETUP.md: the redirect URL the stack outputs), and
        the ProviderAppSecret holding their credentials."""
        from local.google_emulator import GoogleEmulator
        from local.microsoft_emulator import MicrosoftEmulator

        refs = self._refs()
        self.google = GoogleEmulator(
            GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, (output(template, "GoogleRedirectUri", refs),)
        )
        self.google_url = self.google.start(self.host, 0)
        self._register_google_risc(output(template, "GoogleRiscReceiverUri", refs))
        self.microsoft = MicrosoftEmulator(
            MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET, (output(template, "MicrosoftRedirectUri", refs),)
        )
        self.microsoft_url = self.microsoft.start(self.host, 0)
        credentials = {
            "google_client_id": GOOGLE_CLIENT_ID,
            "google_client_secret": GOOGLE_CLIENT_SECRET,
            "microsoft_client_id": MICROSOFT_CLIENT_ID,
            "microsoft_client_secret": MICROSOFT_CLIENT_SECRET,
        }
        self.provider_secret_arn = boto3.client("secretsmanager").create_secret(
            Name=f"{self.prefix}/provider-apps", SecretString=json.dumps(credentials)
        )["ARN"]

    def _register_google_risc(self, receiver: str) -> None:
        """The operator's step (docs/GOOGLE-SETUP.md; `vclinks google-risc register`): Google's RISC
        stream pushes to our receiver."""
        from vclinks_cli import google_risc

        google_risc.register(google_risc.bearer(google_risc.throwaway_account()), receiver, self.google_url)

    def _start_pollers(self, template: dict[str, Any]) -> None:
        """What Lambda's event source mappings do in AWS: poll each queue, invoke its function."""
        client = boto3.client("sqs")
        for source in queue_sources(template):
            for index in range(self.pollers_per_queue):
                poller = QueuePoller(
                    source,
                    self.queue_refs[source.queue],
                    self.queue_refs[f"{source.queue}.Arn"],
                    client,
                    function_timeout(template, source.function),
                )
                self.pollers.append(poller)
                name = f"vclinks-{source.function}-poller-{index}"
                threading.Thread(target=poller.run, args=(self._stopping,), name=name, daemon=True).start()

    def _refs(self, secret_arn: str = "", generated: dict[str, str] | None = None) -> dict[str, str]:
        """What CloudFormation would substitute: parameters, resources, pseudo-parameters."""
        return {
            **(generated or {}),
            "AccountsTable": self.table_names.get("AccountsTable", ""),
            "SessionLinksTable": self.table_names.get("SessionLinksTable", ""),
            "ZoomAppSecret": secret_arn,
            "ProviderAppSecret": self.provider_secret_arn,
            "AWS::StackName": self.prefix,
            "AllowedReturnUrls": f"http://127.0.0.1,http://localhost,{self.base_url}/",
            "SenderEmail": SENDER,
            "EmailConfigurationSet": self.configuration_set,
            "PublicBaseUrl": self.base_url,
            "LogLevel": os.environ.get("VCLINKS_LOG_LEVEL", "WARNING"),
            **self.queue_refs,
        }

    def _environment(
        self, template: dict[str, Any], secret_arn: str, generated: dict[str, str]
    ) -> dict[str, str]:
        refs = self._refs(secret_arn, generated)
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
                "WEBHOOK_ALLOW_LOOPBACK": "1",  # a platform's receiver on this machine (never in AWS)
                "ZOOM_API_BASE_URL": f"{self.zoom_url}/v2",
                "ZOOM_OAUTH_BASE_URL": self.zoom_url,
                "ZOOM_TIMEOUT_SECONDS": os.environ.get("VCLINKS_ZOOM_TIMEOUT_SECONDS", "5"),
                "GOOGLE_ACCOUNTS_BASE_URL": self.google_url,
                "GOOGLE_OAUTH2_BASE_URL": self.google_url,
                "GOOGLE_MEET_BASE_URL": self.google_url,
                "GOOGLE_RISC_CONFIGURATION_URL": f"{self.google_url}/.well-known/risc-configuration",
                "MICROSOFT_LOGIN_BASE_URL": self.microsoft_url,
                "MICROSOFT_GRAPH_BASE_URL": f"{self.microsoft_url}/v1.0",
            }
        )
        return environment

    def _write_state(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "base_url": self.base_url,
            "zoom_url": self.zoom_url,
            "google_url": self.google_url,
            "microsoft_url": self.microsoft_url,
            "aws_endpoint": self.moto.endpoint,
            "pid": os.getpid(),
            "environment": self.environment,
        }
        written = self.state_file.with_suffix(".tmp")  # then renamed: a reader never sees half a file
        written.write_text(json.dumps(state, indent=2))
        written.replace(self.state_file)

    def sent_emails(self) -> list[SentEmail]:
        return sent_emails()

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the worker has done everything queued (and what that queued in turn)."""
        for poller in self.pollers:
            poller.settle(timeout)
        for poller in self.pollers:  # a late message from one poller's work to another's queue
            poller.settle(timeout)

    def run_schedules(self, at: datetime | None = None) -> dict[str, Any]:
        """What EventBridge does in AWS: invoke each function's Schedule event. `at` stands for the
        event's time: a later one makes the dispatcher take work whose retry is not due yet."""
        answers = {}
        moment = at or datetime.now(UTC)
        with self._schedule_lock:
            for schedule in schedules(self.template):
                handler = getattr(importlib.import_module(schedule.module), schedule.handler)
                event = {
                    "source": "aws.events",
                    "detail-type": "Scheduled Event",
                    "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "detail": {},
                }
                answers[schedule.function] = handler(event, LambdaContext(schedule.function))
        return answers

    def publish(self, event: dict[str, Any]) -> dict[str, Any]:
        """What EventBridge does with an event: invoke each function whose rule matches it."""
        answers = {}
        for rule in event_rules(self.template):
            if matches(resolve_pattern(rule.pattern, self._refs(), self.template), event):
                handler = getattr(importlib.import_module(rule.module), rule.handler)
                answers[rule.function] = handler(event, LambdaContext(rule.function))
        return answers

    def sweep(self, ahead: timedelta = timedelta()) -> dict[str, Any]:
        """Run the schedules (the dispatcher, `ahead` of now) and wait for the worker to finish."""
        answers = self.run_schedules(datetime.now(UTC) + ahead)
        self.settle()
        return answers

    def _schedule_loop(self) -> None:
        while not self._stopping.wait(self.sweep_seconds):
            try:
                self.run_schedules()
            except Exception:  # a failed run is retried at the next tick, as in AWS
                traceback.print_exc()

    def _local_app(self, gateway: Gateway) -> Any:
        """The gateway, plus local-only routes: the outbox, the schedule, waiting for the worker."""

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
            if path == "/_local/sweep" and method == "POST":
                query = parse_qs(environ.get("QUERY_STRING", ""))
                ahead = timedelta(seconds=float(query.get("ahead_seconds", ["0"])[0]))
                return _json_answer(start_response, self.sweep(ahead))
            if path == "/_local/settle" and method == "POST":
                self.settle()
                return _json_answer(start_response, {"settled": True})
            if path == "/_local/outbox":
                return _json_answer(start_response, [email.as_dict() for email in self.sent_emails()])
            if path == "/_local/ses/verify" and method == "POST":  # the owner clicks SES's link
                address = parse_qs(environ.get("QUERY_STRING", "")).get("address", [""])[0]
                click_verification_link(address, os.environ["AWS_DEFAULT_REGION"])
                return _json_answer(start_response, {"verified": address})
            if path == "/_local/ses/events" and method == "POST":  # SES publishes a bounce or complaint
                ask = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
                event = event_for_last_email(
                    ask["to"],
                    ask.get("kind", "Bounce"),
                    os.environ["AWS_DEFAULT_REGION"],
                    **ask.get("options", {}),
                )
                return _json_answer(start_response, self.publish(event))
            return gateway(environ, start_response)

        return app

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for emulator in (self.zoom, self.google, self.microsoft):
            if emulator is not None:
                emulator.stop()
        self.moto.stop()
        if self.state_file.exists() and json.loads(self.state_file.read_text()).get("pid") == os.getpid():
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _json_answer(start_response: Any, value: Any) -> list[bytes]:
    body = json.dumps(value, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def read_state(path: Path = STATE_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))
