"""Feature engineering and preprocessing, as scikit-learn transformers.

Everything that turns raw columns into model inputs lives in one pipeline that
is saved with the model, so prediction applies exactly the same steps.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from .errors import DataError


class RatioFeatures(TransformerMixin, BaseEstimator):
    """Add ``numerator / denominator`` columns to a DataFrame.

    A zero denominator gives a missing value (imputed later), not infinity.

    Args:
        ratios: ``new column -> (numerator column, denominator column)``.

    Example:
        >>> frame = pd.DataFrame({"area": [4.0, 9.0], "length": [8.0, 12.0]})
        >>> ratios = {"area_per_length": ("area", "length")}
        >>> out = RatioFeatures(ratios).fit_transform(frame)
        >>> out["area_per_length"].tolist()
        [0.5, 0.75]
    """

    def __init__(
        self,
        ratios: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """Store the parameters (scikit-learn estimators do no work here)."""
        self.ratios = ratios

    def fit(self, frame: pd.DataFrame, y: object = None) -> RatioFeatures:
        """Check that every column the ratios need is present.

        Raises:
            DataError: When ``frame`` is not a DataFrame or lacks a column,
                or a new column would overwrite an existing one.
        """
        if not isinstance(frame, pd.DataFrame):
            msg = "RatioFeatures needs a pandas DataFrame with named columns"
            raise DataError(msg)
        ratios = dict(self.ratios or {})
        needed = {column for pair in ratios.values() for column in pair}
        missing = sorted(needed - set(frame.columns))
        if missing:
            msg = f"ratio features need missing columns: {', '.join(missing)}"
            raise DataError(msg)
        clashes = sorted(set(ratios) & set(frame.columns))
        if clashes:
            msg = f"ratio features would overwrite: {', '.join(clashes)}"
            raise DataError(msg)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``frame`` with the ratio columns appended."""
        check_is_fitted(self, "feature_names_in_")
        out = frame.copy()
        for name, (numerator, denominator) in (self.ratios or {}).items():
            top = pd.to_numeric(out[numerator], errors="coerce")
            bottom = pd.to_numeric(out[denominator], errors="coerce")
            out[name] = top / bottom.replace(0, np.nan)
        return out

    def get_feature_names_out(
        self,
        input_features: object = None,
    ) -> np.ndarray:
        """Names of the output columns: the inputs, then the ratios."""
        check_is_fitted(self, "feature_names_in_")
        return np.asarray(
            [*self.feature_names_in_, *(self.ratios or {})],
            dtype=object,
        )


def build_preprocessor() -> ColumnTransformer:
    """Impute and scale numeric columns; impute and one-hot encode the others.

    Columns are chosen by dtype when the pipeline is fitted, so the same code
    works for any tabular dataset.
    """
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            (
                "encode",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            ),
        ]
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            (
                "categorical",
                categorical,
                make_column_selector(dtype_exclude="number"),
            ),
        ],
        verbose_feature_names_out=False,
    )


def build_feature_pipeline(ratios: Mapping[str, tuple[str, str]]) -> Pipeline:
    """Derived features, then preprocessing: raw columns in, matrix out."""
    return Pipeline(
        [
            ("ratios", RatioFeatures(dict(ratios))),
            ("preprocess", build_preprocessor()),
        ]
    )
