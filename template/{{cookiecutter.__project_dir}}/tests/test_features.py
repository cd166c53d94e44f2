from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from {{ cookiecutter.package_name }}.config import (
    Config,
)
from {{ cookiecutter.package_name }}.data import (
    load_dataset,
    normalize_columns,
    split_features_target,
)
from {{ cookiecutter.package_name }}.errors import (
    DataError,
)
from {{ cookiecutter.package_name }}.features import (
    RatioFeatures,
    build_feature_pipeline,
    build_preprocessor,
)

from tests.conftest import synthetic_frame


def test_ratio_features_are_appended() -> None:
    frame = pd.DataFrame(
        {"area": [4.0, 9.0, 1.0], "perimeter": [8.0, 12.0, 0.0]},
    )
    transformer = RatioFeatures({"area_per_perimeter": ("area", "perimeter")})
    result = transformer.fit_transform(frame)
    assert result["area_per_perimeter"].iloc[:2].tolist() == [0.5, 0.75]
    assert np.isnan(
        result["area_per_perimeter"].iloc[2],
    )  # 0 denominator -> missing
    assert list(transformer.get_feature_names_out()) == [
        "area",
        "perimeter",
        "area_per_perimeter",
    ]
    assert list(frame.columns) == ["area", "perimeter"]  # input left alone


def test_ratio_features_without_ratios_is_a_no_op() -> None:
    frame = pd.DataFrame({"a": [1.0]})
    pd.testing.assert_frame_equal(RatioFeatures().fit_transform(frame), frame)


def test_ratio_features_survive_cloning() -> None:
    transformer = RatioFeatures({"r": ("a", "b")})
    assert clone(transformer).get_params() == transformer.get_params()


def test_ratio_features_report_missing_columns() -> None:
    transformer = RatioFeatures({"r": ("a", "missing")})
    with pytest.raises(DataError, match="need missing columns: missing"):
        transformer.fit(pd.DataFrame({"a": [1.0]}))


def test_ratio_features_do_not_overwrite_columns() -> None:
    transformer = RatioFeatures({"a": ("a", "b")})
    with pytest.raises(DataError, match="would overwrite: a"):
        transformer.fit(pd.DataFrame({"a": [1.0], "b": [2.0]}))


def test_ratio_features_need_named_columns() -> None:
    with pytest.raises(DataError, match="pandas DataFrame"):
        RatioFeatures({"r": ("a", "b")}).fit(np.ones((2, 2)))


def test_preprocessor_handles_numbers_categories_and_gaps() -> None:
    frame = normalize_columns(synthetic_frame(n_samples=60)).drop(
        columns="target",
    )
    preprocessor = build_preprocessor()
    matrix = preprocessor.fit_transform(frame)
    # 8 numeric columns + one-hot columns for the 3 segments, no missing values
    assert matrix.shape == (60, 11)
    assert not np.isnan(matrix).any()
    unseen = frame.head(2).assign(segment="unseen")
    assert preprocessor.transform(unseen).shape == (2, 11)


def test_feature_pipeline_on_the_project_data(config: Config) -> None:
    frame = load_dataset(config.data)
    features, _ = split_features_target(frame, config.data.target)
    pipeline = build_feature_pipeline(config.features.ratios)
    matrix = pipeline.fit_transform(features)
    assert matrix.shape[0] == len(features)
    assert matrix.shape[1] >= features.shape[1] + len(config.features.ratios)
    assert np.isfinite(matrix).all()
