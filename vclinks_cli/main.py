"""`vclinks`: administration commands, against AWS or against a running `make dev` stack.

    vclinks --stack vclinks site create "Yoga Studio"   # tables from the stack's outputs
    vclinks --local site create "Yoga Studio"           # the local stack of `make dev`
    vclinks --local site list                           # every site (id, name, created)
    vclinks --local site rotate-key SITE --overlap-hours 24
    vclinks --local site rotate-token-secret SITE
    vclinks --local site export SITE -o site.json       # every record, no secret
    vclinks --local site delete SITE --export-to site.json
    vclinks --stack vclinks status                      # queues, pending work, reconnects, alarms
    vclinks --local outbox                              # the emails the local stack sent
    vclinks --stack vclinks google-risc register --key sa.json   # Google's revocation notices
    vclinks --stack vclinks google-risc verify --key sa.json --state check-1

API keys are printed once; only their hash is stored. These commands are the operator's: they
act with your AWS credentials on the tables directly (vclinks_cli/sites.py says why).
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
    if "WorkQueueUrl" in values:
        os.environ["WORK_QUEUE_URL"] = values["WorkQueueUrl"]
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
    listing = site.add_parser("list", help="every site of the deployment")
    listing.add_argument("--json", action="store_true", help="print JSON")
    rotate = site.add_parser("rotate-key", help="a new API key; the current one works for --overlap-hours")
    rotate.add_argument("site_id")
    rotate.add_argument("--overlap-hours", type=float, default=24.0, help="0: the current key stops at once")
    rotate.add_argument("--json", action="store_true", help="print JSON")
    secret = site.add_parser(
        "rotate-token-secret", help="a new secret for scoped tokens (old tokens run out)"
    )
    secret.add_argument("site_id")
    export = site.add_parser("export", help="every record of a site as JSON, without secrets")
    export.add_argument("site_id")
    export.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")
    delete = site.add_parser("delete", help="delete a site: its Zoom grants, secrets and every item")
    delete.add_argument("site_id")
    keep = delete.add_mutually_exclusive_group(required=True)
    keep.add_argument("--export-to", type=Path, help="export the site to this file first")
    keep.add_argument("--no-export", action="store_true", help="delete without an export")
    status = commands.add_parser("status", help="the deployment's health")
    status.add_argument("--json", action="store_true", help="print JSON")
    outbox = commands.add_parser("outbox", help="list the emails the local stack sent (with --local)")
    outbox.add_argument("--json", action="store_true", help="print JSON")
    risc = commands.add_parser(
        "google-risc", help="Google's revocation notices: register the receiver (docs/GOOGLE-SETUP.md)"
    ).add_subparsers(dest="action", required=True)
    for action, summary in (
        ("register", "Google pushes Cross-Account Protection events to the stack's receiver"),
        ("verify", "Google sends a verification event carrying --state"),
    ):
        risc_action = risc.add_parser(action, help=summary)
        risc_action.add_argument(
            "--key", type=Path, help="the JSON key of a service account with roles/riscconfigs.admin"
        )
        risc_action.add_argument("--receiver", help="default: the stack output GoogleRiscReceiverUri")
        risc_action.add_argument(
            "--state", default="vclinks-verify", help="verify: the text Google sends back"
        )
        risc_action.add_argument("--api", default="https://risc.googleapis.com", help=argparse.SUPPRESS)
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
    if args.command == "google-risc":
        return _google_risc(args)
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

    try:
        if args.command == "status":
            return _status(args)
        return _site_command(args)
    except VclinksError as error:
        print(f"vclinks: {error.detail}", file=sys.stderr)
        return 1


def _google_risc(args: argparse.Namespace) -> int:
    """Against Google with --key (and --stack for the receiver), or the local stack's emulator."""
    from vclinks_cli import google_risc

    api, receiver = args.api, args.receiver
    if args.local:
        state = json.loads(args.state_file.read_text())
        api, receiver = state["google_url"], receiver or f"{state['base_url']}/v1/google/risc"
    elif args.stack and not receiver:
        receiver = _stack_output(args.stack, args.region, "GoogleRiscReceiverUri")
    if args.key is None and not args.local:
        print(
            "vclinks: --key: the service account's JSON key (docs/GOOGLE-SETUP.md, step 5).", file=sys.stderr
        )
        return 2
    account = google_risc.read_service_account(args.key) if args.key else google_risc.throwaway_account()
    token = google_risc.bearer(account)
    if args.action == "verify":
        google_risc.verify(token, args.state, api)
        print(f"Google sends a verification event with state {args.state!r}; the receiver logs it.")
        return 0
    if not receiver:
        print(
            "vclinks: --receiver (the stack output GoogleRiscReceiverUri), or --stack NAME.", file=sys.stderr
        )
        return 2
    google_risc.register(token, receiver, api)
    print(f"Google's RISC stream pushes to {receiver}.")
    return 0


def _stack_output(stack: str, region: str | None, key: str) -> str:
    import boto3

    outputs = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)["Stacks"][0]
    return next((o["OutputValue"] for o in outputs.get("Outputs", []) if o["OutputKey"] == key), "")


def _status(args: argparse.Namespace) -> int:
    from vclinks_cli.status import as_json, health, render

    found = health(args.stack)
    print(as_json(found) if args.json else render(found))
    return 0


def _site_command(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from vclinks_cli import sites

    if args.action == "create":
        site_id, api_key = sites.create_site(args.name)
        if args.json:
            print(json.dumps({"site_id": site_id, "api_key": api_key}))
        else:
            print(f"site id: {site_id}\nAPI key: {api_key}\nKeep the key secret: it is shown only this once.")
    elif args.action == "list":
        found = [
            {
                "site_id": s.site_id,
                "name": s.name,
                "created_at": s.created_at.isoformat(),
                "deleting": bool(s.deleted_at),
            }
            for s in sites.list_sites()
        ]
        if args.json:
            print(json.dumps(found, indent=2))
        for s in [] if args.json else found:
            deleting = "  (being deleted)" if s["deleting"] else ""
            print(f"{s['site_id']}\t{s['name']}\t{s['created_at']}{deleting}")
    elif args.action == "rotate-key":
        api_key, after = sites.rotate_key(args.site_id, timedelta(hours=args.overlap_hours))
        until = after.previous_key_expires_at.isoformat() if after.previous_key_expires_at else None
        if args.json:
            print(json.dumps({"site_id": args.site_id, "api_key": api_key, "previous_key_expires_at": until}))
        else:
            print(f"new API key: {api_key}\nthe previous key works until: {until or 'no longer'}")
    elif args.action == "rotate-token-secret":
        after = sites.rotate_token_secret(args.site_id)
        print(
            f"new token secret; tokens minted before work until they expire (at the latest "
            f"{after.previous_token_secret_until})"
        )
    elif args.action == "export":
        _write_export(args.site_id, args.output)
    elif args.action == "delete":
        if args.export_to:
            _write_export(args.site_id, args.export_to)
        after = sites.delete(args.site_id)
        print(f"site {after.site_id} is being deleted (accepted {after.deleted_at}); it no longer answers.")
    return 0


def _write_export(site_id: str, output: Path | None) -> None:
    from vclinks_cli import sites

    document = json.dumps({"site_id": site_id, "records": list(sites.export(site_id))}, indent=2, default=str)
    if output is None:
        print(document)
    else:
        output.write_text(document + "\n")
        print(f"exported {site_id} to {output}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
