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

from .errors import ProjectError


class ReportError(ProjectError):
    """A metrics report is missing, unreadable or lacks the metric."""


def read_metric(path: Path, metric: str | None) -> tuple[str, float, bool]:
    """The metric's name and value in a report, and whether its gate passed.

    ``metric`` defaults to the metric of the report's quality gate.

    Raises:
        ReportError: When the file or the metric cannot be used.
    """
    try:
        report: Any = json.loads(path.read_text(encoding="utf-8"))
        gate = report.get("quality_gate", {})
        name = metric or gate["metric"]
        value = report["metrics"][name]
    except FileNotFoundError:
        msg = f"{path} not found"
        raise ReportError(msg) from None
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
        msg = f"{path} is not a metrics report with that metric: {exc!r}"
        raise ReportError(msg) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{path}: '{name}' is not a number"
        raise ReportError(msg)
    if not math.isfinite(value):
        msg = f"{path}: '{name}' is not finite ({value})"
        raise ReportError(msg)
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

    Raises:
        ReportError: When a report cannot be used for the comparison.
    """
    name, new, passed = read_metric(candidate, metric)
    if not passed:
        msg = f"{candidate}: the candidate failed its quality gate"
        raise ReportError(msg)
    if not baseline.exists():
        return True, f"promote: {name} {new:.4f} (first deployment)"
    _, old, _ = read_metric(baseline, name)
    limit = f"production {old:.4f}"
    if tolerance:
        limit += f" - {tolerance:.4f} tolerance"
    if new >= old - tolerance:
        return True, f"promote: candidate {name} {new:.4f} >= {limit}"
    return False, f"keep production: candidate {name} {new:.4f} < {limit}"
