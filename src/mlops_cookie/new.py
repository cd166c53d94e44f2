"""`mlops-cookie new`: answer the questions, render with copier, make a git repository, print
the next steps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlops_cookie import git
from mlops_cookie.errors import UserError, one_line
from mlops_cookie.options import check_question_names, resolve_template
from mlops_cookie.steps import Steps


@dataclass
class Created:
    project: Path
    answers: dict[str, Any]
    installed: bool | None  # None: not asked to install

    def next_steps(self) -> str:
        return next_steps(self.project, self.answers, self.installed)


def create(
    dest: Path | None,
    template: str | None,
    vcs_ref: str | None,
    answers: dict[str, Any],
    *,
    defaults: bool,
    trust: bool,
    make_git: bool,
    install: bool,
    steps: Steps,
) -> Created:
    """Render a new project into `dest` (default: a folder named after the project)."""
    source = resolve_template(template)
    check_question_names(source, answers)
    if not defaults and not sys.stdin.isatty():
        raise UserError(
            "no terminal to ask the questions on: pass --defaults (and --data KEY=VALUE)"
        )
    if dest is not None and dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UserError(f"{dest} exists and is not empty: choose a new folder")
    target = _render(source, dest, answers, defaults, vcs_ref, trust, steps)
    project = yaml.safe_load((target / ".copier-answers.yml").read_text(encoding="utf-8"))
    if make_git:
        _first_commit(target, str(project.get("_commit") or ""), steps)
    installed = _install(target, steps) if install else None
    return Created(target, project, installed)


def read_answers_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML file (e.g. another project's .copier-answers.yml), `_` keys left out."""
    if not path.is_file():
        raise UserError(f"answers file {path} does not exist")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise UserError(f"answers file {path} is not valid YAML: {one_line(error)}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError(f"answers file {path} must be a mapping of question: answer")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def _render(source: str, dest: Path | None, answers: dict[str, Any], defaults: bool,
            vcs_ref: str | None, trust: bool, steps: Steps) -> Path:  # fmt: skip
    from copier import run_copy
    from copier.errors import CopierWarning

    # Without DEST the folder is named after the answers: render next to it, then rename.
    target = dest if dest is not None else Path.cwd() / f".mlops-cookie-new-{uuid.uuid4().hex[:8]}"
    existed = target.exists()
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CopierWarning)
            if defaults:
                with steps.step("Rendering the template", "rendered the template") as info:
                    run_copy(source, str(target), data=answers, vcs_ref=vcs_ref, defaults=True,
                             unsafe=trust, quiet=True)  # fmt: skip
                    info["detail"] = f"into {target if dest is not None else 'a new folder'}"
            else:
                run_copy(source, str(target), data=answers, vcs_ref=vcs_ref, unsafe=trust,
                         quiet=True)  # fmt: skip
        notes = sorted(
            {str(w.message).strip() for w in caught if issubclass(w.category, CopierWarning)}
        )
    except BaseException:
        if not existed:
            shutil.rmtree(target, ignore_errors=True)
        else:  # an empty folder given as DEST: empty it again
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise
    for note in notes:
        steps.note(note)
    if dest is None:
        slug = yaml.safe_load((target / ".copier-answers.yml").read_text())["project_slug"]
        final = Path.cwd() / slug
        if final.exists():
            shutil.rmtree(target, ignore_errors=True)
            raise UserError(f"{final} exists already: pass a DEST folder")
        target.rename(final)
        target = final
    return target


def _first_commit(project: Path, version: str, steps: Steps) -> None:
    if not git.available():
        steps.note("git is not installed: the project is not a git repository")
        return
    with steps.step("Creating the git repository", "git repository created") as info:
        message = f"Generate from mlops-cookie {version}".strip()
        if git.first_commit(project, message):
            info["detail"] = "with a first commit"
        else:
            info["detail"] = "(files staged; commit them yourself: git commit)"


def _install(project: Path, steps: Steps) -> bool:
    if shutil.which("make") is None:
        steps.note("make is not installed: skipped the install")
        return False
    with steps.step("Installing .venv/ (make install)", "installed .venv/") as info:
        result = subprocess.run(["make", "install"], cwd=project, capture_output=True, text=True)
        if result.returncode != 0:
            info["detail"] = "FAILED"
    if result.returncode != 0:
        import click

        tail = (result.stdout + result.stderr).strip().splitlines()[-20:]
        click.echo("\n".join(["make install failed; its last lines:", *tail]), err=True)
        return False
    return True


def next_steps(project: Path, answers: dict[str, Any], installed: bool | None) -> str:
    here = os.path.relpath(project)
    shown = here if not here.startswith("..") else str(project)
    version = answers.get("_commit") or "HEAD"
    lines = [
        f"Created {answers.get('project_name', project.name)} in {shown} (mlops-cookie {version}).",
        "",
        "Next steps:",
        f"  cd {shown}",
        "  make ci        # installs .venv/ first; lint, tests, train, evaluate (quality gate)"
        if not installed
        else "  make ci        # lint, tests, train, evaluate (quality gate)",
        "  make           # every target, with what it does",
        "  git remote add origin URL && git push -u origin main   # then CI runs the same make ci",
        "",
        f"Later: `mlops-cookie update {shown}` brings template releases in; "
        f"`mlops-cookie check {shown}` rates its MLOps maturity.",
    ]
    if installed is False:
        lines.insert(2, "The install failed (see above): fix it, then run `make install` there.")
    return "\n".join(lines)
