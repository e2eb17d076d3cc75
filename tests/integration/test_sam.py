"""template.yaml through the SAM CLI itself: `sam validate --lint` and a real `sam build` (no Docker;
the layer's dependencies come as arm64 wheels). `make test` installs the SAM CLI in .venv-sam."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from local.template import ROOT, functions, load_template

SAM_BIN = ROOT / ".venv-sam" / "bin"
SAM = SAM_BIN / "sam"

pytestmark = pytest.mark.skipif(
    not SAM.exists(), reason=f"SAM CLI not installed at {SAM.relative_to(ROOT)}: run `make .venv-sam/bin/sam`"
)


def _sam(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{SAM_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
    }
    return subprocess.run(
        [str(SAM), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_sam_validate_lint() -> None:
    result = _sam("validate", "--lint", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(660)
def test_sam_build(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    result = _sam("build", "--build-dir", str(build_dir), timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    assert (build_dir / "template.yaml").is_file()
    for name, resource in functions(load_template()).items():
        module = resource["Properties"]["Handler"].rpartition(".")[0]
        assert (build_dir / name / f"{module}.py").is_file(), f"{name} has no {module}.py in the build"

    layer = build_dir / "SharedLayer" / "python"
    assert (layer / "shared" / "__init__.py").is_file(), (
        "the layer lacks python/shared/ (layer/shared symlink)"
    )
    assert not (layer / "shared").is_symlink(), "the layer must hold a copy of shared/, not a link to it"
    shared_modules = {p.name for p in (ROOT / "shared").glob("*.py")}
    assert shared_modules <= {p.name for p in (layer / "shared").glob("*.py")}
    assert (layer / "aws_lambda_powertools").is_dir()
    assert (layer / "pydantic").is_dir()
    # The functions run on arm64 (Graviton): the compiled dependencies must be aarch64 builds.
    binaries = list((layer / "pydantic_core").glob("_pydantic_core*.so"))
    assert binaries, "pydantic_core has no compiled extension in the layer"
    assert all("aarch64" in b.name for b in binaries), [b.name for b in binaries]
