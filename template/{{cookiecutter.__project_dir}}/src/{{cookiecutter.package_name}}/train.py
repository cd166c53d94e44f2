"""The data step (load, check, split) and training (fit, save, metadata)."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from . import __version__, data
from .errors import ModelError
from .evaluate import reported_metrics, score
from .features import build_features
from .models import build_estimator

if TYPE_CHECKING:
    from .config import Config

logger = logging.getLogger(__name__)


class Trained(NamedTuple):
    """What training hands on (tracking logs it without reloading files)."""

    metadata: dict[str, Any]
    pipeline: Pipeline
    example: pd.DataFrame  # the first training rows: MLflow's input example


def build_pipeline(config: Config, features: pd.DataFrame) -> Pipeline:
    """The unfitted pipeline: feature steps, then the estimator."""
    steps = build_features(config.features, features)
    estimator = build_estimator(config.model, config.data.random_state)
    return Pipeline([("features", steps), ("model", estimator)])


def fit_pipeline(config: Config, train: pd.DataFrame) -> Pipeline:
    """A new pipeline fitted on the training frame (ModelError if it fails)."""
    features, target = data.features_target(train, config)
    try:
        return build_pipeline(config, features).fit(features, target)
    except ValueError as exc:
        msg = f"training the {config.model.estimator} model failed: {exc}"
        raise ModelError(msg) from None


def cross_validated(config: Config, train: pd.DataFrame) -> dict[str, float]:
    """Mean out-of-fold scores on the training frame (empty: CV is off)."""
    folds, seed = config.model.cv_folds, config.data.random_state
    features, target = data.features_target(train, config)
    if folds == 0:
        return {}
    metrics = reported_metrics(config, target)
    splitter = KFold if config.model.task == "regression" else StratifiedKFold
    cv = splitter(folds, shuffle=True, random_state=seed)
    pipeline = build_pipeline(config, features)
    scores = cross_validate(pipeline, features, target, cv=cv, scoring=metrics)
    return {name: round(scores[f"test_{name}"].mean(), 6) for name in metrics}


def prepare(config: Config) -> dict[str, Any]:
    """The data step: load and check ``data.source``, write the two splits.

    Training and evaluation read the splits, so the model and the champion
    it is compared with are scored on the same held-out rows.
    """
    frame = data.load_dataset(config)
{%- if cookiecutter.feature_store == 'feast' %}
    frame = data.with_keys(frame)
{%- endif %}
    parts = data.split_dataset(frame, config)
    config.paths.processed_dir.mkdir(parents=True, exist_ok=True)
    for part, path in zip(parts, splits(config), strict=True):
        part.to_csv(path, index=False)
{%- if cookiecutter.feature_store == 'feast' %}
    # The feature store's source (feature_repo/): all rows' features, no label.
    features = frame.drop(columns=config.data.target)
    source = config.paths.processed_dir / data.FEATURES_FILE
    features.to_parquet(source, index=False)
{%- endif %}
    rows = {"n_train": len(parts[0]), "n_test": len(parts[1])}
    where = config.paths.processed_dir
    logger.info("wrote %d + %d held-out rows to %s", *rows.values(), where)
    return {**rows, "data_hash": data_hash(config)}


def data_hash(config: Config) -> str:
    """SHA-256 of the two splits: the data a model is trained and scored on."""
    digest = hashlib.sha256()
    for path in splits(config):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_hash(config: Config) -> str:
    """SHA-256 of the package's code and of the settings that shape a model.

    Not ``config.digest``: that holds absolute paths, which differ between
    checkouts. The data source is left out too: ``data_hash`` covers it.
    """
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    settings = config.model_dump(
        mode="json",
        include={"data", "features", "model", "quality_gate"},
        exclude={"data": {"source"}},
    )
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def splits(config: Config) -> list[Path]:
    """The training and held-out files the data step writes."""
    names = (data.TRAIN_FILE, data.TEST_FILE)
    return [config.paths.processed_dir / name for name in names]


def train(config: Config) -> Trained:
    """Fit on the training split; write the pipeline and its metadata.

    The splits come from the data step (``make data``); when they are
    missing, it runs first. Nothing is written when a step fails.
    """
    if not all(path.is_file() for path in splits(config)):
        prepare(config)
    train_frame, test_frame = (data.read_csv(p) for p in splits(config))
{%- if cookiecutter.feature_store == 'feast' %}
    # The split gives the labels; the features come from the feature store as
    # of each row's event time (`make features` registered and loaded it).
{%- if cookiecutter.training_compute == 'cloud' %}
    # Feast: slow to import
    from .feature_store import FEATURE_REPO, project_root, training_frame

    # A job on the cloud's platform has no feature repository: its split was
    # joined where it was submitted (jobs.stage_input).
    if (project_root(config.paths.processed_dir) / FEATURE_REPO).is_dir():
        train_frame = training_frame(config, train_frame)[train_frame.columns]
{%- else %}
    from .feature_store import training_frame  # Feast: slow to import

    train_frame = training_frame(config, train_frame)[train_frame.columns]
{%- endif %}
{%- endif %}
    features, target = data.features_target(train_frame, config)
    metrics = reported_metrics(config, target)
    pipeline = fit_pipeline(config, train_frame)
    scores = score(pipeline, features, target, metrics)
    trained_at = datetime.now(UTC).replace(microsecond=0)
    versions = {"package": __version__, "scikit-learn": sklearn.__version__}
    metadata = {
        "model_version": f"{trained_at:%Y%m%dT%H%M%SZ}-{config.digest[:8]}",
        "trained_at": trained_at.isoformat(),
        "task": config.model.task,
        "estimator": config.model.estimator,
        "params": config.model.params,
        "target": config.data.target,
        "feature_names": [str(name) for name in features.columns],
        "input_schema": json.loads(data.input_schema(features).to_json()),
        "classes": np.asarray(getattr(pipeline, "classes_", [])).tolist(),
        "n_train": len(train_frame),
        "n_test": len(test_frame),
        "training_metrics": scores,
        "cross_validation": cross_validated(config, train_frame) or None,
        "config_hash": config.digest,
        "data_source": config.data.source,
        "data_hash": data_hash(config),
        "code_hash": code_hash(config),
        "versions": {**versions, "python": platform.python_version()},
    }
    model_path = config.paths.model
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, model_path)
    data.write_json(config.paths.metadata, metadata)
    logger.info("saved model %s to %s", metadata["model_version"], model_path)
    return Trained(metadata, pipeline, features.head(5))
