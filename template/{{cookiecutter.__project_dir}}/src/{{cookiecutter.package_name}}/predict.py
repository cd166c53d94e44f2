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
import pandera.pandas as pa
from sklearn.pipeline import Pipeline

from .data import normalize_columns, read_csv, validate
from .errors import DataError, ModelError

logger = logging.getLogger(__name__)

PREDICTION = "prediction"


@dataclass(frozen=True)
class LoadedModel:
    """A fitted pipeline with the metadata and input schema of training."""

    pipeline: Pipeline
    metadata: dict[str, Any]
    schema: pa.DataFrameSchema
    version: str  # recorded at training time
    feature_names: list[str]  # the input columns, in training order
    classes: list[Any]  # class labels (empty for a regression)

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns of ``frame``, checked by its schema."""
        if frame.empty:
            raise DataError("the input has no rows")
        checked = validate(normalize_columns(frame), self.schema, "input")
        return checked[self.feature_names]

    def predict(self, rows: pd.DataFrame, valid: bool = False) -> pd.DataFrame:
        """Predictions (and class probabilities) for each row.

        ``valid``: the caller enforced the schema already (the API's request
        model is built from it), so only the types are coerced.
        """
        inputs = rows[self.feature_names] if valid else self.check(rows)
        inputs = self.schema.coerce_dtype(inputs)
        if not self.classes:
            values = self.pipeline.predict(inputs)
            return pd.DataFrame({PREDICTION: values}, index=rows.index)
        proba = self.pipeline.predict_proba(inputs)
        names = [f"probability_{label}" for label in self.classes]
        result = pd.DataFrame(proba, index=rows.index, columns=names)
        labels = np.asarray(self.classes)[proba.argmax(axis=1)]
        result.insert(0, PREDICTION, labels)
        return result


def load_model(model_path: Path, metadata_path: Path) -> LoadedModel:
    """The pipeline and metadata of training (ModelError if unusable).

    Model files are pickles: load only models you trained or trust.
    """
    for path in (model_path, metadata_path):
        if not path.is_file():
            msg = f"{path} not found: train a model first (make train)"
            raise ModelError(msg)
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        pipeline = joblib.load(model_path)
    except Exception as exc:  # unpickling fails in many ways
        msg = f"cannot load the model from {model_path}: {exc!r}"
        raise ModelError(msg) from None
    return loaded(pipeline, metadata, str(model_path))


def loaded(pipeline: Any, metadata: Any, where: str) -> LoadedModel:
    """A pipeline and its training metadata (``where``: their origin)."""
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{where} is not a model of this project")
    try:
        schema_json = json.dumps(metadata["input_schema"])
        schema = pa.DataFrameSchema.from_json(schema_json)
        names = metadata["feature_names"]
        version = str(metadata["model_version"])
    except Exception as exc:  # a file of another kind
        raise ModelError(f"{where}: unusable metadata: {exc!r}") from None
    classes = metadata.get("classes") or []
    return LoadedModel(pipeline, metadata, schema, version, names, classes)


def predict_file(model: LoadedModel, source: Path, output: Path) -> None:
    """Write a CSV file with prediction columns added (if inputs are valid)."""
    frame = read_csv(source)
    predictions = model.predict(frame)
    scored = frame.drop(columns=predictions.columns, errors="ignore")
    output.parent.mkdir(parents=True, exist_ok=True)
    scored.join(predictions).to_csv(output, index=False)
    logger.info("wrote %d predictions to %s", len(scored), output)
