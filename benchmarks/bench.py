"""Benchmarks of the template: render time per engine and generate -> green.

Goals (reported, never asserted in tests):
- render with default answers: median <= 1 s per engine; measured side by side with the
  reference template, cookiecutter-data-science (`ccds --no-input`, from a checkout given with
  --reference), alternately in one run: cookiecutter <= 1.0x and copier <= 1.5x its time;
- generate -> green (render, fresh venv with a warm package cache, `make ci`): <= 30 s on 2 cores;
  the same with feature_store=feast is reported next to it (no goal: Feast is a large install);
- the generated project's own test suite: <= 15 s;
- one update across one release (`python -m mlops_cookie.update`, copier): <= 3 s;
- `mlops-cookie workshop` for 100 attendees: <= 60 s.
Size (default render, lines per part, so the number is watched): the package's `src/` <= 1,200
lines; the parts are the user's files (`[tool.cruft] skip`), the template-owned package, tests,
CI/CD, IaC, docs and the rest.
The generated API under load has its own script, bench_serving.py (it starts a server).

Usage: python benchmarks/bench.py [--reference CHECKOUT-OR-URL] [--renders-only] [--lines-only]
                                  [--runs N] [--green-runs N] [--feast-only] [--json PATH]
Prints a table (median, min-max spread, peak RSS), the ratios to the reference, and writes the
figures as JSON. `make bench` passes REFERENCE (see the Makefile) and installs ccds (the
pyproject.toml group `bench`).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from mlops_cookie import __version__
from mlops_cookie.devtools import CURRENT_TAG, git, release_next, snapshot_template

BIN = Path(sys.executable).parent
ANSWERS = {"project_name": "Bench"}


@dataclass
class Figure:
    name: str
    goal_s: float | None
    runs: list[float]
    peak_rss_mb: float
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def row(self) -> str:
        if not self.runs:
            return f"| {self.name} | n/a | | 0 | | {self.note} |"
        goal = f"<= {self.goal_s:g} s" if self.goal_s else ""
        met = "" if not self.goal_s else ("met" if self.median <= self.goal_s else "MISSED")
        spread = f"{min(self.runs):.2f}-{max(self.runs):.2f}"
        remarks = "; ".join(filter(None, [f"{goal} {met}".strip(), self.note]))
        return (
            f"| {self.name} | {self.median:.2f} | {spread} | {len(self.runs)} "
            f"| {self.peak_rss_mb:.0f} | {remarks} |"
        )


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {**base, "PATH": f"{BIN}{os.pathsep}{base['PATH']}", "UV_PYTHON_DOWNLOADS": "never"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one command and its
    children. CPU time is the steadier figure on a shared, busy machine."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{err}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(name: str, goal: float | None, runs: int, make_cmd, cwd: Path, before=None) -> Figure:
    times, peaks = [], []
    for i in range(runs):
        if before:
            before(i)
        cmd, workdir = make_cmd(i)
        elapsed, peak, _ = timed(cmd, workdir or cwd)
        times.append(elapsed)
        peaks.append(peak)
    return Figure(name, goal, times, max(peaks))


# ------------------------------------------------------------------ the reference, side by side
REFERENCE = "render: cookiecutter-data-science (`ccds --no-input`)"
COPIER = "render: copier (ours)"
COOKIECUTTER = "render: cookiecutter (ours)"
# ours / the reference's median render time (issue 11): goals, reported, never asserted
RATIO_GOALS = {COOKIECUTTER: 1.0, COPIER: 1.5}


def is_url(location: str) -> bool:
    return "://" in location or location.startswith("git@")


def prepare_reference(location: str | None, work: Path) -> tuple[Path | None, str]:
    """A folder ccds renders from, and what it is; or None and why there is none.

    `location` is a checkout of cookiecutter-data-science (a work tree, or a bare git directory
    such as a mirror), or its repository URL. Git sources are checked out at the tag of the
    installed ccds (its own default), into `work`: nothing of the reference lands in this repo.
    """
    if not location:
        return None, "no reference given: make bench REFERENCE=<checkout or repository URL>"
    if not (BIN / "ccds").exists():
        return None, "ccds is not installed: `uv pip install --group bench` (make bench does it)"
    return checkout_reference(location, work, f"v{metadata.version('cookiecutter-data-science')}")


def checkout_reference(location: str, work: Path, tag: str) -> tuple[Path | None, str]:
    """prepare_reference's checkout: a work tree as it is; a git directory or URL cloned at
    `tag` (else its default branch) into `work`."""
    source = Path(location).expanduser()
    if not is_url(location):
        if (source / "ccds.json").is_file():
            return source, f"the work tree {source}"
        bare = (source / "HEAD").is_file() and (source / "objects").is_dir()
        if not (bare or (source / ".git").exists()):
            return None, f"unavailable: {location} is neither a checkout nor a git directory"
    dest = work / "reference"
    clone = ["git", "clone", "-q", "--depth", "1", "--branch", tag, location, str(dest)]
    if subprocess.run(clone, capture_output=True, timeout=300).returncode != 0:
        # no tag of that release there (or no network): the default branch
        shutil.rmtree(dest, ignore_errors=True)
        clone = ["git", "clone", "-q", "--depth", "1", location, str(dest)]
        done = subprocess.run(clone, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["git clone failed"])[-1][:100]
            return None, f"unavailable: cannot clone {location}: {reason}"
        tag = "its default branch"
    if not (dest / "ccds.json").is_file():
        return None, f"unavailable: {location} is not cookiecutter-data-science (no ccds.json)"
    return dest, f"{tag} of {location}"


def side_by_side(
    work: Path, template: Path, reference: Path | None, runs: int
) -> tuple[list[Figure], dict[str, float]]:
    """The three renders timed alternately in one run (the order rotates every round, so
    neither a warming cache nor a neighbour's load favours one), after one unmeasured warm-up
    each. Returns the figures and each of ours as a ratio of the reference's median."""
    data = [a for k, v in ANSWERS.items() for a in ("--data", f"{k}={v}")]
    pairs = [f"{k}={v}" for k, v in ANSWERS.items()]
    commands = {
        COOKIECUTTER: lambda out: [
            "cookiecutter",
            "--no-input",
            str(template),
            "--directory",
            "template",
            "-o",
            out,
            *pairs,
        ],
        COPIER: lambda out: ["copier", "copy", "-q", "--defaults", *data, str(template), out],
    }
    if reference is not None:
        commands[REFERENCE] = lambda out: [
            str(BIN / "ccds"),
            str(reference),
            "--no-input",
            "-o",
            out,
        ]
    # the reference first in the first round: A B C, then B C A, C A B, ...
    names = sorted(commands, key=lambda name: name != REFERENCE)
    for n, name in enumerate(names):
        timed(commands[name](str(work / f"warm-{n}")), work)  # pyc files, file cache
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    peaks: dict[str, float] = dict.fromkeys(names, 0.0)
    for i in range(runs):
        for n, name in enumerate(names[i % len(names) :] + names[: i % len(names)]):
            elapsed, peak, seconds = timed(commands[name](str(work / f"side-{i}-{n}")), work)
            times[name].append(elapsed)
            cpu[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    figures = [
        Figure(name, 1.0 if name != REFERENCE else None, times[name], peaks[name]) for name in names
    ]
    for n, figure in enumerate(figures):
        out = work / f"side-0-{n}"  # what this command rendered in the first round
        files = sum(1 for path in out.rglob("*") if path.is_file() and ".git" not in path.parts)
        figure.note = f"CPU {statistics.median(cpu[figure.name]):.2f} s; {files} files"
    ratios = {}
    if reference is not None:
        for kind, seconds in (("wall", times), ("cpu", cpu)):
            base = statistics.median(seconds[REFERENCE])
            for name in RATIO_GOALS:
                ratios[f"{name} ({kind})"] = statistics.median(seconds[name]) / base
    return figures, ratios


def workshop_100(work: Path, template: Path, runs: int) -> Figure:
    """`mlops-cookie workshop` for a 100-attendee roster (details: bench_workshop.py)."""
    from bench_workshop import write_roster

    roster = write_roster(work / "roster.csv", 100)
    cli = [str(BIN / "mlops-cookie"), "workshop", str(roster), "--template", str(template)]
    return measure(
        "workshop: 100 attendees", 60.0, runs, lambda i: ([*cli, str(work / f"ws-{i}")], None), work
    )


def update_one_release(work: Path, runs: int) -> Figure:
    """`python -m mlops_cookie.update` on a copier project across one (synthetic) release."""
    releases = snapshot_template(work / "releases")
    release_next(releases)
    project = work / "update-demo"
    copy = ["copier", "copy", "-q", "--defaults", "--vcs-ref", CURRENT_TAG]
    subprocess.run(
        [*copy, "--data", "project_name=Bench", str(releases), str(project)], check=True, env=env()
    )
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated", cwd=project)

    def reset(_: int) -> None:
        git("reset", "-q", "--hard", "HEAD", cwd=project)
        git("clean", "-fdq", cwd=project)

    # --trust: the synthetic release carries migrations (commands)
    update = [sys.executable, "-m", "mlops_cookie.update", str(project), "--trust"]
    return measure(
        "update across one release (copier)",
        3.0,
        runs,
        lambda i: (update, None),
        work,
        before=reset,
    )


SRC_GOAL = 1200  # lines of the default render's src/
CI_PATHS = (".github/", ".gitlab/", ".gitlab-ci.yml", ".azure/", "azure-pipelines.yml", "scripts/")


def part_of(path: str, owned: list[str]) -> str:
    """The part a generated file belongs to, for the lines-per-part table."""
    if any(fnmatch.fnmatchcase(path, pattern) for pattern in owned):
        return "yours (user-owned: config, notebooks, data/features/models, their test)"
    if path.startswith("src/"):
        return "template-owned package (src/)"
    if path.startswith("tests/"):
        return "tests (template-owned)"
    if path.startswith(CI_PATHS):
        return "CI/CD and scripts/ (workflows, pipelines, deploy)"
    if path.startswith("infra/"):
        return "IaC (infra/)"
    if path.startswith("docs/") or path.endswith(".md"):
        return "docs"
    return "the rest (build, lint, container, editor config)"


def lines_per_part(template: Path, work: Path) -> dict[str, int]:
    """Lines of a default copier render, per part; `src/ total` is the figure with a goal."""
    from copier import run_copy

    project = work / "lines"
    run_copy(str(template), str(project), data=ANSWERS, defaults=True, quiet=True)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    owned = pyproject["tool"]["cruft"]["skip"]
    parts: dict[str, int] = {}
    src = 0
    for file in sorted(project.rglob("*")):
        rel = file.relative_to(project).as_posix()
        if not file.is_file() or rel.startswith(".git/") or rel == ".copier-answers.yml":
            continue
        count = len(file.read_bytes().splitlines())
        part = part_of(rel, owned)
        parts[part] = parts.get(part, 0) + count
        src += count if rel.startswith("src/") else 0
    parts = dict(sorted(parts.items(), key=lambda item: -item[1]))
    parts["src/ total (yours + template-owned)"] = src
    return parts


def print_lines(parts: dict[str, int]) -> None:
    print("\n| lines per part (default render) | lines |\n| --- | --- |")
    for name, count in parts.items():
        goal = f" (goal <= {SRC_GOAL}: {'met' if count <= SRC_GOAL else 'MISSED'})"
        print(f"| {name} | {count}{goal if name.startswith('src/') else ''} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds of the render comparison")
    parser.add_argument("--green-runs", type=int, default=3, help="runs of generate -> green")
    parser.add_argument(
        "--reference",
        help="cookiecutter-data-science to compare with: a checkout (work tree or bare git "
        "directory) or its repository URL; without it the reference row says why it is missing",
    )
    parser.add_argument(
        "--renders-only", action="store_true", help="only the side-by-side render comparison"
    )
    parser.add_argument(
        "--lines-only", action="store_true", help="only the lines per part of a default render"
    )
    parser.add_argument(
        "--feast-only", action="store_true", help="only generate -> green with feature_store=feast"
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/latest.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlops-cookie-bench-"))
    try:
        template = snapshot_template(work / "template")
        lines = lines_per_part(template, work)
        if args.lines_only:
            print_lines(lines)
            return 0
        if args.feast_only:
            print(green_feast(work, template, args.green_runs).row())
            return 0
        reference, source = prepare_reference(args.reference, work)
        figures, ratios = side_by_side(work, template, reference, args.runs)
        if reference is None:
            figures.append(Figure(REFERENCE, None, [], 0, source))
        if not args.renders_only:
            figures += other_figures(work, template, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"mlops-cookie {__version__} on {platform.python_version()}, {os.cpu_count()} cores\n")
    print("| benchmark | median s | min-max s | runs | peak RSS MB | goal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for figure in figures:
        print(figure.row())
    print(f"\nreference: {source}")
    for name, ratio in ratios.items():
        goal = RATIO_GOALS[name.rsplit(" (", 1)[0]]
        verdict = "met" if ratio <= goal else "MISSED"
        print(f"{name}: {ratio:.2f}x the reference's (goal <= {goal:g}x: {verdict})")
    print_lines(lines)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "reference": source,
        "ratios": ratios,
        "lines": lines,
        "figures": [asdict(f) | {"median": f.median} for f in figures],
    }
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


def green_feast(work: Path, template: Path, runs: int) -> Figure:
    """generate -> green with feature_store=feast, next to the default: Feast's larger install,
    `make features` (feast apply, materialize-incremental) and training through the store."""
    data = " ".join(f"--data {k}={v}" for k, v in {**ANSWERS, "feature_store": "feast"}.items())

    def cmd(i: int):
        script = (
            f"copier copy -q --defaults {data} {template} feast-{i}"
            f" && cd feast-{i} && git init -q && make ci"
        )
        return ["bash", "-c", script], work

    timed(cmd(99)[0], work)  # a warm package cache, as for the default
    return measure("generate -> green, feature_store=feast", None, runs, cmd, work)


def other_figures(work: Path, template: Path, args: argparse.Namespace) -> list[Figure]:
    """generate -> green, the generated test suite, one update, the workshop."""
    data = " ".join(f"--data {k}={v}" for k, v in ANSWERS.items())

    def green_cmd(i: int):
        script = (
            f"copier copy -q --defaults {data} {template} green-{i}"
            f" && cd green-{i} && git init -q && make ci"
        )
        return ["bash", "-c", script], work

    # warm the package cache once, so generate -> green measures a warm cache as specified
    timed(green_cmd(99)[0], work)
    figures = [
        measure("generate -> green (copier + make ci)", 30.0, args.green_runs, green_cmd, work),
        green_feast(work, template, args.green_runs),
    ]
    # the generated project's own test suite, on the last green project (already installed)
    last = work / f"green-{args.green_runs - 1}"
    figures.append(
        measure(
            "generated test suite (make test)",
            15.0,
            args.runs // 2 or 1,
            lambda i: (["make", "test"], last),
            work,
        )
    )
    figures.append(update_one_release(work, args.runs // 2 or 1))
    figures.append(workshop_100(work, template, 1))
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
