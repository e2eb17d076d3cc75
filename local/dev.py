"""`make dev`: the whole service locally, a demo site, the URLs. Ctrl-C stops it.

python -m local.dev [--host 127.0.0.1] [--port 3000]
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
        print(banner(stack, site_id, api_key), flush=True)
        stop.wait()
    finally:
        print("\nstopping vclinks...", flush=True)
        stack.stop()
    return 0


def banner(stack: LocalStack, site_id: str, api_key: str) -> str:
    api = stack.base_url
    return f"""
vclinks is running (Ctrl-C stops it)
  API            {api}/v1        health: {api}/v1/health
  Swagger UI     {api}/swagger
  Zoom emulator  {stack.zoom_url}
  AWS (moto)     {stack.aws_endpoint}
  demo site      {site_id}
  demo API key   {api_key}

try:
  curl -H "Authorization: Bearer {api_key}" {api}/v1/sites/{site_id}/settings
  .venv/bin/vclinks --local site create "My Studio"     (the state is in {stack.state_file})
  .venv/bin/vclinks --local outbox
"""


if __name__ == "__main__":
    sys.exit(main())
