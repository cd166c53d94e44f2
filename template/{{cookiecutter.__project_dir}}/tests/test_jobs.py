{%- set image = {'azure': 'crdemodev.azurecr.io/demo-training', 'aws': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/training', 'gcp': 'europe-west4-docker.pkg.dev/demo-4711/demo/training'}[cookiecutter.cloud] -%}
"""The training job (jobs.py): its request, the local runner, failures.

The request is checked by the SDK's own offline validation, with a wrong
field as negative control; nothing here reaches the cloud. The local runner
runs the job's real command line on the bundled data.
"""

from __future__ import annotations

{% if cookiecutter.cloud == 'azure' -%}
import io
{% endif -%}
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import jobs
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Config, load_config
from {{ cookiecutter.package_name }}.predict import load_model
from {{ cookiecutter.package_name }}.train import prepare

# Values of the right shape; no cloud is reached with them.
IMAGE = "{{ image }}"
FAKE = {
    "TRAINING_IMAGE": f"{IMAGE}@sha256:{'ab' * 32}",
{%- if cookiecutter.cloud == 'azure' %}
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
    "AZURE_RESOURCE_GROUP": "rg-demo-dev",
    "AZUREML_WORKSPACE": "mlw-demo-dev",
    "AZUREML_COMPUTE": "cpu-cluster",
{%- elif cookiecutter.cloud == 'aws' %}
    "AWS_REGION": "eu-west-1",
    "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/demo-dev-job",
    "TRAINING_STORAGE": "s3://demo-dev-training/jobs",
{%- else %}
    "GOOGLE_CLOUD_PROJECT": "demo-4711",
    "GOOGLE_CLOUD_REGION": "europe-west4",
    "VERTEX_SERVICE_ACCOUNT": "trainer@demo-4711.iam.gserviceaccount.com",
    "TRAINING_STORAGE": "gs://demo-dev-training/jobs",
{%- endif %}
}
PREFIX = "{{ cookiecutter.package_name | upper }}_"


@pytest.fixture
def cloud_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in FAKE.items():
        monkeypatch.setenv(name, value)
    return FAKE


@pytest.fixture
def prepared(config_path: Path) -> Config:
    """A project after its data step (the splits the job trains on)."""
    config = load_config(config_path)
    prepare(config)
    return config


def job_request(config: Config, tmp_path: Path) -> dict[str, Any]:
    name = jobs.job_name()
{%- if cookiecutter.cloud == 'azure' %}
    return jobs.request(config, FAKE, name, input_path=str(tmp_path))
{%- else %}
    where = jobs.dry_run_locations(FAKE, name)
    return jobs.request(config, FAKE, name, **where)
{%- endif %}
{%- if cookiecutter.cloud == 'azure' %}


# azure-ai-ml's schemas use marshmallow options that marshmallow deprecates.
SDK_WARNINGS = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def load(body: dict[str, Any]) -> Any:
    from azure.ai.ml import load_job

    return load_job(io.StringIO(json.dumps(body)))


@SDK_WARNINGS
def test_the_request_is_a_valid_command_job(
    config_path: Path,
    tmp_path: Path,
) -> None:
    from azure.ai.ml.entities import Command

    job = load(job_request(load_config(config_path), tmp_path))
    assert isinstance(job, Command)  # what `az ml job create` submits
    assert job.environment.image == FAKE["TRAINING_IMAGE"]
    assert job.compute == FAKE["AZUREML_COMPUTE"]
    assert job.resources.instance_count == 1
    assert job.limits.timeout == 3600
    assert "--no-track" in job.command
    assert job.environment_variables[PREFIX + "PATHS__PROCESSED_DIR"]


@SDK_WARNINGS
def test_a_wrong_field_fails_validation(
    config_path: Path,
    tmp_path: Path,
) -> None:
    from marshmallow import ValidationError

    body = job_request(load_config(config_path), tmp_path)
    body["resources"] = {"instance_type_count": 1}
    with pytest.raises(ValidationError, match="instance_type_count"):
        load(body)
{%- elif cookiecutter.cloud == 'aws' %}


def create(body: dict[str, Any]) -> None:
    """CreateTrainingJob through botocore's parameter checks, no network."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "sagemaker",
        region_name=FAKE["AWS_REGION"],
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106
    )
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/x"
    with Stubber(client) as stub:
        stub.add_response("create_training_job", {"TrainingJobArn": arn}, body)
        client.create_training_job(**body)
        stub.assert_no_pending_responses()


def test_the_request_is_a_valid_create_training_job(
    config_path: Path,
    tmp_path: Path,
) -> None:
    body = job_request(load_config(config_path), tmp_path)
    create(body)
    assert body["AlgorithmSpecification"]["TrainingImage"].endswith("ab" * 32)
    assert body["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert body["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_spot_waits_for_capacity(
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PREFIX + "TRAINING__SPOT", "true")
    body = job_request(load_config(config_path), tmp_path)
    create(body)
    assert body["EnableManagedSpotTraining"] is True
    assert body["StoppingCondition"]["MaxWaitTimeInSeconds"] == 7200


def test_a_wrong_field_fails_validation(
    config_path: Path,
    tmp_path: Path,
) -> None:
    from botocore.exceptions import ParamValidationError

    body = job_request(load_config(config_path), tmp_path)
    body["ResourceConfig"]["InstanceKind"] = "ml.m5.large"
    with pytest.raises(ParamValidationError, match="InstanceKind"):
        create(body)
{%- else %}


def test_the_request_is_a_valid_custom_job(
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.cloud import aiplatform_v1

    monkeypatch.setenv(PREFIX + "TRAINING__SPOT", "true")
    monkeypatch.setenv(PREFIX + "TRAINING__INSTANCE_COUNT", "2")
    body = job_request(load_config(config_path), tmp_path)
    job = aiplatform_v1.CustomJob(body)
    pools = job.job_spec.worker_pool_specs
    assert [pool.replica_count for pool in pools] == [1, 1]
    assert pools[0].container_spec.image_uri == FAKE["TRAINING_IMAGE"]
    assert pools[0].machine_spec.machine_type == "n1-standard-4"
    assert job.job_spec.scheduling.strategy.name == "SPOT"
    assert job.job_spec.scheduling.timeout.seconds == 3600
    assert job.job_spec.service_account == FAKE["VERTEX_SERVICE_ACCOUNT"]
    config = pools[0].container_spec.args[4]
    assert config.startswith("/gcs/demo-dev-training/jobs/")


def test_a_wrong_field_fails_validation(
    config_path: Path,
    tmp_path: Path,
) -> None:
    from google.cloud import aiplatform_v1

    body = job_request(load_config(config_path), tmp_path)
    body["job_spec"]["worker_pool_specs"][0]["machine"] = {}
    with pytest.raises(ValueError, match="machine"):
        aiplatform_v1.CustomJob(body)
{%- endif %}


def test_the_dry_run_prints_the_request(
    config_path: Path,
    cloud_env: dict[str, str],
) -> None:
    args = ["train", "--on", "cloud", "--dry-run", "-c", str(config_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)  # the request, nothing else
    assert FAKE["TRAINING_IMAGE"] in result.stdout


@pytest.mark.parametrize("name", sorted(FAKE))
def test_a_missing_variable_is_one_line_naming_it(
    name: str,
    config_path: Path,
    cloud_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(name)
    with pytest.raises(jobs.JobError, match=f"^{name} is not set") as error:
        jobs.submit(load_config(config_path), config_path, dry_run=True)
    assert "\n" not in str(error.value)


def test_an_image_by_tag_is_refused(
    config_path: Path,
    cloud_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAINING_IMAGE", f"{IMAGE}:latest")
    with pytest.raises(jobs.JobError, match=r"TRAINING_IMAGE=.*by digest"):
        jobs.environment()


def test_the_local_runner_brings_the_model_back(
    prepared: Config,
    config_path: Path,
) -> None:
    metadata = jobs.run_local(prepared, config_path)
    model = load_model(prepared.paths.model, prepared.paths.metadata)
    assert model.version == metadata["model_version"]
    assert metadata["n_train"] > 0
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    from mlflow import MlflowClient

    from {{ cookiecutter.package_name }}.tracking import CHALLENGER, tracking_uri

    record = model.metadata["mlflow"]  # written by log_training
    client = MlflowClient(tracking_uri(prepared))
    name = prepared.tracking.registered_model
    version = client.get_model_version_by_alias(name, CHALLENGER)
    assert int(version.version) == record["version"]
    run = client.get_run(version.run_id)
    assert run.data.tags["model_version"] == metadata["model_version"]
{%- endif %}


def test_a_failed_job_leaves_models_untouched(
    prepared: Config,
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = prepared.paths.model.parent
    models.mkdir(parents=True)
    before = {"model.joblib": b"champion", "model.json": b"{}"}
    for name, content in before.items():
        (models / name).write_bytes(content)
    # Forwarded into the job only: its configuration is invalid there.
    monkeypatch.setenv(PREFIX + "MODEL__CV_FOLDS", "1")
    with pytest.raises(jobs.JobError, match="models/ is unchanged"):
        jobs.run_local(prepared, config_path, track=False)
    assert {p.name: p.read_bytes() for p in models.iterdir()} == before


def test_an_unusable_output_is_not_brought_back(
    prepared: Config,
    tmp_path: Path,
) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (output / "model.joblib").write_bytes(b"not a pickle")
    (output / "model.json").write_text("{}", encoding="utf-8")
    with pytest.raises(jobs.JobError, match="no usable model"):
        jobs.bring_back(prepared, output, track=False)
    assert not prepared.paths.model.exists()


def test_the_job_needs_the_data_step(config_path: Path) -> None:
    with pytest.raises(jobs.JobError, match="run the data step first"):
        jobs.run_local(load_config(config_path), config_path)


def test_failures_name_the_reason() -> None:
    error = jobs.failure("job-1", "ResourceLimitExceeded: quota", "link")
    assert "quota exceeded" in str(error)
    assert "job-1" in str(error)
    assert "link" in str(error)
    error = jobs.failure("job-2", "CannotStartContainerError: image", "link")
    assert "image could not be pulled" in str(error)
    error = jobs.failure("job-3", "MaxRuntimeExceeded", "link")
    assert "time limit" in str(error)
