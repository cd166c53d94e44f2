"""Benchmark of the generated model API: requests/s and latency under load, on this machine.

Renders a project with serving=fastapi (copier), installs and trains it (`make install train`),
starts the API with `make serve` on 127.0.0.1 and a free port, then runs locust headless
(`make loadtest`) once per concurrency level: USERS clients that send their next request as soon
as the previous one is answered, i.e. USERS requests in flight, the quantity the infrastructure's
autoscaling rule (`concurrent_requests`) counts. The server and locust share the machine.

Usage: python benchmarks/bench_serving.py [--users 1,10,20] [--run-time 20] [--json PATH]
Prints a table (requests/s, p50/p95/p99 latency, failures per concurrency) and writes JSON.
Nothing here is asserted: tests/test_serving.py reuses the helpers and checks behaviour only.

Every request goes to 127.0.0.1, every run is bounded in time, and the server is stopped (its
process group) however the run ends.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

BIN = Path(sys.executable).parent  # the template's venv: provides uv, copier
ANSWERS = {"project_name": "Bench", "ci_provider": "none", "iac": "none", "docs": "none"}
HOST = "127.0.0.1"


def project_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        NO_COLOR="1",
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET a local URL; (status, body) also for 4xx/5xx answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # local URL only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def serving(
    project: Path, port: int, log: Path, input_log: str = "", timeout: float = 90.0
) -> Iterator[str]:
    """`make serve` on 127.0.0.1:port in its own process group; yields the base URL once /ready
    answers 200, and stops the whole group (make, python) on exit."""
    url = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "serve", f"HOST={HOST}", f"PORT={port}", f"INPUT_LOG={input_log}"],
            cwd=project,
            env=project_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text()}")
            try:
                if get(f"{url}/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"/ready did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


@dataclass
class LoadResult:
    users: int
    run_time_s: int
    requests: int
    failures: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    exit_code: int
    output: str

    def row(self) -> str:
        return (
            f"| {self.users} | {self.requests} | {self.failures} | {self.requests_per_s:.1f} "
            f"| {self.p50_ms:.0f} | {self.p95_ms:.0f} | {self.p99_ms:.0f} |"
        )


def aggregated(stats_csv: Path) -> dict[str, str]:
    """The 'Aggregated' row of locust's <prefix>_stats.csv."""
    with stats_csv.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    if not rows:
        raise RuntimeError(f"no Aggregated row in {stats_csv}")
    return rows[0]


def loadtest(
    project: Path,
    url: str,
    users: int,
    run_time_s: int,
    p95_target_ms: float = 10_000,
) -> LoadResult:
    """`make loadtest` against url (headless, bounded); parse reports/loadtest_stats.csv."""
    stats = project / "reports" / "loadtest_stats.csv"
    stats.unlink(missing_ok=True)
    result = subprocess.run(
        [
            "make",
            "loadtest",
            f"URL={url}",
            f"USERS={users}",
            f"SPAWN_RATE={users}",
            f"RUN_TIME={run_time_s}s",
            f"P95_MS={p95_target_ms:g}",
        ],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=run_time_s + 120,
    )
    output = result.stdout + result.stderr
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics ({result.returncode}):\n{output}")
    row = aggregated(stats)
    return LoadResult(
        users=users,
        run_time_s=run_time_s,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        requests_per_s=float(row["Requests/s"]),
        p50_ms=float(row["50%"]),
        p95_ms=float(row["95%"]),
        p99_ms=float(row["99%"]),
        exit_code=result.returncode,
        output=output,
    )


def prepare(template: Path, dest: Path, answers: dict[str, object]) -> Path:
    """Render with copier, then `make install train` (the API needs a trained model)."""
    from copier import run_copy

    run_copy(str(template), str(dest), data=answers, defaults=True, quiet=True)
    for target in ("install", "train"):
        subprocess.run(
            ["make", target], cwd=dest, env=project_env(), check=True, capture_output=True,
            timeout=900,
        )  # fmt: skip
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--users", default="1,10,20", help="concurrency levels, comma-separated (default 1,10,20)"
    )
    parser.add_argument("--run-time", type=int, default=20, help="seconds per level (default 20)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/serving.json"))
    args = parser.parse_args()
    levels = [int(value) for value in args.users.split(",") if value.strip()]

    from mlops_cookie import __version__
    from mlops_cookie.devtools import snapshot_template

    work = Path(tempfile.mkdtemp(prefix="mlops-cookie-bench-serving-"))
    try:
        template = snapshot_template(work / "template")
        start = time.perf_counter()
        project = prepare(template, work / "bench", ANSWERS)
        prepared_s = time.perf_counter() - start
        results = []
        with serving(project, free_port(), work / "server.log") as url:
            for users in levels:
                results.append(loadtest(project, url, users, args.run_time))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"mlops-cookie {__version__}: model API of a generated project (example model), "
        f"Python {platform.python_version()}, {os.cpu_count()} cores shared by server and locust"
    )
    print(f"render + install + train: {prepared_s:.1f} s; {args.run_time} s per level\n")
    print("| requests in flight (users) | requests | failures | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for result in results:
        print(result.row())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "run_time_s": args.run_time,
        "prepare_s": round(prepared_s, 1),
        "results": [
            {k: v for k, v in asdict(result).items() if k != "output"} for result in results
        ],
    }
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\n{json.dumps(payload['results'])}\nwrote {args.json}")
    return 1 if any(result.failures for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
