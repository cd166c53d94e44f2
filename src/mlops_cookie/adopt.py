"""`mlops-cookie adopt`: bring a repository that was never generated under the template.

The template is rendered into a temporary folder, then compared with the repository. Nothing is
written until every path has been checked (a file where the template has a folder, an
unreadable file, a special file): then the missing files are added, identical ones left alone,
and for differing ones the repository's version is kept and the template's saved under
`.mlops-cookie/adopt/`. The repository's own project is respected: its package, build system
and licence set the answers; delivery workflows that would deploy on the next push are held
back until configured; nothing is written through a symlink that leaves the repository.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_cookie import git
from mlops_cookie.errors import UserError, one_line
from mlops_cookie.options import check_question_names
from mlops_cookie.update import (
    ADOPTED,
    COPIER_ANSWERS,
    CRUFT_STATE,
    STATE_DIR,
    Report,
    check_source,
    latest_tag,
)

ADOPT_DIR = f"{STATE_DIR}/adopt"
ADOPT_REPORT = f"{STATE_DIR}/adopt-report.md"
# Workflows that deploy or retrain on the next push or on a schedule, once they exist.
DELIVERY = re.compile(r"^(\.github/workflows|\.azure-pipelines)/(cd|retrain)\.ya?ml$")
PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # an importable name (the template may refuse it)
LICENCE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING", "COPYING.md")
NOT_PACKAGES = {"tests", "test", "docs", "scripts", "notebooks", "data", "configs", "infra",
                "build", "dist", "site", "examples"}  # fmt: skip


@dataclass
class Existing:
    """What the repository already is: its package, build system and licence."""

    src_packages: list[str] = field(default_factory=list)
    flat_packages: list[str] = field(default_factory=list)
    setup_files: list[str] = field(default_factory=list)
    has_pyproject: bool = False
    licence_file: str | None = None
    licence: str | None = None  # one of the template's choices, or None when unknown


def detect(project: Path) -> Existing:
    found = Existing()
    src = project / "src"
    if src.is_dir() and not src.is_symlink():
        found.src_packages = sorted(
            p.parent.name for p in src.glob("*/__init__.py") if PACKAGE.fullmatch(p.parent.name)
        )
    found.flat_packages = sorted(
        p.parent.name
        for p in project.glob("*/__init__.py")
        if p.parent.name not in NOT_PACKAGES and PACKAGE.fullmatch(p.parent.name)
    )
    found.setup_files = [n for n in ("setup.py", "setup.cfg") if (project / n).is_file()]
    found.has_pyproject = (project / "pyproject.toml").is_file()
    for name in LICENCE_FILES:
        if (project / name).is_file():
            found.licence_file = name
            found.licence = _licence_of(_read_text(project / name))
            break
    else:
        found.licence = _licence_of(_pyproject_licence(project))
        if found.licence is None and _pyproject_licence(project):
            found.licence_file = "pyproject.toml"
    return found


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return ""


def _pyproject_licence(project: Path) -> str:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return ""
    licence = data.get("project", {}).get("license", "")
    if isinstance(licence, dict):
        licence = licence.get("text", "")
    return str(licence)


def _licence_of(text: str) -> str | None:
    words = " ".join(text.split())
    if not words:
        return None
    if words in {"MIT", "Apache-2.0", "BSD-3-Clause"}:
        return words
    if "Permission is hereby granted, free of charge" in words or words.startswith("MIT License"):
        return "MIT"
    if "Apache License" in words and "Version 2.0" in words:
        return "Apache-2.0"
    if "Redistribution and use in source and binary forms" in words and "Neither the name" in words:
        return "BSD-3-Clause"
    return None


def _under_another_template(project: Path, template: str) -> None:
    """Refuse a repository that already is under a template, saying which."""
    recorded = ""
    name = ""
    if (project / COPIER_ANSWERS).exists():
        name = COPIER_ANSWERS
        try:
            recorded = str((yaml.safe_load((project / name).read_text()) or {}).get("_src_path"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError, AttributeError):
            recorded = ""
    elif (project / CRUFT_STATE).exists():
        name = CRUFT_STATE
        try:
            recorded = str(json.loads((project / name).read_text()).get("template", ""))
        except (json.JSONDecodeError, OSError, UnicodeDecodeError, AttributeError):
            recorded = ""
    if not name:
        return
    if recorded and _same_template(recorded, template):
        raise UserError(f"{project} already has {name}: it is under this template; use `update`")
    raise UserError(
        f"{project} is under another template ({name} names '{recorded or 'an unknown one'}'): "
        "adopting would mix two templates; update it with that template's tools instead"
    )


def _same_template(recorded: str, template: str) -> bool:
    def norm(source: str) -> str:
        source = source.rstrip("/").removesuffix(".git")
        return str(Path(source).resolve()) if "://" not in source else source.lower()

    return norm(recorded) == norm(template) or "mlops-cookie" in recorded.lower()


# --------------------------------------------------------------------------- planning
@dataclass
class Plan:
    add: list[str] = field(default_factory=list)
    identical: list[str] = field(default_factory=list)
    differ: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # (path, why) saved, not written
    outside: list[tuple[str, str]] = field(default_factory=list)  # (path, symlink) not written
    problems: list[str] = field(default_factory=list)


def _plan(project: Path, rendered: Path, hold: dict[str, str]) -> Plan:
    """Decide every file before writing any: nothing is written when a problem is found."""
    plan = Plan()
    for file in sorted(p for p in rendered.rglob("*") if p.is_file()):
        rel = file.relative_to(rendered).as_posix()
        target = project / rel
        escape = _leaves_repository(project, rel)
        if escape:
            plan.outside.append((rel, escape))
            continue
        problem = _blocked(project, rel)
        if problem:
            plan.problems.append(problem)
            continue
        if rel in hold and not target.exists():
            plan.held.append((rel, hold[rel]))
            continue
        if not target.exists():
            plan.add.append(rel)
            continue
        try:
            same = target.read_bytes() == file.read_bytes()
        except OSError as error:
            plan.problems.append(f"cannot read {rel}: {error.strerror or one_line(error)}")
            continue
        (plan.identical if same else plan.differ).append(rel)
    return plan


def _leaves_repository(project: Path, rel: str) -> str | None:
    """The first symlink on the way to `rel` that points outside the repository, else None."""
    current = project
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            resolved = current.resolve()
            if not resolved.is_relative_to(project):
                return f"{current.relative_to(project).as_posix()} -> {resolved}"
        if not current.exists():
            return None
    return None


def _blocked(project: Path, rel: str) -> str | None:
    """Why `rel` cannot be written or compared (a file where a folder goes, ...), else None."""
    current = project
    parts = Path(rel).parts
    for depth, part in enumerate(parts, start=1):
        current = current / part
        if not current.exists():
            return None
        shown = current.relative_to(project).as_posix()
        if depth < len(parts):
            if not current.is_dir():
                return f"{shown} is a file, but the template has a folder there (for {rel})"
            continue
        mode = current.stat().st_mode
        if stat.S_ISDIR(mode):
            return f"{shown} is a folder, but the template has a file there"
        if not stat.S_ISREG(mode):
            return f"{shown} is not a regular file (a pipe, socket or device)"
        try:
            with current.open("rb"):
                pass
        except OSError as error:
            return f"cannot read {shown}: {error.strerror or one_line(error)}"
    return None


# --------------------------------------------------------------------------- adopt
def adopt(project: Path, template: str, data: dict[str, Any], vcs_ref: str | None = None) -> Report:
    """Bring a repository that was never generated under the template, overwriting nothing."""
    from copier import run_copy

    project = project.resolve()
    git.require_clean(project)
    _under_another_template(project, template)
    check_source(template, "the template argument")
    check_question_names(template, data)
    ref = vcs_ref or latest_tag(template)
    existing = detect(project)
    report = Report("adopt", "copier", to_version=ref or "HEAD")
    answers = {"project_name": project.name.replace("-", " ").replace("_", " ").title()}
    answers.update(_adapt(existing, data, report))
    answers.update(data)
    hold = _held_files(existing, data)
    with tempfile.TemporaryDirectory(prefix="mlops-cookie-adopt-") as tmp:
        rendered = Path(tmp) / project.name
        try:
            run_copy(template, str(rendered), data=answers, vcs_ref=ref, defaults=True,
                     quiet=True)  # fmt: skip
        except ValueError as error:  # copier's validation error for an answer
            message = one_line(error).split(": ", 1)[-1]
            guessed = [k for k in ("package_name", "license") if k in answers and k not in data]
            for name in guessed:
                if f"{name} " in message:
                    message += f" (taken from your repository: pass --data {name}=VALUE)"
            raise UserError(message) from None
        hold.update(_delivery_files(rendered))
        if existing.flat_packages and not existing.src_packages and "package_name" not in data:
            for file in rendered.rglob("*"):
                rel = file.relative_to(rendered).as_posix()
                if file.is_file() and rel.startswith(("src/", "tests/")):
                    hold[rel] = "your package is not under src/"
        plan = _plan(project, rendered, hold)
        if plan.problems:
            more = f" (and {len(plan.problems) - 1} more)" if len(plan.problems) > 1 else ""
            raise UserError(f"cannot adopt: {plan.problems[0]}{more}; nothing was written")
        _write(project, rendered, plan)
    report.added = plan.add
    report.identical = plan.identical
    report.conflicts = plan.differ
    report.skipped = [f"{rel} (symlink {link} leaves the repository)" for rel, link in plan.outside]
    report.skipped += [f"{rel} ({why}; saved in {ADOPT_DIR}/)" for rel, why in plan.held]
    hidden = _ignored(project, plan.add)
    if hidden:
        report.notes.append(
            f"{len(hidden)} added file(s) are hidden by your .gitignore, so git will not track "
            f"them: {', '.join(hidden)}; `git add -f` those you want"
        )
    if plan.differ:
        report.notes.append(
            f"your version of each differing file is kept (and stays yours on `update`: template "
            f"changes are applied to it only where they fit); the template's is in {ADOPT_DIR}/ "
            "to compare (e.g. `git diff --no-index FILE .mlops-cookie/adopt/FILE`)"
        )
    state = {"version": report.to_version, "kept": plan.differ, "held": [r for r, _ in plan.held]}
    (project / ADOPTED).write_text(
        "# Written by `mlops-cookie adopt`: files that were yours before adopting stay yours on\n"
        "# `update` (kept); files held back until you add them (held).\n"
        + yaml.safe_dump(state, sort_keys=False),
        encoding="utf-8",
    )
    (project / ADOPT_REPORT).write_text(_markdown(report), encoding="utf-8")
    report.notes.append(f"this report is saved in {ADOPT_REPORT}")
    return report


def _adapt(existing: Existing, data: dict[str, Any], report: Report) -> dict[str, Any]:
    """Answers that fit the repository's own project, and the decisions left to the user."""
    answers: dict[str, Any] = {}
    if "package_name" not in data:
        if len(existing.src_packages) == 1:
            answers["package_name"] = existing.src_packages[0]
            report.notes.append(f"package_name: {existing.src_packages[0]} (your src/ package)")
        elif len(existing.src_packages) > 1:
            report.decisions.append(
                f"several packages under src/ ({', '.join(existing.src_packages)}): the "
                "template's code went into a new one; rerun with --data package_name=NAME"
            )
        elif existing.flat_packages:
            names = ", ".join(f"{p}/" for p in existing.flat_packages)
            report.decisions.append(
                f"your package ({names}) is not under src/: the template's src/ and tests/ "
                f"files are saved in {ADOPT_DIR}/, not added (its tests could not import "
                "them); move your package to src/ (`git mv NAME src/NAME`) and copy what you "
                "want"
            )
            if len(existing.flat_packages) == 1:
                answers["package_name"] = existing.flat_packages[0]
    if "license" not in data:
        if existing.licence:
            answers["license"] = existing.licence
        elif existing.licence_file:
            answers["license"] = "Proprietary"
            report.decisions.append(
                f"your licence ({existing.licence_file}) is not one the template offers: it is "
                "kept; set the license field of pyproject.toml to match it"
            )
        else:
            answers["license"] = "Proprietary"
            report.notes.append(
                "no licence in the repository: none was added (the answers say Proprietary, "
                "which an unlicensed repository is); choose one with `update --data license=...`"
            )
    return answers


def _held_files(existing: Existing, data: dict[str, Any]) -> dict[str, str]:
    hold: dict[str, str] = {}
    if existing.setup_files and not existing.has_pyproject:
        hold["pyproject.toml"] = (
            f"your project builds with {' and '.join(existing.setup_files)}; a pyproject.toml "
            "would override it: merge by hand"
        )
    if not existing.licence_file and "license" not in data:
        hold["LICENSE"] = "the repository has no licence; choosing one is yours"
        hold["NOTICE"] = hold["LICENSE"]
    return hold


def _delivery_files(rendered: Path) -> dict[str, str]:
    return {
        p.relative_to(rendered).as_posix(): "deploys on push or on a schedule: configure the "
        "environments first (docs/ci-cd.md), then add it"
        for p in rendered.rglob("*")
        if p.is_file() and DELIVERY.match(p.relative_to(rendered).as_posix())
    }


def _write(project: Path, rendered: Path, plan: Plan) -> None:
    """Write the plan; on any failure remove what was written, so nothing is half-done."""
    created: list[Path] = []
    try:
        for rel in plan.add:
            _copy(rendered / rel, project / rel, project, created)
        for rel in plan.differ:
            _copy(rendered / rel, project / ADOPT_DIR / rel, project, created)
        for rel, _ in plan.held:
            _copy(rendered / rel, project / ADOPT_DIR / rel, project, created)
        (project / STATE_DIR).mkdir(exist_ok=True)
    except OSError as error:
        for path in reversed(created):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        where = getattr(error, "filename", None) or ""
        raise UserError(
            f"cannot write {where}: {error.strerror or one_line(error)}; nothing was written"
        ) from None


def _copy(source: Path, target: Path, project: Path, created: list[Path]) -> None:
    missing = []
    parent = target.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir()
        created.append(folder)
    created.append(target)
    shutil.copy2(source, target)


def _ignored(project: Path, paths: list[str]) -> list[str]:
    if not paths:
        return []
    result = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=project,
                            input="\n".join(paths), capture_output=True, text=True)  # fmt: skip
    return sorted(line for line in result.stdout.splitlines() if line)


def _markdown(report: Report) -> str:
    parts = [f"# Adopted into mlops-cookie {report.to_version}", ""]
    for title, items in (
        ("Added from the template", report.added),
        ("Already identical", report.identical),
        ("Differ: kept yours, template's version saved for review", report.conflicts),
        ("Not written", report.skipped),
        ("Decisions for you", report.decisions),
        ("Notes", report.notes),
    ):
        parts += [f"## {title} ({len(items)})", ""] + [f"- `{i}`" for i in items] + [""]
    return "\n".join(parts)
