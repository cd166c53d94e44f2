"""Helpers shared by the template's tests and benchmarks (not used by generated projects)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from mlops_cookie import __version__, derive
from mlops_cookie.questions import REPO_ROOT

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "mlops-cookie tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "mlops-cookie tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def git_bytes(*args: str, cwd: Path) -> bytes:
    """Run git with a fixed identity; return stdout as bytes, raise on failure."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_IDENTITY}, check=True, capture_output=True
    ).stdout


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; return stdout, raise on failure."""
    return git_bytes(*args, cwd=cwd).decode()


CURRENT_TAG = f"v{__version__}"
# A release above the current one, for tests of updates across a release (next minor).
_major, _minor, *_ = __version__.split(".")
NEXT_TAG = f"v{_major}.{int(_minor) + 1}.0"
# The commits of main released as earlier versions (tags don't travel), oldest first.
RELEASES = {
    "v0.1.0": "045625b2b88a735f74536b0ab0b9d290df4d0c53",
    "v0.2.0": "ed21913c1de726a3a60ce408b47cf9c55bc82c61",
    "v0.3.0": "2ac22baedbf27bd39418f5f7aaaaf7f5f5cbd522",
    "v0.4.0": "76ea49b6662312d19e95e74ed4eea6614336adf1",
    "v0.5.0": "85690fade13fa9dcac78d9fdb376ce9d06bf60c2",
}


def _copy_worktree(dest: Path) -> None:
    """Copy the template's working tree (tracked + untracked, not ignored) into dest."""
    files = git("ls-files", "-co", "--exclude-standard", "-z", cwd=REPO_ROOT).split("\0")
    for rel in filter(None, files):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _commit_and_tag(repo: Path, message: str, tag: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", message, cwd=repo)
    git("tag", tag, cwd=repo)


def snapshot_template(dest: Path, tag: str | None = None) -> Path:
    """Copy the template's working tree (tracked + untracked, not ignored) into a fresh git repo.

    The copy is committed and tagged with the template version, so copier records a real
    version even while the repository under development has uncommitted changes.
    """
    _copy_worktree(dest)
    git("init", "-q", "-b", "main", cwd=dest)
    _commit_and_tag(dest, "template snapshot", tag or CURRENT_TAG)
    return dest


def template_history(dest: Path, releases: dict[str, str] | None = None) -> Path:
    """A throwaway template repo with real releases: each commit of this repository's history
    in `releases` (tag -> commit, oldest first) tagged with its tag, then the working tree on
    top, tagged with the current version."""
    dest.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=dest)
    for tag, commit in (releases or RELEASES).items():
        git("rm", "-rqf", "--ignore-unmatch", ".", cwd=dest)
        archive = git_bytes("archive", "--format=tar", commit, cwd=REPO_ROOT)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
        _commit_and_tag(dest, f"release {tag}", tag)
    git("rm", "-rqf", ".", cwd=dest)
    _copy_worktree(dest)
    _commit_and_tag(dest, f"release {CURRENT_TAG}", CURRENT_TAG)
    return dest


# --------------------------------------------------------------------------- a synthetic release
PROJECT_DIR = "template/{{cookiecutter.__project_dir}}"
NEW_TARGET = f"\nhello: ## Say hello (added in {NEXT_TAG})\n\t@echo hello\n"
EDITORCONFIG = "root = true\n\n[*]\nend_of_line = lf\ninsert_final_newline = true\n"
MIGRATIONS = """_migrations:
  - version: NEXT_TAG
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/hooks/migrations/move.py",
              "docs/development.md", "docs/contributing.md"]
  - version: NEXT_TAG
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}",
              "{{ _copier_conf.src_path }}/hooks/migrations/rename_answer.py",
              "line_length", "max_line_length"]
""".replace("NEXT_TAG", NEXT_TAG)


def release_next(repo: Path) -> None:
    """Change the template as a real release would, then tag it NEXT_TAG."""
    tree = repo / PROJECT_DIR
    hooks = tree / ".pre-commit-config.yaml"
    lines = hooks.read_text().splitlines(keepends=True)
    hooks.write_text(
        f"# pre-commit hooks ({NEXT_TAG}): `make precommit` runs them all.\n" + "".join(lines[1:])
    )
    makefile = tree / "Makefile"
    makefile.write_text(makefile.read_text() + NEW_TARGET)
    (tree / ".editorconfig").write_text(EDITORCONFIG)
    notebooks_readme = tree / "notebooks" / "README.md"
    notebooks_readme.write_text(notebooks_readme.read_text() + f"\nA line added in {NEXT_TAG}.\n")
    # move a file (and every link to it)
    git("mv", f"{PROJECT_DIR}/docs/development.md", f"{PROJECT_DIR}/docs/contributing.md", cwd=repo)
    for path in tree.rglob("*"):
        if path.is_file() and "development.md" in path.read_text(errors="ignore"):
            path.write_text(path.read_text().replace("development.md", "contributing.md"))
    # rename a question everywhere
    copier_yml = repo / "copier.yml"
    text = re.sub(r"\bline_length\b", "max_line_length", copier_yml.read_text())
    copier_yml.write_text(
        re.sub(r"^_migrations:(?: \[\])?\n", MIGRATIONS, text, count=1, flags=re.M)
    )
    for path in tree.rglob("*"):
        if path.is_file() and "cookiecutter.line_length" in path.read_text(errors="ignore"):
            text = path.read_text().replace(
                "cookiecutter.line_length", "cookiecutter.max_line_length"
            )
            path.write_text(text)
    if derive.main(["--root", str(repo)]) != 0:
        raise RuntimeError("derive failed for the synthetic release")
    _commit_and_tag(repo, f"release {NEXT_TAG}", NEXT_TAG)
