"""`mlops-cookie check`: the maturity level of generated projects, of a bare repository and of
deliberately partial ones, from evidence in the files (content, not just names)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import git, render_copier

from mlops_cookie import check as checking
from mlops_cookie.check import (
    MAX_LEVEL,
    PRACTICES,
    Repo,
    assess,
    check,
    practices_markdown,
    scale_markdown,
)
from mlops_cookie.cli import cli

REPO = Path(__file__).resolve().parents[1]
LEVEL_1 = {"package", "lint", "tests"}
UP_TO_3 = LEVEL_1 | {"docs", "ci", "quality_gate", "issue_templates", "cd", "iac", "serving"}


def present(path: Path) -> set[str]:
    return {f.practice.id for f in check(path).findings if f.present}


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    """render(answers) -> a project generated with copier, cached per answers."""
    cache: dict[str, Path] = {}

    def render(answers: dict[str, Any]) -> Path:
        key = repr(sorted(answers.items()))
        if key not in cache:
            cache[key] = render_copier(
                template_repo, tmp_path_factory.mktemp("check") / "p", answers
            )
        return cache[key]

    return render


# ------------------------------------------------------------------ generated projects
def test_default_project_reaches_the_top_level(project) -> None:
    result = check(project({}))
    found = {f.practice.id for f in result.findings if f.present}
    assert result.level == MAX_LEVEL, result.render()
    assert found == {p.id for p in PRACTICES}, result.render()
    assert result.next_steps() == []
    assert "next: nothing missing" in result.render()


def test_without_mlflow_and_dvc_a_project_stops_at_level_3(project) -> None:
    result = check(project({"experiment_tracking": "none", "data_versioning": "none"}))
    assert result.level == 3, result.render()
    assert [f.practice.id for f in result.next_steps()] == ["versioning", "tracking"]


def test_default_project_evidence_names_files_and_content(project) -> None:
    evidence = {f.practice.id: " ".join(f.evidence) for f in check(project({})).findings}
    assert "configs/train.toml: [quality_gate] with a threshold" in evidence["quality_gate"]
    assert ".github/workflows/ci.yml: on push, pull_request; runs `make ci`" in evidence["ci"]
    assert "environment 'production'" in evidence["cd"]
    assert "Terraform:" in evidence["iac"]
    assert "environments dev, prod, staging" in evidence["iac"]
    assert "/metrics" in evidence["monitoring"]
    assert "ks_2samp" in evidence["drift"]
    assert "loadtest/locustfile.py" in evidence["loadtest"]
    assert "dvc.yaml: DVC pipeline, stages data, train, evaluate" in evidence["versioning"]
    assert ".dvc/config: DVC remote(s) local" in evidence["versioning"]
    assert "MLflow" in evidence["tracking"]
    assert "model/data registry" in evidence["versioning"]


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"ci_provider": "gitlab"}, 4),
        ({"ci_provider": "azure-devops", "iac": "bicep"}, 4),
        ({"ci_provider": "github", "iac": "terraform", "cloud": "aws"}, 4),
        ({"data_versioning": "none"}, 4),  # the MLflow registry versions the models
        ({"iac": "none"}, 2),
        ({"ci_provider": "none"}, 1),
        ({"ci_provider": "none", "iac": "none", "serving": "none", "docs": "none"}, 1),
    ],
    ids=["gitlab", "azure-bicep", "aws", "registry-only", "no-iac", "no-ci", "minimal"],
)
def test_generated_variants_get_the_level_of_what_they_have(project, answers, level) -> None:
    result = check(project(answers))
    assert result.level == level, result.render()


def test_a_project_without_serving_has_no_serving_monitoring_or_load_test(project) -> None:
    found = present(project({"serving": "none"}))
    assert {"serving", "loadtest", "drift"}.isdisjoint(found)
    assert {"ci", "cd", "iac"} <= found


# ------------------------------------------------------------------ other repositories
def test_bare_git_repository_is_level_0(tmp_path) -> None:
    git("init", "-q", cwd=tmp_path)
    result = check(tmp_path)
    assert result.level == 0
    assert not any(f.present for f in result.findings)
    assert [f.practice.id for f in result.next_steps()] == ["package", "lint", "tests", "docs"]


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


PARTIAL = {
    "pyproject.toml": '[project]\nname = "churn"\ndependencies = ["pandas"]\n\n'
    '[tool.ruff.lint]\nselect = ["E", "F"]\n',
    "src/churn/__init__.py": "",
    "src/churn/train.py": "def train():\n    return 0.9\n",
    "tests/test_train.py": "from churn.train import train\n\n\n"
    "def test_train():\n    assert train()\n",
    ".github/workflows/ci.yml": "name: CI\non:\n  push:\n  pull_request:\njobs:\n  test:\n"
    "    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    # named like CD and IaC, but neither deploys through an approval nor declares a resource
    ".github/workflows/cd.yml": "name: CD\non:\n  push:\njobs:\n  deploy:\n"
    "    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh production\n",
    "infra/main.tf": "# TODO: infrastructure\n",
    "Dockerfile": "FROM python:3.11-slim\n",
}
GATE = {
    "configs/train.yaml": "quality_gate:\n  metric: f1\n  threshold: 0.8\n",
    "src/churn/evaluate.py": "import sys\n\n\ndef gate(score, config):\n"
    "    if score < config['quality_gate']['threshold']:\n        sys.exit(1)\n",
}
DELIVERY = {
    ".github/workflows/cd.yml": "name: CD\non:\n  push:\njobs:\n  staging:\n"
    "    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - run: ./deploy.sh\n"
    "  production:\n    needs: staging\n    runs-on: ubuntu-latest\n"
    "    environment:\n      name: production\n    steps:\n      - run: ./deploy.sh\n",
    "infra/main.tf": 'resource "azurerm_resource_group" "main" {\n  name     = "rg"\n'
    '  location = "westeurope"\n}\n',
}


def test_partial_repository_is_level_1_and_is_told_to_add_the_gate(tmp_path) -> None:
    result = check(write(tmp_path, PARTIAL))
    found = {f.practice.id for f in result.findings if f.present}
    assert found == {"package", "lint", "tests", "ci"}, result.render()
    assert result.level == 1
    assert [f.practice.id for f in result.next_steps()] == [
        "quality_gate",
        "docs",
        "issue_templates",
        "tracking",
    ]
    assert "what to add next (for level 2, Continuous integration)" in result.render()


def test_partial_repository_climbs_with_evidence(tmp_path) -> None:
    root = write(tmp_path, {**PARTIAL, **GATE})
    assert check(root).level == 2
    write(root, DELIVERY)
    result = check(root)
    assert result.level == 3, result.render()
    cd = next(f for f in result.findings if f.practice.id == "cd")
    assert "staging -> production" in cd.evidence[0]


def test_levels_are_cumulative(tmp_path) -> None:
    """CD and IaC without CI do not make level 3."""
    files = {k: v for k, v in {**PARTIAL, **DELIVERY}.items() if k != ".github/workflows/ci.yml"}
    result = check(write(tmp_path, files))
    assert {"cd", "iac"} <= {f.practice.id for f in result.findings if f.present}
    assert result.level == 1


def test_environments_and_caches_are_not_read(tmp_path) -> None:
    write(
        tmp_path,
        {
            ".venv/lib/site/test_vendor.py": "def test_x():\n    assert True\n",
            "node_modules/x/locustfile.py": "from locust import HttpUser\n",
        },
    )
    assert check(tmp_path).level == 0


# ------------------------------------------------------------------ the command
def test_cli_json_and_min_level(project) -> None:
    root = project({})
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(root), "--json", "--min-level", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["level"], report["max_level"], report["passed"]) == (4, MAX_LEVEL, True)
    assert {p["id"] for p in report["practices"]} == {p.id for p in PRACTICES}
    assert report["next"] == []
    bare = project({"experiment_tracking": "none", "data_versioning": "none"})
    below = runner.invoke(cli, ["check", str(bare), "--min-level", "4"])
    assert below.exit_code == 1
    assert "level 3 below the required level 4" in below.stdout
    human = runner.invoke(cli, ["check", str(bare)])
    assert human.exit_code == 0
    assert "level 3 of 4: Continuous delivery" in human.stdout
    assert "[ ] data and model versioning" in human.stdout
    assert "[ ] experiment tracking (recommended)" in human.stdout


def test_cli_on_a_file_is_one_line_and_exit_2(tmp_path) -> None:
    (tmp_path / "f.txt").write_text("x\n")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "f.txt")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'f.txt'} is not a folder"


def test_the_documented_scale_is_the_one_the_code_uses() -> None:
    page = (REPO / "docs" / "maturity.md").read_text()
    assert scale_markdown() in page, "docs/maturity.md: regenerate the scale table"
    assert practices_markdown() in page, "docs/maturity.md: regenerate the practices table"


# ------------------------------------------------------------------ limits and what cannot be read
LEVEL_3 = {**PARTIAL, **GATE, **DELIVERY}


def commit_all(root: Path) -> None:
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x", cwd=root)


def many_files(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for number in range(count):
        os.close(os.open(folder / f"img_{number:05d}.png", os.O_CREAT | os.O_WRONLY))


@pytest.mark.parametrize("vcs", ["git", "plain folder"])
def test_60000_data_files_do_not_hide_the_practices(tmp_path, vcs) -> None:
    """60,000 git-ignored images under data/raw/ once filled the file cap in directory order
    and turned this level-3 project into level 2."""
    root = write(
        tmp_path / "p", {**LEVEL_3, ".gitignore": "data/raw/\n", "data/raw.dvc": "outs:\n"}
    )
    if vcs == "git":
        commit_all(root)
    many_files(root / "data" / "raw", 60_000)
    result = check(root)
    assert result.level == 3, result.render()
    assert not result.notes, result.notes  # nothing was cut: the data was never listed
    assert "DVC: data/raw.dvc" in " ".join(result.findings[-1].evidence)


def test_a_limit_that_was_hit_is_said(tmp_path, monkeypatch) -> None:
    root = write(tmp_path, {**LEVEL_3, **{f"pkg/deep/m{n:03d}/code.py": "" for n in range(60)}})
    monkeypatch.setattr(checking, "MAX_FILES", 40)
    result = check(root)
    note = "listed only the first 40 files (shallowest first; ignored and data folders skipped)"
    assert any(note in n for n in result.notes), result.notes
    assert note in result.render()
    assert result.to_dict()["notes"] == result.notes
    assert result.level == 3, "the shallow files (configuration, CI, tests) come first"


BOMB = (
    "trigger: [main]\nsteps:\n  - script: pytest\n"
    "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"lol{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]\n" for n in range(1, 10))
)


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess: a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "mlops_cookie.cli", "check", str(root), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_fifo_an_alias_bomb_and_links_out_of_the_repo_are_not_followed(tmp_path) -> None:
    """A FIFO and a YAML alias bomb in a pipeline file made `check` hang for ever."""
    root = write(tmp_path / "repo", LEVEL_3)
    outside = write(tmp_path / "shared", {"gate.yaml": "quality_gate:\n  threshold: 0.9\n"})
    os.mkfifo(root / "configs" / "stream.yaml")  # read by the quality-gate detector
    (root / "azure-pipelines.yml").write_text(BOMB)
    (root / "configs" / "shared.yaml").symlink_to(outside / "gate.yaml")
    (root / ".github" / "workflows" / "zero.yml").symlink_to("/dev/zero")
    (root / "configs" / "local.yaml").symlink_to("train.yaml")  # inside: followed
    result = run_check(root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["level"] == 3
    notes = "\n".join(report["notes"])
    assert "not read: 1 special files (FIFO, socket, device): configs/stream.yaml" in notes
    assert "not read: 2 symbolic links leaving the repository: " in notes
    assert "configs/shared.yaml" in notes
    assert ".github/workflows/zero.yml" in notes
    assert "not read: azure-pipelines.yml (YAML: its aliases expand to more than" in notes
    gate = next(p for p in report["practices"] if p["id"] == "quality_gate")
    assert "configs/local.yaml: [quality_gate] with a threshold" in gate["evidence"]


def test_files_that_cannot_be_read_are_named_not_taken_as_empty(tmp_path) -> None:
    root = write(tmp_path, LEVEL_3)
    (root / "src" / "churn" / "legacy.py").write_bytes("# Modèle\nimport flask\n".encode("latin-1"))
    repo = Repo(root)
    (root / "pyproject.toml").unlink()  # gone between listing and reading: a real read error
    result = assess(repo)
    assert "not read: pyproject.toml (No such file or directory)" in result.notes
    assert "src/churn/legacy.py: not UTF-8 (byte 5); read with replacement characters" in (
        result.notes
    )
    assert "notes (the level may be missing evidence from these):" in result.render()
    assert result.level == 0  # no package declared, and the report says why


# ------------------------------------------------------------------ practices in real layouts
# Small synthetic trees reproducing the structure of public MLOps repositories (fmind's
# mlops-python-package, microsoft/MLOpsPython, Azure's mlops project template, Databricks MLOps
# Stacks); the file names are theirs, the few lines of content are ours.
BASE = {k: v for k, v in PARTIAL.items() if k not in {".github/workflows/ci.yml", "Dockerfile"}}


def evidence(root: Path, practice: str) -> str:
    return " ".join(next(f for f in check(root).findings if f.practice.id == practice).evidence)


def workflow(run: str) -> str:
    return (
        "name: CI\non:\n  pull_request:\njobs:\n  checks:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n      - uses: actions/checkout@v4\n      - run: {run}\n"
    )


RUNNERS = {
    "mise": ("mise run test", {"mise.toml": '[tasks.test]\nrun = "uv run pytest tests"\n'}),
    "invoke": (
        "poetry run invoke checks",
        {
            "tasks/checks.py": "from invoke import task\n\n\n@task\ndef checks(c):\n"
            '    c.run("poetry run pytest")\n'
        },
    ),
    "nox": (
        "nox -s tests",
        {
            "noxfile.py": "import nox\n\n\n@nox.session\ndef tests(session):\n"
            '    session.run("pytest")\n'
        },
    ),
    "tox": (
        "tox -e py311",
        {"tox.ini": "[tox]\nenv_list = py311\n\n[testenv]\ncommands = pytest\n"},
    ),
    "just": ("just check", {"justfile": "check:\n    uv run ruff check .\n    uv run pytest\n"}),
}


@pytest.mark.parametrize("runner", RUNNERS)
def test_ci_through_a_task_runner(tmp_path, runner) -> None:
    command, files = RUNNERS[runner]
    root = write(tmp_path, {**BASE, **files, ".github/workflows/ci.yml": workflow(command)})
    found = evidence(root, "ci")
    assert f"runs `{command}` ({next(iter(files))} runs" in found, found


def test_a_task_runner_that_runs_no_check_is_not_ci(tmp_path) -> None:
    files = {"mise.toml": '[tasks.deploy]\nrun = "./deploy.sh"\n'}
    root = write(
        tmp_path, {**BASE, **files, ".github/workflows/ci.yml": workflow("mise run deploy")}
    )
    assert evidence(root, "ci") == ""


AZURE_PR = (  # MLOpsPython's layout: .pipelines/pr.yml includes a step template
    "trigger: none\npr:\n  branches:\n    include:\n    - main\npool:\n  vmImage: ubuntu-latest\n"
    "steps:\n- template: code-quality-template.yml\n"
)
AZURE_QUALITY = (
    "steps:\n- script: |\n    flake8 --output-file=lint-testresults.xml\n  displayName: Lint\n"
    "- script: python -m pytest . --junitxml=unit-testresults.xml\n  displayName: Tests\n"
)
AZURE_DEPLOY = (  # Azure's MLOps project template: mlops/devops-pipelines/, started by hand
    "trigger: none\npool:\n  vmImage: ubuntu-latest\nstages:\n- stage: Deploy\n  jobs:\n"
    "  - deployment: DeployOnlineEndpoint\n    environment: prod\n    strategy:\n      runOnce:\n"
    "        deploy:\n          steps:\n          - task: AzureCLI@2\n            inputs:\n"
    "              scriptType: bash\n              inlineScript: az ml online-endpoint create\n"
)


def test_azure_pipelines_found_by_content_wherever_they_are(tmp_path) -> None:
    root = write(
        tmp_path,
        {
            **BASE,
            ".pipelines/pr.yml": AZURE_PR,
            ".pipelines/code-quality-template.yml": AZURE_QUALITY,
            "mlops/devops-pipelines/deploy-online-endpoint-pipeline.yml": AZURE_DEPLOY,
        },
    )
    ci = evidence(root, "ci")
    assert ci == (
        ".pipelines/pr.yml: on pull requests; runs `flake8` "
        "(through .pipelines/code-quality-template.yml)"
    )
    assert "deploy-online-endpoint-pipeline.yml: deployment job 'DeployOnlineEndpoint'" in (
        evidence(root, "cd")
    )


MONO = {
    "ml/churn/pyproject.toml": PARTIAL["pyproject.toml"],
    "ml/churn/src/churn/__init__.py": "",
    "ml/churn/tests/test_train.py": PARTIAL["tests/test_train.py"],
    "web/package.json": "{}\n",
    ".github/workflows/churn.yml": workflow("pytest").replace(
        "    steps:", "    defaults:\n      run:\n        working-directory: ml/churn\n    steps:"
    ),
    ".github/workflows/web.yml": workflow("npm test && ruff check web"),
}


def test_a_project_in_a_subfolder_of_a_monorepo(tmp_path) -> None:
    root = write(tmp_path / "mono", MONO)
    commit_all(root)
    from_top = present(root)
    assert {"package", "lint", "tests", "ci"} <= from_top
    assert "ml/churn/pyproject.toml: distribution 'churn'" in evidence(root, "package")
    sub = root / "ml" / "churn"
    assert {"package", "lint", "tests", "ci"} <= present(sub), check(sub).render()
    ci = evidence(sub, "ci")
    assert ci == "../../.github/workflows/churn.yml: on pull_request; runs `pytest`"
    assert "web.yml" not in ci  # the other project's workflow does not test this one


CHAMPION_V1 = """from azureml.core import Run
from azureml.core.model import Model

run = Run.get_context()
model = Model(run.experiment.workspace, name="diabetes_model")
production_model_mse = float(model.tags["mse"])
new_model_mse = float(run.parent.get_metrics().get("mse"))
if new_model_mse >= production_model_mse:
    print("the new model is not better: stop before registration")
    run.parent.cancel()
"""
CHAMPION_V2 = """import mlflow
from mlflow.tracking import MlflowClient


def model_promotion(model_name, X_test, y_test, score):
    scores = {}
    for version in MlflowClient().search_model_versions(f"name='{model_name}'"):
        model = mlflow.pyfunc.load_model(f"models:/{model_name}/{version.version}")
        scores[version.version] = r2_score(y_test, model.predict(X_test))
    deploy_flag = 1 if not scores or score >= max(scores.values()) else 0
    return deploy_flag
"""
REGISTER_V1 = """from azureml.core.model import Model


def register(ws, path):
    return Model.register(workspace=ws, model_path=path, model_name="diabetes_model")
"""
REGISTER_V2 = """from azure.ai.ml.entities import Model


def register(ml_client, path):
    return ml_client.models.create_or_update(Model(path=path, name="taxi-model"))
"""
MLFLOW_THRESHOLDS = """from mlflow.models import MetricThreshold


def validation_thresholds():
    return {"mean_squared_error": MetricThreshold(threshold=500, greater_is_better=False)}
"""


@pytest.mark.parametrize(
    ("files", "gate", "registry"),
    [
        (
            {
                "diabetes_regression/evaluate/evaluate_model.py": CHAMPION_V1,
                "diabetes_regression/register/register_model.py": REGISTER_V1,
            },
            "evaluate_model.py:8: the new model is compared with the production one",
            "register_model.py: model/data registry (Model.register)",
        ),
        (
            {
                "data-science/src/evaluate/evaluate.py": CHAMPION_V2,
                "data-science/src/register/register.py": REGISTER_V2,
            },
            "evaluate.py:10: the new model is compared with the production one",
            "register.py: model/data registry (models.create_or_update)",
        ),
        (
            {"churn/validation/validation.py": MLFLOW_THRESHOLDS},
            "churn/validation/validation.py:5: MLflow validation_thresholds",
            None,
        ),
    ],
    ids=["azureml-sdk-v1", "azureml-sdk-v2", "mlflow-validation-thresholds"],
)
def test_quality_gates_and_registries_in_ml_platform_code(tmp_path, files, gate, registry) -> None:
    root = write(tmp_path, {**BASE, **files})
    assert gate in evidence(root, "quality_gate")
    if registry:
        assert registry in evidence(root, "versioning")


DVC_PIPELINE = """stages:
  featurize:
    cmd: python src/churn/features.py
    deps: [data/raw]
    outs: [data/features]
  train:
    cmd: python src/churn/train.py
    deps: [data/features]
    outs: [models/churn.pkl]
    metrics:
      - reports/scores.json:
          cache: false
"""
DVC_CONFIG = "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bucket/dvc\n"


@pytest.mark.parametrize(
    ("files", "practice", "shown"),
    [
        (
            {"src/churn/train.py": "import mlflow\n\nmlflow.sklearn.autolog()\n"},
            "tracking",
            "src/churn/train.py: MLflow (mlflow.sklearn.autolog)",
        ),
        (
            {"src/churn/train.py": "import wandb\n\nrun = wandb.init(project='churn')\n"},
            "tracking",
            "Weights & Biases (wandb.init)",
        ),
        (
            {"src/churn/train.py": "from dvclive import Live\n\nwith Live() as live:\n    pass\n"},
            "tracking",
            "DVCLive (Live)",
        ),
        (
            {
                ".gitlab-ci.yml": "train:\n  variables:\n    MLFLOW_TRACKING_URI: http://mlflow\n"
                "  script: [python train.py]\n"
            },
            "tracking",
            ".gitlab-ci.yml: MLFLOW_TRACKING_URI",
        ),
        (
            {"dvc.yaml": DVC_PIPELINE, ".dvc/config": DVC_CONFIG},
            "versioning",
            "dvc.yaml: DVC pipeline, stages featurize, train; versions data/features, "
            "models/churn.pkl, reports/scores.json .dvc/config: DVC remote(s) store",
        ),
        (
            {
                "src/churn/register.py": "from mlflow import MlflowClient\n\n"
                "MlflowClient().set_registered_model_alias('churn', 'champion', 3)\n"
            },
            "versioning",
            "register.py: model/data registry (set_registered_model_alias)",
        ),
    ],
    ids=["mlflow-autolog", "wandb", "dvclive", "tracking-uri-in-ci", "dvc-pipeline", "aliases"],
)
def test_tracking_and_versioning_of_other_tools(tmp_path, files, practice, shown) -> None:
    assert shown in evidence(write(tmp_path, {**BASE, **files}), practice)


def test_tracking_only_in_tests_or_an_empty_dvc_yaml_is_not_credited(tmp_path) -> None:
    files = {
        "tests/test_train.py": "import mlflow\n\n\ndef test_x():\n    mlflow.start_run()\n",
        "dvc.yaml": "stages: {}\n",
    }
    root = write(tmp_path, {**BASE, **files})
    assert not evidence(root, "tracking")
    assert not evidence(root, "versioning")


BUNDLE = """bundle:
  name: churn
include:
  - ./resources/*.yml
targets:
  dev:
    mode: development
  staging:
    workspace:
      host: https://staging.example.invalid
  prod:
    workspace:
      host: https://prod.example.invalid
"""
SERVING_RESOURCE = """resources:
  model_serving_endpoints:
    churn_endpoint:
      name: churn-${bundle.target}
"""


def test_databricks_bundle_is_iac_and_its_endpoint_serves(tmp_path) -> None:
    root = write(
        tmp_path,
        {
            **BASE,
            "churn/databricks.yml": BUNDLE,
            "churn/resources/serving-resource.yml": SERVING_RESOURCE,
        },
    )
    assert "churn/databricks.yml: Databricks asset bundle (targets dev, prod, staging)" in (
        evidence(root, "iac")
    )
    assert "serving-resource.yml: managed endpoint (model_serving_endpoints:)" in (
        evidence(root, "serving")
    )


@pytest.mark.parametrize(
    ("files", "shown"),
    [
        (
            {
                "mlops/azureml/deploy/online/online-endpoint.yml": "$schema: https://azuremlschemas"
                ".azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: taxi-online\n"
            },
            "online-endpoint.yml: managed endpoint",
        ),
        (
            {
                "deploy/sagemaker.py": "from sagemaker.sklearn import SKLearnModel\n\n\n"
                "def deploy(model: SKLearnModel):\n"
                "    return model.deploy(initial_instance_count=1, instance_type='ml.m5.large')\n"
            },
            "deploy/sagemaker.py: managed endpoint (.deploy)",
        ),
        (
            {
                "deploy/vertex.py": "from google.cloud import aiplatform\n\n"
                "endpoint = aiplatform.Endpoint.create(display_name='churn')\n"
            },
            "deploy/vertex.py: managed endpoint (aiplatform.Endpoint.create)",
        ),
    ],
    ids=["azureml-online-endpoint", "sagemaker", "vertex"],
)
def test_managed_endpoints_are_serving(tmp_path, files, shown) -> None:
    assert shown in evidence(write(tmp_path, {**BASE, **files}), "serving")


def test_sanity_asserts_and_non_server_images_are_not_credited(tmp_path) -> None:
    sanity = (
        "from churn.train import evaluate\n\n\ndef test_metrics_are_metrics():\n"
        "    metrics = evaluate()\n    assert metrics['f1'] >= 0\n"
        "    assert 0 <= metrics['auc'] <= 1\n"
        "    assert len(metrics) > 0\n"
    )
    ci_image = "FROM python:3.11-slim\nRUN pip install flake8 pytest\nWORKDIR /src\n"
    root = write(
        tmp_path,
        {**BASE, "tests/test_metrics.py": sanity, "environment_setup/Dockerfile": ci_image},
    )
    assert evidence(root, "quality_gate") == ""
    assert evidence(root, "serving") == ""
    write(
        root,
        {
            "tests/test_gate.py": "def test_gate(metrics):\n    assert metrics['f1'] >= 0.8\n",
            "Dockerfile": 'FROM python:3.11-slim\nCMD ["uvicorn", "churn.api:app"]\n',
        },
    )
    assert "tests/test_gate.py:2: assert metrics['f1'] >= 0.8" in evidence(root, "quality_gate")
    assert "Dockerfile: container image of a server (CMD" in evidence(root, "serving")


def test_the_headline_does_not_contradict_the_ticks(tmp_path) -> None:
    """'nothing is checked automatically' was printed above a ticked CI."""
    files = {
        ".github/workflows/ci.yml": PARTIAL[".github/workflows/ci.yml"],
        "tests/test_train.py": PARTIAL["tests/test_train.py"],
    }
    result = check(write(tmp_path, files))
    assert result.level == 0
    headline = result.render().splitlines()[1]
    assert "nothing is checked automatically" not in headline
    assert headline == (
        "level 0 of 4: Ad hoc (level 1 needs: installable package, lint configuration; "
        "already in place: tests, continuous integration)"
    )
    (tmp_path / "empty").mkdir()
    assert check(tmp_path / "empty").headline() == (
        "level 0 of 4: Ad hoc (code and models live in notebooks and on laptops; nothing is "
        "checked automatically)"
    )


def test_after_adopt_the_template_example_does_not_lift_the_level(template_repo, tmp_path) -> None:
    """`adopt` adds the template's example (package, tests, CI, quality gate, IaC …); a
    notebook repository is not at level 3 for it. Those files count once the repository
    changes them."""
    from mlops_cookie.adopt import adopt

    root = write(tmp_path / "churn-model", {"README.md": "# Churn\n", "explore.py": "import os\n"})
    commit_all(root)
    adopt(root, str(template_repo), {})
    result = check(root)
    assert result.level == 0, result.render()
    assert not any(f.present for f in result.findings), result.render()
    note = next(n for n in result.notes if n.startswith("not credited: "))
    assert "files `adopt` brought from the template and unchanged since" in note
    git("add", "-A", cwd=root)
    git("commit", "-qm", "Adopt mlops-cookie", cwd=root)
    assert check(root).level == 0
    # The user makes the package theirs, and later deletes .mlops-cookie/ as adopt suggests:
    # the commit that brought .copier-answers.yml into a folder with files still tells.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = [", 'dependencies = [\n  "lifelines",', 1)
    )
    git("rm", "-rq", ".mlops-cookie", cwd=root)
    git("commit", "-qam", "Our dependencies", cwd=root)
    found = present(root)
    assert {"package", "lint"} <= found
    assert "tests" not in found  # the example's tests, unchanged
    assert check(root).level == 0
