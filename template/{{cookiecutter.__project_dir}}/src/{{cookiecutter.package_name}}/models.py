"""The estimators the pipeline can train, by their configuration name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression

from .errors import ConfigError

#: Estimator factories; add an entry to make a new model type configurable.
ESTIMATORS: dict[str, Callable[[], ClassifierMixin]] = {
    "logistic_regression": LogisticRegression,
    "random_forest": RandomForestClassifier,
    "hist_gradient_boosting": HistGradientBoostingClassifier,
}


def build_estimator(
    name: str,
    params: Mapping[str, Any],
    random_state: int | None = None,
) -> ClassifierMixin:
    """Create the estimator ``name`` with the given hyper-parameters.

    Args:
        name: A key of :data:`ESTIMATORS`.
        params: Hyper-parameters, checked against the estimator's own.
        random_state: Seed used when the estimator takes one and ``params``
            does not set it, so that training is reproducible.

    Raises:
        ConfigError: For an unknown estimator or hyper-parameter.
    """
    try:
        estimator = ESTIMATORS[name]()
    except KeyError:
        known = ", ".join(ESTIMATORS)
        msg = f"unknown estimator '{name}'; use one of: {known}"
        raise ConfigError(msg) from None
    accepted = estimator.get_params()
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        msg = f"model.{name}: unknown hyper-parameter(s) {', '.join(unknown)} "
        msg += f"for {type(estimator).__name__}"
        raise ConfigError(msg)
    settings = dict(params)
    if "random_state" in accepted and "random_state" not in settings:
        settings["random_state"] = random_state
    return estimator.set_params(**settings)
