"""The one git helper of the command: `new`, `update` and `adopt` run git through it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mlops_cookie.errors import UserError


def available() -> bool:
    return shutil.which("git") is not None


def run(project: Path, *args: str, check: bool = True) -> str:
    """Run `git ARGS` in `project`; stdout, or a UserError naming the command when it fails."""
    result = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise UserError(f"git {' '.join(args)} failed in {project}: {result.stderr.strip()}")
    return result.stdout


def is_work_tree(path: Path) -> bool:
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=path, capture_output=True, text=True
    )
    return inside.returncode == 0


def require_clean(project: Path) -> None:
    """Refuse a folder that is not a git work tree, or one with uncommitted changes."""
    if not project.is_dir():
        raise UserError(f"{project} is not a folder")
    if not is_work_tree(project):
        raise UserError(f"{project} is not a git repository: run `git init` and commit first")
    dirty = run(project, "status", "--porcelain")
    if dirty:
        count = len(dirty.splitlines())
        raise UserError(
            f"{project} has {count} uncommitted change(s): commit or stash them first "
            "(nothing was changed)"
        )


def status(project: Path) -> list[tuple[str, str]]:
    """(two-letter code, path) of every change, untracked files one by one."""
    out = run(project, "status", "--porcelain", "--untracked-files=all", "-z")
    entries = out.split("\0")
    found, i = [], 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":  # a rename: the next entry is the old path
            i += 1
        found.append((code, path))
    return found


def head(project: Path) -> str:
    return run(project, "rev-parse", "HEAD").strip()


def first_commit(project: Path, message: str) -> bool:
    """`git init` on main, stage everything, commit; False when the commit failed (no identity)."""
    run(project, "init", "-q", "-b", "main")
    run(project, "add", "-A")
    committed = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    return committed.returncode == 0
