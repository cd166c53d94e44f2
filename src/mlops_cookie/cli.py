"""The `mlops-cookie` command: new, update, adopt, check, workshop.

Built on click and on copier's Python API. Exit status, for every subcommand:
0 done; 1 something needs you (update conflicts, a maturity level below --min-level, a failed
install or render); 2 a problem with the arguments or the input, reported on one line
(`error: ...`) with nothing changed on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from mlops_cookie import __version__
from mlops_cookie.questions import REPO_ROOT, load, visible
from mlops_cookie.update import UserError

PUBLIC_TEMPLATE = "https://github.com/mlops-cookie/mlops-cookie"
EXIT_OK, EXIT_ATTENTION, EXIT_USER = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# --------------------------------------------------------------------------- helpers
def fail(message: str, code: int = EXIT_USER) -> NoReturn:
    """Print `error: message` (one line per problem) on stderr and exit."""
    for line in str(message).strip().splitlines() or ["failed"]:
        click.echo(f"error: {line.strip()}", err=True)
    raise SystemExit(code)


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 2 else lines[-1]


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn every error the user can fix into `error: ...` and exit 2, never a traceback."""
    from mlops_cookie.check import CheckError
    from mlops_cookie.workshop import RosterError

    try:
        yield
    except RosterError as error:
        fail("\n".join(error.problems))
    except (UserError, CheckError) as error:
        fail(_one_line(error))
    except KeyboardInterrupt as error:  # workshop.Interrupted says what was kept
        click.echo(f"aborted: {error}" if str(error) else "aborted", err=True)
        raise SystemExit(130) from None
    except Exception as error:
        message = copier_message(error)
        if message is None:
            raise
        fail(message)


def copier_message(error: BaseException) -> str | None:
    """One line for the errors copier, git and the file system raise on bad input; else None."""
    from copier.errors import (
        CopierAnswersInterrupt,
        InteractiveSessionError,
        UnsafeTemplateError,
        UserMessageError,
    )
    from plumbum import ProcessExecutionError

    text = _one_line(error)
    if isinstance(error, CopierAnswersInterrupt):
        return "aborted: no project was created"
    if isinstance(error, UnsafeTemplateError):
        return "the template runs commands (tasks or migrations): review it, then pass --trust"
    if isinstance(error, InteractiveSessionError):
        return "no terminal to ask the questions on: pass --defaults (and --data KEY=VALUE)"
    if isinstance(error, ValueError) and "Validation error for question" in str(error):
        return str(error).split(": ", 1)[-1].strip().replace("\n", " ")
    required = re.match(r'Question "(\w+)" is required', text)
    if required:
        name = required.group(1)
        return f"{name} is required: answer it with --data {name}=VALUE (or leave out --defaults)"
    if isinstance(error, ProcessExecutionError):
        stderr = [line for line in (error.stderr or "").splitlines() if line.strip()]
        return f"git failed: {stderr[-1].strip() if stderr else text}"
    if isinstance(error, UserMessageError | ValueError | OSError):
        return text
    return None


def parse_data(pairs: tuple[str, ...]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--data '{pair}': expected KEY=VALUE, e.g. --data project_name='Churn Model'")
        data[key.strip()] = value
    return data


def is_local(source: str) -> bool:
    return "://" not in source and not source.startswith(("git@", "gh:", "gl:"))


def default_template() -> str:
    """This package's own repository when installed from a checkout, else the public one."""
    return str(REPO_ROOT) if (REPO_ROOT / "copier.yml").is_file() else PUBLIC_TEMPLATE


def resolve_template(source: str | None) -> str:
    """A template source copier can record for later updates: URLs as given, paths absolute."""
    source = source or default_template()
    if not is_local(source):
        return source
    path = Path(source).expanduser()
    if not path.exists():
        fail(f"template {source} does not exist")
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        fail(f"{source} is not a copier template (no copier.yml)")
    return str(path.resolve())


def check_question_names(template: str, data: dict[str, Any]) -> None:
    """Refuse answers to questions the template does not ask (typos), for local templates."""
    if not is_local(template) or not (Path(template) / "copier.yml").is_file():
        return
    _, questions = load(Path(template) / "copier.yml")
    known = {q.name for q in visible(questions)}
    unknown = sorted(set(data) - known)
    if unknown:
        fail(
            f"the template has no question {', '.join(unknown)}; "
            f"its questions: {', '.join(sorted(known))}"
        )


class Steps:
    """Progress of the slow steps: a spinner on a terminal, one line per finished step."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    @contextmanager
    def step(self, doing: str, done: str) -> Iterator[dict[str, str]]:
        info: dict[str, str] = {}
        start = time.perf_counter()
        if self.quiet:
            yield info
            return
        if _stderr_is_tty():
            from rich.console import Console

            with Console(stderr=True).status(f"{doing}..."):
                yield info
        else:
            yield info
        seconds = time.perf_counter() - start
        detail = f" {info['detail']}" if info.get("detail") else ""
        click.echo(f"  {done}{detail} ({seconds:.1f} s)", err=True)


# --------------------------------------------------------------------------- the group
@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="mlops-cookie")
def cli() -> None:
    """Create, update, adopt and assess ML repositories with the mlops-cookie template.

    \b
      mlops-cookie new my-model                  answer the questions, render, next steps
      mlops-cookie update my-model               newest template release, never losing an edit
      mlops-cookie adopt legacy-repo             bring an existing repository under the template
      mlops-cookie check any-repo                MLOps maturity level (0-4) and what to add next
      mlops-cookie workshop roster.csv repos/    one repository per workshop attendee

    Exit status: 0 done, 1 something needs you, 2 bad arguments or input (nothing changed).
    """


# --------------------------------------------------------------------------- new
@cli.command(
    context_settings=CONTEXT, short_help="Create a project: questions, render, next steps."
)
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option(
    "-t",
    "--template",
    metavar="URL|PATH",
    help="Template to render [default: this package's repository, else the public one].",
)
@click.option(
    "--vcs-ref", metavar="REF", help="Template tag, branch or commit [default: newest tag]."
)
@click.option(
    "-d", "--data", multiple=True, metavar="KEY=VALUE", help="An answer; repeat for more."
)
@click.option(
    "-a",
    "--answers-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="YAML file of answers, e.g. another project's .copier-answers.yml.",
)
@click.option(
    "--defaults",
    is_flag=True,
    help="Take the default for every question not answered (no prompts).",
)
@click.option(
    "--trust", is_flag=True, help="Allow a template that runs commands (tasks, migrations)."
)
@click.option(
    "--git/--no-git",
    default=True,
    show_default=True,
    help="Make the project a git repository with a first commit.",
)
@click.option("--install", is_flag=True, help="Then run `make install` in it (creates .venv/).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def new(dest: Path | None, template: str | None, vcs_ref: str | None, data: tuple[str, ...],
        answers_file: Path | None, defaults: bool, trust: bool, git: bool, install: bool,
        quiet: bool) -> None:  # fmt: skip
    """Create a new project in DEST (default: a folder named after the project).

    Asks the template's questions unless --defaults is given; --data and --answers-file answer
    them up front. Prints the next steps when done.
    """
    with errors_as_messages():
        answers = _read_answers_file(answers_file) if answers_file else {}
        answers.update(parse_data(data))
        source = resolve_template(template)
        check_question_names(source, answers)
        if not defaults and not sys.stdin.isatty():
            fail("no terminal to ask the questions on: pass --defaults (and --data KEY=VALUE)")
        if dest is not None and dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            fail(f"{dest} exists and is not empty: choose a new folder")
        steps = Steps(quiet)
        target = _render_new(source, dest, answers, defaults, vcs_ref, trust, steps)
        project = yaml.safe_load((target / ".copier-answers.yml").read_text(encoding="utf-8"))
        if git:
            _git_first_commit(target, str(project.get("_commit") or ""), steps)
        installed = _install(target, steps) if install else None
        if not quiet:
            click.echo(_next_steps(target, project, installed))
        if installed is False:
            raise SystemExit(EXIT_ATTENTION)


def _read_answers_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        fail(f"answers file {path} does not exist")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        fail(f"answers file {path} is not valid YAML: {_one_line(error)}")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        fail(f"answers file {path} must be a mapping of question: answer")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def _render_new(source: str, dest: Path | None, answers: dict[str, Any], defaults: bool,
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
        if not steps.quiet:
            click.echo(f"  note: {note}", err=True)
    if dest is None:
        slug = yaml.safe_load((target / ".copier-answers.yml").read_text())["project_slug"]
        final = Path.cwd() / slug
        if final.exists():
            shutil.rmtree(target, ignore_errors=True)
            fail(f"{final} exists already: pass a DEST folder")
        target.rename(final)
        target = final
    return target


def _git_first_commit(project: Path, version: str, steps: Steps) -> None:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True)

    if shutil.which("git") is None:
        click.echo("  note: git is not installed: the project is not a git repository", err=True)
        return
    with steps.step("Creating the git repository", "git repository created") as info:
        git("init", "-q", "-b", "main")
        git("add", "-A")
        message = f"Generate from mlops-cookie {version}".strip()
        committed = git("-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message)
        if committed.returncode == 0:
            info["detail"] = "with a first commit"
        else:
            info["detail"] = "(files staged; commit them yourself: git commit)"


def _install(project: Path, steps: Steps) -> bool:
    if shutil.which("make") is None:
        click.echo("  note: make is not installed: skipped the install", err=True)
        return False
    with steps.step("Installing .venv/ (make install)", "installed .venv/") as info:
        result = subprocess.run(["make", "install"], cwd=project, capture_output=True, text=True)
        if result.returncode != 0:
            info["detail"] = "FAILED"
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-20:]
        click.echo("\n".join(["make install failed; its last lines:", *tail]), err=True)
        return False
    return True


def _next_steps(project: Path, answers: dict[str, Any], installed: bool | None) -> str:
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


# --------------------------------------------------------------------------- update / adopt
@cli.command(
    context_settings=CONTEXT,
    short_help="Update a generated project to the newest template release.",
)
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--to", "to_ref", metavar="REF", help="Template tag or commit [default: newest release]."
)
@click.option(
    "--conflict",
    type=click.Choice(["inline", "rej"]),
    default="inline",
    show_default=True,
    help="How copier leaves conflicts: inline markers or .rej files.",
)
@click.option(
    "-d", "--data", multiple=True, metavar="KEY=VALUE", help="Change an answer; repeat for more."
)
def update(path: Path, to_ref: str | None, conflict: str, data: tuple[str, ...]) -> None:
    """Update the generated project at PATH (default: .) to the newest template release.

    Refuses a work tree with uncommitted changes, never overwrites your edits, and lists what
    changed and every conflict. Exit 1 when a conflict needs you.
    """
    from mlops_cookie import update as updating

    with errors_as_messages():
        answers = parse_data(data)
        _require_folder(path)
        with Steps(False).step("Updating", "update finished"):
            report = updating.update(path, to_ref, data=answers, conflict=conflict)
        click.echo(report.render())
        raise SystemExit(report.exit_code)


@cli.command(
    context_settings=CONTEXT, short_help="Bring an existing repository under the template."
)
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "-t",
    "--template",
    metavar="URL|PATH",
    help="Template to adopt [default: this package's repository, else the public one].",
)
@click.option("--vcs-ref", metavar="REF", help="Template tag or commit [default: newest release].")
@click.option(
    "-d",
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer (project_name defaults to the folder's name); repeat for more.",
)
def adopt(path: Path, template: str | None, vcs_ref: str | None, data: tuple[str, ...]) -> None:
    """Bring the repository at PATH, never generated from the template, under it.

    Adds the template's files the repository lacks, keeps every file it has (the template's
    version of a differing file is saved under .mlops-cookie/adopt/ to compare) and writes
    .copier-answers.yml so that `mlops-cookie update` works next. Exit 1 when files differ.
    """
    from mlops_cookie import update as updating

    with errors_as_messages():
        answers = parse_data(data)
        _require_folder(path)
        source = resolve_template(template)
        check_question_names(source, answers)
        with Steps(False).step("Adopting", "adoption finished"):
            report = updating.adopt(path, source, answers, vcs_ref=vcs_ref)
        click.echo(report.render())
        raise SystemExit(report.exit_code)


def _require_folder(path: Path) -> None:
    if not path.exists():
        fail(f"{path} does not exist")
    if not path.is_dir():
        fail(f"{path} is not a folder")


# --------------------------------------------------------------------------- check
@cli.command(
    context_settings=CONTEXT,
    short_help="Rate a repository's MLOps maturity (0-4) and say what to add next.",
)
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--min-level",
    type=click.IntRange(0, 4),
    metavar="N",
    help="Exit 1 when the level is below N (for CI).",
)
def check(path: Path, as_json: bool, min_level: int | None) -> None:
    """Rate the MLOps maturity of the repository at PATH (default: .), generated or not.

    Looks for evidence of each practice in the files (lint configuration, tests, quality gate,
    CI, CD with approval, IaC, serving, monitoring, drift, load test, data/model versioning, docs,
    issue templates), gives a level from 0 (ad hoc) to 4 (monitored operations) and what to add
    next.
    """
    import json

    from mlops_cookie.check import check as assess
    from mlops_cookie.check import dumps

    with errors_as_messages():
        result = assess(path)
    below = min_level is not None and result.level < min_level
    if as_json:
        payload = json.loads(dumps(result))
        if min_level is not None:
            payload.update(min_level=min_level, passed=not below)
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(result.render())
        if min_level is not None:
            verdict = "below" if below else "meets"
            click.echo(f"\nlevel {result.level} {verdict} the required level {min_level}")
    raise SystemExit(EXIT_ATTENTION if below else EXIT_OK)


# --------------------------------------------------------------------------- workshop
@cli.command(
    context_settings=CONTEXT,
    short_help="Render one repository per workshop attendee from a CSV roster.",
)
@click.argument("roster", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "-t",
    "--template",
    metavar="URL|PATH",
    help="Template to render [default: this package's repository, else the public one].",
)
@click.option("--vcs-ref", metavar="REF", help="Template tag or commit [default: newest tag].")
@click.option(
    "-d",
    "--data",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer for every attendee (e.g. ci_provider=gitlab); repeat for more.",
)
@click.option(
    "--title",
    default="MLOps Workshop",
    show_default=True,
    help="Workshop name: project names are 'TITLE - NAME'.",
)
@click.option(
    "--prefix",
    default="mlops",
    show_default=True,
    help="Repository names are PREFIX-HANDLE ('' for the handle alone).",
)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Processes [default: CPU count].")
@click.option(
    "--git/--no-git",
    default=True,
    show_default=True,
    help="Make each repository a git repository with a first commit by its attendee.",
)
@click.option(
    "--skip-existing", is_flag=True, help="Keep repositories OUT has already; render the rest."
)
def workshop(roster: Path, out: Path, template: str | None, vcs_ref: str | None,
             data: tuple[str, ...], title: str, prefix: str, jobs: int | None, git: bool,
             skip_existing: bool) -> None:  # fmt: skip
    """Render one repository per attendee of ROSTER (CSV: name,handle[,email]) into OUT.

    Every row is checked first (errors name the line); each repository contains the example
    pipeline and is what `copier copy` renders for that attendee, so it can be updated later.
    OUT/FACILITATOR.md lists attendees, repositories and next steps (OUT/attendees.csv too).
    """
    from mlops_cookie import workshop as workshops

    with errors_as_messages():
        shared = parse_data(data)
        source = resolve_template(template)
        report = _workshop_progress()
        result = workshops.run(roster, out, source, vcs_ref=vcs_ref, shared=shared, title=title,
                               prefix=prefix, jobs=jobs, git=git, skip_existing=skip_existing,
                               progress=report)  # fmt: skip
    click.echo(result.render())
    raise SystemExit(EXIT_ATTENTION if result.failed else EXIT_OK)


def _workshop_progress() -> Callable[[int, int, Any], None]:
    """Progress without threads (the renders run in forked processes)."""
    tty = _stderr_is_tty()
    printed = {"quarter": 0}

    def report(done: int, total: int, attendee: Any) -> None:
        if tty:
            click.echo(
                f"\r  rendered {done}/{total}: {attendee.slug:<40}", err=True, nl=done == total
            )
            return
        quarter = done * 4 // total
        if quarter > printed["quarter"]:
            printed["quarter"] = quarter
            click.echo(f"  rendered {done}/{total}", err=True)

    return report


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")  # a private template URL fails, never hangs
    try:
        cli.main(args=argv, prog_name="mlops-cookie", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else EXIT_USER
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
