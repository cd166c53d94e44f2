"""Load the data (``sklearn:<name>`` or a CSV), check it, split it."""

from __future__ import annotations

import json
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
{%- if cookiecutter.feature_store == 'feast' %}
# The feature store's keys (feature_repo/definitions.py): never model inputs.
FEATURES_FILE = "features.parquet"
ENTITY_KEY, TIMESTAMP = "entity_id", "event_timestamp"
# Rows without an event time get FIRST_EVENT plus their row number in seconds.
FIRST_EVENT = pd.Timestamp("2025-01-01", tz="UTC")
{%- endif %}
# More distinct labels than 50 probably means a regression target.
FEW_CLASSES = pa.Check(
    lambda labels: 2 <= labels.nunique() <= 50,
    error="2 to 50 classes (set model.task for a regression)",
)

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
    """``frame`` with snake_case column names, unique and not empty."""
    names = [to_snake_case(column) for column in frame.columns]
    clashes = sorted({n for n in names if names.count(n) > 1 or not n})
    if clashes:
        msg = f"column names collide or are empty in snake_case: {clashes}"
        raise DataError(msg)
    return frame.set_axis(names, axis="columns")


def raw_schema(config: Config) -> pa.DataFrameSchema:
    """What the raw data must satisfy: target, listed columns, your checks."""
    regression = config.model.task == "regression"
    classes = pa.Column(checks=FEW_CLASSES)
    target = pa.Column(float, coerce=True) if regression else classes
    columns = {config.data.target: target}
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
    dtypes = features.dtypes.items()
    kinds = {str(n): float if is_numeric_dtype(t) else None for n, t in dtypes}
    columns = {n: pa.Column(kind, nullable=True) for n, kind in kinds.items()}
    return pa.DataFrameSchema(columns, coerce=True)


def validate(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    where: str,
) -> pd.DataFrame:
    """``frame`` checked and coerced by ``schema``; errors name the column."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        first, count = exc.failure_cases.iloc[0], len(exc.failure_cases)
        column, case = first["column"], first["failure_case"]
        if first["check"] == "column_in_dataframe":
            msg = f"column '{case}' is missing"
        else:
            msg = f"column '{column}' failed {first['check']} ({count} case(s)"
            msg += f", e.g. {case!r})"
        raise DataError(f"{where}: {msg}") from None


def load_dataset(config: Config) -> pd.DataFrame:
    """The configured dataset, snake_case columns, checked by its schema."""
    source = config.data.source
    name = source.removeprefix(BUILTIN_PREFIX)
    if source.startswith(BUILTIN_PREFIX) and name not in BUILTIN_DATASETS:
        bundled = ", ".join(BUILTIN_DATASETS)
        raise DataError(f"unknown dataset '{source}'; bundled: {bundled}")
    if source.startswith(BUILTIN_PREFIX):
        frame = BUILTIN_DATASETS[name](as_frame=True).frame
    elif Path(source).is_file():
        frame = read_csv(Path(source))
    else:
        msg = f"data file not found: {source} (put it there or change "
        raise DataError(msg + "data.source in configs/train.toml)")
    frame = validate(normalize_columns(frame), raw_schema(config), source)
    logger.info("loaded %d rows x %d columns from %s", *frame.shape, source)
    return frame


def split_dataset(frame: pd.DataFrame, config: Config) -> list[pd.DataFrame]:
    """Training and held-out frames (stratified for classification)."""
    data, target = config.data, frame[config.data.target]
    stratify = target if config.model.task == "classification" else None
    options = {"test_size": data.test_size, "random_state": data.random_state}
    try:
        parts = train_test_split(frame, stratify=stratify, **options)
    except ValueError as exc:
        msg = f"cannot split the data ({len(frame)} rows): {exc}"
        raise DataError(msg) from None
    return [part.reset_index(drop=True) for part in parts]


def features_target(
    frame: pd.DataFrame,
    config: Config,
) -> tuple[pd.DataFrame, pd.Series]:
    """The model's input columns and the target column."""
    dropped = [config.data.target, *config.features.drop]
{%- if cookiecutter.feature_store == 'feast' %}
    dropped += [ENTITY_KEY, TIMESTAMP]
{%- endif %}
    features = frame.drop(columns=dropped, errors="ignore")
    return features, frame[config.data.target]


{% if cookiecutter.feature_store == 'feast' -%}
def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the feature store's entity id and event time per row.

    Columns ``entity_id`` and ``event_timestamp`` in the data are kept; when
    missing, they are made deterministically: the row number, and FIRST_EVENT
    plus that many seconds. Ids must be unique integers.
    """
    frame = frame.copy()
    if ENTITY_KEY not in frame:
        frame[ENTITY_KEY] = range(len(frame))
    if TIMESTAMP not in frame:
        seconds = pd.to_timedelta(range(len(frame)), unit="s")
        frame[TIMESTAMP] = FIRST_EVENT + seconds
    try:
        frame[ENTITY_KEY] = frame[ENTITY_KEY].astype("int64")
        frame[TIMESTAMP] = pd.to_datetime(frame[TIMESTAMP], utc=True)
    except (ValueError, TypeError) as exc:
        msg = f"columns {ENTITY_KEY} (integers) and {TIMESTAMP} (times): {exc}"
        raise DataError(msg) from None
    if frame.duplicated([ENTITY_KEY, TIMESTAMP]).any():
        raise DataError(f"{ENTITY_KEY} repeats at the same {TIMESTAMP}")
    return frame


{% endif -%}
def read_csv(path: Path) -> pd.DataFrame:
    """A CSV or JSON Lines file; missing, unreadable or empty: a DataError."""
    log = path.suffix in {".jsonl", ".ndjson"}  # e.g. the API's input log
    if not path.is_file():
        hint = "serve requests with INPUT_LOG set" if log else "run make train"
        raise DataError(f"{path} not found ({hint} to write it)")
    try:
        frame = pd.read_json(path, lines=True) if log else pd.read_csv(path)
    except ValueError as exc:  # pandas' parser and decoding errors
        raise DataError(f"cannot read {path}: {exc}") from None
    if frame.empty:
        raise DataError(f"{path} has no rows")
    return frame


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Write ``content`` to ``path`` as indented JSON, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(content, indent=2, default=str) + "\n"
    path.write_text(text, encoding="utf-8")
