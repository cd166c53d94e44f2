"""The `mlops-cookie` command: new, update, adopt, check, workshop.

Built on click and on copier's Python API. Exit status, for every subcommand:
0 done; 1 something needs you (update conflicts, a maturity level below --min-level, a failed
install or render); 2 a problem with the arguments or the input, reported on one line
(`error: ...`) with nothing changed on disk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from mlops_cookie import __version__
from mlops_cookie.errors import MlopsCookieError, one_line
from mlops_cookie.options import data_option, parse_data, resolve_template, template_options
from mlops_cookie.steps import Steps, stderr_is_tty

EXIT_OK, EXIT_ATTENTION, EXIT_USER = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# --------------------------------------------------------------------------- errors
def fail(message: str, code: int = EXIT_USER) -> NoReturn:
    """Print `error: message` (one line per problem) on stderr and exit."""
    for line in str(message).strip().splitlines() or ["failed"]:
        click.echo(f"error: {line.strip()}", err=True)
    raise SystemExit(code)


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn every error the user can fix into `error: ...` and exit 2, never a traceback."""
    try:
        yield
    except MlopsCookieError as error:
        fail("\n".join(error.lines()))
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

    text = one_line(error)
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
@template_options
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
    from mlops_cookie import new as creating

    with errors_as_messages():
        answers = creating.read_answers_file(answers_file) if answers_file else {}
        answers.update(parse_data(data))
        created = creating.create(dest, template, vcs_ref, answers, defaults=defaults,
                                  trust=trust, make_git=git, install=install,
                                  steps=Steps(quiet))  # fmt: skip
        if not quiet:
            click.echo(created.next_steps())
        if created.installed is False:
            raise SystemExit(EXIT_ATTENTION)


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
@data_option
@click.option(
    "--trust",
    is_flag=True,
    help="Allow the template's commands (migrations, tasks); needed when the update runs any.",
)
def update(path: Path, to_ref: str | None, conflict: str, data: tuple[str, ...],
           trust: bool) -> None:  # fmt: skip
    """Update the generated project at PATH (default: .) to the newest template release.

    Refuses a work tree with uncommitted changes, never overwrites your edits, and lists what
    changed, what was not applied and every conflict. An update that would run the template's
    commands (migrations, tasks) needs --trust. Exit 1 when a conflict needs you.
    """
    from mlops_cookie import update as updating

    with errors_as_messages():
        answers = parse_data(data)
        _require_folder(path)
        with Steps(False).step("Updating", "update finished"):
            report = updating.update(path, to_ref, data=answers, conflict=conflict, trust=trust)
        click.echo(report.render())
        raise SystemExit(report.exit_code)


@cli.command(
    context_settings=CONTEXT, short_help="Bring an existing repository under the template."
)
@click.argument("path", type=click.Path(path_type=Path))
@template_options
def adopt(path: Path, template: str | None, vcs_ref: str | None, data: tuple[str, ...]) -> None:
    """Bring the repository at PATH, never generated from the template, under it.

    Adds the template's files the repository lacks, keeps every file it has (the template's
    version of a differing file is saved under .mlops-cookie/adopt/ to compare) and writes
    .copier-answers.yml so that `mlops-cookie update` works next. project_name defaults to the
    folder's name. Everything is checked before the first file is written. Exit 1 when files
    differ or something needs a decision.
    """
    from mlops_cookie import adopt as adopting

    with errors_as_messages():
        answers = parse_data(data)
        _require_folder(path)
        source = resolve_template(template)
        with Steps(False).step("Adopting", "adoption finished"):
            report = adopting.adopt(path, source, answers, vcs_ref=vcs_ref)
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
@template_options
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

    --data answers apply to every attendee (e.g. ci_provider=gitlab). Every row is checked
    first (errors name the line); each repository contains the example
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
    tty = stderr_is_tty()
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
