"""Training, evaluation and prediction, on the project's own config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config, load_config
from {{ cookiecutter.package_name }}.errors import DataError, ModelError
from {{ cookiecutter.package_name }}.evaluate import decide, evaluate
from {{ cookiecutter.package_name }}.predict import load_model, predict_file
from {{ cookiecutter.package_name }}.train import train

from tests.conftest import write_project


def test_training_writes_model_schema_and_a_passing_evaluation(
    trained: tuple[Config, Any],
) -> None:
    config, metadata = trained
    assert config.paths.model.is_file()
    assert set(metadata["input_schema"]["columns"]) == set(
        metadata["feature_names"],
    )
    assert config.data.target not in metadata["feature_names"]
    report = evaluate(config)
    assert report["quality_gate"]["passed"], report["message"]
    assert json.loads(config.paths.metrics.read_text()) == report


def test_regression_on_the_bundled_diabetes_data(tmp_path: Path) -> None:
    edits = {
        "source": '"sklearn:diabetes"',
        "task": '"regression"',
        "estimator": '"ridge"',
        "metric": '"r2"',
        "threshold": "0.3",
        "drop": "[]",
        "categorical": "[]",
    }
    params = {"alpha": "1.0"}
    config = load_config(write_project(tmp_path, edits, params))
    metadata = train(config).metadata
    assert metadata["classes"] == []
    report = evaluate(config)
    assert report["quality_gate"]["passed"], report["message"]
    assert set(report["metrics"]) >= {"r2", "neg_root_mean_squared_error"}
    model = load_model(config.paths.model, config.paths.metadata)
    promoted = decide(config, model, None)  # scored from replayed outputs
    assert promoted["challenger"]["score"] == report["metrics"]["r2"]
    (tmp_path / "auc").mkdir()
    edits["metric"] = '"roc_auc"'  # a classification metric: one clear line
    config = load_config(write_project(tmp_path / "auc", edits, params))
    with pytest.raises(DataError, match="cannot compute roc_auc"):
        train(config)


def test_drop_and_categorical_lists_shape_the_features(
    tmp_path: Path,
) -> None:
    edits = {
        "source": '"data/raw/dataset.csv"',
        "drop": '["customer_id"]',
        "categorical": '["segment"]',
        "threshold": "0.5",
        "cv_folds": "0",
    }
    config = load_config(write_project(tmp_path, edits))
    metadata = train(config).metadata
    assert "customer_id" not in metadata["feature_names"]
    assert "segment" in metadata["feature_names"]
    assert metadata["input_schema"]["columns"]["segment"].get("dtype") is None


def test_a_target_that_does_not_fit_the_task_is_one_clear_line(
    tmp_path: Path,
) -> None:
    edits = {"source": '"sklearn:diabetes"', "drop": "[]", "categorical": "[]"}
    config = load_config(write_project(tmp_path, edits))
    with pytest.raises(DataError, match="column 'target' failed 2 to 50"):
        train(config)
    assert not config.paths.model.exists()


def test_bad_raw_data_names_the_column_and_writes_nothing(
    tmp_path: Path,
) -> None:
    config = load_config(write_project(tmp_path, {"target": '"missing"'}))
    with pytest.raises(DataError, match="column 'missing' is missing"):
        train(config)
    assert not config.paths.processed_dir.exists()


def test_predict_enforces_the_training_schema(
    trained: tuple[Config, Any],
    held_out: pd.DataFrame,
    tmp_path: Path,
) -> None:
    config, metadata = trained
    model = load_model(config.paths.model, config.paths.metadata)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    held_out.to_csv(source, index=False)
    predict_file(model, source, output)
    assert "prediction" in pd.read_csv(output).columns
    name = metadata["feature_names"][-1]
    broken = held_out.assign(**{name: "not a number"})
    if not model.schema.columns[name].dtype:  # a text column
        broken = held_out.drop(columns=[name])
    broken.to_csv(source, index=False)
    with pytest.raises(DataError, match=f"column '{name}'"):
        predict_file(model, source, tmp_path / "never.csv")
    assert not (tmp_path / "never.csv").exists()
    with pytest.raises(ModelError, match="train a model first"):
        load_model(tmp_path / "none.joblib", config.paths.metadata)
