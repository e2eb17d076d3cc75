"""What import-linter (pyproject.toml, `make lint`) cannot say about the layers.

- Test modules never import each other: what the tiers share lives in tests/support (STYLE.md);
  only a conftest.py may reach a test module (pytest's own wiring). The test directories are not
  all packages, so this reads every file's imports itself.
- The pure domain loads no AWS, HTTP or template engine when it is imported: jinja2 only when an
  email is rendered (import-linter sees every import, even one inside a function, so it cannot
  tell "at import" apart).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import shared.domain
from tests.support.stack import ROOT

TESTS = ROOT / "tests"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(source: str, module: str) -> set[str]:
    """The modules `source` (the text of `module`) imports, relative imports resolved."""
    package = module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rpartition(".")[2].startswith("test_")


def test_no_test_module_imports_another() -> None:
    offenders = {
        _module_name(path): sorted(
            n for n in _imports(path.read_text(), _module_name(path)) if _is_test_module(n)
        )
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != "conftest.py"
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_rule_sees_absolute_and_relative_imports_of_a_test_module() -> None:
    source = "from tests.e2e.test_sites import stack\nfrom ..e2e import test_webhooks\nimport json\n"
    found = _imports(source, "tests.support.sample")
    assert {n for n in found if _is_test_module(n)} == {"tests.e2e.test_sites", "tests.e2e.test_webhooks"}


def test_importing_the_domain_loads_no_aws_http_or_template_engine() -> None:
    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(shared.domain.__path__, "shared.domain.")
        if not info.ispkg or info.name.count(".") >= 2
    )
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in ('boto3', 'botocore', 'httpx', 'jinja2') if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert "shared.domain.emails.render" in modules
    assert json.loads(out.stdout) == []
