"""Estimators and reported metrics by task: add yours to ``ESTIMATORS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sklearn import ensemble, linear_model
from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from .config import ModelConfig

ESTIMATORS: dict[str, dict[str, Callable[[], BaseEstimator]]] = {
    "classification": {
        "logistic_regression": linear_model.LogisticRegression,
        "random_forest": ensemble.RandomForestClassifier,
        "hist_gradient_boosting": ensemble.HistGradientBoostingClassifier,
    },
    "regression": {
        "ridge": linear_model.Ridge,
        "random_forest": ensemble.RandomForestRegressor,
        "hist_gradient_boosting": ensemble.HistGradientBoostingRegressor,
    },
}

#: scikit-learn scorers written to the report, next to the gate's metric.
REPORTED: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "average_precision", "accuracy", "f1"),
    "multiclass": ("roc_auc_ovr_weighted", "accuracy", "f1_weighted"),
    "regression": (
        "r2",
        "neg_root_mean_squared_error",
        "neg_mean_absolute_error",
    ),
}


def build_estimator(model: ModelConfig, seed: int | None) -> BaseEstimator:
    """The configured estimator; ValueError names a wrong name or parameter."""
    choices = ESTIMATORS[model.task]
    if model.estimator not in choices:
        names = ", ".join(choices)
        msg = f"estimator '{model.estimator}' does not exist for {model.task}"
        raise ValueError(f"{msg}; use one of: {names}")
    estimator = choices[model.estimator]()
    accepted = estimator.get_params()
    unknown = ", ".join(sorted(set(model.params) - set(accepted)))
    if unknown:
        name = type(estimator).__name__
        raise ValueError(f"unknown hyper-parameter(s) of {name}: {unknown}")
    if "random_state" in accepted:  # the configured one wins
        estimator.set_params(random_state=seed)
    return estimator.set_params(**model.params)
