"""`make dev`: the whole service locally, a demo site, the URLs. Ctrl-C stops it.

python -m local.dev [--host 127.0.0.1] [--port 3000] [--env-file .env]

It writes the demo site's API, SITE and KEY to the env file, for the README's examples:
`set -a; . ./.env; set +a`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from local.stack import STATE_FILE, LocalStack
from local.template import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="the API's port (0: any free port)")
    parser.add_argument(
        "--sweep-seconds", type=float, default=60.0, help="run the scheduled sweep this often (0: never)"
    )
    parser.add_argument("--state-file", type=Path, default=STATE_FILE, help="where the URLs are written")
    parser.add_argument(
        "--env-file",
        type=Path,
        default=ROOT / ".env",
        help="where API, SITE and KEY are written (for `. ./.env`)",
    )
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's and the gateway's access logs
    stack = LocalStack(
        args.host, args.port, state_file=args.state_file, sweep_seconds=args.sweep_seconds
    ).start()
    try:
        from vclinks_cli.sites import create_site

        site_id, api_key = create_site("Demo Studio")
        write_env(args.env_file, stack.base_url, site_id, api_key)
        print(banner(stack, site_id, api_key, args.env_file), flush=True)
        stop.wait()
    finally:
        print("\nstopping vclinks...", flush=True)
        stack.stop()
    return 0


def write_env(path: Path, api: str, site_id: str, api_key: str) -> None:
    """API, SITE and KEY of the demo site, as shell assignments (values need no quoting)."""
    path.write_text(
        "# Written by `make dev` (local/dev.py) for the demo site; load it with: set -a; . ./.env; set +a\n"
        f"API={api}\nSITE={site_id}\nKEY={api_key}\n"
    )
    path.chmod(0o600)  # it holds an API key


def banner(stack: LocalStack, site_id: str, api_key: str, env_file: Path) -> str:
    api = stack.base_url
    return f"""
vclinks is running (Ctrl-C stops it)
  API            {api}/v1        health: {api}/v1/health
  Swagger UI     {api}/swagger
  Zoom emulator  {stack.zoom_url}
  Google (Meet)  {stack.google_url}     connect: {api}/v1/oauth/google/start?ticket=...&return_to=...
  Microsoft      {stack.microsoft_url}     connect: {api}/v1/oauth/microsoft/start?ticket=...&return_to=...
  AWS (moto)     {stack.aws_endpoint}
  demo site      {site_id}
  demo API key   {api_key}
  written to     {env_file}  (API, SITE, KEY)

try, in another shell:
  set -a; . {env_file}; set +a
  curl -H "Authorization: Bearer $KEY" $API/v1/sites/$SITE/settings
  .venv/bin/vclinks --local site create "My Studio"     (the state is in {stack.state_file})
  .venv/bin/vclinks --local outbox
"""


if __name__ == "__main__":
    sys.exit(main())
