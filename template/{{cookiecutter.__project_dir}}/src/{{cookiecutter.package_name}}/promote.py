"""Decide whether a retrained model may replace the model in production.

Scheduled retraining (see docs/ci-cd.md) trains and evaluates a candidate with
``make ci``, fetches the metrics report that was deployed with the production
model, and runs::

    python -m {{ cookiecutter.package_name }}.promote \
        --candidate reports/metrics.json --baseline production/metrics.json

Exit status: 0 when the candidate is at least as good as production (or when
there is no production model yet: the first deployment), 1 when it is worse
(keep production), 2 when a report cannot be used. The candidate then goes
through the same staging -> approval -> production path as any other change.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "{{ cookiecutter.package_name }}.promote"
DEFAULT_METRIC = "roc_auc"
PROMOTE, KEEP, ERROR = 0, 1, 2
DESCRIPTION = """\
Compare a retrained model's metrics with the production model's. Exit 0 when
the candidate is at least as good (or nothing is in production yet), 1 when
it is worse, 2 when a report cannot be used."""


class ReportError(Exception):
    """A metrics report is missing, unreadable or lacks the compared metric."""


@dataclass(frozen=True)
class Decision:
    """Outcome of comparing a candidate with the production model."""

    metric: str
    candidate: float
    baseline: float | None
    tolerance: float = 0.0

    @property
    def promote(self) -> bool:
        """True when the candidate may go to production."""
        if self.baseline is None:
            return True
        return self.candidate >= self.baseline - self.tolerance

    @property
    def message(self) -> str:
        """One line for humans and CI logs."""
        name, new = self.metric, f"{self.candidate:.4f}"
        if self.baseline is None:
            return f"promote: {name} {new} (first deployment)"
        old = f"{self.baseline:.4f}"
        if self.tolerance:
            old += f" - {self.tolerance:.4f} tolerance"
        if self.promote:
            return f"promote: candidate {name} {new} >= production {old}"
        return f"keep production: candidate {name} {new} < production {old}"


def read_report(path: Path) -> dict[str, Any]:
    """Read a metrics report written by ``make evaluate``.

    Raises:
        ReportError: When the file is missing or not a JSON object.
    """
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path} not found"
        raise ReportError(msg) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path} is not a readable JSON report: {exc}"
        raise ReportError(msg) from None
    if not isinstance(report, dict):
        msg = f"{path} is not a metrics report: expected a JSON object"
        raise ReportError(msg)
    return report


def gate_metric(report: dict[str, Any]) -> str:
    """The metric the report's quality gate used (``roc_auc`` when unknown)."""
    gate = report.get("quality_gate")
    if isinstance(gate, dict) and isinstance(gate.get("metric"), str):
        return gate["metric"]
    return DEFAULT_METRIC


def metric_value(report: dict[str, Any], metric: str, path: Path) -> float:
    """Read one metric from a report (``{"metrics": {...}}`` or a flat object).

    Raises:
        ReportError: When the metric is absent or not a finite number.
    """
    metrics = report.get("metrics", report)
    value = metrics.get(metric) if isinstance(metrics, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{path} has no numeric '{metric}' metric"
        raise ReportError(msg)
    if not math.isfinite(value):
        msg = f"{path} has a non-finite '{metric}' value: {value}"
        raise ReportError(msg)
    return float(value)


def decide(
    candidate_path: Path,
    baseline_path: Path,
    metric: str | None = None,
    tolerance: float = 0.0,
) -> Decision:
    """Compare the candidate report with the production report.

    A missing baseline file means nothing is in production yet, so the
    candidate is promoted. A candidate that failed its own quality gate is
    never promoted.

    Raises:
        ReportError: When a report cannot be used for the comparison.
    """
    candidate = read_report(candidate_path)
    gate = candidate.get("quality_gate")
    if isinstance(gate, dict) and gate.get("passed") is False:
        msg = f"{candidate_path}: the candidate failed its quality gate"
        raise ReportError(msg)
    name = metric or gate_metric(candidate)
    value = metric_value(candidate, name, candidate_path)
    if not baseline_path.exists():
        return Decision(name, value, None, tolerance)
    baseline = metric_value(read_report(baseline_path), name, baseline_path)
    return Decision(name, value, baseline, tolerance)


def build_parser() -> argparse.ArgumentParser:
    """Create the command line parser."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    parser.add_argument(
        "--candidate",
        type=Path,
        required=True,
        help="metrics report of the retrained model (reports/metrics.json)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        required=True,
        help="production model's metrics report (missing: first deployment)",
    )
    parser.add_argument(
        "--metric",
        default=None,
        help="metric to compare (default: the quality gate's metric)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="accept a candidate this much below production (default: 0)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and return the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.
    """
    args = build_parser().parse_args(argv)
    if not math.isfinite(args.tolerance) or args.tolerance < 0:
        print(f"{PROG}: error: --tolerance must be >= 0", file=sys.stderr)
        return ERROR
    try:
        decision = decide(
            args.candidate,
            args.baseline,
            args.metric,
            args.tolerance,
        )
    except ReportError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return ERROR
    print(decision.message)
    return PROMOTE if decision.promote else KEEP


if __name__ == "__main__":
    sys.exit(main())
