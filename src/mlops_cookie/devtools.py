"""Helpers shared by the template's tests and benchmarks (not used by generated projects)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from mlops_cookie import __version__, derive
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


# --------------------------------------------------------------------------- a synthetic release
PROJECT_DIR = "template/{{cookiecutter.__project_dir}}"
NEW_TARGET = "\nhello: ## Say hello (added in v0.2.0)\n\t@echo hello\n"
EDITORCONFIG = "root = true\n\n[*]\nend_of_line = lf\ninsert_final_newline = true\n"
MIGRATIONS = """_migrations:
  - version: v0.2.0
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/hooks/migrations/move.py",
              "docs/development.md", "docs/contributing.md"]
  - version: v0.2.0
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}",
              "{{ _copier_conf.src_path }}/hooks/migrations/rename_answer.py",
              "line_length", "max_line_length"]
"""


def release_v020(repo: Path) -> None:
    """Change the template as a real release would, then tag it v0.2.0."""
    tree = repo / PROJECT_DIR
    hooks = tree / ".pre-commit-config.yaml"
    lines = hooks.read_text().splitlines(keepends=True)
    hooks.write_text(
        "# pre-commit hooks (v0.2.0): `make precommit` runs them all.\n" + "".join(lines[1:])
    )
    makefile = tree / "Makefile"
    makefile.write_text(makefile.read_text() + NEW_TARGET)
    (tree / ".editorconfig").write_text(EDITORCONFIG)
    notebooks_readme = tree / "notebooks" / "README.md"
    notebooks_readme.write_text(notebooks_readme.read_text() + "\nA line added in v0.2.0.\n")
    # move a file (and every link to it)
    git("mv", f"{PROJECT_DIR}/docs/development.md", f"{PROJECT_DIR}/docs/contributing.md", cwd=repo)
    for path in tree.rglob("*"):
        if path.is_file() and "development.md" in path.read_text(errors="ignore"):
            path.write_text(path.read_text().replace("development.md", "contributing.md"))
    # rename a question everywhere
    copier_yml = repo / "copier.yml"
    text = re.sub(r"\bline_length\b", "max_line_length", copier_yml.read_text())
    copier_yml.write_text(text.replace("_migrations: []\n", MIGRATIONS))
    for path in tree.rglob("*"):
        if path.is_file() and "cookiecutter.line_length" in path.read_text(errors="ignore"):
            text = path.read_text().replace(
                "cookiecutter.line_length", "cookiecutter.max_line_length"
            )
            path.write_text(text)
    if derive.main(["--root", str(repo)]) != 0:
        raise RuntimeError("derive failed for the synthetic release")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "release 0.2.0", cwd=repo)
    git("tag", "v0.2.0", cwd=repo)
