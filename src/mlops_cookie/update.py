"""Safe updates of generated projects (copier or cruft), never losing an edit or a template file.

Copier and cruft do the merging; this module adds what they leave to the user:

- refuse a dirty work tree, a malformed answers file and a template path that cannot be reached
  (one line each; nothing is changed);
- one policy for the template's commands: an update that would run migrations or tasks needs
  `trust=True` (`--trust`), for both engines;
- run the template's migrations for cruft projects too, with the context copier gives them;
- decide "the user deleted it" from the user's own commits, not from the template's moves, so a
  file the template deletes and later brings back arrives, and one the user deleted stays away;
- keep a file that existed before `adopt` the user's: template changes are applied to it as a
  patch when they fit, else reported, never as a whole-file conflict or a replacement;
- report what was not applied (to files the user owns or deleted), and find every conflict
  (inline markers, `.rej` files): both engines exit 0 with conflicts left behind.

The decisions need the template as rendered at the project's version and at the target
version: both are rendered with copier (which renders byte-identically to cookiecutter) from
one local clone of the template.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from mlops_cookie import git
from mlops_cookie.errors import UserError, one_line

__all__ = ["Report", "UserError", "latest_tag", "main", "release_tags", "update"]

COPIER_ANSWERS = ".copier-answers.yml"
CRUFT_STATE = ".cruft.json"
STATE_DIR = ".mlops-cookie"
ADOPTED = f"{STATE_DIR}/adopted.yml"  # files the repository had before `adopt`: kept as theirs
UPDATE_DIR = f"{STATE_DIR}/update"  # the template's version of changes that were not applied
# Marks the commit `update` makes for a cruft project's migrations: not a decision of the user.
MIGRATION_TRAILER = "Mlops-cookie-migration: true"


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
    restored: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)  # yours, unchanged: the new version
    not_applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # adopt: what it did not write, and why
    notes: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)  # adopt: what needs the user's choice

    @property
    def needs_attention(self) -> bool:
        return bool(self.conflicts or self.decisions)

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
            ("brought back (the template has them; you had not deleted them)", self.restored),
            ("yours but unchanged since generated, so updated", self.refreshed),
            ("identical, left alone", self.identical),
            ("kept deleted (you deleted them; the template still has them)", self.kept_deleted),
            (
                f"template changes NOT applied (the template's version is in {UPDATE_DIR}/)",
                self.not_applied,
            ),
            ("not written", self.skipped),
            ("CONFLICTS to resolve (markers or .rej files)", self.conflicts),
            ("DECISIONS for you", self.decisions),
        ):
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  {item}" for item in items]
        lines += [f"note: {note}" for note in self.notes]
        if self.conflicts:
            lines.append("result: conflicts need you: resolve them, then commit")
        elif self.decisions:
            lines.append("result: decisions need you (listed above), then commit")
        else:
            lines.append("result: done, nothing needs you; review with `git diff` and commit")
        return "\n".join(lines)


def _conflicts(project: Path) -> list[str]:
    found = []
    for code, path in git.status(project):
        file = project / path
        if path.startswith(f"{STATE_DIR}/"):
            continue
        if (
            path.endswith(".rej")
            or "U" in code
            or (file.is_file() and not file.is_symlink() and _has_markers(file))
        ):
            found.append(path)
    return sorted(set(found))


def _has_markers(file: Path) -> bool:
    import re

    return re.search(rb"^(<{7}|>{7}) ", file.read_bytes(), re.M) is not None


def is_local_path(src: str) -> bool:
    return "://" not in src and not src.startswith(("git@", "gh:", "gl:"))


def check_source(src: str, what: str) -> None:
    if not src:
        raise UserError(f"{what} does not say where the template is (no template source)")
    if is_local_path(src) and not Path(src).is_absolute():
        raise UserError(
            f"{what} records the template as the relative path '{src}', which only works from "
            "one folder: set it to the template's URL or absolute path, commit, and retry"
        )
    if is_local_path(src) and not Path(src).exists():
        raise UserError(f"{what} points to the template at '{src}', which does not exist")


# --------------------------------------------------------------------------- versions
def is_release(text: str, tags: dict[str, str] | None = None) -> bool:
    """A release tag: `v` + a PEP 440 version (and, given the tags, one of them).

    The `v` matters: about one short commit hash in ten ("1234567", "7e10345") is a valid
    PEP 440 version on its own.
    """
    if not text.startswith("v"):
        return False
    try:
        Version(text)
    except InvalidVersion:
        return False
    return tags is None or text in tags


def release_tags(src: str) -> dict[str, str]:
    """Release tags (`v` + PEP 440) of a template repository -> the commit they point at."""
    out = subprocess.run(["git", "ls-remote", "--tags", src], capture_output=True, text=True)
    if out.returncode != 0:
        raise UserError(f"cannot read the template's tags at '{src}': {out.stderr.strip()}")
    tags: dict[str, str] = {}
    for line in out.stdout.splitlines():
        sha, ref = line.split("\t")
        tag = ref.removeprefix("refs/tags/").removesuffix("^{}")
        if not is_release(tag):
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


# --------------------------------------------------------------------------- reading the state
def read_copier_answers(project: Path) -> dict[str, Any]:
    path = project / COPIER_ANSWERS
    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise UserError(
            f"{COPIER_ANSWERS} is not valid YAML{at}: fix it (or restore it with "
            f"`git checkout -- {COPIER_ANSWERS}`) and retry"
        ) from None
    if not isinstance(answers, dict):
        raise UserError(f"{COPIER_ANSWERS} must be a mapping of question: answer")
    if not answers.get("_src_path"):
        raise UserError(f"{COPIER_ANSWERS} has no _src_path: it does not say where the template is")
    return answers


def read_cruft_state(project: Path) -> dict[str, Any]:
    try:
        state = json.loads((project / CRUFT_STATE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{CRUFT_STATE} is not valid JSON: {one_line(error)}") from None
    if not isinstance(state, dict) or not isinstance(state.get("context"), dict):
        raise UserError(f"{CRUFT_STATE} has no 'context': it is not a cruft state file")
    return state


def _answers(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if not str(k).startswith("_")}


# --------------------------------------------------------------------------- the template
class TemplateClone:
    """One local clone of the template: renders at any version, its config at any version."""

    def __init__(self, src: str, root: Path) -> None:
        self.src = src
        self.path = root / "template"
        git.run(root, "clone", "-q", "--no-checkout", src, str(self.path))

    def checkout(self, ref: str) -> Path:
        git.run(self.path, "checkout", "-q", "--force", ref)
        return self.path

    def config(self, ref: str) -> dict[str, Any]:
        from mlops_cookie.questions import load

        self.checkout(ref)
        settings, _ = load(self.path / "copier.yml")
        return settings

    def render(self, ref: str, answers: dict[str, Any], dest: Path) -> dict[str, bytes] | None:
        """Relative path -> bytes of every file the template renders at `ref`; None if it can't."""
        return _collect(dest) if render_into(str(self.path), ref, answers, str(dest)) == 0 else None

    def render_in_background(self, ref: str, answers: dict[str, Any], dest: Path) -> Background:
        """The same render in another process, while the engine updates the project."""
        return Background(self.path, ref, answers, dest)


def render_into(template: str, ref: str, answers: dict[str, Any], dest: str) -> int:
    from copier import run_copy

    try:
        run_copy(template, dest, data=answers, vcs_ref=ref, defaults=True, quiet=True,
                 skip_tasks=True, overwrite=True)  # fmt: skip
    except Exception:  # an old release this copier cannot render: decide without it
        return 1
    return 0


def _collect(dest: Path) -> dict[str, bytes]:
    return {
        p.relative_to(dest).as_posix(): p.read_bytes()
        for p in dest.rglob("*")
        if p.is_file() and p.name != COPIER_ANSWERS
    }


class Background:
    """A render in a child process (a fresh interpreter: no fork of this one's state)."""

    CODE = (
        "import json, sys; from mlops_cookie.update import render_into; "
        "sys.exit(render_into(*json.loads(sys.argv[1])))"
    )

    def __init__(self, template: Path, ref: str, answers: dict[str, Any], dest: Path) -> None:
        self.dest = dest
        package_root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        arguments = json.dumps([str(template), ref, answers, str(dest)], default=str)
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.CODE, arguments],
            env={**os.environ, "PYTHONPATH": path},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def result(self) -> dict[str, bytes] | None:
        return _collect(self.dest) if self.process.wait() == 0 else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def migration_commands(
    config: dict[str, Any], context: dict[str, Any], from_version: str, to_version: str, stage: str
) -> list[tuple[Any, Path]]:
    """copier.yml's `_migrations` for versions in (from, to] and one stage, rendered as copier
    renders them: (command - a list, or a string for the shell -, working directory)."""
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(keep_trailing_newline=True)
    low, high = Version(from_version), Version(to_version)
    found = []
    for migration in config.get("_migrations") or []:
        if not isinstance(migration, dict) or "version" not in migration:
            continue  # copier's legacy and version-less forms: not used by this template
        current = str(migration["version"])
        if not low < Version(current) <= high:
            continue
        local = {**context, "_stage": stage, "_version_current": current,
                 "_version_pep440_current": Version(current)}  # fmt: skip
        when = env.from_string(str(migration.get("when", "{{ _stage == 'after' }}")))
        if when.render(local).strip().lower() in {"false", "", "0", "no", "n", "off", "none"}:
            continue
        command = migration["command"]
        if isinstance(command, str):
            rendered: Any = env.from_string(command).render(local)
        else:
            rendered = [env.from_string(str(part)).render(local) for part in command]
        workdir = env.from_string(str(migration.get("working_directory", "."))).render(local)
        found.append((rendered, Path(workdir)))
    return found


def _commands_of_update(config: dict[str, Any], context: dict[str, Any], old: str,
                        new: str) -> list[str]:  # fmt: skip
    """What the update would run: migrations in (old, new] and the template's tasks."""
    commands: list[str] = []
    if is_release(old) and is_release(new):
        for stage in ("before", "after"):
            for command, _ in migration_commands(config, context, old, new, stage):
                shown = command if isinstance(command, str) else " ".join(command)
                shown = shown.replace(sys.executable, "python")
                commands.append(shown.replace(context["_copier_conf"]["src_path"], "TEMPLATE"))
    if config.get("_tasks"):
        commands.append(f"{len(config['_tasks'])} task(s) of the template")
    return commands


def _migration_context(project: Path, clone: Path, src: str, answers: dict[str, Any], old: str,
                       new: str, answers_file: str) -> dict[str, Any]:  # fmt: skip
    """The variables copier gives a migration (the subset documented in docs/updating.md)."""
    return {
        **answers,
        "_version_from": old,
        "_version_to": new,
        "_version_pep440_from": Version(old) if is_release(old) else None,
        "_version_pep440_to": Version(new) if is_release(new) else None,
        "_copier_operation": "update",
        "_copier_python": sys.executable,
        "_folder_name": project.name,
        "_copier_conf": {
            "src_path": str(clone),
            "dst_path": str(project),
            "answers_file": answers_file,
            "vcs_ref": new,
            "sep": os.sep,
        },
    }


def _run_migrations(project: Path, commands: list[tuple[Any, Path]], context: dict[str, Any],
                    stage: str) -> None:  # fmt: skip
    env = {**os.environ, "STAGE": stage, "COPIER_OPERATION": "update"}
    for key in ("_version_from", "_version_to", "_version_pep440_from", "_version_pep440_to"):
        env[key[1:].upper()] = str(context[key])
    for command, workdir in commands:
        result = subprocess.run(command, cwd=project / workdir, capture_output=True, text=True,
                                shell=isinstance(command, str), env=env)  # fmt: skip
        if result.returncode != 0:
            shown = command if isinstance(command, str) else " ".join(command)
            raise UserError(f"migration {shown} failed: {one_line(RuntimeError(result.stderr))}")


# --------------------------------------------------------------------------- deletions
def _user_deleted(project: Path, path: str, start: str, answers_file: str) -> bool:
    """Did the user delete `path`? Only if their own commit did: the newest commit that added or
    deleted it deleted it, and that commit is neither a template update (it changes the answers
    file) nor the commit of a cruft migration. A file the template moved away (a migration, in
    an update commit) and later brings back is therefore not the user's deletion."""
    if _exists_at(project, start, path):
        return False
    last = git.run(project, "log", start, "--no-renames", "--diff-filter=AD", "--format=%H", "-1",
                   "--", path).strip()  # fmt: skip
    if not last:
        return False
    status = git.run(project, "show", "--no-renames", "--format=", "--name-status", last, "--",
                     path).split()  # fmt: skip
    if not status or status[0] != "D":
        return False
    message = git.run(project, "show", "-s", "--format=%B", last)
    touched = git.run(project, "show", "--no-renames", "--format=", "--name-only", last).split()
    return MIGRATION_TRAILER not in message and answers_file not in touched


def _content_at(project: Path, commit: str, path: str) -> bytes | None:
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=project, capture_output=True)
    return shown.stdout if shown.returncode == 0 else None


def _exists_at(project: Path, commit: str, path: str) -> bool:
    return _content_at(project, commit, path) is not None


def _matches(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _cruft_skip(project: Path) -> list[str]:
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    return [str(p) for p in data.get("tool", {}).get("cruft", {}).get("skip", [])]


# --------------------------------------------------------------------------- update
def update(
    project: Path,
    to_ref: str | None = None,
    data: dict[str, Any] | None = None,
    conflict: str = "inline",
    trust: bool = False,
) -> Report:
    """Update a generated project to the newest template release (or `to_ref`).

    An update that runs the template's commands (migrations, tasks) needs `trust=True`.
    """
    project = project.resolve()
    git.require_clean(project)
    data = data or {}
    if (project / COPIER_ANSWERS).is_file():
        answers = read_copier_answers(project)
        engine, src, answers_file = "copier", str(answers["_src_path"]), COPIER_ANSWERS
        commit = str(answers.get("_commit") or "")
    elif (project / CRUFT_STATE).is_file():
        state = read_cruft_state(project)
        engine, src, answers_file = "cruft", str(state.get("template", "")), CRUFT_STATE
        answers = dict(state["context"].get("cookiecutter") or {})
        commit = str(state.get("commit") or "")
    else:
        raise UserError(
            f"{project} has neither {COPIER_ANSWERS} nor {CRUFT_STATE}: it was not generated "
            "from the template; use `adopt` to bring it in"
        )
    check_source(src, answers_file)
    tags = release_tags(src)
    target = to_ref or latest_tag(src, tags)
    if engine == "copier":
        old = commit
    else:  # the release the project came from: the tag of its commit, else the commit itself
        old = next((tag for tag, sha in tags.items() if sha == commit), commit[:12])
    report = Report("update", engine, from_version=old, to_version=target or "HEAD")
    if not is_release(old, tags):
        report.notes.append(
            f"the project was generated from '{old}', not a release tag: the update compares "
            "against that commit; generate from released versions to get clean updates"
        )
    start = git.head(project)
    with tempfile.TemporaryDirectory(prefix="mlops-cookie-update-") as tmp:
        root = Path(tmp)
        clone = TemplateClone(src, root)
        new_ref = target or "HEAD"
        config = clone.config(new_ref)
        context = _migration_context(project, clone.path, src, _answers(answers), old, new_ref,
                                     answers_file)  # fmt: skip
        commands = _commands_of_update(config, context, old, new_ref)
        if commands and not trust:
            raise UserError(
                f"the update {old} -> {new_ref} runs the template's commands "
                f"({'; '.join(commands)}): review them, then pass --trust (nothing was changed)"
            )
        # the project's version renders in another process while the engine updates
        background = clone.render_in_background(commit or old, _answers(answers), root / "old")
        try:
            if engine == "copier":
                _update_copier(project, to_ref, data, conflict, trust)
                new_answers = read_copier_answers(project)
                report.to_version = str(new_answers.get("_commit", ""))
            else:
                _update_cruft(project, clone, config, context, old, target, data, report)
                new_answers = read_cruft_state(project)["context"].get("cookiecutter", {})
            new_render = clone.render(report.to_version or new_ref, _answers(new_answers),
                                      root / "new")  # fmt: skip
            old_render = background.result()
        finally:
            background.stop()
        if report.to_version == old and not data:
            report.notes.append("already at the newest release")
        _settle_files(project, start, answers_file, engine, old_render, new_render, report)
    report.conflicts = _conflicts(project)
    done = set(report.conflicts) | set(report.restored) | set(report.refreshed)
    report.changed = sorted(
        path
        for _, path in git.status(project)
        if path not in done and not path.startswith(f"{STATE_DIR}/")
    )
    return report


def _update_copier(project: Path, to_ref: str | None, data: dict, conflict: str,
                   trust: bool) -> None:  # fmt: skip
    from copier import run_update

    run_update(str(project), data=data, vcs_ref=to_ref, defaults=True, overwrite=True,
               unsafe=trust, quiet=True, conflict=conflict, skip_answered=True)  # fmt: skip


def _update_cruft(project: Path, clone: TemplateClone, config: dict[str, Any],
                  context: dict[str, Any], old: str, target: str | None, data: dict,
                  report: Report) -> None:  # fmt: skip
    import cruft

    migrate = bool(target) and is_release(old) and is_release(target or "")
    if migrate:
        before = migration_commands(config, context, old, target or "", "before")
        _run_migrations(project, before, context, "before")
        if git.run(project, "status", "--porcelain"):  # cruft needs a clean tree
            git.run(project, "add", "-A")
            message = f"Apply mlops-cookie migrations {old} -> {target}\n\n{MIGRATION_TRAILER}"
            git.run(project, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m",
                    message)  # fmt: skip
            report.notes.append(f"committed the template's migrations {old} -> {target} first")
    ok = cruft.update(project, checkout=target, skip_apply_ask=True, allow_untracked_files=False,
                      extra_context=data or None)  # fmt: skip
    if not ok:
        raise UserError("cruft could not update the project (see its message above)")
    if migrate:
        after = migration_commands(config, context, old, target or "", "after")
        _run_migrations(project, after, context, "after")


def _settle_files(project: Path, start: str, answers_file: str, engine: str,
                  old: dict[str, bytes] | None, new: dict[str, bytes] | None,
                  report: Report) -> None:  # fmt: skip
    """After the engine: deletions, files brought back, adopted files, what was not applied."""
    if new is None:
        report.notes.append(
            "could not render the template's versions to compare: deletions and unapplied "
            "changes are judged from git alone"
        )
        new = {}
    old = old or {}
    adopted, held = _adopted_files(project, "kept"), _adopted_files(project, "held")
    owned = _cruft_skip(project)  # every render carries the list, copier's projects too
    skip = owned if engine == "cruft" else []
    changed_now = {path for _, path in git.status(project)}
    for path in sorted(new):
        file = project / path
        if _user_deleted(project, path, start, answers_file):
            if file.exists() or file.is_symlink():  # the engine brought it back
                _remove(project, path)
            report.kept_deleted.append(path)
            if old.get(path) != new[path]:
                report.not_applied.append(f"{path} (you deleted it; the template changed it)")
                _save_template_version(project, path, new[path])
            continue
        if path in adopted:
            _settle_adopted(project, start, path, old.get(path), new[path], report)
            continue
        if path in held and not file.exists():  # held back at adoption until the user adds it
            if old.get(path) != new[path]:
                report.not_applied.append(f"{path} (held back by adopt: add it when ready)")
                _save_template_version(project, path, new[path])
            continue
        if not file.exists() and not file.is_symlink():
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(new[path])
            if path in old or not _matches(path, skip):
                report.restored.append(path)
            # else: a new file cruft skips in your folders; nothing of yours to protect
            continue
        if path not in old or old[path] == new[path] or not file.is_file():
            continue
        if file.read_bytes() == new[path]:
            continue
        if _content_at(project, start, path) == old[path]:
            # yours (_skip_if_exists / [tool.cruft] skip) but never changed since the template
            # wrote it: nothing to protect, so it gets the release's version like any other
            file.write_bytes(new[path])
            report.refreshed.append(path)
        elif path not in changed_now:
            report.not_applied.append(f"{path} (yours: the update leaves it alone)")
            _save_template_version(project, path, new[path])
        elif _matches(path, owned):  # only a migration changes a file the engines skip
            report.not_applied.append(f"{path} (yours: converted by the release's migration)")
            _save_template_version(project, path, new[path])
    for path in sorted(set(old) - set(new)):  # dropped by the release
        file = project / path
        if path in adopted or not file.is_file() or file.is_symlink():
            continue
        if file.read_bytes() == old[path] == _content_at(project, start, path):
            _remove(project, path)  # cruft keeps what its skip list covers; nothing of yours
        elif path not in changed_now:
            report.not_applied.append(f"{path} (the template removed it; yours, so kept)")
    # the engines' .rej next to an adopted file whose original we kept
    for path in adopted:
        rej = project / f"{path}.rej"
        if rej.is_file() and not _exists_at(project, start, f"{path}.rej"):
            rej.unlink()


def _remove(project: Path, path: str) -> None:
    """Delete a file from the work tree and the index."""
    (project / path).unlink()
    git.run(project, "rm", "-q", "--cached", "--ignore-unmatch", "--", path)


def _save_template_version(project: Path, path: str, content: bytes) -> None:
    saved = project / UPDATE_DIR / path
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(content)


def _adopted_files(project: Path, key: str) -> set[str]:
    """Paths `adopt` recorded: `kept` (the repository's own file) or `held` (not added)."""
    try:
        data = yaml.safe_load((project / ADOPTED).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return set()
    return {str(p) for p in data.get(key) or []} if isinstance(data, dict) else set()


def _settle_adopted(project: Path, start: str, path: str, old: bytes | None, new: bytes,
                    report: Report) -> None:  # fmt: skip
    """A file the repository had before `adopt`: the user's stays; the template's change is
    applied as a patch when its context is found in the user's file, else reported."""
    if _exists_at(project, start, path):
        git.run(project, "checkout", "-q", start, "--", path)  # undo whatever the engine did
    if old is None or old == new:
        return
    patch = "".join(
        difflib.unified_diff(
            old.decode("utf-8", "surrogateescape").splitlines(keepends=True),
            new.decode("utf-8", "surrogateescape").splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
    applied = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], cwd=project,
                             input=patch, capture_output=True, text=True)  # fmt: skip
    if applied.returncode != 0:
        report.not_applied.append(f"{path} (yours since adopt: the template's change does not fit)")
        _save_template_version(project, path, new)


def main(argv: list[str] | None = None) -> int:
    """`python -m mlops_cookie.update PROJECT [--to REF] [--conflict inline|rej] [--trust]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlops_cookie.update", description=__doc__)
    parser.add_argument("project", type=Path, nargs="?", default=Path.cwd())
    parser.add_argument("--to", dest="to_ref", help="template tag or commit (default: newest)")
    parser.add_argument("--conflict", choices=["inline", "rej"], default="inline")
    parser.add_argument("--trust", action="store_true", help="allow the template's commands")
    args = parser.parse_args(argv)
    try:
        report = update(args.project, args.to_ref, conflict=args.conflict, trust=args.trust)
    except UserError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    print(report.render())
    return report.exit_code


if __name__ == "__main__":
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")
    raise SystemExit(main())
