"""Evaluate the model on the held-out split and apply the quality gate."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import load_split, split_features_target
from .errors import DataError, QualityGateError
from .metrics import compute_metrics
from .predict import load_model

if TYPE_CHECKING:
    from .config import Config, QualityGate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateResult:
    """Outcome of the quality gate."""

    metric: str
    value: float
    threshold: float
    passed: bool

    @property
    def message(self) -> str:
        """One line for humans and CI logs."""
        digits = _digits(self.value, self.threshold)
        value = f"{self.value:.{digits}f}"
        threshold = f"{self.threshold:.{digits}f}"
        if self.passed:
            return f"quality gate passed: {self.metric} {value} >= {threshold}"
        return f"quality gate failed: {self.metric} {value} < {threshold}"


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluation run produced."""

    metrics: dict[str, float]
    gate: GateResult
    report_path: Path


def check_quality_gate(
    metrics: dict[str, float],
    gate: QualityGate,
) -> GateResult:
    """Compare the gate's metric with its threshold (``>=`` passes).

    Raises:
        DataError: When the metric was not computed.
    """
    if gate.metric not in metrics:
        msg = f"metric '{gate.metric}' is not among the computed metrics"
        raise DataError(msg)
    value = metrics[gate.metric]
    return GateResult(
        gate.metric,
        value,
        gate.threshold,
        value >= gate.threshold,
    )


def enforce_quality_gate(result: GateResult) -> None:
    """Raise when the gate failed, so callers can stop a pipeline.

    Raises:
        QualityGateError: With the one-line gate message.
    """
    if not result.passed:
        raise QualityGateError(result.message)


def evaluate(config: Config) -> EvaluationResult:
    """Score the saved model on the held-out split; write the metrics report.

    The report (``paths.metrics``) is written whether or not the gate passes,
    so that a failing run can still be inspected. The caller decides what a
    failed gate means (the CLI exits with status 1).
    """
    model = load_model(config.paths.model, config.paths.metadata)
    held_out = load_split(config.paths.processed_dir)
    features, target = split_features_target(held_out, model.target)
    proba = model.predict_proba(features)
    metrics = compute_metrics(target, proba, model.classes)
    gate = check_quality_gate(metrics, config.gate)

    report: dict[str, Any] = {
        "model_version": model.version,
        "evaluated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "n_samples": len(held_out),
        "metrics": metrics,
        "quality_gate": asdict(gate),
    }
    report_path = config.paths.metrics
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(
        json.dumps(report, indent=2) + "\n",
        encoding="utf-8",
    )
    for name, value in metrics.items():
        logger.info("%-18s %.4f", name, value)
    logger.info("wrote %s", report_path)
    return EvaluationResult(metrics, gate, report_path)


def _digits(value: float, threshold: float) -> int:
    """Fewest decimals (at least 3) that tell value and threshold apart."""
    for digits in range(3, 7):
        if value == threshold:
            return digits
        if f"{value:.{digits}f}" != f"{threshold:.{digits}f}":
            return digits
    return 7
