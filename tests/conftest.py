"""Shared fixtures: a throwaway git copy of the template, and renders shared per answer set.

Rendering is real (copier's Python API, cookiecutter through pytest-cookies, cruft's API) and
happens once per answer set and engine per test session (per xdist worker).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_cookie import __version__
from mlops_cookie.questions import REPO_ROOT

ANSWER_FILES = {".copier-answers.yml", ".cruft.json"}
BASE_ANSWERS: dict[str, Any] = {"project_name": "Demo"}


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def snapshot_template(dest: Path, tag: str | None = None) -> Path:
    """Copy the template's working tree (tracked + untracked, not ignored) into a fresh git repo.

    Tests then see exactly the files a commit of the current work would hold, tagged with the
    template version, so copier records a real version and the repo under development may be dirty.
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


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed, tagged copy of the template as it is in the working tree."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


def render_copier(template: Path, dest: Path, answers: dict[str, Any]) -> Path:
    from copier import run_copy

    run_copy(
        str(template),
        str(dest),
        data={**BASE_ANSWERS, **answers},
        defaults=True,
        quiet=True,
        overwrite=True,
    )
    return dest


def render_cookiecutter(cookies: Any, template: Path, answers: dict[str, Any]) -> Path:
    result = cookies.bake(
        extra_context={**BASE_ANSWERS, **answers}, template=str(template / "template")
    )
    if result.exception is not None:
        raise result.exception
    return Path(result.project_path)


def render_cruft(template: Path, out: Path, answers: dict[str, Any]) -> Path:
    from cruft import create

    return Path(
        create(
            str(template),
            output_dir=out,
            no_input=True,
            extra_context={**BASE_ANSWERS, **answers},
            directory="template",
        )
    )


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Relative path -> (content, permission bits) for every generated file but the answers files."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in ANSWER_FILES and not rel.startswith(".git/"):
            found[rel] = (path.read_bytes(), path.stat().st_mode & 0o777)
    return found


@pytest.fixture(scope="session")
def rendered(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, cookies_session: Any
) -> Callable[[str, dict[str, Any]], Path]:
    """render(engine, answers) -> project path, cached per (engine, answers) for the session."""
    cache: dict[tuple[str, str], Path] = {}

    def render(engine: str, answers: dict[str, Any]) -> Path:
        key = (engine, repr(sorted(answers.items())))
        if key not in cache:
            if engine == "copier":
                dest = tmp_path_factory.mktemp("copier") / "project"
                cache[key] = render_copier(template_repo, dest, answers)
            elif engine == "cookiecutter":
                cache[key] = render_cookiecutter(cookies_session, template_repo, answers)
            elif engine == "cruft":
                cache[key] = render_cruft(template_repo, tmp_path_factory.mktemp("cruft"), answers)
            else:
                raise ValueError(engine)
        return cache[key]

    return render
