"""The command against the newest copier release the package index serves.

pyproject.toml bounds copier from above because `mlops_cookie._copier` uses copier's private
API (the workshop's shared clone). This test installs the newest copier into a throwaway venv
and runs `new`, `update` and `workshop` there for real, so a copier release that breaks the
command - or that the bound shuts out - shows up here first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from mlops_cookie.devtools import (
    CURRENT_TAG,
    GIT_IDENTITY,
    NEXT_TAG,
    release_next,
    snapshot_template,
)
from mlops_cookie.questions import REPO_ROOT

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900,
                          **kwargs)  # fmt: skip


def newest_copier(python: Path) -> Version:
    """What the index resolves `copier` to with no constraint: its newest release."""
    plan = run(UV, "pip", "install", "--dry-run", "--python", python, "copier")
    found = re.search(r"\+ copier==(\S+)", plan.stdout + plan.stderr)
    assert found, plan.stdout + plan.stderr
    return Version(found.group(1))


@pytest.mark.slow
@pytest.mark.skipif(UV is None, reason="uv is not installed")
def test_new_update_and_workshop_work_with_the_newest_copier(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run(UV, "venv", "-q", "--python", sys.executable, venv).returncode == 0
    python = venv / "bin" / "python"
    newest = newest_copier(python)
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    others = [d for d in dependencies["dependencies"] if Requirement(d).name != "copier"]
    installed = run(UV, "pip", "install", "-q", "--python", python, f"copier=={newest}", *others)
    assert installed.returncode == 0, installed.stderr

    env = {**os.environ, **GIT_IDENTITY, "PYTHONPATH": str(REPO_ROOT / "src")}
    env.pop("VIRTUAL_ENV", None)
    probe = run(python, "-c", "import copier, importlib.metadata as m; "
                "from mlops_cookie import _copier; "
                "print(m.version('copier'), _copier.private_api_available())", env=env)  # fmt: skip
    assert probe.stdout.split() == [str(newest), "True"], probe.stderr

    releases = snapshot_template(tmp_path / "releases")
    release_next(releases)
    command = [python, "-m", "mlops_cookie.cli"]
    project = tmp_path / "demo"
    created = run(*command, "new", project, "--defaults", "--data", "project_name=Demo", "-t",
                  releases, "--vcs-ref", CURRENT_TAG, env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    updated = run(*command, "update", project, "--trust", env=env)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"{CURRENT_TAG} -> {NEXT_TAG}" in updated.stdout
    assert (project / ".editorconfig").is_file()

    roster = tmp_path / "roster.csv"
    roster.write_text("name,handle\nAda Lovelace,ada\nAlan Turing,alan\n")
    workshop = run(*command, "workshop", roster, tmp_path / "out", "-t", releases, "-j", "1",
                   env=env)  # fmt: skip
    assert workshop.returncode == 0, workshop.stdout + workshop.stderr
    assert (tmp_path / "out" / "mlops-alan" / ".copier-answers.yml").is_file()

    bound = next(Requirement(d) for d in dependencies["dependencies"] if d.startswith("copier"))
    assert bound.specifier.contains(newest), (
        f"copier {newest} works but pyproject.toml allows only {bound.specifier}: raise the bound"
    )
