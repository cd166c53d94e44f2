"""Detect data drift: compare recent model inputs with the training data.

``make drift`` reads the training split and recent inputs (the JSON Lines
log the service writes when ``INPUT_LOG`` is set, or a CSV file), tests
every feature and writes ``reports/drift.json``:

- numeric features: two-sample Kolmogorov-Smirnov test (its statistic is the
  effect size);
- other features: chi-squared test of the category counts (Cramer's V is the
  effect size).

A feature drifts when its p-value is below ``alpha`` / number of features
(Bonferroni) *and* its effect reaches ``min_effect`` (with many rows, tiny
harmless changes are significant). Missing values are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy import stats

from .data import normalize_columns, read_csv
from .errors import ProjectError

ALPHA, MIN_EFFECT, MIN_ROWS = 0.05, 0.1, 30


class DriftCheckError(ProjectError):
    """The drift check cannot run on these files."""


def compare_feature(
    reference: pd.Series,
    current: pd.Series,
) -> dict[str, Any]:
    """Test whether one feature's distribution changed.

    Example:
        >>> same = pd.Series(range(100))
        >>> compare_feature(same, same)["p_value"]
        1.0
    """
    if is_numeric_dtype(reference):
        result = stats.ks_2samp(
            reference.dropna().astype(float),
            pd.to_numeric(current, errors="coerce").dropna(),
        )
        effect, test = float(result.statistic), "ks"
    else:
        ref, cur = reference.dropna().astype(str), current.dropna().astype(str)
        categories = sorted(set(ref) | set(cur))
        table = np.array(
            [
                ref.value_counts().reindex(categories, fill_value=0),
                cur.value_counts().reindex(categories, fill_value=0),
            ],
        )
        if table.shape[1] < 2:  # one category on both sides: no change
            return {"test": "chi2", "p_value": 1.0, "effect": 0.0}
        result = stats.chi2_contingency(table)
        effect = float(stats.contingency.association(table))
        test = "chi2"
    return {"test": test, "p_value": float(result.pvalue), "effect": effect}


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    alpha: float = ALPHA,
    min_effect: float = MIN_EFFECT,
    min_rows: int = MIN_ROWS,
) -> dict[str, Any]:
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
        counts = frame[features].notna().sum()
        short = ", ".join(counts[counts < min_rows].index)
        if short:
            msg = f"fewer than {min_rows} {label} values of: {short}"
            raise DriftCheckError(msg)
    limit = alpha / max(len(features), 1)
    results = {}
    for name in features:
        result = compare_feature(reference[name], current[name])
        significant = result["p_value"] < limit
        result["drift"] = significant and result["effect"] >= min_effect
        results[name] = result
    drifted = [name for name, result in results.items() if result["drift"]]
    if drifted:
        message = f"drift in {len(drifted)} of {len(features)} features: "
        message += ", ".join(drifted)
    else:
        message = f"no drift: {len(features)} features, {len(current)} "
        message += f"recent rows vs {len(reference)} reference rows"
    return {
        "drift": bool(drifted),
        "drifted_features": drifted,
        "message": message,
        "reference_rows": len(reference),
        "current_rows": len(current),
        "alpha": alpha,
        "feature_alpha": limit,
        "min_effect": min_effect,
        "features": results,
    }


def read_inputs(path: Path) -> pd.DataFrame:
    """Recent inputs: the service's JSON Lines log or a CSV file.

    The log's own columns (``_time``, ``_request_id``...) are dropped.

    Raises:
        DriftCheckError: When the file is missing, empty or unreadable.
    """
    if not path.is_file():
        msg = f"{path} not found: serve some requests with INPUT_LOG set, "
        raise DriftCheckError(msg + "or pass a CSV file (CURRENT=...)")
    if path.suffix in {".jsonl", ".ndjson"}:
        try:
            frame = pd.read_json(path, lines=True)
        except ValueError as exc:
            msg = f"cannot read {path} as JSON Lines: {exc}"
            raise DriftCheckError(msg) from None
    else:
        frame = read_csv(path)
    meta = [name for name in frame.columns if str(name).startswith("_")]
    return normalize_columns(frame.drop(columns=meta))
