"""The template's own code (not the generated project's) is lint- and format-clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlops_cookie.questions import REPO_ROOT

RUFF = str(Path(sys.executable).parent / "ruff")
OWN_CODE = ["src", "tests", "benchmarks", "hooks"]


def test_ruff_check_passes_on_the_template_code() -> None:
    result = subprocess.run(
        [RUFF, "check", *OWN_CODE], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_the_template_code_unchanged() -> None:
    result = subprocess.run(
        [RUFF, "format", "--check", *OWN_CODE], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
