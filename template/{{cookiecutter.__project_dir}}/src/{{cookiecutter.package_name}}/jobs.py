{%- set platform = {'azure': 'an Azure Machine Learning command job', 'aws': 'a SageMaker training job', 'gcp': 'a Vertex AI custom job'}[cookiecutter.cloud] -%}
"""Training as {{ platform }} (docs/training.md).

One job, described once: the image of the Dockerfile's ``training`` stage
runs ``ARGV`` with the data step's splits in ``{input}`` and writes the model
to ``{output}``. ``submit`` turns it into the platform's request, uploads the
input, streams or polls the job and brings the model back; ``run_local``
runs the very same argv and environment in a subprocess. Both end in
``bring_back``: the model is checked before it replaces models/, so a failed
job leaves models/ as it was. The job never tracks; the submitter logs and
registers the run (experiment tracking on).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
{%- if cookiecutter.cloud != 'azure' %}
import time
{%- endif %}
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import Config
from .data import TEST_FILE, TRAIN_FILE
from .errors import ProjectError
from .predict import load_model
from .train import splits

logger = logging.getLogger(__name__)

PREFIX = f"{__package__}_".upper()  # config overrides, forwarded to the job
ARGV = (
    *("python", "-m", str(__package__), "train"),
    *("--config", "{input}/train.toml", "--output", "{output}", "--no-track"),
)
PROCESSED = "data/processed"  # where {input} holds the splits
{%- if cookiecutter.cloud == 'azure' %}
REQUIRED = (
    "TRAINING_IMAGE",
    "AZURE_SUBSCRIPTION_ID",
    "AZURE_RESOURCE_GROUP",
    "AZUREML_WORKSPACE",
    "AZUREML_COMPUTE",
)
{%- elif cookiecutter.cloud == 'aws' %}
REQUIRED = (
    "TRAINING_IMAGE",
    "AWS_REGION",
    "SAGEMAKER_ROLE_ARN",
    "TRAINING_STORAGE",
)
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
ENDED = {"Completed", "Failed", "Stopped"}
POLL_SECONDS = 15
{%- else %}
REQUIRED = (
    "TRAINING_IMAGE",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_REGION",
    "VERTEX_SERVICE_ACCOUNT",
    "TRAINING_STORAGE",
)
POLL_SECONDS = 30
{%- endif %}
# What each variable must look like: (pattern, what the error says is allowed).
FORMATS = {
    "TRAINING_IMAGE": (
        r"[a-z0-9][\w.\-/:]*@sha256:[0-9a-f]{64}",
        "an image by digest, <repository>@sha256:<64 hex digits>",
    ),
{%- if cookiecutter.cloud == 'azure' %}
    "AZURE_SUBSCRIPTION_ID": (
        r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
        "a subscription id (a GUID)",
    ),
    "AZURE_RESOURCE_GROUP": (
        r"[\w\-.()]{1,90}",
        "a resource group name",
    ),
    "AZUREML_WORKSPACE": (
        r"[A-Za-z0-9][\w\-]{2,32}",
        "a workspace name",
    ),
    "AZUREML_COMPUTE": (
        r"[A-Za-z][A-Za-z0-9\-]{1,31}",
        "a compute cluster name",
    ),
{%- elif cookiecutter.cloud == 'aws' %}
    "AWS_REGION": (
        r"[a-z]{2}(-[a-z]+)+-\d",
        "a region such as eu-west-1",
    ),
    "SAGEMAKER_ROLE_ARN": (
        r"arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@\-/]+",
        "an IAM role ARN, arn:aws:iam::<account>:role/<name>",
    ),
    "TRAINING_STORAGE": (
        r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?",
        "s3://bucket/prefix",
    ),
{%- else %}
    "GOOGLE_CLOUD_PROJECT": (
        r"[a-z][a-z0-9\-]{4,28}[a-z0-9]",
        "a project id",
    ),
    "GOOGLE_CLOUD_REGION": (
        r"[a-z]+-[a-z]+\d",
        "a region such as europe-west4",
    ),
    "VERTEX_SERVICE_ACCOUNT": (
        r"[a-z][a-z0-9\-]{4,28}[a-z0-9]@[a-z0-9\-.]+\.iam\.gserviceaccount\.com",
        "a service account email, <name>@<project>.iam.gserviceaccount.com",
    ),
    "TRAINING_STORAGE": (
        r"gs://[a-z0-9][a-z0-9._\-]{1,220}[a-z0-9](/.*)?",
        "gs://bucket/prefix",
    ),
{%- endif %}
}
# Words in a platform's failure message, and the one line that explains them.
REASONS = (
    (
        ("quota", "limitexceeded", "resource_exhausted", "insufficient"),
        "quota exceeded: ask for more (docs/training.md)",
    ),
    (
        ("image", "manifest", "pull"),
        "the training image could not be pulled: push it, set TRAINING_IMAGE",
    ),
    (
        ("maxruntime", "maxwaittime", "timeout", "timed out", "deadline"),
        "time limit reached: raise training.timeout_minutes",
    ),
)


class JobError(ProjectError):
    """The training job could not start, failed, or brought back no model."""


def environment() -> dict[str, str]:
    """The variables the submitter needs, checked (JobError names one)."""
    values = {}
    for name in REQUIRED:
        value = os.environ.get(name, "").strip()
        if not value:
            needs = ", ".join(REQUIRED)
            msg = f"{name} is not set: train --on cloud needs {needs}"
            raise JobError(f"{msg} (docs/training.md)")
        pattern, allowed = FORMATS[name]
        if not re.fullmatch(pattern, value):
            msg = f"{name}={value!r} is not valid"
            raise JobError(f"{msg}: expected {allowed}")
        values[name] = value
    return values


def job_env() -> dict[str, str]:
    """The job's environment: the config overrides set here, the splits."""
    env = {k: v for k, v in os.environ.items() if k.startswith(PREFIX)}
    env[f"{PREFIX}PATHS__PROCESSED_DIR"] = PROCESSED
    return {**env, "PYTHONUNBUFFERED": "1"}


def argv(input_dir: str, output_dir: str) -> list[str]:
    """The job's command line with its two folders filled in."""
    return [arg.format(input=input_dir, output=output_dir) for arg in ARGV]


def job_name() -> str:
    """A new, unique job name: the project and the time (UTC)."""
    now = datetime.now(UTC)
    return f"{{ cookiecutter.project_slug[:40].rstrip('-') }}-{now:%Y%m%d-%H%M%S}"


def stage_input(config: Config, config_file: Path, folder: Path) -> Path:
    """``{input}``: the config file and the data step's two splits."""
    missing = [str(p) for p in splits(config) if not p.is_file()]
    if missing:
        msg = f"{missing[0]} not found: run the data step first"
        raise JobError(f"{msg} (make data)")
    data = folder / PROCESSED
    data.mkdir(parents=True)
    shutil.copyfile(config_file, folder / "train.toml")
    names = (TRAIN_FILE, TEST_FILE)
    for source, name in zip(splits(config), names, strict=True):
        shutil.copyfile(source, data / name)
{%- if cookiecutter.feature_store == 'feast' %}
    # The job has no feature store: its training split goes with the features
    # of each row as of its event time, joined here as `make train` joins them.
    from .data import read_csv
    from .feature_store import training_frame  # Feast: slow to import

    labels = read_csv(splits(config)[0])
    joined = training_frame(config, labels)[labels.columns]
    joined.to_csv(data / TRAIN_FILE, index=False)
{%- endif %}
    return folder


def bring_back(
    config: Config,
    folder: Path,
    *,
    track: bool,
) -> dict[str, Any]:
    """Check the job's model in ``folder``, then move it to the config's paths.

    Nothing in models/ changes unless both files load; with tracking on, the
    run is logged and registered as `train` does locally.
    """
    paths = config.paths
    try:
        model = load_model(folder / "model.joblib", folder / "model.json")
    except ProjectError as exc:
        msg = f"the job brought back no usable model ({exc})"
        raise JobError(f"{msg}: models/ is unchanged") from None
    pairs = (
        (folder / "model.joblib", paths.model),
        (folder / "model.json", paths.metadata),
    )
    for source, target in pairs:  # copy both first: a full disk changes none
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target.with_name(f".{target.name}.new"))
    for _, target in pairs:
        target.with_name(f".{target.name}.new").replace(target)
    where = paths.model.parent
    logger.info("brought back model %s into %s", model.version, where)
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    if track:
        from .data import features_target, read_csv
        from .tracking import log_training  # MLflow is slow to import
        from .train import Trained

        features, _ = features_target(read_csv(splits(config)[0]), config)
        trained = Trained(model.metadata, model.pipeline, features.head(5))
        log_training(config, trained)
{%- endif %}
    return model.metadata


def run_local(
    config: Config,
    config_file: Path,
    *,
    track: bool = True,
) -> dict[str, Any]:
    """Run the job's argv and environment here, in temporary folders."""
    with tempfile.TemporaryDirectory(prefix="training-job-") as tmp:
        staged = stage_input(config, config_file, Path(tmp) / "input")
        output = Path(tmp) / "output"
        command = argv(str(staged), str(output))
        command[0] = sys.executable  # the image's `python`: this venv's
        env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
        env |= job_env()
        done = subprocess.run(command, env=env, check=False)  # noqa: S603
        if done.returncode != 0:
            msg = f"the local training job failed (exit {done.returncode})"
            raise JobError(f"{msg}: models/ is unchanged")
        return bring_back(config, output, track=track)


def failure(job: str, detail: str, link: str) -> JobError:
    """One line: which job failed, why in plain words, and where to look."""
    text = " ".join(detail.split())[:300]
    for words, reason in REASONS:
        if any(word in text.lower() for word in words):
            text = f"{reason} ({text})"
            break
    unchanged = "models/ is unchanged"
    return JobError(f"training job {job} failed: {text}; {unchanged}; {link}")


def submit(
    config: Config,
    config_file: Path,
    *,
    track: bool = True,
    dry_run: bool = False,
) -> dict[str, Any] | None:
    """Run the job on the platform, bring its model back (dry run: show it)."""
    values, name = environment(), job_name()
    if dry_run:
        where = dry_run_locations(values, name)
        print(json.dumps(request(config, values, name, **where), indent=2))
        return None
    with tempfile.TemporaryDirectory(prefix="training-job-") as tmp:
        staged = stage_input(config, config_file, Path(tmp) / "input")
        output = Path(tmp) / "output"
        run_on_platform(config, values, name, staged, output)
        return bring_back(config, output, track=track)
{%- if cookiecutter.cloud == 'azure' %}


# ------------------------------------------------- Azure Machine Learning
SCHEMA = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"


def dry_run_locations(values: dict[str, str], name: str) -> dict[str, str]:
    """Where the input would come from: the SDK uploads the local folder."""
    return {"input_path": "<the staged input folder, uploaded by the SDK>"}


def request(
    config: Config,
    values: dict[str, str],
    name: str,
    *,
    input_path: str,
) -> dict[str, Any]:
    """The command job, in the YAML schema of ``az ml job create``.

    The cluster AZUREML_COMPUTE fixes the VM size and its priority
    (dedicated or low-priority): they are infrastructure variables, so
    only the instance count and time limit come from [training].
    """
    command = argv("${{'{{'}}inputs.data{{'}}'}}", "${{'{{'}}outputs.model{{'}}'}}")
    data = {"type": "uri_folder", "path": input_path, "mode": "ro_mount"}
    return {
        "$schema": SCHEMA,
        "type": "command",
        "name": name,
        "experiment_name": "{{ cookiecutter.project_slug }}",
        "command": " ".join(command),
        "environment": {"image": values["TRAINING_IMAGE"]},
        "environment_variables": job_env(),
        "compute": f"azureml:{values['AZUREML_COMPUTE']}",
        # The cluster's identity reads the image and the workspace's datastore
        # (infra: AcrPull, its job container); not the submitter's token.
        "identity": {"type": "managed"},
        "inputs": {"data": data},
        "outputs": {"model": {"type": "uri_folder", "mode": "rw_mount"}},
        "resources": {"instance_count": config.training.instance_count},
        "limits": {"timeout": config.training.timeout_minutes * 60},
    }


def run_on_platform(
    config: Config,
    values: dict[str, str],
    name: str,
    staged: Path,
    output: Path,
) -> None:
    """Submit (the SDK uploads the input), stream logs, download the model."""
    import io

    from azure.ai.ml import MLClient, load_job
    from azure.core.exceptions import AzureError
    from azure.identity import DefaultAzureCredential

    logging.getLogger("azure").setLevel(logging.ERROR)  # HTTP, preview notes
    client = MLClient(
        DefaultAzureCredential(),
        values["AZURE_SUBSCRIPTION_ID"],
        values["AZURE_RESOURCE_GROUP"],
        values["AZUREML_WORKSPACE"],
    )
    body = request(config, values, name, input_path=str(staged))
    where = f"workspace {values['AZUREML_WORKSPACE']}"
    try:
        job = load_job(io.StringIO(json.dumps(body)))
        job = client.jobs.create_or_update(job)  # uploads the input folder
    except AzureError as exc:
        raise failure(body["name"], str(exc).splitlines()[0], where) from None
    link = job.studio_url or where
    logger.info("submitted %s: %s", job.name, link)
    try:
        client.jobs.stream(job.name)  # the job's logs, until it ends
    except Exception as exc:  # several types: the status decides
        detail = str(exc)
    else:
        detail = ""
    status = client.jobs.get(job.name).status
    if status != "Completed":
        raise failure(job.name, detail or f"status {status}", link)
    with tempfile.TemporaryDirectory() as tmp:
        client.jobs.download(job.name, download_path=tmp, output_name="model")
        shutil.copytree(Path(tmp) / "named-outputs" / "model", output)
{%- elif cookiecutter.cloud == 'aws' %}


# ------------------------------------------------------------- SageMaker
def _bucket(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def dry_run_locations(values: dict[str, str], name: str) -> dict[str, str]:
    """Where the input and output go in TRAINING_STORAGE."""
    return {"storage": f"{values['TRAINING_STORAGE'].rstrip('/')}/{name}"}


def request(
    config: Config,
    values: dict[str, str],
    name: str,
    *,
    storage: str,
) -> dict[str, Any]:
    """CreateTrainingJob's parameters: {input} is channel ``train``."""
    training, runtime = config.training, config.training.timeout_minutes * 60
    # Spot capacity may take a while: wait for it as long again as the run.
    stopping = {"MaxRuntimeInSeconds": runtime}
    if training.spot:
        stopping["MaxWaitTimeInSeconds"] = 2 * runtime
    command = argv("/opt/ml/input/data/train", "/opt/ml/model")
    return {
        "TrainingJobName": name,
        "RoleArn": values["SAGEMAKER_ROLE_ARN"],
        "AlgorithmSpecification": {
            "TrainingImage": values["TRAINING_IMAGE"],
            "TrainingInputMode": "File",
            "ContainerEntrypoint": command[:1],
            "ContainerArguments": command[1:],
        },
        "Environment": job_env(),
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"{storage}/input/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"{storage}/output/"},
        "ResourceConfig": {
            "InstanceType": training.instance_type,
            "InstanceCount": training.instance_count,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": training.spot,
    }


def run_on_platform(
    config: Config,
    values: dict[str, str],
    name: str,
    staged: Path,
    output: Path,
) -> None:
    """Upload the input, create the job, stream its logs, fetch the model."""
    import tarfile

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    region = values["AWS_REGION"]
    session = boto3.Session(region_name=region)
    s3, sagemaker = session.client("s3"), session.client("sagemaker")
    storage = dry_run_locations(values, name)["storage"]
    bucket, prefix = _bucket(storage)
    console = f"https://{region}.console.aws.amazon.com/sagemaker/home"
    link = f"{console}?region={region}#/jobs/{name}"
    try:
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            key = f"{prefix}/input/{path.relative_to(staged).as_posix()}"
            s3.upload_file(str(path), bucket, key)
        body = request(config, values, name, storage=storage)
        sagemaker.create_training_job(**body)
        logger.info("submitted %s: %s", name, link)
        described = _follow(session, name)
        if described["TrainingJobStatus"] != "Completed":
            status = described["SecondaryStatus"]
            detail = described.get("FailureReason") or status
            raise failure(name, str(detail), link)
        artifact = described["ModelArtifacts"]["S3ModelArtifacts"]
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "model.tar.gz"
            s3.download_file(*_bucket(artifact), str(archive))
            output.mkdir()
            with tarfile.open(archive) as tar:  # the two files, no paths
                members = tar.getmembers()
                files = {m.name.removeprefix("./"): m for m in members}
                for file in ("model.joblib", "model.json"):
                    member = files.get(file)
                    source = tar.extractfile(member) if member else None
                    if source is not None:
                        (output / file).write_bytes(source.read())
    except (BotoCoreError, ClientError, KeyError) as exc:
        raise failure(name, str(exc), link) from None


def _follow(session: Any, name: str) -> dict[str, Any]:
    """Print the job's CloudWatch logs until it ends; its last description."""
    sagemaker, logs = session.client("sagemaker"), session.client("logs")
    seen: set[str] = set()
    while True:
        described: dict[str, Any] = sagemaker.describe_training_job(
            TrainingJobName=name,
        )
        try:  # each host writes a stream <job>/algo-<n>-<time>
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=LOG_GROUP,
                logStreamNamePrefix=f"{name}/",
            )
            for event in (e for page in pages for e in page["events"]):
                if event["eventId"] not in seen:
                    seen.add(event["eventId"])
                    print(event["message"].rstrip())  # the job's log
        except logs.exceptions.ResourceNotFoundException:
            pass  # no log stream before the instance starts
        if described["TrainingJobStatus"] in ENDED:
            return described
        time.sleep(POLL_SECONDS)
{%- else %}


# ------------------------------------------------------------- Vertex AI
def _bucket(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("gs://").partition("/")
    return bucket, prefix.strip("/")


def dry_run_locations(values: dict[str, str], name: str) -> dict[str, str]:
    """Where the input and output go in TRAINING_STORAGE."""
    return {"storage": f"{values['TRAINING_STORAGE'].rstrip('/')}/{name}"}


def request(
    config: Config,
    values: dict[str, str],
    name: str,
    *,
    storage: str,
) -> dict[str, Any]:
    """The CustomJob: the job reads and writes storage through /gcs (FUSE)."""
    training = config.training
    mounted = "/gcs/" + storage.removeprefix("gs://")
    command = argv(f"{mounted}/input", f"{mounted}/model")
    env = [{"name": k, "value": v} for k, v in job_env().items()]
    pool = {
        "machine_spec": {"machine_type": training.instance_type},
        "replica_count": 1,
        "container_spec": {
            "image_uri": values["TRAINING_IMAGE"],
            "command": command[:1],
            "args": command[1:],
            "env": env,
        },
    }
    # The first pool is the primary replica (always one); more go in a second.
    pools = [pool]
    if training.instance_count > 1:
        pools.append({**pool, "replica_count": training.instance_count - 1})
    return {
        "display_name": name,
        "job_spec": {
            "worker_pool_specs": pools,
            "scheduling": {
                "strategy": "SPOT" if training.spot else "STANDARD",
                "timeout": f"{training.timeout_minutes * 60}s",
            },
            "service_account": values["VERTEX_SERVICE_ACCOUNT"],
        },
        "labels": {"project": "{{ cookiecutter.project_slug[:63] }}"},
    }


def run_on_platform(
    config: Config,
    values: dict[str, str],
    name: str,
    staged: Path,
    output: Path,
) -> None:
    """Upload the input, create the job, poll it, download the model."""
    from google.api_core.exceptions import GoogleAPIError
    from google.cloud import aiplatform_v1, storage

    project = values["GOOGLE_CLOUD_PROJECT"]
    region = values["GOOGLE_CLOUD_REGION"]
    where = dry_run_locations(values, name)["storage"]
    bucket_name, prefix = _bucket(where)
    endpoint = {"api_endpoint": f"{region}-aiplatform.googleapis.com"}
    jobs = aiplatform_v1.JobServiceClient(client_options=endpoint)
    bucket = storage.Client(project=project).bucket(bucket_name)
    link = f"project {project}, region {region}"
    try:
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            rel = path.relative_to(staged).as_posix()
            blob = bucket.blob(f"{prefix}/input/{rel}")
            blob.upload_from_filename(str(path))
        body = request(config, values, name, storage=where)
        job = jobs.create_custom_job(
            parent=f"projects/{project}/locations/{region}",
            custom_job=aiplatform_v1.CustomJob(body),
        )
        job_id = job.name.rsplit("/", 1)[-1]
        console = "https://console.cloud.google.com/vertex-ai/locations"
        logs = f"gcloud ai custom-jobs stream-logs {job_id} --region={region}"
        page = f"{console}/{region}/training/{job_id}/cpu?project={project}"
        link = f"{page} (logs: {logs})"
        logger.info("submitted %s: %s", job_id, link)
        done = {
            aiplatform_v1.JobState.JOB_STATE_SUCCEEDED,
            aiplatform_v1.JobState.JOB_STATE_FAILED,
            aiplatform_v1.JobState.JOB_STATE_CANCELLED,
            aiplatform_v1.JobState.JOB_STATE_EXPIRED,
        }
        while job.state not in done:
            time.sleep(POLL_SECONDS)
            job = jobs.get_custom_job(name=job.name)
            logger.info("%s: %s", job_id, job.state.name)
        if job.state != aiplatform_v1.JobState.JOB_STATE_SUCCEEDED:
            raise failure(job_id, job.error.message or job.state.name, link)
        output.mkdir()
        for member in ("model.joblib", "model.json"):
            blob = bucket.blob(f"{prefix}/model/{member}")
            if blob.exists():
                blob.download_to_filename(str(output / member))
    except GoogleAPIError as exc:
        raise failure(name, str(exc), link) from None
{%- endif %}
