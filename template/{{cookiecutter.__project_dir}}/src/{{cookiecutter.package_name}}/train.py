"""Train the model: load, check, split, fit, save the model and metadata."""

from __future__ import annotations

import json
import logging
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from . import __version__
from .data import (
    features_target,
    input_schema,
    load_dataset,
    save_splits,
    split_dataset,
)
from .errors import ModelError
from .evaluate import reported_metrics, score
from .features import build_features
from .models import build_estimator

if TYPE_CHECKING:
    from .config import Config

logger = logging.getLogger(__name__)


def build_pipeline(config: Config, features: pd.DataFrame) -> Pipeline:
    """The unfitted pipeline: feature steps, then the estimator."""
    model = config.model
    estimator = build_estimator(
        model.task,
        model.estimator,
        model.params,
        config.data.random_state,
    )
    return Pipeline(
        [
            ("features", build_features(config.features, features)),
            ("model", estimator),
        ],
    )


def fit_pipeline(config: Config, train: pd.DataFrame) -> Pipeline:
    """A new pipeline fitted on the training frame.

    Raises:
        ModelError: When the estimator rejects the data.
    """
    features, target = features_target(train, config)
    try:
        return build_pipeline(config, features).fit(features, target)
    except ValueError as exc:
        msg = f"training the {config.model.estimator} model failed: {exc}"
        raise ModelError(msg) from None


def cross_validated(
    config: Config,
    train: pd.DataFrame,
    metrics: list[str],
) -> dict[str, float] | None:
    """Mean out-of-fold scores on the training frame (None: CV is off)."""
    folds = config.model.cv_folds
    if folds == 0:
        return None
    features, target = features_target(train, config)
    splitter = KFold if config.model.task == "regression" else StratifiedKFold
    seed = config.data.random_state
    scores = cross_validate(
        build_pipeline(config, features),
        features,
        target,
        cv=splitter(folds, shuffle=True, random_state=seed),
        scoring=metrics,
    )
    return {name: round(scores[f"test_{name}"].mean(), 6) for name in metrics}


def train(config: Config) -> dict[str, Any]:
    """Run the training step; return the model's metadata.

    Writes the splits to ``paths.processed_dir``, the fitted pipeline to
    ``paths.model`` and its metadata (with the input schema) to
    ``paths.metadata``.
    """
    frame = load_dataset(config)
    train_frame, test_frame = split_dataset(frame, config)
    features, target = features_target(train_frame, config)
    metrics = reported_metrics(config, target)
    pipeline = fit_pipeline(config, train_frame)
    cv = cross_validated(config, train_frame, metrics)
    trained_at = datetime.now(UTC).replace(microsecond=0)
    metadata = {
        "model_version": f"{trained_at:%Y%m%dT%H%M%SZ}-{config.digest[:8]}",
        "trained_at": trained_at.isoformat(),
        "task": config.model.task,
        "estimator": config.model.estimator,
        "params": config.model.params,
        "target": config.data.target,
        "feature_names": [str(name) for name in features.columns],
        "input_schema": json.loads(input_schema(features).to_json()),
        "classes": np.asarray(getattr(pipeline, "classes_", [])).tolist(),
        "n_train": len(train_frame),
        "n_test": len(test_frame),
        "training_metrics": score(pipeline, features, target, metrics),
        "cross_validation": cv,
        "config_hash": config.digest,
        "data_source": config.data.source,
        "versions": {
            "package": __version__,
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
        },
    }
    save_splits(train_frame, test_frame, config.paths.processed_dir)
    config.paths.model.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, config.paths.model)
    config.paths.metadata.parent.mkdir(parents=True, exist_ok=True)
    Path(config.paths.metadata).write_text(
        json.dumps(metadata, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    logger.info(
        "saved model %s to %s",
        metadata["model_version"],
        config.paths.model,
    )
    return metadata
