"""Score the model, apply the quality gate, decide on a retrained model."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from pathlib import Path
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
    return list(dict.fromkeys([config.quality_gate.metric, *REPORTED[kind]]))


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


def read_metric(path: Path, metric: str | None) -> tuple[str, float, bool]:
    """A report's metric (default: the gate's), value, and gate verdict."""
    if not path.is_file():
        raise DataError(f"{path} not found")
    try:
        report: Any = json.loads(path.read_text(encoding="utf-8"))
        gate = report.get("quality_gate", {})
        name = metric or gate["metric"]
        value = report["metrics"][name]
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
        msg = f"{path} is not a metrics report with that metric: {exc!r}"
        raise DataError(msg) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"{path}: '{name}' is not a number")
    if not math.isfinite(value):
        raise DataError(f"{path}: '{name}' is not finite ({value})")
    return name, float(value), gate.get("passed") is not False


def decide(
    candidate: Path,
    baseline: Path,
    metric: str | None = None,
    tolerance: float = 0.0,
) -> tuple[bool, str]:
    """Whether the candidate may replace production, and why (one line).

    Scheduled retraining (docs/ci-cd.md) runs it on the two metrics reports.
    A missing baseline means nothing is in production yet: promote. A
    candidate that failed its own quality gate is never promoted.
    """
    name, new, passed = read_metric(candidate, metric)
    if not passed:
        raise DataError(f"{candidate}: the candidate failed its quality gate")
    if not baseline.exists():
        return True, f"promote: {name} {new:.4f} (first deployment)"
    _, old, _ = read_metric(baseline, name)
    margin = f" - {tolerance:.4f} tolerance" if tolerance else ""
    limit = f"production {old:.4f}{margin}"
    if new >= old - tolerance:
        return True, f"promote: candidate {name} {new:.4f} >= {limit}"
    return False, f"keep production: candidate {name} {new:.4f} < {limit}"
