"""Features: one pipeline, saved with the model; ``engineer`` is yours."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    StandardScaler,
)

from .config import FeaturesConfig


def engineer(frame: pd.DataFrame) -> pd.DataFrame:
    """Derive new columns from the raw ones (none yet).

    Example:
        >>> frame = pd.DataFrame({"price": [4.0], "quantity": [2.0]})
        >>> engineer(frame).columns.tolist()
        ['price', 'quantity']
    """
    # e.g. frame = frame.assign(unit_price=frame.price / frame.quantity)
    return frame


def build_features(config: FeaturesConfig, frame: pd.DataFrame) -> Pipeline:
    """Engineer, then impute and scale numbers, impute and one-hot the rest.

    Column types come from ``[features]`` or, when not listed, from the
    dtypes of ``frame`` (the training features).
    """
    engineered = engineer(frame)
    listed = set(config.categorical)
    numbers = [str(c) for c in engineered.select_dtypes("number")]
    numeric = config.numeric or [c for c in numbers if c not in listed]
    others = [str(c) for c in engineered.columns if c not in numeric]
    categorical = config.categorical or others
    scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    # dense output: every estimator of models.py accepts it
    encode = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    impute = SimpleImputer(strategy="most_frequent")
    encode_step = ("categorical", make_pipeline(impute, encode), categorical)
    steps = [("numeric", scale, numeric), encode_step]
    preprocess = ColumnTransformer(steps, verbose_feature_names_out=False)
    engineering = ("engineer", FunctionTransformer(engineer))
    return Pipeline([engineering, ("preprocess", preprocess)])
