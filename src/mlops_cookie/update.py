"""Safe updates of generated projects, and adoption of repositories that were never generated.

Copier and cruft do the merging; this module adds what they leave to the user:

- refuse a dirty work tree (nothing is changed), and a template path that cannot be reached;
- run the template's migrations for cruft projects too (copier runs them itself);
- keep files the user deleted deleted, even those copier recreates (`_skip_if_exists`);
- find every conflict (inline markers, `.rej` files) and exit non-zero when one needs the user,
  because both engines exit 0 with conflicts left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

COPIER_ANSWERS = ".copier-answers.yml"
CRUFT_STATE = ".cruft.json"
CONFLICT_MARKER = re.compile(rb"^(<{7}|>{7}) ", re.M)
ADOPT_DIR = ".mlops-cookie/adopt"
ADOPT_REPORT = ".mlops-cookie/adopt-report.md"


class UserError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""


@dataclass
class Report:
    """What an update or adoption did, and what needs the user."""

    action: str
    engine: str
    from_version: str = ""
    to_version: str = ""
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    identical: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.conflicts)

    @property
    def exit_code(self) -> int:
        return 1 if self.needs_attention else 0

    def render(self) -> str:
        head = f"{self.action} ({self.engine})"
        if self.from_version or self.to_version:
            head += f": {self.from_version or '?'} -> {self.to_version or '?'}"
        lines = [head]
        for title, items in (
            ("changed", self.changed),
            ("added", self.added),
            ("identical, left alone", self.identical),
            ("kept deleted (you deleted them; the template still has them)", self.kept_deleted),
            ("CONFLICTS to resolve (markers or .rej files)", self.conflicts),
        ):
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  {item}" for item in items]
        lines += [f"note: {note}" for note in self.notes]
        lines.append(
            "result: conflicts need you: resolve them, then commit"
            if self.needs_attention
            else "result: done, nothing needs you; review with `git diff` and commit"
        )
        return "\n".join(lines)


def _git(project: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise UserError(f"git {' '.join(args)} failed in {project}: {result.stderr.strip()}")
    return result.stdout


def _require_clean_git(project: Path) -> None:
    if not project.is_dir():
        raise UserError(f"{project} is not a folder")
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=project, capture_output=True, text=True
    )
    if inside.returncode != 0:
        raise UserError(f"{project} is not a git repository: run `git init` and commit first")
    dirty = _git(project, "status", "--porcelain")
    if dirty:
        count = len(dirty.splitlines())
        raise UserError(
            f"{project} has {count} uncommitted change(s): commit or stash them first "
            "(nothing was changed)"
        )


def _status(project: Path) -> list[tuple[str, str]]:
    lines = _git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    return [(line[:2], line[3:].strip('"')) for line in lines]


def _conflicts(project: Path) -> list[str]:
    found = []
    for code, path in _status(project):
        file = project / path
        if (
            path.endswith(".rej")
            or "U" in code
            or (file.is_file() and CONFLICT_MARKER.search(file.read_bytes()))
        ):
            found.append(path)
    return sorted(set(found))


def _is_local_path(src: str) -> bool:
    return "://" not in src and not src.startswith(("git@", "gh:", "gl:"))


def _check_source(src: str, what: str) -> None:
    if _is_local_path(src) and not Path(src).is_absolute():
        raise UserError(
            f"{what} records the template as the relative path '{src}', which only works from "
            "one folder: set it to the template's URL or absolute path, commit, and retry"
        )
    if _is_local_path(src) and not Path(src).exists():
        raise UserError(f"{what} points to the template at '{src}', which does not exist")


def release_tags(src: str) -> dict[str, str]:
    """Release tags (valid PEP 440 versions) of a template repository -> commit they point at."""
    out = subprocess.run(["git", "ls-remote", "--tags", src], capture_output=True, text=True)
    if out.returncode != 0:
        raise UserError(f"cannot read the template's tags at '{src}': {out.stderr.strip()}")
    tags: dict[str, str] = {}
    for line in out.stdout.splitlines():
        sha, ref = line.split("\t")
        tag = ref.removeprefix("refs/tags/").removesuffix("^{}")
        if not _is_version(tag):
            continue
        if ref.endswith("^{}"):
            tags[tag] = sha  # an annotated tag: its peeled line names the commit
        else:
            tags.setdefault(tag, sha)
    return tags


def latest_tag(src: str, tags: dict[str, str] | None = None) -> str | None:
    """The newest release tag (PEP 440 order) of a template repository, or None."""
    tags = release_tags(src) if tags is None else tags
    return max(tags, key=Version) if tags else None


def _reapply_user_deletions(project: Path, report: Report) -> None:
    """Delete again what the user had deleted and the update brought back."""
    for code, path in _status(project):
        if code.strip() not in {"??", "A"}:
            continue
        if _git(project, "log", "--diff-filter=D", "--format=%H", "-1", "--", path).strip():
            (project / path).unlink()
            _git(project, "rm", "-q", "--cached", "--ignore-unmatch", "--", path)
            report.kept_deleted.append(path)


# --------------------------------------------------------------------------- migrations
def _migrations(template_dir: Path, from_version: str, to_version: str, stage: str) -> list:
    """Commands of copier.yml's `_migrations` for versions in (from, to], for one stage."""
    from jinja2.sandbox import SandboxedEnvironment

    config = yaml.safe_load((template_dir / "copier.yml").read_text().split("\n---")[0])
    env = SandboxedEnvironment()
    context = {
        "_stage": stage,
        "_copier_python": sys.executable,
        "_copier_conf": {"src_path": str(template_dir)},
    }
    low, high = Version(from_version), Version(to_version)
    commands = []
    for migration in config.get("_migrations", []):
        if not low < Version(str(migration["version"])) <= high:
            continue
        if env.from_string(str(migration.get("when", "true"))).render(context).strip() in {
            "false",
            "False",
            "",
        }:
            continue
        command = migration["command"]
        if isinstance(command, str):
            command = command.split()
        commands.append([env.from_string(str(part)).render(context) for part in command])
    return commands


def _run_cruft_migrations(project: Path, src: str, old: str, new: str, report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-cookie-migrate-") as tmp:
        checkout = Path(tmp) / "template"
        _git(Path(tmp), "clone", "-q", "--branch", new, src, str(checkout))
        commands = _migrations(checkout, old, new, "before")
        for command in commands:
            result = subprocess.run(command, cwd=project, capture_output=True, text=True)
            if result.returncode != 0:
                raise UserError(f"migration {' '.join(command)} failed: {result.stderr.strip()}")
    if commands and _git(project, "status", "--porcelain"):
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", f"Apply mlops-cookie migrations {old} -> {new}")
        report.notes.append(f"committed the template's migrations {old} -> {new} first")


# --------------------------------------------------------------------------- update
def update(
    project: Path,
    to_ref: str | None = None,
    data: dict[str, Any] | None = None,
    conflict: str = "inline",
) -> Report:
    """Update a generated project to the newest template release (or `to_ref`)."""
    project = project.resolve()
    _require_clean_git(project)
    if (project / COPIER_ANSWERS).is_file():
        report = _update_copier(project, to_ref, data or {}, conflict)
    elif (project / CRUFT_STATE).is_file():
        report = _update_cruft(project, to_ref, data or {})
    else:
        raise UserError(
            f"{project} has neither {COPIER_ANSWERS} nor {CRUFT_STATE}: it was not generated "
            "from the template; use `adopt` to bring it in"
        )
    _reapply_user_deletions(project, report)
    report.conflicts = _conflicts(project)
    report.changed = sorted(path for _, path in _status(project) if path not in report.conflicts)
    return report


def _update_copier(project: Path, to_ref: str | None, data: dict, conflict: str) -> Report:
    from copier import run_update

    answers = yaml.safe_load((project / COPIER_ANSWERS).read_text()) or {}
    src, old = str(answers.get("_src_path", "")), str(answers.get("_commit", ""))
    _check_source(src, COPIER_ANSWERS)
    report = Report("update", "copier", from_version=old)
    if not _is_version(old):
        report.notes.append(
            f"the project was generated from '{old}', not a release tag: the update compares "
            "against that commit; generate from released versions to get clean updates"
        )
    run_update(
        str(project),
        data=data,
        vcs_ref=to_ref,
        defaults=True,
        overwrite=True,
        unsafe=True,  # the template's migrations are commands
        quiet=True,
        conflict=conflict,
        skip_answered=True,
    )
    new_answers = yaml.safe_load((project / COPIER_ANSWERS).read_text()) or {}
    report.to_version = str(new_answers.get("_commit", ""))
    if report.to_version == old and not data:
        report.notes.append("already at the newest release")
    return report


def _update_cruft(project: Path, to_ref: str | None, data: dict) -> Report:
    import cruft

    state = json.loads((project / CRUFT_STATE).read_text())
    src = str(state.get("template", ""))
    _check_source(src, CRUFT_STATE)
    tags = release_tags(src)
    target = to_ref or latest_tag(src, tags)
    commit = str(state.get("commit", ""))
    # the release the project came from: the tag of its commit, else the commit itself
    old = next((tag for tag, sha in tags.items() if sha == commit), commit[:12])
    report = Report("update", "cruft", from_version=old)
    report.to_version = target or "HEAD"
    if target and report.from_version and _is_version(report.from_version):
        _run_cruft_migrations(project, src, report.from_version, target, report)
    ok = cruft.update(
        project,
        checkout=target,
        skip_apply_ask=True,
        allow_untracked_files=False,
        extra_context=data or None,
    )
    if not ok:
        raise UserError("cruft could not update the project (see its message above)")
    return report


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


# --------------------------------------------------------------------------- adopt
def adopt(project: Path, template: str, data: dict[str, Any], vcs_ref: str | None = None) -> Report:
    """Bring a repository that was never generated under the template, overwriting nothing.

    Files the template has and the repo lacks are added; identical files are left alone; for
    files that differ the repo's version is kept and the template's is saved under
    `.mlops-cookie/adopt/` for review. The answers file is written, so `update` works next.
    """
    from copier import run_copy

    project = project.resolve()
    _require_clean_git(project)
    for name in (COPIER_ANSWERS, CRUFT_STATE):
        if (project / name).exists():
            raise UserError(f"{project} already has {name}: it is under a template; use `update`")
    _check_source(template, "the template argument")
    ref = vcs_ref or latest_tag(template)
    answers = {"project_name": project.name.replace("-", " ").replace("_", " ").title(), **data}
    report = Report("adopt", "copier", to_version=ref or "HEAD")
    with tempfile.TemporaryDirectory(prefix="mlops-cookie-adopt-") as tmp:
        rendered = Path(tmp) / project.name
        try:
            run_copy(template, str(rendered), data=answers, vcs_ref=ref, defaults=True,
                     quiet=True)  # fmt: skip
        except ValueError as error:  # copier's validation error for an answer
            raise UserError(str(error)) from None
        for file in sorted(p for p in rendered.rglob("*") if p.is_file()):
            rel = file.relative_to(rendered).as_posix()
            target = project / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)
                report.added.append(rel)
            elif target.read_bytes() == file.read_bytes():
                report.identical.append(rel)
            else:
                saved = project / ADOPT_DIR / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, saved)
                report.conflicts.append(rel)
    if report.conflicts:
        report.notes.append(
            f"your version of each conflicting file is kept; the template's is in {ADOPT_DIR}/ "
            "to compare (e.g. `git diff --no-index FILE .mlops-cookie/adopt/FILE`); merge what "
            "you want, then delete .mlops-cookie/"
        )
    (project / ADOPT_REPORT).parent.mkdir(parents=True, exist_ok=True)
    (project / ADOPT_REPORT).write_text(_adopt_markdown(report))
    report.notes.append(f"this report is saved in {ADOPT_REPORT}")
    return report


def _adopt_markdown(report: Report) -> str:
    parts = [f"# Adopted into mlops-cookie {report.to_version}", ""]
    for title, items in (
        ("Added from the template", report.added),
        ("Already identical", report.identical),
        ("Differ: kept yours, template's version saved for review", report.conflicts),
    ):
        parts += [f"## {title} ({len(items)})", ""] + [f"- `{i}`" for i in items] + [""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """`python -m mlops_cookie.update PROJECT [--to REF] [--conflict inline|rej]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlops_cookie.update", description=__doc__)
    parser.add_argument("project", type=Path, nargs="?", default=Path.cwd())
    parser.add_argument("--to", dest="to_ref", help="template tag or commit (default: newest)")
    parser.add_argument("--conflict", choices=["inline", "rej"], default="inline")
    args = parser.parse_args(argv)
    try:
        report = update(args.project, args.to_ref, conflict=args.conflict)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.render())
    return report.exit_code


if __name__ == "__main__":
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")
    raise SystemExit(main())
