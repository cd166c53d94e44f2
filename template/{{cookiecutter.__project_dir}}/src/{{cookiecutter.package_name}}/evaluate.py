"""Score the model with scikit-learn scorers and apply the quality gate."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sklearn.metrics import get_scorer

from .data import TEST_FILE, features_target, read_csv
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
    """Each metric (a scikit-learn scorer name) of ``pipeline`` on the data.

    Raises:
        DataError: When a metric cannot be computed on this data.
    """
    scores = {}
    for name in metrics:
        try:
            value = get_scorer(name)(pipeline, features, target)
        except ValueError as exc:
            msg = f"cannot compute {name}: {exc}"
            raise DataError(msg) from None
        scores[name] = round(float(value), 6)
    return scores


def evaluate(config: Config) -> dict[str, Any]:
    """Score the saved model on the held-out split; write the report.

    The report (``paths.metrics``) is written whether or not the gate
    passes, so that a failing run can be inspected.
    """
    model = load_model(config.paths.model, config.paths.metadata)
    held_out = read_csv(config.paths.processed_dir / TEST_FILE)
    features, target = features_target(held_out, config)
    inputs = model.check(features)
    metrics = score(
        model.pipeline,
        inputs,
        target,
        reported_metrics(config, target),
    )
    gate = config.quality_gate
    value = metrics[gate.metric]
    passed = value >= gate.threshold
    report = {
        "model_version": model.version,
        "evaluated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "n_samples": len(held_out),
        "metrics": metrics,
        "quality_gate": {
            "metric": gate.metric,
            "value": value,
            "threshold": gate.threshold,
            "passed": passed,
        },
        "message": f"quality gate {'passed' if passed else 'failed'}: "
        f"{gate.metric} {value:.4f} {'>=' if passed else '<'} "
        f"{gate.threshold:.4f}",
    }
    config.paths.metrics.parent.mkdir(parents=True, exist_ok=True)
    config.paths.metrics.write_text(
        json.dumps(report, indent=2) + "\n",
        encoding="utf-8",
    )
    logger.info("wrote %s", config.paths.metrics)
    return report
