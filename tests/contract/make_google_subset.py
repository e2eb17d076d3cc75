"""Cut what our Google client uses out of Google's Meet REST API discovery document.

    pip download google-api-python-client==2.202.0 --no-deps   # the pinned version
    unzip -p google_api_python_client-2.202.0-py3-none-any.whl \
        googleapiclient/discovery_cache/documents/meet.v2.json > meet.v2.json
    python tests/contract/make_google_subset.py meet.v2.json

writes tests/contract/fixtures/google_meet_v2_subset.json: the document's header (revision,
URLs, scopes), the `spaces` methods in METHODS, and every schema they reach, unchanged. The
contract tests read only that file. Discovery is close to JSON Schema but says which fields are
required in prose ("Required.", "Output only."): tests/support/contract.py adds that by hand.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

PACKAGE = "google-api-python-client==2.202.0"
METHODS = ("create", "get", "patch", "endActiveConference")  # GoogleClient's calls
OUT = Path(__file__).parent / "fixtures" / "google_meet_v2_subset.json"


def reached(doc: dict[str, Any], node: Any, seen: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            reached(doc, doc["schemas"][ref], seen)
        for value in node.values():
            reached(doc, value, seen)
    elif isinstance(node, list):
        for value in node:
            reached(doc, value, seen)
    return seen


def make_subset(doc: dict[str, Any], sha256: str) -> dict[str, Any]:
    methods = {name: doc["resources"]["spaces"]["methods"][name] for name in METHODS}
    names = sorted(reached(doc, methods, set()))
    header = (
        "kind",
        "id",
        "name",
        "version",
        "revision",
        "title",
        "rootUrl",
        "servicePath",
        "baseUrl",
        "auth",
    )
    return {
        **{key: doc[key] for key in header},
        "x-subset-of": {
            "package": PACKAGE,
            "file": "googleapiclient/discovery_cache/documents/meet.v2.json",
            "sha256": sha256,
            "generated-by": "tests/contract/make_google_subset.py",
        },
        "resources": {"spaces": {"methods": methods}},
        "schemas": {name: doc["schemas"][name] for name in names},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    raw = Path(argv[1]).read_bytes()
    OUT.write_text(json.dumps(make_subset(json.loads(raw), hashlib.sha256(raw).hexdigest()), indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
