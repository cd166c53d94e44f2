"""Load a trained model and score new data with it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .data import normalize_columns, read_csv
from .errors import DataError, ModelError

logger = logging.getLogger(__name__)

PREDICTION_COLUMN = "prediction"
PROBABILITY_COLUMN = "probability"
_BINARY = 2
_SHOWN = 10  # missing columns listed in an error message


@dataclass(frozen=True)
class LoadedModel:
    """A fitted pipeline with the metadata written at training time."""

    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def feature_names(self) -> list[str]:
        """Input columns the model needs, in training order."""
        return list(self.metadata["feature_names"])

    @property
    def target(self) -> str:
        """Name of the label column the model was trained on."""
        return str(self.metadata["target"])

    @property
    def version(self) -> str:
        """Model version recorded at training time."""
        return str(self.metadata["model_version"])

    @property
    def classes(self) -> np.ndarray:
        """Class labels, in the column order of :meth:`predict_proba`."""
        return np.asarray(self.pipeline.classes_)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities for validated input rows.

        Raises:
            DataError: When the input lacks columns or has unusable values.
        """
        features = validate_input(frame, self.feature_names)
        try:
            return self.pipeline.predict_proba(features)
        except (ValueError, TypeError) as exc:
            msg = f"cannot score the input: {exc}"
            raise DataError(msg) from None


def load_model(model_path: Path, metadata_path: Path) -> LoadedModel:
    """Load the pipeline and metadata written by the training step.

    Model files are pickles: load only models you trained or otherwise trust.

    Raises:
        ModelError: When either file is missing or unreadable.
    """
    for path in (model_path, metadata_path):
        if not path.is_file():
            msg = f"{path} not found: train a model first (make train)"
            raise ModelError(msg)
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        pipeline = joblib.load(model_path)
    except Exception as exc:  # unpickling fails in many ways
        msg = f"cannot load the model from {model_path}: {exc}"
        raise ModelError(msg) from None
    missing = {"feature_names", "target", "model_version"} - set(metadata)
    if missing or not isinstance(pipeline, Pipeline):
        msg = f"{model_path} / {metadata_path}: not a model of this project"
        raise ModelError(msg)
    return LoadedModel(pipeline, metadata)


def validate_input(
    frame: pd.DataFrame,
    feature_names: list[str],
) -> pd.DataFrame:
    """Return the model's input columns from ``frame``, in training order.

    Column names are normalised to snake_case first; extra columns are ignored.

    Raises:
        DataError: When the frame is empty or lacks columns the model needs.
    """
    if frame.empty:
        msg = "the input has no rows"
        raise DataError(msg)
    normalized = normalize_columns(frame)
    present = set(normalized.columns)
    missing = [name for name in feature_names if name not in present]
    if missing:
        shown = ", ".join(missing[:_SHOWN])
        if len(missing) > _SHOWN:
            shown += ", ..."
        msg = f"the input lacks {len(missing)} column(s) of the model: {shown}"
        raise DataError(msg)
    return normalized[feature_names]


def predict(model: LoadedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Predict labels and probabilities for every row of ``frame``.

    Returns:
        A frame with the index of ``frame`` holding ``prediction`` and, for
        two classes, ``probability`` (of the positive class ``classes[1]``);
        for more classes one ``probability_<class>`` column per class.
    """
    proba = model.predict_proba(frame)
    classes = model.classes
    result = pd.DataFrame(
        {PREDICTION_COLUMN: classes[np.argmax(proba, axis=1)]},
    )
    if len(classes) == _BINARY:
        result[PROBABILITY_COLUMN] = proba[:, 1]
    else:
        for index, label in enumerate(classes):
            result[f"{PROBABILITY_COLUMN}_{label}"] = proba[:, index]
    result.index = frame.index
    return result


def predict_file(
    model: LoadedModel,
    input_path: Path,
    output_path: Path,
) -> pd.DataFrame:
    """Score a CSV file; write it out with the prediction columns added.

    Raises:
        DataError: When the input cannot be read or scored.
    """
    frame = read_csv(input_path)
    predictions = predict(model, frame)
    scored = frame.drop(columns=predictions.columns, errors="ignore").join(
        predictions,
    )
    output_path.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(output_path, index=False)
    logger.info("wrote %d predictions to %s", len(scored), output_path)
    return scored
