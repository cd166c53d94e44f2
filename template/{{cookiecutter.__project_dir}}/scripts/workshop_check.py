"""Workshop checks: is a module of the MLOps workshop done in this repository?

Run ``make workshop-check MODULE=NAME``. The modules, in workshop order (the
mlops-cookie documentation's workshop path gives each one's goal and steps):

- ``iac``: infrastructure as code, the dev environment tagged with its owner;
- ``ci``: the CI pipeline runs ``make ci``, a test of yours is committed and
  ``make ci`` passes;
- ``cd``: staging -> approval -> production pipeline, the deliverables built;
- ``release``: a version newer than 0.1.0 with its changelog section and tag;
- ``monitoring``: health and metrics endpoints, monitoring resources, a drift
  report;
- ``loadtest``: a load test without errors and autoscaling per environment.

Exit status: 0 when the module is done, 1 when a check failed (each failure
says what to do), 2 for an unknown module.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "{{ cookiecutter.package_name }}"
CI_PROVIDER = "{{ cookiecutter.ci_provider }}"
IAC = "{{ cookiecutter.iac }}"
SERVING = "{{ cookiecutter.serving }}"
FIRST_VERSION = "0.1.0"
ENVIRONMENTS = ("dev", "staging", "prod")
PIPELINES = {
    "github": {
        "ci": [".github/workflows/ci.yml"],
        "cd": [".github/workflows/cd.yml", ".github/workflows/deploy.yml"],
        "release": [".github/workflows/release.yml"],
    },
    "gitlab": {
        "ci": [".gitlab-ci.yml"],
        "cd": [".gitlab-ci.yml", ".gitlab/ci/deliver.yml"],
        "release": [".gitlab-ci.yml"],
    },
    "azure-devops": {
        "ci": [".azure-pipelines/ci.yml"],
        "cd": [
            ".azure-pipelines/cd.yml",
            ".azure-pipelines/templates/deploy-stages.yml",
        ],
        "release": [".azure-pipelines/release.yml"],
    },
}


class Checks:
    """The results of one module's checks, printed as they come."""

    def __init__(self) -> None:
        """Start with no failure."""
        self.failures = 0

    def ok(self, message: str) -> None:
        """Report a check that passed."""
        print(f"  ok    {message}")

    def fail(self, message: str, fix: str) -> None:
        """Report a check that failed, and what to do about it."""
        self.failures += 1
        print(f"  FAIL  {message}")
        print(f"        -> {fix}")

    def expect(self, passed: bool, message: str, fix: str) -> bool:
        """Report `message` as passed or failed; return whether it passed."""
        if passed:
            self.ok(message)
        else:
            self.fail(message, fix)
        return passed


def run(*command: str, capture: bool = True) -> subprocess.CompletedProcess:
    """Run a command in the project root (no shell)."""
    executable = shutil.which(command[0]) or command[0]
    sys.stdout.flush()  # keep this script's lines before the command's
    return subprocess.run(  # noqa: S603 - fixed commands of this project
        [executable, *command[1:]],
        cwd=ROOT,
        capture_output=capture,
        text=True,
        check=False,
    )


def read(relative: str) -> str:
    """The text of a project file, or '' when it does not exist."""
    path = ROOT / relative
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def project_version() -> str:
    """The version in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def version_key(version: str) -> tuple[int, ...]:
    """'1.2.10' -> (1, 2, 10), for comparing versions."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def pipeline_text(stage: str) -> str:
    """The text of the pipeline files of one stage (ci, cd, release)."""
    files = PIPELINES.get(CI_PROVIDER, {}).get(stage, [])
    return "\n".join(read(name) for name in files)


def needs(checks: Checks, answer: str, value: str, wanted: str) -> bool:
    """Fail when the project was generated without what the module uses."""
    if value != "none":
        return True
    checks.fail(
        f"this project has no {answer} ({answer}={value})",
        f"use a repository generated with {answer}={wanted} for this module",
    )
    return False


def in_git(checks: Checks) -> bool:
    """Fail unless the project is a git repository."""
    inside = (ROOT / ".git").exists()
    return checks.expect(
        inside,
        "the project is a git repository",
        "git init && git add -A && git commit -m 'Start'",
    )


# --------------------------------------------------------------------- modules
def check_iac(checks: Checks) -> None:
    """Infrastructure as code: complete per environment, formatted, tagged."""
    if not needs(checks, "iac", IAC, "terraform"):
        return
    if IAC == "terraform":
        folder, suffixes = "infra/terraform", (".tfvars", ".backend.hcl")
        code = sorted((ROOT / folder).glob("*.tf"))
        dev = read(f"{folder}/envs/dev.tfvars")
        owner = re.search(r'^\s*owner\s*=\s*"([^"]+)"', dev, re.MULTILINE)
    else:
        folder, suffixes = "infra/bicep", (".bicepparam",)
        code = sorted((ROOT / folder).rglob("*.bicep"))
        dev = read(f"{folder}/envs/dev.bicepparam")
        owner = re.search(r"^\s*'?owner'?\s*:\s*'([^']+)'", dev, re.MULTILINE)
    checks.expect(
        bool(code),
        f"{folder}/ describes the resources ({len(code)} files)",
        f"restore {folder}/ from git (git checkout -- {folder})",
    )
    missing = []
    for env in ENVIRONMENTS:
        for suffix in suffixes:
            if not (ROOT / folder / "envs" / f"{env}{suffix}").is_file():
                missing.append(f"envs/{env}{suffix}")
    checks.expect(
        not missing,
        "every environment (dev, staging, prod) has its settings",
        f"add {', '.join(missing)} under {folder}/",
    )
    tagged = f" ({owner.group(1)})" if owner else ""
    checks.expect(
        owner is not None,
        f"the dev environment is tagged with its owner{tagged}",
        f"add owner = your handle to the tags in {folder}/envs/dev.*",
    )
    if IAC == "terraform":
        if shutil.which("terraform") is None:
            checks.fail(
                "terraform is installed",
                "install Terraform: developer.hashicorp.com/terraform/install",
            )
            return
        result = run("terraform", "fmt", "-check", "-recursive", folder)
        output = " ".join((result.stdout + result.stderr).split())[:200]
        checks.expect(
            result.returncode == 0,
            "the Terraform code is formatted and parses (terraform fmt)",
            f"terraform fmt -recursive {folder}, then fix: {output}",
        )
    elif shutil.which("az") is None:
        checks.fail(
            "the Azure CLI is installed (az bicep build)",
            "install the Azure CLI: learn.microsoft.com/cli/azure/install",
        )
    else:
        result = run("az", "bicep", "build", "--file", f"{folder}/main.bicep")
        checks.expect(
            result.returncode == 0,
            "the Bicep code builds (az bicep build)",
            "fix what az bicep build reports",
        )


def check_ci(checks: Checks) -> None:
    """CI: the pipeline runs make ci, a test of yours, make ci passes."""
    if not needs(checks, "ci_provider", CI_PROVIDER, "github"):
        return
    files = ", ".join(PIPELINES[CI_PROVIDER]["ci"])
    checks.expect(
        "make ci" in pipeline_text("ci"),
        f"the CI pipeline ({files}) runs make ci",
        f"restore {files} from git; it must run `make ci`",
    )
    if not in_git(checks):
        return
    checks.expect(
        (ROOT / ".git" / "hooks" / "pre-commit").is_file(),
        "pre-commit hooks run before every commit",
        "make install (it installs the hooks in a git repository)",
    )
    log = run("git", "log", "--format=%H", "--", "tests").stdout.split()
    checks.expect(
        len(log) >= 2,
        "a commit of yours adds or changes a test in tests/",
        "write a test (e.g. tests/test_workshop.py), then git add + commit",
    )
    print("        running make ci (lint, tests, train, evaluate) ...")
    result = run("make", "ci", capture=False)
    checks.expect(
        result.returncode == 0,
        "make ci passes: lint, tests, training and the quality gate",
        "read the output above, fix the first error, run make ci again",
    )


def check_cd(checks: Checks) -> None:
    """CD: staging -> approval -> production, deliverables built."""
    if not needs(checks, "ci_provider", CI_PROVIDER, "github"):
        return
    text = pipeline_text("cd")
    staged = "staging" in text and "production" in text
    gated = "when: manual" in text if CI_PROVIDER == "gitlab" else staged
    checks.expect(
        staged and gated,
        "CD deploys to staging, then to production after an approval",
        "restore the CD pipeline from git (docs/ci-cd.md)",
    )
    syntax = run("bash", "-n", "scripts/deploy.sh")
    checks.expect(
        syntax.returncode == 0,
        "scripts/deploy.sh is valid bash",
        "fix the syntax error bash -n scripts/deploy.sh reports",
    )
    wheels = sorted((ROOT / "dist").glob("*.whl"))
    checks.expect(
        bool(wheels),
        "the package is built (dist/*.whl)",
        "make build",
    )
    bundle = ROOT / "dist" / "model" / "model.json"
    model = read_bytes("models/model.json")
    same = bundle.is_file() and bundle.read_bytes() == model
    checks.expect(
        same,
        "the model bundle (dist/model/) holds the current model",
        "make ci && bash scripts/deploy.sh bundle",
    )


def read_bytes(relative: str) -> bytes:
    """The bytes of a project file, or b'' when it does not exist."""
    path = ROOT / relative
    return path.read_bytes() if path.is_file() else b""


def changelog_section(version: str) -> str:
    """The text of the CHANGELOG.md section `## [version]`."""
    section, keep = [], False
    for line in read("CHANGELOG.md").splitlines():
        if line.startswith("## ["):
            keep = line.startswith(f"## [{version}]")
            continue
        if keep:
            section.append(line)
    return "\n".join(section).strip()


def check_release(checks: Checks) -> None:
    """Release: a new version, its changelog section, its tag, its build."""
    version = project_version()
    newer = version_key(version) > version_key(FIRST_VERSION)
    checks.expect(
        newer,
        f"pyproject.toml has a version after {FIRST_VERSION} ({version})",
        'set version = "0.2.0" in pyproject.toml',
    )
    checks.expect(
        bool(changelog_section(version)),
        f"CHANGELOG.md describes {version} in a '## [{version}]' section",
        f"move the Unreleased entries into '## [{version}]' in CHANGELOG.md",
    )
    if CI_PROVIDER != "none":
        files = ", ".join(PIPELINES[CI_PROVIDER]["release"])
        checks.expect(
            "CHANGELOG.md" in pipeline_text("release"),
            f"the release pipeline ({files}) publishes the changelog section",
            f"restore {files} from git",
        )
    if not in_git(checks):
        return
    tag = f"v{version}"
    tagged = run("git", "show", f"{tag}:pyproject.toml")
    expected = f'version = "{version}"'
    checks.expect(
        tagged.returncode == 0 and expected in tagged.stdout,
        f"the tag {tag} marks a commit with version {version}",
        f"commit the release, then git tag {tag} (and git push origin {tag})",
    )
    build = run("make", "build")
    wheels = sorted((ROOT / "dist").glob(f"*-{version}-*.whl"))
    built = f" ({wheels[-1].name})" if wheels else ""
    checks.expect(
        build.returncode == 0 and bool(wheels),
        f"make build builds version {version}{built}",
        "make build, and fix what it reports",
    )


def check_monitoring(checks: Checks) -> None:
    """Monitoring: health and metrics, monitoring resources, drift report."""
    if not needs(checks, "serving", SERVING, "fastapi"):
        return
    serve = read(f"src/{PACKAGE}/serve.py")
    checks.expect(
        '"/health"' in serve and '"/metrics"' in serve,
        "the model API exposes /health and /metrics",
        f"restore src/{PACKAGE}/serve.py from git",
    )
    if IAC != "none":
        paths = {
            "terraform": "infra/terraform/monitoring.tf",
            "bicep": "infra/bicep/modules/monitoring.bicep",
        }
        checks.expect(
            (ROOT / paths[IAC]).is_file(),
            f"the infrastructure has monitoring and alerts ({paths[IAC]})",
            f"restore {paths[IAC]} from git",
        )
    report_path = ROOT / "reports" / "drift.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = {}
    # `make drift` writes {"features": {name: {..., "drift": bool}}}; a list of
    # {"name": ..., "drift": ...} is what older releases wrote
    features = report.get("features") if isinstance(report, dict) else None
    if isinstance(features, dict):
        features = [
            {"name": name, **result}
            for name, result in features.items()
            if isinstance(result, dict)
        ]
    if not isinstance(features, list):
        features = []
    features = [f for f in features if isinstance(f, dict)]
    drifted = [f.get("name") for f in features if f.get("drift")]
    found = bool(features)
    count = f": {len(drifted)} of {len(features)} drifted" if found else ""
    checks.expect(
        found,
        f"a drift report exists (reports/drift.json){count}",
        "make drift CURRENT=data/processed/test.csv (after make train)",
    )


def replicas(env: str) -> tuple[int, int] | None:
    """(min, max) replicas of an environment's settings, if configured."""
    if IAC == "terraform":
        text = read(f"infra/terraform/envs/{env}.tfvars")
        pattern = r"^\s*{}_replicas\s*=\s*(\d+)"
    else:
        text = read(f"infra/bicep/envs/{env}.bicepparam")
        pattern = r"^\s*param {}Replicas\s*=\s*(\d+)"
    low = re.search(pattern.format("min"), text, re.MULTILINE)
    high = re.search(pattern.format("max"), text, re.MULTILINE)
    if low is None or high is None:
        return None
    return int(low.group(1)), int(high.group(1))


def autoscales(size: tuple[int, int] | None) -> bool:
    """Whether (min, max) replicas make sense: 0 <= min <= max, max >= 1."""
    return size is not None and 0 <= size[0] <= size[1] and size[1] >= 1


def loadtest_summary() -> dict[str, str] | None:
    """The 'Aggregated' row of reports/loadtest_stats.csv (make loadtest)."""
    path = ROOT / "reports" / "loadtest_stats.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row]
    return next((r for r in rows if r.get("Name") == "Aggregated"), None)


def check_loadtest(checks: Checks) -> None:
    """Load test: a locustfile, a clean run, autoscaling per environment."""
    if not needs(checks, "serving", SERVING, "fastapi"):
        return
    locustfile = read("loadtest/locustfile.py")
    checks.expect(
        "HttpUser" in locustfile,
        "a load test exists (loadtest/locustfile.py)",
        "restore loadtest/locustfile.py from git",
    )
    summary = loadtest_summary()
    requests = int(float((summary or {}).get("Request Count") or 0))
    failures = int(float((summary or {}).get("Failure Count") or 0))
    p95 = (summary or {}).get("95%", "?")
    ran = f": {requests} requests, {failures} failed, p95 {p95} ms"
    checks.expect(
        requests > 0 and failures == 0,
        f"a load test ran without errors{ran if summary else ''}",
        "make serve in one terminal, then make loadtest in another",
    )
    if IAC == "none":
        return
    sizes = {env: replicas(env) for env in ENVIRONMENTS}
    broken = [env for env, size in sizes.items() if not autoscales(size)]
    checks.expect(
        not broken,
        "every environment autoscales between its min and max replicas",
        f"set min/max replicas (min <= max, max >= 1) for {', '.join(broken)}",
    )
    prod = sizes.get("prod")
    checks.expect(
        prod is not None and prod[0] >= 1,
        "production keeps at least one replica warm (min replicas >= 1)",
        "set the minimum replicas of prod to 1 or more",
    )


MODULES: dict[str, tuple[str, Callable[[Checks], None]]] = {
    "iac": ("Infrastructure as code", check_iac),
    "ci": ("CI and automated testing", check_ci),
    "cd": ("Continuous delivery", check_cd),
    "release": ("Release management", check_release),
    "monitoring": ("Monitoring and drift", check_monitoring),
    "loadtest": ("Load testing and autoscaling", check_loadtest),
}


def main(argv: list[str] | None = None) -> int:
    """Run the checks of one module; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="make workshop-check MODULE=",
        description="Check that a workshop module is done.",
    )
    parser.add_argument("module", nargs="?", help=", ".join(MODULES))
    args = parser.parse_args(argv)
    if args.module not in MODULES:
        print(f"usage: make workshop-check MODULE={'|'.join(MODULES)}")
        return 2
    title, run_checks = MODULES[args.module]
    print(f"workshop module {args.module}: {title}")
    checks = Checks()
    run_checks(checks)
    if checks.failures:
        print(f"not done yet: {checks.failures} check(s) to fix (-> above)")
        return 1
    print(f"done: module {args.module} is complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
