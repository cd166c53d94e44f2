"""Data drift: recent model inputs against the training data.

Per feature, a KS or chi-squared test (Bonferroni) and a minimum effect size.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy import stats

from .errors import DataError


def compare_feature(known: pd.Series, recent: pd.Series) -> dict[str, Any]:
    """Test whether one feature's distribution changed.

    Example:
        >>> same = pd.Series(range(100))
        >>> compare_feature(same, same)["p_value"]
        1.0
    """
    if is_numeric_dtype(known):
        ref = known.dropna().astype(float)
        cur = pd.to_numeric(recent, errors="coerce").dropna()
        result = stats.ks_2samp(ref, cur)
        effect, test = float(result.statistic), "ks"
    else:
        ref, cur = known.dropna().astype(str), recent.dropna().astype(str)
        counts = [ref.value_counts(), cur.value_counts()]
        table = pd.concat(counts, axis=1).fillna(0).astype(int).to_numpy().T
        if table.shape[1] < 2:  # one category on both sides: no change
            return {"test": "chi2", "p_value": 1.0, "effect": 0.0}
        result = stats.chi2_contingency(table)
        effect, test = float(stats.contingency.association(table)), "chi2"
    return {"test": test, "p_value": float(result.pvalue), "effect": effect}


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    alpha: float = 0.05,
    min_effect: float = 0.1,
    min_rows: int = 30,
) -> dict[str, Any]:
    """Compare ``current`` with ``reference``, column by column."""
    features = [str(name) for name in reference.columns]
    missing = ", ".join(name for name in features if name not in current)
    if missing:
        raise DataError(f"the recent inputs lack feature(s): {missing}")
    for label, frame in (("reference", reference), ("recent", current)):
        counts = frame[features].notna().sum()
        few = ", ".join(counts[counts < min_rows].index)
        if few:
            raise DataError(f"fewer than {min_rows} {label} values of: {few}")
    limit = alpha / max(len(features), 1)
    results = {n: compare_feature(reference[n], current[n]) for n in features}
    for result in results.values():
        significant = result["p_value"] < limit
        result["drift"] = significant and result["effect"] >= min_effect
    drifted = [name for name, result in results.items() if result["drift"]]
    message = f"drift in {len(drifted)} of {len(features)} features: "
    message += ", ".join(drifted)
    if not drifted:
        message = f"no drift: {len(features)} features, {len(current)} "
        message += f"recent rows vs {len(reference)} reference rows"
    verdict = {"drift": bool(drifted), "drifted_features": drifted}
    rows = {"reference_rows": len(reference), "current_rows": len(current)}
    test = {"alpha": alpha, "feature_alpha": limit, "min_effect": min_effect}
    return {**verdict, "message": message, **rows, **test, "features": results}
