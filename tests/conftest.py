"""Shared fixtures: a throwaway git copy of the template, and renders shared per answer set.

Rendering is real (copier's Python API, cookiecutter through pytest-cookies, cruft's API) and
happens once per answer set and engine per test session (per xdist worker). Helpers live in
helpers.py; this file holds fixtures only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import render_cookiecutter, render_copier, render_cruft, snapshot_template


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed, tagged copy of the template as it is in the working tree."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


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
