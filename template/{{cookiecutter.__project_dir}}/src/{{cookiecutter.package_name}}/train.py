"""Train the model: load, split, fit the pipeline, save model and metadata."""

from __future__ import annotations

import json
import logging
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import sklearn
from pandas.api.types import is_numeric_dtype
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from . import __version__
from .data import (
    load_dataset,
    save_splits,
    split_dataset,
    split_features_target,
)
from .errors import ModelError
from .features import build_feature_pipeline
from .metrics import compute_metrics
from .models import build_estimator

if TYPE_CHECKING:
    import pandas as pd

    from .config import Config

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced."""

    pipeline: Pipeline
    metadata: dict[str, Any]
    model_path: Path
    metadata_path: Path


def build_pipeline(config: Config) -> Pipeline:
    """Create the unfitted pipeline: features, preprocessing, model."""
    estimator = build_estimator(
        config.model.estimator,
        config.model.params,
        config.data.random_state,
    )
    return Pipeline(
        [
            ("features", build_feature_pipeline(config.features.ratios)),
            ("model", estimator),
        ]
    )


def fit_pipeline(config: Config, train: pd.DataFrame) -> Pipeline:
    """Fit a new pipeline on the training frame (features and target).

    Raises:
        ModelError: When the estimator rejects its settings or the data.
    """
    features, target = split_features_target(train, config.data.target)
    pipeline = build_pipeline(config)
    try:
        return pipeline.fit(features, target)
    except ValueError as exc:
        msg = f"training the {config.model.estimator} model failed: {exc}"
        raise ModelError(msg) from None


def cross_validate(
    config: Config,
    train: pd.DataFrame,
) -> dict[str, Any] | None:
    """Score the pipeline with stratified k-fold CV on the training frame.

    Returns:
        The metrics of the out-of-fold predictions, or None when CV is off.

    Raises:
        ModelError: When cross-validation cannot run on this data.
    """
    folds = config.model.cv_folds
    if folds == 0:
        return None
    features, target = split_features_target(train, config.data.target)
    splitter = StratifiedKFold(
        folds,
        shuffle=True,
        random_state=config.data.random_state,
    )
    try:
        proba = cross_val_predict(
            build_pipeline(config),
            features,
            target,
            cv=splitter,
            method="predict_proba",
        )
    except ValueError as exc:
        msg = f"{folds}-fold cross-validation failed: {exc}"
        raise ModelError(msg) from None
    classes = np.unique(target)
    return {"folds": folds, "metrics": compute_metrics(target, proba, classes)}


def train(config: Config) -> TrainResult:
    """Run the whole training step and write its artefacts.

    Writes the train/held-out splits to ``paths.processed_dir``, the fitted
    pipeline to ``paths.model`` and its metadata to ``paths.metadata``.
    """
    frame = load_dataset(config.data)
    train_frame, test_frame = split_dataset(frame, config.data)
    save_splits(train_frame, test_frame, config.paths.processed_dir)
    logger.info(
        "split: %d training rows, %d held-out rows",
        len(train_frame),
        len(test_frame),
    )

    cv = cross_validate(config, train_frame)
    if cv is not None:
        metric = config.gate.metric
        logger.info(
            "cross-validated %s (%d folds): %.3f",
            metric,
            cv["folds"],
            cv["metrics"][metric],
        )
    pipeline = fit_pipeline(config, train_frame)
    features, target = split_features_target(train_frame, config.data.target)
    training_metrics = compute_metrics(
        target,
        pipeline.predict_proba(features),
        pipeline.classes_,
    )

    trained_at = datetime.now(UTC).replace(microsecond=0)
    metadata = {
        "model_version": f"{trained_at:%Y%m%dT%H%M%SZ}-{config.digest[:8]}",
        "trained_at": trained_at.isoformat().replace("+00:00", "Z"),
        "estimator": config.model.estimator,
        "params": config.model.params,
        "target": config.data.target,
        "classes": np.asarray(pipeline.classes_).tolist(),
        "feature_names": [str(name) for name in features.columns],
        "feature_types": feature_types(features),
        "n_train": len(train_frame),
        "n_test": len(test_frame),
        "training_metrics": training_metrics,
        "cross_validation": cv,
        "config_hash": config.digest,
        "data_source": config.data.source,
        "versions": {
            "package": __version__,
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
        },
    }
    save_model(pipeline, metadata, config.paths.model, config.paths.metadata)
    logger.info(
        "saved model %s to %s",
        metadata["model_version"],
        config.paths.model,
    )
    return TrainResult(
        pipeline,
        metadata,
        config.paths.model,
        config.paths.metadata,
    )


def feature_types(features: pd.DataFrame) -> dict[str, str]:
    """Kind of each input column: ``number`` or ``string`` (anything else).

    Recorded in the metadata so that consumers of the model (the API schema,
    input checks) know what each feature expects.

    Example:
        >>> import pandas as pd
        >>> feature_types(pd.DataFrame({"age": [41], "city": ["Oslo"]}))
        {'age': 'number', 'city': 'string'}
    """
    kinds: dict[str, str] = {}
    for name, dtype in features.dtypes.items():
        kinds[str(name)] = "number" if is_numeric_dtype(dtype) else "string"
    return kinds


def save_model(
    pipeline: Pipeline,
    metadata: dict[str, Any],
    model_path: Path,
    metadata_path: Path,
) -> None:
    """Write the fitted pipeline (joblib) and its metadata (JSON)."""
    model_path.parent.mkdir(parents=True, exist_ok=True)
    metadata_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, model_path)
    metadata_path.write_text(
        json.dumps(metadata, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
