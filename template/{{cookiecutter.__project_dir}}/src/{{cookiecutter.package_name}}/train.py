"""Train the model: load, check, split, fit, save the model and metadata."""

from __future__ import annotations

import json
import logging
import platform
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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


def train(config: Config) -> dict[str, Any]:
    """Write the splits, the fitted pipeline and its metadata; return that.

    Nothing is written when a step fails.
    """
    frame = data.load_dataset(config)
    train_frame, test_frame = data.split_dataset(frame, config)
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
        "versions": {**versions, "python": platform.python_version()},
    }
    processed = config.paths.processed_dir
    processed.mkdir(parents=True, exist_ok=True)
    train_frame.to_csv(processed / data.TRAIN_FILE, index=False)
    test_frame.to_csv(processed / data.TEST_FILE, index=False)
    model_path = config.paths.model
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, model_path)
    data.write_json(config.paths.metadata, metadata)
    logger.info("saved model %s to %s", metadata["model_version"], model_path)
    return metadata
