"""Decide whether a retrained model may replace the production model.

Scheduled retraining (docs/ci-cd.md) trains and evaluates a candidate with
``make ci``, fetches the metrics report deployed with the production model
and runs the ``promote`` command on both reports.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .errors import DataError


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
    """Whether the candidate may go to production, and why (one line).

    A missing baseline means nothing is in production yet: promote. A
    candidate that failed its own quality gate is never promoted.
    """
    name, new, passed = read_metric(candidate, metric)
    if not passed:
        raise DataError(f"{candidate}: the candidate failed its quality gate")
    if not baseline.exists():
        return True, f"promote: {name} {new:.4f} (first deployment)"
    _, old, _ = read_metric(baseline, name)
    limit = f"production {old:.4f}"
    if tolerance:
        limit += f" - {tolerance:.4f} tolerance"
    if new >= old - tolerance:
        return True, f"promote: candidate {name} {new:.4f} >= {limit}"
    return False, f"keep production: candidate {name} {new:.4f} < {limit}"
