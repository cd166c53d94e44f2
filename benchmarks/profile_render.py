"""Where a render's time goes: cProfile of a copier render, a cookiecutter render and
`mlops-cookie new --defaults`, plus the command's start-up imports (`python -X importtime`).

It reports the costs the template itself causes, not the engines' fixed costs:
- Jinja compiles: how many templates each engine compiles (file names, file contents, question
  defaults and validators) and their share of the render;
- git and other subprocesses (copier clones the template, `new` runs git);
- the modules the command imports before it does anything, largest first.

Usage: python benchmarks/profile_render.py [--top N] [--dump DIR]
Each profile is taken on the second render in the same process (the first one warms imports
and caches), except the start-up figures, which are a fresh interpreter's.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mlops_cookie.devtools import snapshot_template

BIN = Path(sys.executable).parent
ANSWERS = {"project_name": "Bench"}
# (label, file part, function name) of the calls worth counting, from pstats' keys
CALLS = [
    ("Jinja compile (parse + codegen)", "jinja2/environment.py", "compile"),
    ("Jinja from_string", "jinja2/environment.py", "from_string"),
    ("subprocess (git, tasks)", "subprocess.py", "communicate"),
    ("subprocess wait", "subprocess.py", "wait"),
    ("file copies / writes", "pathlib.py", "write_bytes"),
]


def profile(work: Callable[[int], object]) -> tuple[float, pstats.Stats]:
    work(0)  # warm-up: imports, caches
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    work(1)
    profiler.disable()
    elapsed = time.perf_counter() - start
    return elapsed, pstats.Stats(profiler, stream=io.StringIO())


def counted(stats: pstats.Stats) -> list[tuple[str, int, float]]:
    found = []
    for label, part, name in CALLS:
        calls = cum = 0.0
        for (file, _, func), (_, ncalls, _, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
            if func == name and file.replace(os.sep, "/").endswith(part):
                calls += ncalls
                cum = max(cum, cumtime)  # recursion-safe: the outermost total
        found.append((label, int(calls), cum))
    return found


def compiled_by(stats: pstats.Stats) -> list[tuple[str, int, float]]:
    """Who asks Jinja for templates (from_string, get_template): (caller, calls, cumulative s)."""
    found = []
    for (file, _, func), entry in stats.stats.items():  # type: ignore[attr-defined]
        if func in {"from_string", "get_template"} and file.endswith("jinja2/environment.py"):
            for (cfile, line, cfunc), caller in entry[4].items():
                where = "/".join(Path(cfile).parts[-2:])
                found.append((f"{func} <- {where}:{line}({cfunc})", caller[1], caller[3]))
    return sorted(found, key=lambda row: -row[2])


def top(stats: pstats.Stats, n: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(n)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join(line[:150] for line in lines[start : start + n + 1])


def report(name: str, elapsed: float, stats: pstats.Stats, n: int, dump: Path | None) -> None:
    print(f"\n## {name}: {elapsed:.2f} s under the profiler")
    for label, calls, cum in counted(stats):
        if calls:
            print(f"- {label}: {calls} calls, {cum:.2f} s ({cum / elapsed:.0%})")
    print("\nJinja templates, by who asks for them:")
    for where, calls, cum in compiled_by(stats)[:6]:
        print(f"- {where}: {calls} calls, {cum:.2f} s ({cum / elapsed:.0%})")
    print(f"\ntop {n} by cumulative time:\n{top(stats, n)}")
    if dump:
        stats.dump_stats(dump / f"{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')}.prof")


def startup_imports(n: int) -> None:
    """The command's import cost before it does anything: `python -X importtime`, the modules
    `mlops_cookie.cli` imports directly (each with everything it pulls in)."""
    cmd = [sys.executable, "-X", "importtime", "-c", "import mlops_cookie.cli"]
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    rows = []  # (depth, cumulative us, module) in completion order: children before parents
    for line in err.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((len(match.group(2)) // 2, int(match.group(1)), match.group(3)))
    at = next(i for i, row in enumerate(rows) if row[2] == "mlops_cookie.cli")
    depth, total, _ = rows[at]
    children = []
    for row in reversed(rows[:at]):
        if row[0] <= depth:
            break
        if row[0] == depth + 1:
            children.append(row)
    print(f"\n## start-up: `import mlops_cookie.cli` takes {total / 1e6:.2f} s")
    for _, us, module in sorted(children, key=lambda row: -row[1])[:n]:
        print(f"- {module}: {us / 1e6:.3f} s")
    for args in (["--version"], ["new", "--help"]):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([str(BIN / "mlops-cookie"), *args], capture_output=True, check=True)
            runs.append(time.perf_counter() - start)
        print(f"- `mlops-cookie {' '.join(args)}`: {min(runs):.2f} s wall (best of 3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="functions listed per profile")
    parser.add_argument("--dump", type=Path, help="also write the .prof files here")
    args = parser.parse_args()
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="mlops-cookie-profile-") as tmp:
        work = Path(tmp)
        template = snapshot_template(work / "template")

        from copier import run_copy

        def copier_render(i: int) -> object:
            dest = str(work / f"copier-{i}")
            return run_copy(str(template), dest, data=ANSWERS, defaults=True, quiet=True)

        from cookiecutter.main import cookiecutter

        def cookiecutter_render(i: int) -> object:
            out = str(work / f"cc-{i}")
            return cookiecutter(
                str(template), directory="template", no_input=True, output_dir=out,
                extra_context=ANSWERS,
            )  # fmt: skip

        from mlops_cookie.cli import main as cli

        def new(i: int) -> object:
            argv = ["new", str(work / f"new-{i}"), "--defaults", "--template", str(template)]
            argv += ["--data", "project_name=Bench", "--quiet"]
            with contextlib.redirect_stdout(io.StringIO()):
                return cli(argv)

        for name, render in [
            ("copier render", copier_render),
            ("cookiecutter render", cookiecutter_render),
            ("mlops-cookie new --defaults", new),
        ]:
            elapsed, stats = profile(render)
            report(name, elapsed, stats, args.top, args.dump)
    startup_imports(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
