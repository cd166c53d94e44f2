"""Load the data, check it against its schema and split it reproducibly.

The source is a dataset bundled with scikit-learn (``sklearn:<name>``,
available offline) or a CSV file. Checks are pandera schemas: a failure names
the column and the rule in one line, before anything is written.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.pandas as pa
from pandas.api.types import is_numeric_dtype
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

from .errors import DataError

if TYPE_CHECKING:
    from .config import Config

logger = logging.getLogger(__name__)

BUILTIN_PREFIX = "sklearn:"
BUILTIN_DATASETS = {
    "breast_cancer": load_breast_cancer,  # classification, 569 rows
    "diabetes": load_diabetes,  # regression, 442 rows
}
TRAIN_FILE, TEST_FILE = "train.csv", "test.csv"
MAX_CLASSES = 50  # more distinct labels than this: probably a regression

#: Your own rules for raw columns, added to the schema checked before
#: training, e.g. ``{"age": [pa.Check.in_range(0, 120)]}``.
EXTRA_CHECKS: dict[str, list[pa.Check]] = {}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def to_snake_case(name: object) -> str:
    """Column name in snake_case.

    Example:
        >>> to_snake_case("Mean Radius"), to_snake_case("CustomerID")
        ('mean_radius', 'customer_id')
    """
    words = _CAMEL.sub("_", str(name).strip())
    return _NON_WORD.sub("_", words).strip("_").lower()


def normalize_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with snake_case column names.

    Raises:
        DataError: When two columns get the same name, or one gets none.
    """
    names = [to_snake_case(column) for column in frame.columns]
    clashes = sorted({n for n in names if names.count(n) > 1 or not n})
    if clashes:
        msg = f"column names collide or are empty in snake_case: {clashes}"
        raise DataError(msg)
    return frame.set_axis(names, axis="columns")


def raw_schema(config: Config) -> pa.DataFrameSchema:
    """What the raw data must satisfy: target, listed columns, your checks."""
    regression = config.model.task == "regression"
    target_checks = [] if regression else [_few_classes()]
    columns = {
        config.data.target: pa.Column(
            float if regression else None,
            checks=target_checks,
            coerce=regression,
        ),
    }
    for name in config.features.numeric:
        columns[name] = pa.Column(float, nullable=True, coerce=True)
    for name in config.features.categorical:
        columns[name] = pa.Column(nullable=True)
    for name, checks in EXTRA_CHECKS.items():
        kept = columns.get(name, pa.Column(nullable=True))
        columns[name] = kept.set_checks([*kept.checks, *checks])
    return pa.DataFrameSchema(columns)


def input_schema(features: pd.DataFrame) -> pa.DataFrameSchema:
    """The schema of the model's inputs, inferred from the training features.

    Types only: new data may go beyond the training ranges, and missing
    values are imputed by the pipeline.
    """
    return pa.DataFrameSchema(
        {
            str(name): pa.Column(
                float if is_numeric_dtype(dtype) else None,
                nullable=True,
                coerce=True,
            )
            for name, dtype in features.dtypes.items()
        },
    )


def validate(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    where: str,
) -> pd.DataFrame:
    """``frame`` checked (and coerced) by ``schema``.

    Raises:
        DataError: One line naming the column, the rule and a failing value.
    """
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        first = exc.failure_cases.iloc[0]
        if first["check"] == "column_in_dataframe":
            msg = f"{where}: column '{first['failure_case']}' is missing"
        else:
            count = len(exc.failure_cases)
            msg = f"{where}: column '{first['column']}' failed "
            msg += f"{first['check']} ({count} case(s), e.g. "
            msg += f"{first['failure_case']!r})"
        raise DataError(msg) from None


def load_dataset(config: Config) -> pd.DataFrame:
    """The configured dataset with snake_case columns, checked by its schema.

    Raises:
        DataError: When the source is missing or fails the raw schema.
    """
    source = config.data.source
    if source.startswith(BUILTIN_PREFIX):
        name = source.removeprefix(BUILTIN_PREFIX)
        if name not in BUILTIN_DATASETS:
            msg = f"unknown dataset '{source}'; bundled: "
            raise DataError(msg + ", ".join(BUILTIN_DATASETS))
        frame = BUILTIN_DATASETS[name](as_frame=True).frame
    else:
        path = Path(source)
        if not path.is_file():
            msg = f"data file not found: {path} (put it there or change "
            raise DataError(msg + "data.source in configs/train.toml)")
        frame = read_csv(path)
    frame = validate(normalize_columns(frame), raw_schema(config), source)
    logger.info("loaded %d rows x %d columns from %s", *frame.shape, source)
    return frame


def split_dataset(
    frame: pd.DataFrame,
    config: Config,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and held-out frames (stratified for classification).

    Raises:
        DataError: When the data is too small to split this way.
    """
    target = frame[config.data.target]
    stratify = target if config.model.task == "classification" else None
    try:
        train, test = train_test_split(
            frame,
            test_size=config.data.test_size,
            random_state=config.data.random_state,
            stratify=stratify,
        )
    except ValueError as exc:
        msg = f"cannot split the data ({len(frame)} rows): {exc}"
        raise DataError(msg) from None
    return train.reset_index(drop=True), test.reset_index(drop=True)


def features_target(
    frame: pd.DataFrame,
    config: Config,
) -> tuple[pd.DataFrame, pd.Series]:
    """The model's input columns and the target column."""
    dropped = [config.data.target, *config.features.drop]
    features = frame.drop(columns=dropped, errors="ignore")
    return features, frame[config.data.target]


def save_splits(train: pd.DataFrame, test: pd.DataFrame, folder: Path) -> None:
    """Write the splits as CSV files to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / TRAIN_FILE, index=False)
    test.to_csv(folder / TEST_FILE, index=False)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file; the usual failures become one-line errors.

    Raises:
        DataError: When the file is missing, empty or not parseable.
    """
    if not path.is_file():
        msg = f"{path} not found (run make train to write the splits)"
        raise DataError(msg)
    try:
        frame = pd.read_csv(path)
    except ValueError as exc:  # pandas' parser and decoding errors
        msg = f"cannot read {path} as CSV: {exc}"
        raise DataError(msg) from None
    if frame.empty:
        msg = f"{path} has no rows"
        raise DataError(msg)
    return frame


def _few_classes() -> pa.Check:
    """A classification target: 2 to ``MAX_CLASSES`` labels."""

    def fits(labels: pd.Series) -> Any:
        return 2 <= labels.nunique() <= MAX_CLASSES

    error = f"2 to {MAX_CLASSES} classes (set model.task for a regression)"
    return pa.Check(fits, error=error)
