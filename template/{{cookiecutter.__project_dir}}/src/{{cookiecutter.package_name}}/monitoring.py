"""Detect data drift: compare recent model inputs with the training data.

``make drift`` runs this module: it reads the reference data (the training
split, ``data/processed/train.csv``) and a file of recent inputs (the JSON
Lines log the service writes when ``INPUT_LOG`` is set, or any CSV file with
the feature columns), tests every feature for a change of distribution and
writes a JSON report (``reports/drift.json``).

- Numeric features: two-sample Kolmogorov-Smirnov test
  (``scipy.stats.ks_2samp``); its statistic is the effect size.
- Other features: chi-squared test of homogeneity of the category counts
  (``scipy.stats.chi2_contingency``); Cramer's V is the effect size.

A feature drifts when its p-value is below ``alpha`` divided by the number of
features (Bonferroni: the chance of any false alarm stays ``alpha``) *and* its
effect size reaches ``min_effect`` (with many rows, tiny, harmless changes are
significant). Missing values are left out of the tests.

Exit status: 0 when nothing drifted, 1 when a feature drifted (retrain or
investigate), 2 when the check cannot run (missing file or columns, too few
rows). Scheduled jobs use it to decide whether to retrain.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy import stats

from .config import load_config
from .data import TRAIN_FILE, normalize_columns, read_csv
from .errors import ProjectError

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "{{ cookiecutter.package_name }}.monitoring"
NO_DRIFT, DRIFT, ERROR = 0, 1, 2
ALPHA = 0.05
MIN_EFFECT = 0.1
MIN_ROWS = 30
JSON_LINES = frozenset({".jsonl", ".ndjson"})
DESCRIPTION = """\
Compare recent inputs with the training data, feature by feature, and write
a drift report. Exit 0 when nothing drifted, 1 on drift, 2 when the check
cannot run."""


class DriftCheckError(ProjectError):
    """The drift check cannot run on these files."""


@dataclass(frozen=True)
class FeatureDrift:
    """The test result of one feature."""

    name: str
    kind: str  # "number" or "string"
    test: str  # "ks" (Kolmogorov-Smirnov) or "chi2" (chi-squared)
    statistic: float
    p_value: float
    effect: float  # KS statistic, or Cramer's V
    drift: bool


@dataclass(frozen=True)
class DriftReport:
    """Results of every feature and the decision."""

    features: list[FeatureDrift]
    alpha: float
    min_effect: float
    reference_rows: int
    current_rows: int

    @property
    def drifted(self) -> list[str]:
        """Names of the features that drifted."""
        return [feature.name for feature in self.features if feature.drift]

    @property
    def drift(self) -> bool:
        """True when at least one feature drifted."""
        return bool(self.drifted)

    @property
    def message(self) -> str:
        """One line for humans and CI logs."""
        total = len(self.features)
        if self.drift:
            names = ", ".join(self.drifted)
            return f"drift in {len(self.drifted)} of {total} features: {names}"
        msg = f"no drift: {total} features, {self.current_rows} recent rows "
        msg += f"vs {self.reference_rows} reference rows"
        return msg

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "drift": self.drift,
            "drifted_features": self.drifted,
            "message": self.message,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "method": {
                "numeric": "two-sample Kolmogorov-Smirnov (scipy.stats)",
                "categorical": "chi-squared homogeneity (scipy.stats)",
                "alpha": self.alpha,
                "correction": "bonferroni",
                "feature_alpha": self.alpha / max(len(self.features), 1),
                "min_effect": self.min_effect,
            },
            "features": [asdict(feature) for feature in self.features],
        }


def compare_feature(
    name: str,
    reference: pd.Series,
    current: pd.Series,
    feature_alpha: float,
    min_effect: float = MIN_EFFECT,
) -> FeatureDrift:
    """Test whether one feature's distribution changed.

    The kind of test follows the reference column: numeric columns get the
    Kolmogorov-Smirnov test, other columns the chi-squared test.
    """
    if is_numeric_dtype(reference):
        result = stats.ks_2samp(
            reference.dropna().astype(float),
            pd.to_numeric(current, errors="coerce").dropna(),
        )
        statistic = effect = float(result.statistic)
        p_value, kind, test = float(result.pvalue), "number", "ks"
    else:
        table = _category_counts(reference, current)
        if table.shape[1] < 2:  # one category on both sides: no change
            statistic, p_value, effect = 0.0, 1.0, 0.0
        else:
            result = stats.chi2_contingency(table)
            statistic = float(result.statistic)
            p_value = float(result.pvalue)
            effect = float(stats.contingency.association(table))
        kind, test = "string", "chi2"
    drift = p_value < feature_alpha and effect >= min_effect
    return FeatureDrift(name, kind, test, statistic, p_value, effect, drift)


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: Sequence[str],
    alpha: float = ALPHA,
    min_effect: float = MIN_EFFECT,
    min_rows: int = MIN_ROWS,
) -> DriftReport:
    """Compare ``current`` with ``reference`` on every feature.

    Raises:
        DriftCheckError: When ``current`` lacks a feature, or a feature has
            fewer than ``min_rows`` values on either side.
    """
    missing = [name for name in features if name not in current.columns]
    if missing:
        msg = f"the recent inputs lack feature(s): {', '.join(missing)}"
        raise DriftCheckError(msg)
    for label, frame in (("reference", reference), ("recent", current)):
        counts = frame[list(features)].notna().sum()
        short = counts[counts < min_rows]
        if not short.empty:
            msg = (
                f"too few {label} values to test (at least {min_rows} "
                f"needed): {', '.join(f'{k} ({v})' for k, v in short.items())}"
            )
            raise DriftCheckError(msg)
    feature_alpha = alpha / max(len(features), 1)
    results = [
        compare_feature(
            name,
            reference[name],
            current[name],
            feature_alpha,
            min_effect,
        )
        for name in features
    ]
    return DriftReport(
        results,
        alpha,
        min_effect,
        len(reference),
        len(current),
    )


def read_inputs(path: Path) -> pd.DataFrame:
    """Read recent inputs: the service's JSON Lines log or a CSV file.

    Columns starting with ``_`` (the log's time, request id and model
    version) are dropped; the others are normalised to snake_case.

    Raises:
        DriftCheckError: When the file is missing, empty or unreadable.
    """
    if not path.is_file():
        msg = f"{path} not found: serve some requests with INPUT_LOG set, "
        msg += "or pass a CSV file of recent inputs (CURRENT=...)"
        raise DriftCheckError(msg)
    if path.suffix in JSON_LINES:
        try:
            frame = pd.read_json(path, lines=True)
        except ValueError as exc:
            msg = f"cannot read {path} as JSON Lines: {exc}"
            raise DriftCheckError(msg) from None
    else:
        frame = read_csv(path)
    if frame.empty:
        msg = f"{path} has no rows"
        raise DriftCheckError(msg)
    meta = [name for name in frame.columns if str(name).startswith("_")]
    return normalize_columns(frame.drop(columns=meta))


def _category_counts(
    reference: pd.Series,
    current: pd.Series,
) -> np.ndarray:
    """A 2 x k table of category counts (reference, current)."""
    ref, cur = reference.dropna().astype(str), current.dropna().astype(str)
    categories = sorted(set(ref) | set(cur))
    return np.array(
        [
            ref.value_counts().reindex(categories, fill_value=0).to_numpy(),
            cur.value_counts().reindex(categories, fill_value=0).to_numpy(),
        ],
    )


def build_parser() -> argparse.ArgumentParser:
    """Create the command line parser."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    parser.add_argument(
        "--current",
        type=Path,
        required=True,
        help="recent inputs: the service's .jsonl input log or a CSV file",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=None,
        help=f"training data (default: processed_dir/{TRAIN_FILE})",
    )
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="configuration file (default: configs/train.toml)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="JSON report to write (default: drift.json next to metrics)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=ALPHA,
        help=f"false-alarm rate over all features (default: {ALPHA})",
    )
    parser.add_argument(
        "--min-effect",
        type=float,
        default=MIN_EFFECT,
        help=f"smallest effect size that counts (default: {MIN_EFFECT})",
    )
    parser.add_argument(
        "--min-rows",
        type=int,
        default=MIN_ROWS,
        help=f"values needed per feature (default: {MIN_ROWS})",
    )
    return parser


def run(args: argparse.Namespace) -> DriftReport:
    """Run the check the parsed arguments describe; write the report.

    Raises:
        ProjectError: When the configuration or a file cannot be used.
    """
    if not 0 < args.alpha < 1:
        msg = f"--alpha must be between 0 and 1, got {args.alpha}"
        raise DriftCheckError(msg)
    config = load_config(args.config)
    processed = config.paths.processed_dir
    reference_path = args.reference or processed / TRAIN_FILE
    if not reference_path.is_file():
        msg = f"{reference_path} not found: run the training step first "
        msg += "(make train)"
        raise DriftCheckError(msg)
    reference = normalize_columns(read_csv(reference_path))
    target = config.data.target
    features = [name for name in reference.columns if name != target]
    report = check_drift(
        reference,
        read_inputs(args.current),
        features,
        alpha=args.alpha,
        min_effect=args.min_effect,
        min_rows=args.min_rows,
    )
    path = args.report or config.paths.metrics.parent / "drift.json"
    content = {
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference": str(reference_path),
        "current": str(args.current),
        **report.to_dict(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the drift check and return the exit status.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` by default.
    """
    args = build_parser().parse_args(argv)
    try:
        report = run(args)
    except ProjectError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return ERROR
    print(report.message)
    return DRIFT if report.drift else NO_DRIFT


if __name__ == "__main__":
    sys.exit(main())
