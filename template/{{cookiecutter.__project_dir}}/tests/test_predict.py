from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris

from {{ cookiecutter.package_name }}.config import (
    load_config,
)
from {{ cookiecutter.package_name }}.errors import (
    DataError,
    ModelError,
)
from {{ cookiecutter.package_name }}.predict import (
    LoadedModel,
    load_model,
    predict,
    predict_file,
    validate_input,
)
from {{ cookiecutter.package_name }}.train import (
    train,
)

from tests.conftest import PROJECT_CONFIG, TrainedProject


@pytest.fixture
def model(trained: TrainedProject) -> LoadedModel:
    return load_model(
        trained.config.paths.model,
        trained.config.paths.metadata,
    )


def test_predictions_have_labels_and_probabilities(
    model: LoadedModel,
    held_out: pd.DataFrame,
) -> None:
    result = predict(model, held_out)
    assert list(result.columns) == ["prediction", "probability"]
    assert result.index.equals(held_out.index)
    assert set(result["prediction"]) <= set(model.classes)
    assert result["probability"].between(0.0, 1.0).all()
    accuracy = (result["prediction"] == held_out[model.target]).mean()
    assert accuracy > 0.8


def test_input_columns_are_normalised_and_extra_columns_ignored(
    model: LoadedModel,
    held_out: pd.DataFrame,
) -> None:
    raw = held_out.rename(columns=lambda name: name.replace("_", " ").title())
    raw["Customer Note"] = "ignored"
    validated = validate_input(raw, model.feature_names)
    assert list(validated.columns) == model.feature_names


def test_missing_columns_are_listed(
    model: LoadedModel,
    held_out: pd.DataFrame,
) -> None:
    dropped = model.feature_names[:2]
    with pytest.raises(
        DataError,
        match=f"lacks 2 column\\(s\\).*{dropped[0]}",
    ):
        validate_input(held_out.drop(columns=dropped), model.feature_names)


def test_many_missing_columns_are_abbreviated(model: LoadedModel) -> None:
    with pytest.raises(DataError, match="lacks"):
        validate_input(
            pd.DataFrame({"unrelated": [1]}),
            model.feature_names * 2,
        )


def test_empty_input_is_rejected(
    model: LoadedModel,
    held_out: pd.DataFrame,
) -> None:
    with pytest.raises(DataError, match="no rows"):
        predict(model, held_out.head(0))


def test_unusable_values_are_data_errors(
    model: LoadedModel,
    held_out: pd.DataFrame,
) -> None:
    numeric = held_out[model.feature_names].select_dtypes("number").columns[0]
    broken = held_out.head(3).astype({numeric: object})
    broken.loc[:, numeric] = "not a number"
    with pytest.raises(DataError, match="cannot score the input"):
        predict(model, broken)


def test_predict_file_writes_inputs_and_predictions(
    model: LoadedModel,
    trained: TrainedProject,
    tmp_path: Path,
) -> None:
    source = trained.config.paths.processed_dir / "test.csv"
    output = tmp_path / "out" / "predictions.csv"
    predict_file(model, source, output)
    written = pd.read_csv(output)
    assert len(written) == len(pd.read_csv(source))
    assert {"prediction", "probability", *model.feature_names} <= set(
        written.columns,
    )
    # scoring a scored file again replaces the columns instead of adding
    predict_file(model, output, output)
    assert list(pd.read_csv(output).columns) == list(written.columns)


def test_missing_model_explains_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make train"):
        load_model(tmp_path / "model.joblib", tmp_path / "model.json")


def test_corrupt_model_is_a_model_error(
    trained: TrainedProject,
    tmp_path: Path,
) -> None:
    metadata = tmp_path / "model.json"
    shutil.copyfile(trained.config.paths.metadata, metadata)
    corrupt = tmp_path / "model.joblib"
    corrupt.write_bytes(b"not a pickle")
    with pytest.raises(ModelError, match="cannot load the model"):
        load_model(corrupt, metadata)


def test_foreign_files_are_rejected(
    trained: TrainedProject,
    tmp_path: Path,
) -> None:
    metadata = tmp_path / "model.json"
    metadata.write_text(json.dumps({"something": "else"}), encoding="utf-8")
    with pytest.raises(ModelError, match="not a model of this project"):
        load_model(trained.config.paths.model, metadata)


def test_multiclass_models_give_one_probability_per_class(
    tmp_path: Path,
) -> None:
    iris = load_iris(as_frame=True).frame
    iris.to_csv(tmp_path / "iris.csv", index=False)
    text = PROJECT_CONFIG.read_text(encoding="utf-8")
    lines = [
        'source = "iris.csv"' if line.startswith("source = ") else line
        for line in text.splitlines()
        if not line.startswith(("area_per", "worst_to"))
    ]
    config_path = tmp_path / "train.toml"
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = train(load_config(config_path))
    model = LoadedModel(result.pipeline, result.metadata)
    scored = predict(model, iris.head(5))
    assert list(scored.columns) == [
        "prediction",
        "probability_0",
        "probability_1",
        "probability_2",
    ]
