"""Shared fixtures: a throwaway git copy of the template, and renders shared per answer set.

Rendering is real (copier's Python API, cookiecutter through pytest-cookies, cruft's API) and
happens once per answer set and engine per test session (per xdist worker).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_cookie.devtools import git, snapshot_template

__all__ = ["git", "snapshot_template"]

ANSWER_FILES = {  # written by one engine only
    ".copier-answers.yml",
    ".cruft.json",
}
BASE_ANSWERS: dict[str, Any] = {"project_name": "Demo"}


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


def tree(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Relative path -> (content or None for a folder, permission bits) for everything generated
    but the answers files."""
    found: dict[str, tuple[bytes | None, int]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel in ANSWER_FILES or rel == ".git" or rel.startswith(".git/"):
            continue
        content = path.read_bytes() if path.is_file() else None
        found[rel] = (content, path.stat().st_mode & 0o777)
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
