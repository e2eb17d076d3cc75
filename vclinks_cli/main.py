"""`vclinks`: administration commands, against AWS or against a running `make dev` stack.

    vclinks site create "Yoga Studio"                 # tables from --stack's outputs
    vclinks --local site create "Yoga Studio"         # the local stack of `make dev`
    vclinks --local outbox                            # the emails the local stack sent

The API key is printed once; only its hash is stored.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

LOCAL_STATE = Path(".cache/local-stack.json")


def _use_local_stack(state_file: Path) -> None:
    if not state_file.exists():
        raise SystemExit(f"No running local stack ({state_file} is missing): start it with `make dev`.")
    state = json.loads(state_file.read_text())
    os.environ.update({k: str(v) for k, v in state["environment"].items()})


def _use_stack_outputs(stack: str, region: str | None) -> None:
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=region)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    os.environ["ACCOUNTS_TABLE"] = values["AccountsTableName"]
    os.environ["SESSION_LINKS_TABLE"] = values["SessionLinksTableName"]
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="vclinks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = top.add_mutually_exclusive_group()
    target.add_argument("--local", action="store_true", help="use the local stack started by `make dev`")
    target.add_argument(
        "--stack", help="the deployed CloudFormation stack (default: tables from the environment)"
    )
    top.add_argument("--region", help="AWS region of --stack")
    top.add_argument("--state-file", type=Path, default=LOCAL_STATE, help=argparse.SUPPRESS)
    commands = top.add_subparsers(dest="command", required=True)
    site = commands.add_parser("site", help="manage sites").add_subparsers(dest="action", required=True)
    create = site.add_parser("create", help="create a site and print its id and API key")
    create.add_argument("name", help="the site's display name")
    create.add_argument("--json", action="store_true", help="print JSON")
    outbox = commands.add_parser("outbox", help="list the emails the local stack sent (with --local)")
    outbox.add_argument("--json", action="store_true", help="print JSON")
    return top


def _outbox(state_file: Path, as_json: bool) -> int:
    import urllib.request

    base_url = json.loads(state_file.read_text())["base_url"]
    with urllib.request.urlopen(f"{base_url}/_local/outbox", timeout=10) as answer:  # noqa: S310 (local)
        emails = json.load(answer)
    if as_json:
        print(json.dumps(emails, indent=2))
        return 0
    if not emails:
        print("The outbox is empty.")
    for email in emails:
        attached = " (+ .ics)" if email["has_ics"] else ""
        print(f"From: {email['from']}\nTo: {', '.join(email['to'])}\nSubject: {email['subject']}{attached}\n")
        print(email["text"].rstrip() + "\n" + "-" * 72)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "outbox":
        if not args.local:
            print("vclinks: the outbox is the local stack's: use `vclinks --local outbox`.", file=sys.stderr)
            return 2
        _use_local_stack(args.state_file)
        return _outbox(args.state_file, args.json)
    if args.local:
        _use_local_stack(args.state_file)
    elif args.stack:
        _use_stack_outputs(args.stack, args.region)
    if not os.environ.get("ACCOUNTS_TABLE"):
        print(
            "vclinks: say where the site goes: --local, --stack NAME, or ACCOUNTS_TABLE/SESSION_LINKS_TABLE.",
            file=sys.stderr,
        )
        return 2
    from shared.domain.errors import VclinksError
    from vclinks_cli.sites import create_site

    try:
        site_id, api_key = create_site(args.name)
    except VclinksError as error:
        print(f"vclinks: {error.detail}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"site_id": site_id, "api_key": api_key}))
    else:
        print(f"site id: {site_id}\nAPI key: {api_key}\nKeep the key secret: it is shown only this once.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
