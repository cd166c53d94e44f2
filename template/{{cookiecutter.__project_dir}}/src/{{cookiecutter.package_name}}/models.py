"""The estimators and metrics of each task, by their configuration name.

Add an entry to ``ESTIMATORS`` to make another scikit-learn model
configurable (``[model] estimator = "<name>"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge

ESTIMATORS: dict[str, dict[str, Callable[[], BaseEstimator]]] = {
    "classification": {
        "logistic_regression": LogisticRegression,
        "random_forest": RandomForestClassifier,
        "hist_gradient_boosting": HistGradientBoostingClassifier,
    },
    "regression": {
        "ridge": Ridge,
        "random_forest": RandomForestRegressor,
        "hist_gradient_boosting": HistGradientBoostingRegressor,
    },
}

#: scikit-learn scorer names a quality gate may use (higher is better).
METRICS: dict[str, tuple[str, ...]] = {
    "classification": (
        "roc_auc",
        "average_precision",
        "accuracy",
        "balanced_accuracy",
        "f1",
        "precision",
        "recall",
        "roc_auc_ovr_weighted",
        "f1_weighted",
        "neg_log_loss",
    ),
    "regression": (
        "r2",
        "neg_root_mean_squared_error",
        "neg_mean_absolute_error",
        "neg_median_absolute_error",
        "explained_variance",
    ),
}

#: Metrics written to the report: binary, multi-class, regression.
REPORTED: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "average_precision", "accuracy", "f1"),
    "multiclass": ("roc_auc_ovr_weighted", "accuracy", "f1_weighted"),
    "regression": (
        "r2",
        "neg_root_mean_squared_error",
        "neg_mean_absolute_error",
    ),
}


def build_estimator(
    task: str,
    name: str,
    params: Mapping[str, Any],
    random_state: int | None = None,
) -> BaseEstimator:
    """Create the estimator ``name`` of ``task`` with its hyper-parameters.

    Raises:
        ValueError: For an unknown estimator or hyper-parameter.
    """
    choices = ESTIMATORS[task]
    if name not in choices:
        msg = f"estimator '{name}' does not exist for {task}; use one of: "
        raise ValueError(msg + ", ".join(choices))
    estimator = choices[name]()
    accepted = estimator.get_params()
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        msg = f"unknown hyper-parameter(s) of {type(estimator).__name__}: "
        raise ValueError(msg + ", ".join(unknown))
    settings = dict(params)
    if "random_state" in accepted and "random_state" not in settings:
        settings["random_state"] = random_state
    return estimator.set_params(**settings)
