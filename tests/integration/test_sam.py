"""template.yaml through the SAM CLI itself: `sam validate --lint` and a real `sam build` (no Docker;
the layer's dependencies come as arm64 wheels). `make test` installs the SAM CLI in .venv-sam."""

from __future__ import annotations

import os
import re
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


PROMPT = r"\x1b\[0m( \[[^\]\n]*\])?: ?$"
"""A `sam deploy --guided` question: bold text, then its default answer in brackets (if any)."""


@pytest.mark.timeout(300)
def test_sam_deploy_guided_goes_through_on_default_answers(tmp_path: Path) -> None:
    """Every question answered with Enter, up to the first call to AWS, which fails for want of
    credentials (none here): no route is refused as "has no authentication", no secret asked."""
    import pexpect

    config = ROOT / "samconfig.toml"
    kept = config.read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{SAM_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    child = pexpect.spawn(
        str(SAM), ["deploy", "--guided"], cwd=str(ROOT), env=env, encoding="utf-8", timeout=240
    )
    questions: list[str] = []
    while child.expect([PROMPT, pexpect.EOF]) == 0:
        questions.append(str(child.before).rsplit("\n", 1)[-1])
        assert len(questions) < 30, questions
        child.sendline("")
    child.close()
    said = str(child.before)

    asked = [re.sub(r"\x1b\[[0-9;]*m", "", q).strip() for q in questions]
    assert asked[:2] == ["Stack Name", "AWS Region"]
    assert [q for q in asked if q.startswith("Parameter ")] == [
        f"Parameter {name}" for name in load_template()["Parameters"]
    ]
    assert not [q for q in asked if "authentication" in q]
    assert "Looking for resources needed for deployment" in said
    assert "Unable to locate credentials" in said
    assert child.exitstatus == 1
    assert config.read_text() == kept  # nothing saved: it stopped at AWS
