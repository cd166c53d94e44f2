"""Load and validate the pipeline configuration (``configs/train.toml``).

The configuration is plain TOML, read with the standard library. Every value is
checked here, so the rest of the pipeline can trust it: a typo in a key or a
wrong type stops the run with one clear message instead of a stack trace later.
Relative paths are resolved against the project root (the nearest folder above
the configuration file that holds ``pyproject.toml``), so commands behave the
same from any working directory.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import to_snake_case
from .errors import ConfigError
from .metrics import METRICS
from .models import ESTIMATORS, build_estimator

DEFAULT_CONFIG = Path("configs") / "train.toml"
BUILTIN_PREFIX = "sklearn:"

_SECTIONS = frozenset({"data", "features", "model", "quality_gate", "paths"})
_PAIR = 2


@dataclass(frozen=True)
class DataConfig:
    """Where the data comes from and how it is split.

    Attributes:
        source: ``sklearn:<name>`` for a dataset bundled with scikit-learn, or
            the absolute path of a CSV file.
        target: Name of the label column (snake_case).
        test_size: Fraction of rows held out for evaluation.
        random_state: Seed for the split and the estimators.
    """

    source: str
    target: str
    test_size: float = 0.2
    random_state: int = 42

    @property
    def is_builtin(self) -> bool:
        """Whether the source is a dataset bundled with scikit-learn."""
        return self.source.startswith(BUILTIN_PREFIX)


@dataclass(frozen=True)
class FeatureConfig:
    """Feature engineering settings.

    Attributes:
        ratios: Derived features, ``name -> (numerator, denominator)``.
    """

    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelConfig:
    """Which estimator to train and with which hyper-parameters.

    Attributes:
        estimator: A key of ``models.ESTIMATORS``.
        params: Hyper-parameters of that estimator.
        cv_folds: Folds for cross-validation on the training split (0 = off).
    """

    estimator: str
    params: dict[str, Any] = field(default_factory=dict)
    cv_folds: int = 5


@dataclass(frozen=True)
class QualityGate:
    """The minimum held-out score a model needs to be accepted.

    Attributes:
        metric: A name from ``metrics.METRICS``.
        threshold: Lowest acceptable value of that metric.
    """

    metric: str
    threshold: float


@dataclass(frozen=True)
class PathsConfig:
    """Where the pipeline writes its outputs (absolute paths)."""

    processed_dir: Path
    model: Path
    metadata: Path
    metrics: Path


@dataclass(frozen=True)
class Config:
    """The complete, validated configuration.

    Attributes:
        digest: SHA-256 of the configuration content, recorded with each model
            so that a model can be traced back to the settings it came from.
    """

    data: DataConfig
    features: FeatureConfig
    model: ModelConfig
    gate: QualityGate
    paths: PathsConfig
    digest: str


def find_config(start: Path | None = None) -> Path:
    """Find ``configs/train.toml`` in ``start`` (default: cwd) or a parent.

    Notebooks run from ``notebooks/`` and scripts from anywhere; this lets them
    all find the project's configuration.

    Raises:
        ConfigError: When no parent folder has the file.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_CONFIG
        if candidate.is_file():
            return candidate
    msg = f"no {DEFAULT_CONFIG.as_posix()} in {here} or its parent folders"
    raise ConfigError(msg)


def project_root(config_dir: Path) -> Path:
    """Return the closest folder at/above ``config_dir`` with pyproject.toml.

    Falls back to ``config_dir`` itself (e.g. for a configuration in a
    temporary folder): relative paths then resolve next to the configuration.
    """
    for folder in (config_dir, *config_dir.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return config_dir


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a configuration file.

    Args:
        path: The TOML file; by default ``configs/train.toml`` of the project
            around the current working directory.

    Raises:
        ConfigError: When the file is missing, is not TOML or is invalid.
    """
    config_path = find_config() if path is None else Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"config file not found: {config_path}"
        raise ConfigError(msg) from None
    except OSError as exc:
        msg = f"cannot read config file {config_path}: {exc.strerror}"
        raise ConfigError(msg) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{config_path} is not valid TOML: {exc}"
        raise ConfigError(msg) from None
    return parse_config(raw, root=project_root(config_path.resolve().parent))


def parse_config(raw: Mapping[str, Any], root: Path) -> Config:
    """Validate the content of a configuration file.

    Args:
        raw: The parsed TOML document.
        root: Folder that relative paths are resolved against.

    Raises:
        ConfigError: On the first problem found, naming the offending key.
    """
    _reject_unknown(raw, _SECTIONS, "the config")
    data = _parse_data(_table(raw, "data", required=True), root)
    features = _parse_features(_table(raw, "features"))
    model = _parse_model(_table(raw, "model", required=True))
    gate = _parse_gate(_table(raw, "quality_gate", required=True))
    paths = _parse_paths(_table(raw, "paths"), root)
    digest = hashlib.sha256(
        json.dumps(raw, sort_keys=True, default=str).encode("utf-8"),
    ).hexdigest()
    return Config(data, features, model, gate, paths, digest)


# ------------------------------------------------------------------ sections


def _parse_data(table: Mapping[str, Any], root: Path) -> DataConfig:
    _reject_unknown(
        table,
        {"source", "target", "test_size", "random_state"},
        "[data]",
    )
    source = _value(table, "source", str, "data", required=True)
    if not source.startswith(BUILTIN_PREFIX):
        source = str(_resolve(root, source))
    target = _column(
        _value(table, "target", str, "data", required=True),
        "data.target",
    )
    test_size = float(_value(table, "test_size", float, "data", default=0.2))
    if not 0.0 < test_size < 1.0:
        msg = f"data.test_size must be > 0 and < 1, got {test_size}"
        raise ConfigError(msg)
    random_state = _value(table, "random_state", int, "data", default=42)
    return DataConfig(source, target, test_size, random_state)


def _parse_features(table: Mapping[str, Any]) -> FeatureConfig:
    _reject_unknown(table, {"ratios"}, "[features]")
    ratios: dict[str, tuple[str, str]] = {}
    for name, pair in _table(table, "ratios", where="features").items():
        key = f"features.ratios.{name}"
        if not _is_pair_of_names(pair):
            msg = f"{key} must be [numerator, denominator] (two column names)"
            raise ConfigError(msg)
        ratios[_column(name, key)] = (
            _column(pair[0], key),
            _column(pair[1], key),
        )
    return FeatureConfig(ratios)


def _parse_model(table: Mapping[str, Any]) -> ModelConfig:
    _reject_unknown(table, {"estimator", "cv_folds", *ESTIMATORS}, "[model]")
    estimator = _value(table, "estimator", str, "model", required=True)
    if estimator not in ESTIMATORS:
        msg = f"model.estimator '{estimator}' is not supported; choose one "
        msg += f"of: {', '.join(ESTIMATORS)}"
        raise ConfigError(msg)
    cv_folds = _value(table, "cv_folds", int, "model", default=5)
    if cv_folds == 1 or cv_folds < 0:
        msg = f"model.cv_folds must be 0 (off) or at least 2, got {cv_folds}"
        raise ConfigError(msg)
    params = dict(_table(table, estimator, where="model"))
    # Fail now, not after loading the data, on unknown hyper-parameters.
    build_estimator(estimator, params)
    return ModelConfig(estimator, params, cv_folds)


def _parse_gate(table: Mapping[str, Any]) -> QualityGate:
    _reject_unknown(table, {"metric", "threshold"}, "[quality_gate]")
    metric = _value(table, "metric", str, "quality_gate", required=True)
    if metric not in METRICS:
        msg = f"quality_gate.metric '{metric}' is not supported; choose one "
        msg += f"of: {', '.join(METRICS)}"
        raise ConfigError(msg)
    threshold = float(
        _value(table, "threshold", float, "quality_gate", required=True),
    )
    if not 0.0 <= threshold <= 1.0:
        msg = f"quality_gate.threshold must be between 0 and 1: {threshold}"
        raise ConfigError(msg)
    return QualityGate(metric, threshold)


def _parse_paths(table: Mapping[str, Any], root: Path) -> PathsConfig:
    defaults = {
        "processed_dir": "data/processed",
        "model": "models/model.joblib",
        "metadata": "models/model.json",
        "metrics": "reports/metrics.json",
    }
    _reject_unknown(table, set(defaults), "[paths]")
    resolved = {}
    for key, default in defaults.items():
        value = _value(table, key, str, "paths", default=default)
        resolved[key] = _resolve(root, value)
    return PathsConfig(**resolved)


# ------------------------------------------------------------------- helpers

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number"}


def _table(
    raw: Mapping[str, Any],
    key: str,
    *,
    where: str = "",
    required: bool = False,
) -> Mapping[str, Any]:
    name = f"{where}.{key}" if where else key
    if key not in raw:
        if required:
            msg = f"the config has no [{name}] section"
            raise ConfigError(msg)
        return {}
    value = raw[key]
    if not isinstance(value, dict):
        msg = f"[{name}] must be a table, got {type(value).__name__}"
        raise ConfigError(msg)
    return value


def _value(
    table: Mapping[str, Any],
    key: str,
    kind: type,
    section: str,
    *,
    required: bool = False,
    default: Any = None,
) -> Any:
    if key not in table:
        if required:
            msg = f"{section}.{key} is required"
            raise ConfigError(msg)
        return default
    value = table[key]
    accepted = (int, float) if kind is float else (kind,)
    if isinstance(value, bool) or not isinstance(value, accepted):
        msg = f"{section}.{key} must be {_TYPE_NAMES[kind]}, got {value!r}"
        raise ConfigError(msg)
    if kind is str and not value.strip():
        msg = f"{section}.{key} must not be empty"
        raise ConfigError(msg)
    return value


def _is_pair_of_names(value: object) -> bool:
    if not isinstance(value, list) or len(value) != _PAIR:
        return False
    return all(isinstance(item, str) for item in value)


def _column(name: str, key: str) -> str:
    column = to_snake_case(name)
    if not column:
        msg = f"{key}: '{name}' is not a usable column name"
        raise ConfigError(msg)
    return column


def _reject_unknown(
    table: Mapping[str, Any],
    known: set[str] | frozenset[str],
    where: str,
) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        msg = f"unknown key(s) in {where}: {', '.join(unknown)} "
        msg += f"(expected: {', '.join(sorted(known))})"
        raise ConfigError(msg)


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path).resolve()
