"""Benchmark of `mlops-cookie workshop`: time to render one repository per attendee.

Goal (reported, never asserted in tests): 100 attendees in <= 60 s on 2 cores, each repository
a git repository with its first commit, exactly as `copier copy` renders it.

Usage: python benchmarks/bench_workshop.py [--attendees N] [--runs N] [--jobs N] [--baseline]
                                          [--json PATH]
Prints a table (total and per-attendee seconds, peak RSS, whether the fast path was used) and
writes the figures as JSON. --baseline also times the public-API path (`copier.run_copy` per
attendee, one template clone each), which the fast path replaces.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mlops_cookie import __version__, workshop
from mlops_cookie.devtools import snapshot_template
from mlops_cookie.workshop import run

GOAL_S = 60.0


def write_roster(path: Path, attendees: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "handle", "email"])
        for i in range(attendees):
            writer.writerow(
                [f"Attendee {i:03d}", f"attendee-{i:03d}", f"attendee{i:03d}@example.org"]
            )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1, help="full renders of the roster")
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: CPU count)")
    parser.add_argument("--baseline", action="store_true", help="also time copier.run_copy")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/workshop.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mlops-cookie-bench-workshop-"))
    times, jobs, fast = [], 0, False
    try:
        template = snapshot_template(work / "template")
        roster = write_roster(work / "roster.csv", args.attendees)
        for i in range(args.runs):
            start = time.perf_counter()
            result = run(roster, work / f"out-{i}", str(template), jobs=args.jobs)
            times.append(time.perf_counter() - start)
            if result.failed:
                raise SystemExit(
                    f"bench: {len(result.failed)} renders failed: {result.failed[0][1]}"
                )
            jobs, fast = result.jobs, result.fast
            shutil.rmtree(work / f"out-{i}", ignore_errors=True)
        baseline = None
        if args.baseline:
            available = workshop._fast_path_available
            workshop._fast_path_available = lambda: False
            try:
                start = time.perf_counter()
                run(roster, work / "out-baseline", str(template), jobs=args.jobs)
                baseline = time.perf_counter() - start
            finally:
                workshop._fast_path_available = available
    finally:
        shutil.rmtree(work, ignore_errors=True)

    peak = max(resource.getrusage(who).ru_maxrss for who in
               (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024  # fmt: skip
    median = statistics.median(times)
    met = "met" if median <= GOAL_S else "MISSED"
    print(f"mlops-cookie {__version__} on {platform.python_version()}, {os.cpu_count()} cores\n")
    print(
        "| benchmark | attendees | processes | fast path | median s | per attendee s | runs "
        "| peak RSS MB | goal |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| workshop render | {args.attendees} | {jobs} | {'yes' if fast else 'no'} | {median:.1f} "
        f"| {median / args.attendees:.2f} | {len(times)} | {peak:.0f} | <= {GOAL_S:g} s {met} |"
    )
    payload = {
        "version": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "attendees": args.attendees,
        "processes": jobs,
        "fast_path": fast,
        "runs": times,
        "median_s": median,
        "per_attendee_s": median / args.attendees,
        "goal_s": GOAL_S,
        "goal_met": median <= GOAL_S,
        "peak_rss_mb": peak,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    if baseline is not None:
        print(
            f"| baseline: copier.run_copy per attendee | {args.attendees} | {jobs} | no "
            f"| {baseline:.1f} | {baseline / args.attendees:.2f} | 1 | | |"
        )
        payload.update(baseline_s=baseline, speedup=baseline / median)
    print(json.dumps(payload))
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
