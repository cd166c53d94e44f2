"""Load the dataset, clean its column names and split it reproducibly.

The source is either a dataset bundled with scikit-learn (``sklearn:<name>``,
available offline) or a CSV file; everything after loading is the same code.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from .errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sklearn.utils import Bunch

    from .config import DataConfig

logger = logging.getLogger(__name__)

#: Datasets shipped with scikit-learn, usable as ``source = "sklearn:<name>"``.
BUILTIN_DATASETS: dict[str, Callable[..., Bunch]] = {
    "breast_cancer": load_breast_cancer,
}

TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def to_snake_case(name: object) -> str:
    """Turn a column name into snake_case (``mean radius`` -> ``mean_radius``).

    CamelCase is split (``"CustomerID"`` -> ``"customer_id"``), every run of
    other characters becomes one underscore, and the result is lower case.
    """
    words = _CAMEL.sub("_", str(name).strip())
    return _NON_WORD.sub("_", words).strip("_").lower()


def normalize_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with snake_case column names.

    Raises:
        DataError: When two columns get the same name, or one gets none.
    """
    names = [to_snake_case(column) for column in frame.columns]
    if "" in names:
        pairs = zip(frame.columns, names, strict=True)
        bad = [str(column) for column, name in pairs if not name]
        msg = f"column name(s) without letters or digits: {bad}"
        raise DataError(msg)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        msg = f"columns collide once in snake_case: {', '.join(duplicates)}"
        raise DataError(msg)
    return frame.set_axis(names, axis="columns")


def load_dataset(config: DataConfig) -> pd.DataFrame:
    """Load the configured dataset with snake_case columns and a valid target.

    Rows without a target value are dropped (and counted in the log).

    Raises:
        DataError: When the source is missing or unusable, or the target column
            is absent or has fewer than two classes.
    """
    frame = normalize_columns(_read_source(config.source))
    if config.target not in frame.columns:
        msg = (
            f"target column '{config.target}' not found in {config.source}; "
            f"columns are: {', '.join(map(str, frame.columns))}"
        )
        raise DataError(msg)
    missing = int(frame[config.target].isna().sum())
    if missing:
        logger.warning(
            "dropping %d row(s) without a '%s' value",
            missing,
            config.target,
        )
        frame = frame.dropna(subset=[config.target]).reset_index(drop=True)
    n_classes = frame[config.target].nunique()
    if n_classes < 2:
        msg = f"target column '{config.target}' needs at least two classes, "
        msg += f"found {n_classes}"
        raise DataError(msg)
    logger.info(
        "loaded %d rows x %d columns from %s",
        len(frame),
        frame.shape[1],
        config.source,
    )
    return frame


def split_dataset(
    frame: pd.DataFrame,
    config: DataConfig,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into a training and a held-out frame, stratified on the target.

    The same configuration always gives the same split.

    Raises:
        DataError: When the data is too small to split this way.
    """
    try:
        train, test = train_test_split(
            frame,
            test_size=config.test_size,
            random_state=config.random_state,
            stratify=frame[config.target],
        )
    except ValueError as exc:
        msg = f"cannot split the data ({len(frame)} rows): {exc}"
        raise DataError(msg) from None
    return train.reset_index(drop=True), test.reset_index(drop=True)


def split_features_target(
    frame: pd.DataFrame,
    target: str,
) -> tuple[pd.DataFrame, pd.Series]:
    """Separate the feature columns from the target column.

    Raises:
        DataError: When the target column is missing.
    """
    if target not in frame.columns:
        msg = f"target column '{target}' not found in the data"
        raise DataError(msg)
    return frame.drop(columns=[target]), frame[target]


def save_splits(
    train: pd.DataFrame,
    test: pd.DataFrame,
    directory: Path,
) -> tuple[Path, Path]:
    """Write the splits as CSV files to ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    train_path, test_path = directory / TRAIN_FILE, directory / TEST_FILE
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    return train_path, test_path


def load_split(directory: Path, name: str = TEST_FILE) -> pd.DataFrame:
    """Read a split written by :func:`save_splits`.

    Raises:
        DataError: When the file does not exist yet.
    """
    path = directory / name
    if not path.is_file():
        msg = f"{path} not found: run the training step first (make train)"
        raise DataError(msg)
    return read_csv(path)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file, turning the usual failures into one-line errors.

    Raises:
        DataError: When the file is missing, empty or not parseable.
    """
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        msg = f"data file not found: {path}"
        raise DataError(msg) from None
    except (
        pd.errors.EmptyDataError,
        pd.errors.ParserError,
        UnicodeDecodeError,
    ) as exc:
        msg = f"cannot read {path} as CSV: {exc}"
        raise DataError(msg) from None


def _read_source(source: str) -> pd.DataFrame:
    if source.startswith("sklearn:"):
        name = source.removeprefix("sklearn:")
        if name not in BUILTIN_DATASETS:
            known = ", ".join(f"sklearn:{n}" for n in BUILTIN_DATASETS)
            msg = f"unknown built-in dataset '{name}'; available: {known}"
            raise DataError(msg)
        return BUILTIN_DATASETS[name](as_frame=True).frame
    path = Path(source)
    if not path.is_file():
        msg = f"data file not found: {path} (put the file there or "
        msg += "change data.source in configs/train.toml)"
        raise DataError(msg)
    frame = read_csv(path)
    if frame.empty:
        msg = f"{path} has no rows"
        raise DataError(msg)
    return frame
