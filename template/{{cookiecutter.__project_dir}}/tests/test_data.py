from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import (
    Config,
    DataConfig,
)
from {{ cookiecutter.package_name }}.data import (
    load_dataset,
    load_split,
    normalize_columns,
    read_csv,
    save_splits,
    split_dataset,
    split_features_target,
    to_snake_case,
)
from {{ cookiecutter.package_name }}.errors import (
    DataError,
)

from tests.conftest import synthetic_frame


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mean radius", "mean_radius"),
        ("Mean Radius", "mean_radius"),
        ("  worst concave points ", "worst_concave_points"),
        ("CustomerID", "customer_id"),
        ("HTTPStatus", "http_status"),
        ("price (EUR)", "price_eur"),
        ("already_snake", "already_snake"),
        ("a--b__c", "a_b_c"),
        (3, "3"),
    ],
)
def test_to_snake_case(name: object, expected: str) -> None:
    assert to_snake_case(name) == expected


def test_normalize_columns_renames_without_touching_values() -> None:
    frame = pd.DataFrame({"Mean Radius": [1.0], "Target": [0]})
    result = normalize_columns(frame)
    assert list(result.columns) == ["mean_radius", "target"]
    assert result["mean_radius"].tolist() == [1.0]
    assert list(frame.columns) == ["Mean Radius", "Target"]


def test_normalize_columns_rejects_collisions() -> None:
    frame = pd.DataFrame({"Mean Radius": [1], "mean_radius": [2]})
    with pytest.raises(DataError, match="collide"):
        normalize_columns(frame)


def test_normalize_columns_rejects_names_without_letters() -> None:
    frame = pd.DataFrame({"???": [1], "x": [2]})
    with pytest.raises(DataError, match="without letters or digits"):
        normalize_columns(frame)


def test_builtin_dataset_has_snake_case_columns_and_a_binary_target() -> None:
    frame = load_dataset(
        DataConfig(source="sklearn:breast_cancer", target="target"),
    )
    assert frame.shape == (569, 31)
    assert {"mean_radius", "worst_concave_points", "target"} <= set(
        frame.columns,
    )
    assert all(column == to_snake_case(column) for column in frame.columns)
    assert set(frame["target"].unique()) == {0, 1}


def test_unknown_builtin_dataset_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="unknown built-in dataset 'nope'"):
        load_dataset(DataConfig(source="sklearn:nope", target="target"))


def test_csv_dataset_is_loaded_and_normalised(tmp_path: Path) -> None:
    path = tmp_path / "dataset.csv"
    frame = synthetic_frame(n_samples=50)
    frame.loc[0, "Target"] = None
    frame.to_csv(path, index=False)
    loaded = load_dataset(DataConfig(source=str(path), target="target"))
    assert "feature_0" in loaded.columns
    assert "segment" in loaded.columns
    assert len(loaded) == 49  # the row without a target is dropped


def test_missing_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="data file not found"):
        load_dataset(
            DataConfig(source=str(tmp_path / "missing.csv"), target="y"),
        )


@pytest.mark.parametrize("content", ["", "a,b\n"])
def test_empty_csv_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=r"cannot read|has no rows"):
        load_dataset(DataConfig(source=str(path), target="b"))


def test_read_csv_reports_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="data file not found"):
        read_csv(tmp_path / "nowhere.csv")


def test_missing_target_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "dataset.csv"
    synthetic_frame(n_samples=20).to_csv(path, index=False)
    with pytest.raises(DataError, match="target column 'label' not found"):
        load_dataset(DataConfig(source=str(path), target="label"))


def test_a_single_class_cannot_be_learned(tmp_path: Path) -> None:
    path = tmp_path / "dataset.csv"
    pd.DataFrame({"x": [1, 2, 3], "y": [1, 1, 1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="at least two classes"):
        load_dataset(DataConfig(source=str(path), target="y"))


def test_split_is_deterministic_and_stratified(config: Config) -> None:
    frame = load_dataset(config.data)
    train_a, test_a = split_dataset(frame, config.data)
    train_b, test_b = split_dataset(frame, config.data)
    pd.testing.assert_frame_equal(train_a, train_b)
    pd.testing.assert_frame_equal(test_a, test_b)
    assert len(train_a) + len(test_a) == len(frame)
    assert len(test_a) == pytest.approx(
        config.data.test_size * len(frame),
        abs=1,
    )
    target = config.data.target
    overall = frame[target].value_counts(normalize=True)
    held_out = test_a[target].value_counts(normalize=True)
    assert (overall - held_out).abs().max() < 0.02


def test_split_changes_with_the_seed(config: Config) -> None:
    frame = load_dataset(config.data)
    _, test_a = split_dataset(frame, config.data)
    _, test_b = split_dataset(frame, replace(config.data, random_state=7))
    assert not test_a.equals(test_b)


def test_too_small_data_cannot_be_split() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 1]})
    with pytest.raises(DataError, match="cannot split"):
        split_dataset(
            frame,
            DataConfig(source="unused.csv", target="y", test_size=0.2),
        )


def test_splits_round_trip_through_csv(tmp_path: Path) -> None:
    train = pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]})
    test = pd.DataFrame({"x": [3.0], "y": [1]})
    train_path, test_path = save_splits(train, test, tmp_path / "processed")
    assert train_path.is_file()
    assert test_path.is_file()
    pd.testing.assert_frame_equal(load_split(tmp_path / "processed"), test)
    pd.testing.assert_frame_equal(
        load_split(tmp_path / "processed", "train.csv"),
        train,
    )


def test_loading_a_split_before_training_explains_what_to_do(
    tmp_path: Path,
) -> None:
    with pytest.raises(DataError, match="make train"):
        load_split(tmp_path)


def test_split_features_target() -> None:
    frame = pd.DataFrame({"x": [1, 2], "y": [0, 1]})
    features, target = split_features_target(frame, "y")
    assert list(features.columns) == ["x"]
    assert target.tolist() == [0, 1]
    with pytest.raises(DataError, match="target column 'z'"):
        split_features_target(frame, "z")
