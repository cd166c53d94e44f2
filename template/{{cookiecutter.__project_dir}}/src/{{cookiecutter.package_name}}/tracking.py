"""MLflow: training runs, registered versions and their aliases.

Training logs a run and registers a version with alias ``challenger`` (the
first version is also ``champion``); promotion moves ``champion``
(docs/tracking.md). Only the commands that track import this module: MLflow
takes seconds to import.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from contextlib import contextmanager
from importlib.metadata import version as installed
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from . import evaluate
from .config import load_config
from .data import write_json
from .errors import ModelError
from .predict import LoadedModel, loaded

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .config import Config
    from .train import Trained

CHAMPION, CHALLENGER = "champion", "challenger"
# An unreachable server fails in seconds, not after minutes of retries;
# commands print one line, not MLflow's download progress bars.
HTTP_DEFAULTS = {
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
# What the pickled pipeline needs (listed: inferring them takes seconds).
REQUIREMENTS = ("scikit-learn", "pandas", "numpy", "joblib")


def tracking_uri(config: Config | None = None) -> str:
    """MLFLOW_TRACKING_URI, else ``tracking.uri`` (default: the project's)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")  # set by CI from the IaC
    return uri or (config or load_config()).tracking.uri


@contextmanager
def store(uri: str) -> Iterator[MlflowClient]:
    """The tracking store at ``uri``; its failures become one clear line."""
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    # Each retry logs a warning; the error below says it all in one line.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    scheme, _, database = uri.partition(":///")
    if scheme == "sqlite":  # the embedded store: SQLite creates no folders
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    try:
        yield MlflowClient(uri)
    except MlflowException as exc:
        detail = str(exc).strip().splitlines()[0][:200]
        if "API request to" in detail:
            detail = "unreachable (is the server running? MLFLOW_TRACKING_URI)"
        raise ModelError(f"MLflow tracking store {uri}: {detail}") from None


def log_training(config: Config, trained: Trained) -> dict[str, Any]:
    """Log the saved model's run, register it, set its aliases.

    The model is saved locally first: when the store fails, it stays there
    and the error says so. The run's ids are added to the metadata file.
    """
    uri, name = tracking_uri(config), config.tracking.registered_model
    try:
        with store(uri) as client:
            experiment = _experiment(client, config.tracking.experiment, uri)
            with mlflow.start_run(experiment_id=experiment) as run:
                version = _log_run(config, trained)
            client.set_registered_model_alias(name, CHALLENGER, version)
            if CHAMPION not in aliases(client, name):  # the first model
                client.set_registered_model_alias(name, CHAMPION, version)
    except ModelError as exc:
        saved = config.paths.model
        raise ModelError(f"{exc}; the model is saved in {saved}") from None
    record = {"run_id": run.info.run_id, "version": int(version)}
    record |= {"registered_model": name, "tracking_uri": uri}
    write_json(config.paths.metadata, {**trained.metadata, "mlflow": record})
    return record


def _log_run(config: Config, trained: Trained) -> str:
    """Log params, metrics, tags, the model and its metadata; its version."""
    metadata, pipeline, example = trained
    params = {"estimator": config.model.estimator, **config.model.params}
    mlflow.log_params({**params, "cv_folds": config.model.cv_folds})
    scores = {f"train_{k}": v for k, v in metadata["training_metrics"].items()}
    cv = metadata["cross_validation"] or {}
    mlflow.log_metrics(scores | {f"cv_{k}": v for k, v in cv.items()})
    keys = ("model_version", "data_hash", "code_hash")
    mlflow.set_tags({key: metadata[key] for key in keys})
    info = mlflow.sklearn.log_model(
        pipeline,
        name="model",
        signature=infer_signature(example, pipeline.predict(example)),
        input_example=example,
        registered_model_name=config.tracking.registered_model,
        pip_requirements=[f"{d}=={installed(d)}" for d in REQUIREMENTS],
        serialization_format="pickle",  # as models/model.joblib
    )
    mlflow.log_dict(metadata, "model.json")
    return str(info.registered_model_version)


def _experiment(client: MlflowClient, name: str, uri: str) -> str:
    """The experiment's id; a new one keeps its artifacts beside the store.

    Otherwise MLflow writes them to ./mlruns of the current folder.
    """
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    scheme, _, database = uri.partition(":///")
    folder = Path(database).resolve().parent / "artifacts"
    location = folder.as_uri() if scheme == "sqlite" else None
    return str(client.create_experiment(name, artifact_location=location))


def aliases(client: MlflowClient, name: str) -> dict[str, str]:
    """The registered model's aliases and versions (none: not registered)."""
    try:
        model = client.get_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return {}
    return {alias: str(version) for alias, version in model.aliases.items()}


def load_champion(source: str, uri: str) -> LoadedModel | None:
    """The champion: a registered model (``models:/...``) or a model file."""
    if not source.startswith("models:/"):
        return evaluate.load_champion(Path(source))
    return load_registered(source, uri)


def load_registered(model_uri: str, uri: str) -> LoadedModel | None:
    """A registered model and its metadata (None: the alias is not set).

    ``model_uri``: ``models:/<name>@<alias>`` or ``models:/<name>/<version>``.
    """
    name, _, alias = model_uri.removeprefix("models:/").partition("@")
    with store(uri) as client:
        if alias:
            version = aliases(client, name).get(alias)
            if version is None:
                return None
        else:
            name, _, version = name.partition("/")
        found = client.get_model_version(name, version)
        pipeline = mlflow.sklearn.load_model(f"models:/{name}/{version}")
        with tempfile.TemporaryDirectory() as folder:
            path = mlflow.artifacts.download_artifacts(
                run_id=found.run_id,
                artifact_path="model.json",
                dst_path=folder,
            )
            metadata = json.loads(Path(path).read_text(encoding="utf-8"))
    record: dict[str, Any] = {"run_id": found.run_id, "version": int(version)}
    record |= {"registered_model": name, "tracking_uri": uri}
    metadata["mlflow"] = record
    return loaded(pipeline, metadata, f"models:/{name}/{version}")


def set_champion(config: Config, version: int) -> str:
    """Move alias ``champion`` to a registered version (one line of result)."""
    uri, name = tracking_uri(config), config.tracking.registered_model
    with store(uri) as client:
        client.get_model_version(name, str(version))  # it must exist
        client.set_registered_model_alias(name, CHAMPION, str(version))
    return f"version {version} of {name} is now the champion"


def registered_version(model: LoadedModel) -> int:
    """The registry version of a model trained with tracking."""
    record = model.metadata.get("mlflow") or {}
    if "version" not in record:
        msg = "the model has no registered version: train it with tracking"
        raise ModelError(f"{msg} ({__package__} train)")
    return int(record["version"])
