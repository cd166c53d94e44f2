"""Benchmarks of the template: render time per engine and generate -> green.

Goals (reported, never asserted in tests):
- render with default answers: median <= 1 s per engine, and no slower than the reference
  template, cookiecutter-data-science (`ccds --no-input`);
- generate -> green (render, fresh venv with a warm package cache, `make ci`): <= 30 s on 2 cores;
- the generated project's own test suite: <= 15 s;
- one update across one release (`python -m mlops_cookie.update`, copier): <= 3 s;
- `mlops-cookie workshop` for 100 attendees: <= 60 s.
The generated API under load has its own script, bench_serving.py (it starts a server).

Usage: python benchmarks/bench.py [--runs N] [--green-runs N] [--json PATH]
Prints a table (median, min-max spread, peak RSS) and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mlops_cookie import __version__
from mlops_cookie.devtools import git, release_v020, snapshot_template

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
        return (
            f"| {self.name} | {self.median:.2f} | {spread} | {len(self.runs)} "
            f"| {self.peak_rss_mb:.0f} | {goal} {met} |"
        )


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {**base, "PATH": f"{BIN}{os.pathsep}{base['PATH']}", "UV_PYTHON_DOWNLOADS": "never"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{err}")
    return elapsed, usage.ru_maxrss / 1024


def measure(name: str, goal: float | None, runs: int, make_cmd, cwd: Path, before=None) -> Figure:
    times, peaks = [], []
    for i in range(runs):
        if before:
            before(i)
        cmd, workdir = make_cmd(i)
        elapsed, peak = timed(cmd, workdir or cwd)
        times.append(elapsed)
        peaks.append(peak)
    return Figure(name, goal, times, max(peaks))


REFERENCE = "render: cookiecutter-data-science (reference)"


def reference_ccds(work: Path, runs: int) -> Figure:
    """cookiecutter-data-science from PyPI, rendered with defaults, in its own venv.

    Its `ccds` command downloads its template from GitHub at run time (the PyPI package ships
    none), so where GitHub is unreachable the row says why instead of a time.
    """
    venv = work / "ccds-venv"
    uv = str(BIN / "uv")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env())
    install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    installed = subprocess.run(
        [*install, "cookiecutter-data-science"], capture_output=True, text=True, env=env()
    )
    if installed.returncode != 0:
        return Figure(REFERENCE, None, [], 0, "not installable here")
    ccds = str(venv / "bin" / "ccds")
    probe = subprocess.run(
        [ccds, "--no-input", "-o", str(work / "ccds-probe")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env(),
    )
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["failed"])[-1][:90]
        if "git" in probe.stderr and "clone" in probe.stderr:
            reason = "ccds clones its template from GitHub at run time; GitHub is unreachable"
        return Figure(REFERENCE, None, [], 0, f"unavailable here: {reason}")
    return measure(
        REFERENCE,
        None,
        runs,
        lambda i: ([ccds, "--no-input", "-o", str(work / f"ccds-{i}")], None),
        work,
    )


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
    releases = snapshot_template(work / "releases", tag="v0.1.0")
    release_v020(releases)
    project = work / "update-demo"
    copy = ["copier", "copy", "-q", "--defaults", "--vcs-ref", "v0.1.0"]
    subprocess.run(
        [*copy, "--data", "project_name=Bench", str(releases), str(project)], check=True, env=env()
    )
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated", cwd=project)

    def reset(_: int) -> None:
        git("reset", "-q", "--hard", "HEAD", cwd=project)
        git("clean", "-fdq", cwd=project)

    update = [sys.executable, "-m", "mlops_cookie.update", str(project), "--trust"]
    return measure(
        "update across one release (copier)",
        3.0,
        runs,
        lambda i: (update, None),
        work,
        before=reset,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per render benchmark")
    parser.add_argument("--green-runs", type=int, default=3, help="runs of generate -> green")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/latest.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlops-cookie-bench-"))
    try:
        template = snapshot_template(work / "template")
        data = [a for k, v in ANSWERS.items() for a in ("--data", f"{k}={v}")]
        pairs = [f"{k}={v}" for k, v in ANSWERS.items()]

        copier = ["copier", "copy", "-q", "--defaults", *data, str(template)]
        cookiecutter = ["cookiecutter", "--no-input", str(template), "--directory", "template"]

        def copier_cmd(i: int):
            return [*copier, str(work / f"copier-{i}")], None

        def cookiecutter_cmd(i: int):
            return [*cookiecutter, "-o", str(work / f"cc-{i}"), *pairs], None

        def green_cmd(i: int):
            script = (
                f"copier copy -q --defaults {' '.join(data)} {template} green-{i}"
                f" && cd green-{i} && git init -q && make ci"
            )
            return ["bash", "-c", script], work

        # warm the package cache once, so generate -> green measures a warm cache as specified
        timed(green_cmd(99)[0], work)
        figures = [
            measure("render: copier", 1.0, args.runs, copier_cmd, work),
            measure("render: cookiecutter", 1.0, args.runs, cookiecutter_cmd, work),
            reference_ccds(work, args.runs),
            measure("generate -> green (copier + make ci)", 30.0, args.green_runs, green_cmd, work),
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
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"mlops-cookie {__version__} on {platform.python_version()}, {os.cpu_count()} cores\n")
    print("| benchmark | median s | min-max s | runs | peak RSS MB | goal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for figure in figures:
        print(figure.row())
    reference = next((f for f in figures if "reference" in f.name and f.runs), None)
    if reference:
        for figure in figures[:2]:
            print(f"\n{figure.name}: {figure.median / reference.median:.2f}x the reference")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "figures": [asdict(f) | {"median": f.median} for f in figures],
    }
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
