"""Cut the operations our Zoom client uses out of Zoom's Meeting API OpenAPI document.

    python tests/contract/make_subset.py /path/to/ZoomMeetingAPISpec.json

writes tests/contract/fixtures/zoom_meeting_api_subset.json: the same OpenAPI 3.0 document,
holding only the operations in OPERATIONS, with every `$ref` resolved inline so that each
request body, parameter and response schema stands alone. The contract tests read only this
committed file, never the full spec.

Keep OPERATIONS in step with shared/zoom/client.py: the contract test fails when the client
calls something that is not in the subset.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS: dict[str, tuple[str, ...]] = {
    "/users": ("get",),  # ZoomClient.list_users
    "/users/{userId}": ("get",),  # ZoomClient.get_user ("me" by default)
    "/users/{userId}/meetings": ("get", "post"),  # list_meetings, create_meeting
    "/meetings/{meetingId}": ("get", "patch", "delete"),  # get/update/delete_meeting
    "/meetings/{meetingId}/registrants": ("post",),  # add_registrant
    "/meetings/{meetingId}/registrants/status": ("put",),  # cancel_registrants
}

OUT = Path(__file__).parent / "fixtures" / "zoom_meeting_api_subset.json"


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported: {ref}")
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(doc: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """A deep copy of `node` with every local `$ref` replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"recursive $ref {ref}: cannot inline")
            target = resolve(doc, _pointer(doc, ref), (*seen, ref))
            siblings = {k: resolve(doc, v, seen) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings}
        return {k: resolve(doc, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(doc, v, seen) for v in node]
    return copy.deepcopy(node)


def make_subset(spec: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = spec["paths"][path]
        shared = item.get("parameters", [])
        out: dict[str, Any] = {}
        for method in methods:
            operation = resolve(spec, item[method])
            operation["parameters"] = resolve(spec, shared) + operation.get("parameters", [])
            out[method] = operation
        paths[path] = out
    return {
        "openapi": spec["openapi"],
        "info": {
            **spec["info"],
            "x-subset-of": {
                "file": "ZoomMeetingAPISpec.json (Zoom's downloadable 'Zoom Meeting API' document)",
                "kept-in": "github.com/tommyhuangli/zoom-link-generator "
                "@ c3d029976e6d5e19c16023bc1add6608605bc3a4",
                "sha256": source_sha256,
                "generated-by": "tests/contract/make_subset.py",
            },
        },
        "servers": spec.get("servers", []),
        "security": spec.get("security", []),
        "paths": paths,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    raw = Path(argv[1]).read_bytes()
    subset = make_subset(json.loads(raw), hashlib.sha256(raw).hexdigest())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(subset, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
    print(f"wrote {OUT} ({sum(len(v) for v in subset['paths'].values())} operations)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
