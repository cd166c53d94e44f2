"""Score the model with scikit-learn scorers and apply the quality gate."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sklearn.metrics import check_scoring

from .data import TEST_FILE, features_target, read_csv, write_json
from .errors import DataError
from .models import REPORTED
from .predict import load_model

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from .config import Config

logger = logging.getLogger(__name__)


def reported_metrics(config: Config, target: pd.Series) -> list[str]:
    """The metrics to report for this task and target, gate metric first."""
    kind: str = config.model.task
    if kind == "classification":
        kind = "binary" if target.nunique() <= 2 else "multiclass"
    names = [config.quality_gate.metric, *REPORTED[kind]]
    return list(dict.fromkeys(names))


def score(
    pipeline: Pipeline,
    features: pd.DataFrame,
    target: pd.Series,
    metrics: list[str],
) -> dict[str, float]:
    """Each metric (a scikit-learn scorer name) of ``pipeline`` on the data."""
    try:
        scorer = check_scoring(pipeline, scoring=metrics)
        scores = scorer(pipeline, features, target)
    except (AttributeError, ValueError) as exc:  # a metric of another task
        names = ", ".join(metrics)
        raise DataError(f"cannot compute {names}: {exc}") from None
    return {name: round(float(value), 6) for name, value in scores.items()}


def evaluate(config: Config) -> dict[str, Any]:
    """Score the saved model on the held-out split; write the report.

    The report (``paths.metrics``) is written whether or not the gate
    passes, so that a failing run can be inspected.
    """
    model = load_model(config.paths.model, config.paths.metadata)
    held_out = read_csv(config.paths.processed_dir / TEST_FILE)
    features, target = features_target(held_out, config)
    inputs = model.check(features)
    metrics = reported_metrics(config, target)
    scores = score(model.pipeline, inputs, target, metrics)
    gate = config.quality_gate
    value = scores[gate.metric]
    passed = value >= gate.threshold
    verdict = "passed" if passed else "failed"
    compared = f"{value:.4f} {'>=' if passed else '<'} {gate.threshold:.4f}"
    result = {**gate.model_dump(), "value": value, "passed": passed}
    report = {
        "model_version": model.version,
        "evaluated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "n_samples": len(held_out),
        "metrics": scores,
        "quality_gate": result,
        "message": f"quality gate {verdict}: {gate.metric} {compared}",
    }
    write_json(config.paths.metrics, report)
    logger.info("wrote %s", config.paths.metrics)
    return report
