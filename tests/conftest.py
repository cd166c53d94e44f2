"""Shared fixtures: a throwaway git copy of the template, and renders shared per answer set.

Rendering is real (copier's Python API, cookiecutter through pytest-cookies, cruft's API) and
happens once per answer set and engine per test session (per xdist worker). The default render
after its own `make ci` is installed once and shared by test_exercise, test_dvc and
test_lifecycle (their tests that use it are in xdist group "default", so one worker holds it).
Helpers live in helpers.py; this file holds fixtures and the run's order.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    generate,
    git,
    home_env,
    render_cookiecutter,
    render_copier,
    render_cruft,
    snapshot_template,
)

# The longest work first: xdist hands tests out in collection order, so the modules that install
# and run generated projects for minutes start at once instead of ending the run on one worker.
# (A stable sort: each module stays in one piece and in its own order.)
LONGEST_FIRST = (
    "test_training_jobs.py",
    "test_serving.py",
    "test_upgrade.py",
    "test_feast.py",
    "test_r.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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


@pytest.fixture(scope="session")
def default_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment the shared default project runs `make ci` and DVC in (a throwaway HOME
    holds its default DVC remote)."""
    return home_env(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def default_project(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, default_env: dict[str, str]
) -> Path:
    """The default render, committed, after its own `make ci` (which installs it) and `dvc push`
    to the default remote; then the files a first run adds are committed (uv.lock, dvc.lock,
    reports/metrics.json: only those, so any other change still shows in `git status`).

    Tests that change it restore it (test_exercise's `restored`) or work on a copy
    (test_lifecycle); mark them `xdist_group("default")`.
    """
    project = generate(template_repo, tmp_path_factory.mktemp("default") / "demo", {})
    for command in (["make", "ci"], [str(project / ".venv" / "bin" / "dvc"), "push"]):
        done = subprocess.run(command, cwd=project, env=default_env, capture_output=True,
                              text=True, timeout=900, check=False)  # fmt: skip
        assert done.returncode == 0, f"{command}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    git("add", "uv.lock", "dvc.lock", "reports/metrics.json", cwd=project)
    git("commit", "-q", "-m", "pipeline run", cwd=project)
    return project
