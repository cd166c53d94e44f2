"""One repository per workshop attendee, from a roster, plus a facilitator summary.

Each repository is exactly what `copier copy` renders for that attendee's answers (the same
files and the same `.copier-answers.yml`, so `copier update` works for them later). Rendering is
made fast without changing the result: the template is cloned once and its Jinja environment
(compiled templates) is reused across attendees, in a pool of processes. Where copier's
internals needed for that are not available, each attendee is rendered with the public
`copier.run_copy` instead (slower, same output).

The roster is a UTF-8 CSV file with a header: `name,handle[,email]` (other columns are kept in
the summary). Every row is checked, with the template's own validators, before anything is
written; each problem is reported on one line with its line number.
"""

from __future__ import annotations

import csv
import functools
import io
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from mlops_cookie.errors import UserError
from mlops_cookie.questions import Question, load, visible

ROSTER_COLUMNS = ("name", "handle")
PER_ATTENDEE = ("project_name", "project_slug", "package_name", "author_name", "author_email")
SUMMARY_MD = "FACILITATOR.md"
SUMMARY_CSV = "attendees.csv"
MODULES = (
    ("iac", "Infrastructure as code"),
    ("ci", "CI and automated testing"),
    ("cd", "Continuous delivery"),
    ("release", "Release management"),
    ("monitoring", "Monitoring and drift"),
    ("loadtest", "Load testing and autoscaling"),
)


STAGING_PREFIX = ".mlops-cookie-staging-"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C: the renders stopped; what was finished is complete, the rest was not written."""


class RosterError(UserError):
    """Problems in the roster: one message per line of the roster."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Attendee:
    line: int
    name: str
    handle: str
    email: str
    slug: str
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def package(self) -> str:
        return self.slug.replace("-", "_")

    def answers(self, title: str, shared: dict[str, Any]) -> dict[str, Any]:
        return {
            **shared,
            "project_name": f"{title} - {self.name}" if title else self.name,
            "project_slug": self.slug,
            "package_name": self.package,
            "author_name": self.name,
            "author_email": self.email or f"{self.slug}@example.com",
            "include_example": True,
            "workshop": True,  # the module checks (scripts/workshop_check.py), recorded
        }


def slugify(handle: str) -> str:
    """`@Zoë_Smith` -> `zoe-smith`: lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", handle).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_roster(path: Path, prefix: str = "mlops") -> list[Attendee]:
    """Read and check the roster; raise RosterError listing every bad line."""
    if not path.exists():
        raise UserError(f"roster {path} does not exist")
    if not path.is_file():
        raise UserError(f"roster {path} is not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(
            f"roster {path} is not UTF-8 text (byte {error.start}): save it as UTF-8 CSV"
        ) from None
    except OSError as error:
        raise UserError(f"cannot read roster {path}: {error.strerror}") from None
    try:
        rows = _csv_rows(text)
    except _StretchedRow as error:
        raise UserError(f"{path}:{error}") from None
    header_index = next((i for i, (_, row) in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_index is None:
        raise UserError(f"roster {path} is empty: expected a header line 'name,handle,email'")
    header_line, header_row = rows[header_index]
    header = [c.strip().lower() for c in header_row]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        raise UserError(
            f"{path}:{header_line}: the header must name the columns name and handle "
            f"(email optional), e.g. 'name,handle,email'; missing: {', '.join(missing)}"
        )
    problems: list[str] = []
    attendees: list[Attendee] = []
    seen: dict[str, int] = {}
    for number, row in rows[header_index + 1 :]:
        if not any(c.strip() for c in row):
            continue
        where = f"{path}:{number}"
        if len(row) > len(header):
            problems.append(
                f"{where}: {len(row)} fields but the header has {len(header)} "
                "(a comma in a name? quote the name)"
            )
            continue
        values = dict(zip(header, [c.strip() for c in row], strict=False))
        name, handle, email = (
            values.get("name", ""),
            values.get("handle", ""),
            values.get("email", ""),
        )
        if not name:
            problems.append(f"{where}: the name is empty")
            continue
        if not handle:
            problems.append(f"{where}: the handle of {name} is empty")
            continue
        base = slugify(handle)
        if not base:
            problems.append(
                f"{where}: the handle '{handle}' has no letters or digits to name a repository"
            )
            continue
        slug = f"{prefix}-{base}" if prefix else base
        if not slug[0].isalpha():
            problems.append(
                f"{where}: the handle '{handle}' starts with a digit: "
                "use a prefix (--prefix) or another handle"
            )
            continue
        if slug in seen:
            problems.append(
                f"{where}: the handle '{handle}' gives the repository name '{slug}', "
                f"like line {seen[slug]}"
            )
            continue
        seen[slug] = number
        extra = {k: v for k, v in values.items() if k not in {"name", "handle", "email"} and v}
        attendees.append(Attendee(number, name, handle, email, slug, extra))
    if problems:
        raise RosterError(problems)
    if not attendees:
        raise UserError(f"roster {path} has a header but no attendees")
    return attendees


class _StretchedRow(Exception):
    """A row that runs over several lines: "LINE: what is wrong"."""


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """The roster's rows with the line each starts on. A row the parser had to stretch over
    several lines (an unbalanced quote swallows the next attendees) is refused: no name or
    handle spans lines, so it is always a typo."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:  # e.g. an open quote swallowing more than the field limit
            raise _StretchedRow(
                f"{start}: the row starting here is not valid CSV ({error}): an unbalanced "
                'quote (")? close it, or double it ("") inside a quoted name'
            ) from None
        if reader.line_num > start:
            raise _StretchedRow(
                f'{start}: an unbalanced quote (") makes this row run over lines '
                f"{start}-{reader.line_num}, merging attendees: close the quote, or double it "
                '("") inside a quoted name'
            )
        rows.append((start, row))
        start = reader.line_num + 1


# --------------------------------------------------------------------------- answers
def _coerce(question: Question, value: Any) -> tuple[Any, str | None]:
    if question.type == "bool" and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in {"true", "false", "yes", "no", "y", "n", "1", "0", "on", "off"}:
            return None, f"{question.name} '{value}' is not allowed: answer true or false"
        return text in {"true", "yes", "y", "1", "on"}, None
    if question.choices and value not in question.choices:
        allowed = ", ".join(map(str, question.choices))
        return None, f"{question.name} '{value}' is not allowed: choose one of {allowed}"
    return value, None


def answer_error(questions: list[Question], answers: dict[str, Any]) -> str | None:
    """The first answer copier.yml's validators refuse (defaults filled in as copier does)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    context = {q.name: q.default for q in questions if q.hidden and q.name != "cookiecutter"}
    for question in visible(questions):
        if question.name in answers:
            value = answers[question.name]
        elif isinstance(question.default, str) and "{" in question.default:
            value = env.from_string(question.default).render(context)
        else:
            value = question.default
        value, error = _coerce(question, "" if value is None else value)
        if error:
            return error
        context[question.name] = value
    for question in visible(questions):
        if question.validator:
            message = env.from_string(question.validator).render(context).strip()
            if message:
                return message
    return None


def check_answers(
    template_dir: Path, attendees: list[Attendee], title: str, shared: dict[str, Any], roster: Path
) -> None:
    """Refuse shared answers or roster rows that the template's validators refuse."""
    _, questions = load(template_dir / "copier.yml")
    names = {q.name for q in visible(questions)}
    unknown = sorted(set(shared) - names)
    if unknown:
        raise UserError(f"unknown question(s) in --data: {', '.join(unknown)}; see docs/options.md")
    fixed = sorted(set(shared) & set(PER_ATTENDEE))
    if fixed:
        raise UserError(
            f"--data {', '.join(fixed)}: set per attendee from the roster; not allowed here"
        )
    if str(shared.get("include_example", "true")).lower() in {"false", "no", "n", "0", "off"}:
        raise UserError("include_example=false: workshops need the example pipeline")
    if str(shared.get("workshop", "true")).lower() in {"false", "no", "n", "0", "off"}:
        raise UserError("workshop=false: workshop repositories carry the module checks")
    probe = Attendee(0, "Facilitator", "facilitator", "facilitator@example.com", "workshop-probe")
    error = answer_error(questions, probe.answers(title, shared))
    if error:
        raise UserError(f"--data: {error}")
    problems = []
    for attendee in attendees:
        error = answer_error(questions, attendee.answers(title, shared))
        if error:
            problems.append(f"{roster}:{attendee.line}: {error}")
    if problems:
        raise RosterError(problems)


# --------------------------------------------------------------------------- rendering
# Per process: the cloned template and copier's Jinja environment, reused for every attendee.
_STATE: dict[str, Any] = {}


def _fast_path_available() -> bool:
    try:
        from mlops_cookie._copier import SettingsModel, Template, Worker  # noqa: F401
    except ImportError:
        return False
    return all(
        isinstance(Worker.__dict__.get(name), functools.cached_property)
        for name in ("template", "jinja_env")
    )


def _shared_template(src: str, ref: str | None) -> Any:
    key = (src, ref)
    if _STATE.get("key") != key:
        from mlops_cookie._copier import Template

        template = Template(url=src, ref=ref)
        template.local_abspath  # noqa: B018 - clones once, here
        _STATE.clear()
        _STATE.update(key=key, template=template, env=None)
    return _STATE["template"]


def copy_one(src: str, ref: str | None, dst: Path, data: dict[str, Any], fast: bool) -> None:
    """Render one project, exactly as `copier.run_copy(src, dst, data, defaults=True)` does."""
    if not fast:
        from copier import run_copy

        run_copy(src, dst, data=data, vcs_ref=ref, defaults=True, quiet=True)
        return
    from mlops_cookie._copier import SettingsModel, Worker

    template = _shared_template(src, ref)
    worker = Worker(src_path=src, dst_path=dst, data=data, vcs_ref=ref, defaults=True, quiet=True,
                    settings=SettingsModel.from_file())  # fmt: skip
    worker.__dict__["template"] = template  # the one clone, not one per attendee
    if _STATE["env"] is not None:
        worker.__dict__["jinja_env"] = _STATE["env"]  # compiled templates are kept
    with worker:
        worker.run_copy()
    _STATE["env"] = worker.jinja_env


def _git_commit(project: Path, name: str, email: str, message: str) -> None:
    """`git init` and a first commit authored by the attendee."""
    author = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    env = {**os.environ, **author}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", f"user.name={name}", "-c", f"user.email={email}", "-c", "commit.gpgsign=false",
        "commit", "-q", "--no-verify", "-m", message)  # fmt: skip


def _render_job(job: dict[str, Any]) -> tuple[int, float, str | None]:
    """Render into the staging folder, commit, then move into place: an attendee's folder
    appears in OUT only complete and committed (a rename on the same file system is atomic)."""
    start = time.perf_counter()
    dst = Path(job["dst"])
    _CURRENT["dst"] = str(dst)
    try:
        copy_one(job["src"], job["ref"], dst, job["data"], job["fast"])
        if job["git"]:
            _git_commit(
                dst, job["data"]["author_name"], job["data"]["author_email"], job["message"]
            )
        dst.rename(job["final"])
    except Exception as error:  # reported per attendee by the caller
        shutil.rmtree(dst, ignore_errors=True)
        return job["index"], time.perf_counter() - start, f"{type(error).__name__}: {error}"
    except BaseException:  # Ctrl-C in this process: leave nothing behind
        shutil.rmtree(dst, ignore_errors=True)
        raise
    finally:
        _CURRENT.clear()
    return job["index"], time.perf_counter() - start, None


_CURRENT: dict[str, str] = {}  # the folder a worker is rendering


def _worker_signals() -> None:
    """In a pool worker, Ctrl-C (the terminal signals the whole process group) or the
    parent's SIGTERM removes the half-rendered folder and ends the process at once. Not an
    exception: the executor's worker loop would catch it and take the next attendee."""

    def stop(signum: int, frame: Any) -> None:
        if "dst" in _CURRENT:
            shutil.rmtree(_CURRENT["dst"], ignore_errors=True)
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def incomplete(repo: Path, git: bool) -> str | None:
    """Why an existing attendee folder is not a finished repository (an interrupted run of an
    older mlops-cookie left such folders), else None."""
    if not (repo / ".copier-answers.yml").is_file():
        return "no .copier-answers.yml"
    if git or (repo / ".git").exists():
        head = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo, capture_output=True
        )
        if not (repo / ".git").exists() or head.returncode != 0:
            return "no git commit"
    return None


def _remove_stale_staging(out: Path) -> None:
    """Staging folders of runs that were killed (not interrupted: those clean up)."""
    for folder in out.glob(STAGING_PREFIX + "*"):
        pid = folder.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ValueError:
            continue
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # alive, another user's
            continue


@dataclass
class WorkshopResult:
    out: Path
    attendees: list[Attendee]
    rendered: list[Attendee]
    skipped: list[Attendee]
    failed: list[tuple[Attendee, str]]
    seconds: float
    jobs: int
    fast: bool
    template: str
    version: str

    def render(self) -> str:
        lines = [
            f"workshop: {len(self.rendered)} repositories rendered in {self.seconds:.1f} s "
            f"({self.jobs} process{'es' if self.jobs > 1 else ''}) into {self.out}",
        ]
        if self.skipped:
            lines.append(
                f"kept {len(self.skipped)} existing: " + ", ".join(a.slug for a in self.skipped)
            )
        for attendee, error in self.failed:
            lines.append(f"FAILED {attendee.slug} (line {attendee.line}): {error}")
        lines.append(f"facilitator summary: {self.out / SUMMARY_MD} (and {SUMMARY_CSV})")
        return "\n".join(lines)


@contextmanager
def _template_checkout(src: str, ref: str | None) -> Iterator[tuple[Path, str, Any]]:
    """The template's files (cloned once), the version copier records, and copier's Template
    object for that clone (None when copier's internals are not available)."""
    try:
        from mlops_cookie._copier import Template
    except ImportError:  # public API only: read a local template in place, else clone it
        with tempfile.TemporaryDirectory(prefix="mlops-cookie-template-") as tmp:
            local = Path(src)
            if not local.is_dir():
                branch = ["--branch", ref] if ref else []
                _run_git(["clone", "-q", *branch, src, tmp], Path.cwd())
                local = Path(tmp)
            yield local, ref or "", None
        return
    template = Template(url=src, ref=ref)
    try:
        try:
            local, version = template.local_abspath, str(template.commit or ref or "")
        except Exception as error:
            raise UserError(f"cannot read the template at '{src}': {_one_line(error)}") from None
        yield local, version, template
    finally:
        from mlops_cookie._copier import cleanup

        cleanup(template)


def _run_git(args: list[str], cwd: Path) -> None:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"git {args[0]} failed: {_one_line(RuntimeError(result.stderr))}")


def run(
    roster: Path,
    out: Path,
    template: str,
    *,
    vcs_ref: str | None = None,
    shared: dict[str, Any] | None = None,
    title: str = "MLOps Workshop",
    prefix: str = "mlops",
    jobs: int | None = None,
    git: bool = True,
    skip_existing: bool = False,
    progress: Callable[[int, int, Attendee], None] | None = None,
) -> WorkshopResult:
    """Render one repository per attendee of `roster` into `out`; write the summary."""
    shared = dict(shared or {})
    attendees = read_roster(roster, prefix)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a folder")
    existing = [a for a in attendees if (out / a.slug).exists()]
    if existing and skip_existing:
        broken = [(a, incomplete(out / a.slug, git)) for a in existing]
        broken = [(a, why) for a, why in broken if why]
        if broken:
            a, why = broken[0]
            more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
            raise UserError(
                f"{out / a.slug} is not a finished repository ({why}){more}: left by an "
                "interrupted run? remove it, then run again with --skip-existing"
            )
    if existing and not skip_existing:
        names = ", ".join(a.slug for a in existing[:5]) + (" ..." if len(existing) > 5 else "")
        raise UserError(
            f"{len(existing)} repositories exist already in {out} ({names}): remove them, choose "
            "another folder, or pass --skip-existing to render only the missing ones"
        )
    start = time.perf_counter()
    todo = [a for a in attendees if a not in existing]

    def finished(done: int, index: int) -> None:
        if progress:
            progress(done, len(todo), todo[index])

    with _template_checkout(template, vcs_ref) as (template_dir, version, cloned):
        if not (template_dir / "copier.yml").is_file():
            raise UserError(f"'{template}' is not an mlops-cookie template (no copier.yml)")
        check_answers(template_dir, attendees, title, shared, roster)
        fast = cloned is not None and _fast_path_available()
        _STATE.clear()
        if fast:  # this process and the pool's (forked) ones reuse this clone
            _STATE.update(key=(template, vcs_ref), template=cloned, env=None)
        out.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(out)
        # Renders go to a folder beside the targets (same file system: moving is atomic).
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))
        message = f"Workshop repository from mlops-cookie {version}".strip()
        work = [
            {
                "index": i,
                "src": template,
                "ref": vcs_ref,
                "dst": str(staging / a.slug),
                "final": str(out / a.slug),
                "data": a.answers(title, shared),
                "fast": fast,
                "git": git,
                "message": message,
            }
            for i, a in enumerate(todo)
        ]
        workers = 1 if len(work) < 4 else max(1, min(jobs or os.cpu_count() or 1, len(work)))
        done: list[int] = []
        try:
            errors = _render_all(work, workers, finished, done)
        except KeyboardInterrupt:
            # Counted on disk: a worker may have moved a finished one in as the signal came.
            made = sum(Path(job["final"]).is_dir() for job in work)
            raise Interrupted(
                f"stopped after {made} of {len(work)} repositories; each of those is "
                f"complete, the others were not written: run again with --skip-existing"
            ) from None
        finally:
            _STATE.clear()
            shutil.rmtree(staging, ignore_errors=True)
    failed = [(todo[i], error) for i, error in sorted(errors.items())]
    failed_slugs = {a.slug for a, _ in failed}
    result = WorkshopResult(
        out=out.resolve(),
        attendees=attendees,
        rendered=[a for a in todo if a.slug not in failed_slugs],
        skipped=existing,
        failed=failed,
        seconds=time.perf_counter() - start,
        jobs=workers,
        fast=fast,
        template=template,
        version=version,
    )
    write_summary(result)
    return result


def _render_all(
    work: list[dict[str, Any]],
    workers: int,
    finished: Callable[[int, int], None],
    done: list[int],
) -> dict[int, str]:
    """Render every job, in this process or in a pool; return the errors by job index and
    append each finished job's index to `done`. Ctrl-C stops the pool's workers at once and
    raises KeyboardInterrupt."""
    errors: dict[int, str] = {}

    def record(index: int, error: str | None) -> None:
        if error:
            errors[index] = error
        else:
            done.append(index)
        finished(len(done) + len(errors), index)

    if workers == 1:
        for job in work:
            index, _, error = _render_job(job)
            record(index, error)
        return errors
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # An executor, not multiprocessing.Pool: a worker that dies (killed for memory, say)
    # breaks the run with an error instead of hanging it.
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_signals)
    try:
        for future in as_completed([pool.submit(_render_job, job) for job in work]):
            index, _, error = future.result()
            record(index, error)
    except BaseException:
        # Not the executor's own shutdown, which waits for every queued render: stop now.
        processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()  # SIGTERM: the worker removes its half-rendered folder
        for process in processes:
            process.join(timeout=60)
        raise
    pool.shutdown()
    return errors


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text


# --------------------------------------------------------------------------- summary
def write_summary(result: WorkshopResult) -> None:
    out = result.out
    failed = {a.slug: e for a, e in result.failed}
    with (out / SUMMARY_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "name", "handle", "email", "repository", "package", "status"])
        for a in result.attendees:
            status = (
                "failed" if a.slug in failed else ("kept" if a in result.skipped else "rendered")
            )
            writer.writerow([a.line, a.name, a.handle, a.email, a.slug, a.package, status])
    rows = [
        f"| {a.line} | {_md(a.name)} | {_md(a.handle)} | `{a.slug}/` | `{a.package}` | "
        f"{'FAILED: ' + _md(failed[a.slug]) if a.slug in failed else 'ready'} |"
        for a in result.attendees
    ]
    checks = "\n".join(
        f"{n}. **{title}**: `make workshop-check MODULE={module}`"
        for n, (module, title) in enumerate(MODULES, 1)
    )
    version = result.version or "HEAD"
    text = f"""# Workshop facilitator summary

{len(result.rendered)} repositories rendered from `{result.template}` ({version}) in
{result.seconds:.1f} s. Each is a git repository with one commit by its attendee, generated
exactly as `copier copy` would for their answers, so `copier update` (or `mlops-cookie update`)
brings later template releases into it.

| line | name | handle | repository | package | status |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

The same list, for scripts: `{SUMMARY_CSV}`.

## Next steps

1. Hand out the repositories. For example, push each to the attendee's account or your
   organisation (`gh repo create ORG/REPO --private --source REPO --push`), or copy the
   folder to their machine. The repositories record the template as `{result.template}`:
   if that is a local path, publish the template first or `copier update` will not find it.
2. Every attendee opens their repository in a GitHub Codespace or a Dev Container
   (`.devcontainer/devcontainer.json`: Python and uv, `make install` when it is created), or
   clones it locally (git, make, Python and uv needed), then runs `make ci`: it proves the
   example pipeline trains and passes its quality gate (installing `.venv/` first if needed).
3. Work through the modules in order (the workshop path in the mlops-cookie documentation).
   Each ends with a check the attendee runs in their repository:

{checks}

   The check prints what is done and what is missing, and exits 0 when the module is complete.
4. Check everyone's progress at once: `mlops-cookie check REPO --json` reports the MLOps
   maturity of a repository (levels 0-4).
"""
    (out / SUMMARY_MD).write_text(text, encoding="utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
