from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from {{ cookiecutter.package_name }}.config import (
    Config,
    ModelConfig,
    QualityGate,
    load_config,
)
from {{ cookiecutter.package_name }}.data import (
    load_dataset,
    split_dataset,
    split_features_target,
)
from {{ cookiecutter.package_name }}.errors import (
    ConfigError,
    ModelError,
)
from {{ cookiecutter.package_name }}.evaluate import (
    check_quality_gate,
)
from {{ cookiecutter.package_name }}.metrics import (
    METRICS,
    compute_metrics,
)
from {{ cookiecutter.package_name }}.train import (
    cross_validate,
    fit_pipeline,
    train,
)

from tests.conftest import TrainedProject


def held_out_metrics(config: Config) -> dict[str, float]:
    """Fit on the training split only and score the held-out split."""
    train_frame, test_frame = split_dataset(
        load_dataset(config.data),
        config.data,
    )
    pipeline = fit_pipeline(config, train_frame)
    features, target = split_features_target(test_frame, config.data.target)
    return compute_metrics(
        target,
        pipeline.predict_proba(features),
        pipeline.classes_,
    )


def test_model_passes_the_configured_quality_gate(config: Config) -> None:
    """The model-quality gate: held-out score >= the configured threshold."""
    metrics = held_out_metrics(config)
    gate = check_quality_gate(metrics, config.gate)
    assert gate.passed, gate.message
    assert metrics[config.gate.metric] >= config.gate.threshold


def test_quality_gate_fails_for_an_unreachable_threshold(
    config: Config,
) -> None:
    metrics = held_out_metrics(config)
    observed = metrics[config.gate.metric]
    unreachable = QualityGate(
        config.gate.metric,
        math.nextafter(observed, math.inf),
    )
    gate = check_quality_gate(metrics, unreachable)
    assert not gate.passed
    assert gate.message.startswith(
        f"quality gate failed: {config.gate.metric} ",
    )


def test_training_writes_model_metadata_and_splits(
    trained: TrainedProject,
) -> None:
    paths = trained.config.paths
    assert paths.model.is_file()
    assert (paths.processed_dir / "train.csv").is_file()
    assert (paths.processed_dir / "test.csv").is_file()
    metadata = json.loads(paths.metadata.read_text(encoding="utf-8"))
    assert metadata == trained.result.metadata
    assert metadata["config_hash"] == trained.config.digest
    assert metadata["model_version"].endswith(trained.config.digest[:8])
    assert metadata["target"] == trained.config.data.target
    assert trained.config.data.target not in metadata["feature_names"]
    assert set(metadata["training_metrics"]) == set(METRICS)
    cv = metadata["cross_validation"]
    assert cv["folds"] == trained.config.model.cv_folds
    assert metadata["n_train"] + metadata["n_test"] > 0
    pipeline = joblib.load(paths.model)
    assert list(pipeline.named_steps) == ["features", "model"]


def test_training_is_reproducible(config: Config) -> None:
    quick = replace(config, model=replace(config.model, cv_folds=0))
    first = train(quick)
    second = train(quick)
    assert first.metadata["cross_validation"] is None
    test = pd.read_csv(quick.paths.processed_dir / "test.csv")
    features, _ = split_features_target(test, quick.data.target)
    np.testing.assert_allclose(
        first.pipeline.predict_proba(features),
        second.pipeline.predict_proba(features),
    )


@pytest.mark.parametrize(
    ("estimator", "params"),
    [
        ("random_forest", {"n_estimators": 25, "max_depth": 4}),
        ("hist_gradient_boosting", {"max_iter": 25}),
    ],
)
def test_every_estimator_can_be_trained(
    config: Config,
    estimator: str,
    params: dict[str, int],
) -> None:
    other = replace(config, model=ModelConfig(estimator, params, cv_folds=2))
    cv = cross_validate(
        other,
        split_dataset(load_dataset(other.data), other.data)[0],
    )
    assert cv is not None
    assert 0.0 <= cv["metrics"]["roc_auc"] <= 1.0
    assert held_out_metrics(other)["roc_auc"] > 0.8


def test_invalid_hyper_parameter_values_are_model_errors(
    config: Config,
) -> None:
    broken = replace(
        config,
        model=ModelConfig("logistic_regression", {"C": -1.0}, 2),
    )
    train_frame, _ = split_dataset(load_dataset(broken.data), broken.data)
    with pytest.raises(
        ModelError,
        match="training the logistic_regression model failed",
    ):
        fit_pipeline(broken, train_frame)
    with pytest.raises(ModelError, match="cross-validation failed"):
        cross_validate(broken, train_frame)


def test_unknown_hyper_parameters_are_config_errors(config_path: Path) -> None:
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(
        text.replace(
            "[model.logistic_regression]",
            "[model.logistic_regression]\nCC = 1",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown hyper-parameter"):
        load_config(config_path)


def test_multiclass_metrics() -> None:
    iris = load_iris()
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=len(iris.target))
    proba[np.arange(len(iris.target)), iris.target] += 1.0
    proba /= proba.sum(axis=1, keepdims=True)
    metrics = compute_metrics(iris.target, proba, [0, 1, 2])
    assert set(metrics) == set(METRICS)
    assert metrics["accuracy"] == 1.0
    assert metrics["roc_auc"] == 1.0
