"""Helpers shared by the template's tests and benchmarks (not used by generated projects)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from mlops_cookie import __version__
from mlops_cookie.questions import REPO_ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "mlops-cookie tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "mlops-cookie tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; return stdout, raise on failure."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def snapshot_template(dest: Path, tag: str | None = None) -> Path:
    """Copy the template's working tree (tracked + untracked, not ignored) into a fresh git repo.

    The copy is committed and tagged with the template version, so copier records a real
    version even while the repository under development has uncommitted changes.
    """
    files = git("ls-files", "-co", "--exclude-standard", "-z", cwd=REPO_ROOT).split("\0")
    for rel in filter(None, files):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git("init", "-q", "-b", "main", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "template snapshot", cwd=dest)
    git("tag", tag or f"v{__version__}", cwd=dest)
    return dest
