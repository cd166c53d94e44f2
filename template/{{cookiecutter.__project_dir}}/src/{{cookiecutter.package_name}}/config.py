"""The pipeline configuration: ``configs/train.toml``, validated by pydantic.

An environment variable ``<PACKAGE>_<SECTION>__<KEY>`` overrides a value.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic.functional_validators import AfterValidator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sklearn.metrics import get_scorer_names

from .data import BUILTIN_PREFIX, to_snake_case
from .errors import ConfigError
from .models import build_estimator

DEFAULT_CONFIG = Path("configs") / "train.toml"
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
PROJECT = "{{ cookiecutter.project_slug }}"
{%- endif %}
Column = Annotated[str, Field(min_length=1), AfterValidator(to_snake_case)]


class Section(BaseModel, extra="forbid", frozen=True):
    """A table of the file: unknown keys are errors, values are read-only."""


class DataConfig(Section):
    """Where the data comes from and how it is split."""

    source: str = Field(min_length=1)
    target: Column
    test_size: float = Field(0.2, gt=0, lt=1)
    random_state: int = 42


class FeaturesConfig(Section):
    """Columns to ignore, and the type of the others (empty: from the data)."""

    drop: list[Column] = []
    categorical: list[Column] = []
    numeric: list[Column] = []

    @model_validator(mode="after")
    def _disjoint(self) -> FeaturesConfig:
        seen = [*self.drop, *self.categorical, *self.numeric]
        twice = sorted({name for name in seen if seen.count(name) > 1})
        if twice:
            raise ValueError(f"column(s) listed twice: {', '.join(twice)}")
        return self


class ModelConfig(Section):
    """The task, the estimator and its hyper-parameters."""

    task: Literal["classification", "regression"] = "classification"
    estimator: str
    params: dict[str, Any] = {}
    cv_folds: int = Field(5, ge=0, description="0 turns cross-validation off")

    @model_validator(mode="after")
    def _buildable(self) -> ModelConfig:
        if self.cv_folds == 1:
            raise ValueError("cv_folds must be 0 (off) or at least 2")
        build_estimator(self, None)
        return self


def _scorer(name: str) -> str:
    if name not in get_scorer_names():
        msg = f"'{name}' is not a scikit-learn scorer name"
        raise ValueError(f"{msg} (sklearn.metrics.get_scorer_names())")
    return name


class GateConfig(Section):
    """The held-out score a model needs (higher is better)."""

    metric: Annotated[str, AfterValidator(_scorer)]
    threshold: float


class PromotionConfig(Section):
    """When a retrained model (challenger) replaces the champion."""

    min_improvement: float = Field(0.0, ge=0)  # on the gate's metric
    bootstrap: int = Field(1000, ge=0, description="resamples; 0 = off")
    confidence: float = Field(0.95, gt=0, lt=1)
{%- if cookiecutter.experiment_tracking == 'mlflow' %}


class TrackingConfig(Section):
    """MLflow: the experiment, registered model and tracking store."""

    experiment: str = Field(PROJECT, min_length=1)
    registered_model: str = Field(str(__package__), min_length=1)
    # MLFLOW_TRACKING_URI wins; a relative SQLite path is the project's.
    uri: str = Field("sqlite:///mlruns/mlflow.db", min_length=1)
{%- endif %}


{%- if cookiecutter.training_compute == 'cloud' %}


class TrainingConfig(Section):
    """The job of `train --on cloud` (docs/training.md)."""
{% if cookiecutter.cloud == 'azure' %}
    # The cluster (AZUREML_COMPUTE) fixes the VM size and its priority,
    # dedicated or low-priority: set them in the infrastructure, not here.
{%- else %}
    instance_type: str = Field("{{ {'aws': 'ml.m5.large', 'gcp': 'n1-standard-4'}[cookiecutter.cloud] }}", min_length=1)
{%- endif %}
    instance_count: int = Field(1, ge=1, le=100)
{%- if cookiecutter.cloud != 'azure' %}
    spot: bool = False  # spare capacity, cheaper; may be preempted
{%- endif %}
    timeout_minutes: int = Field(60, ge=1, le=10080)  # at most 7 days
{%- endif %}


class PathsConfig(Section):
    """Where the pipeline writes its outputs."""

    processed_dir: Path = Path("data/processed")
    model: Path = Path("models/model.joblib")
    metadata: Path = Path("models/model.json")
    metrics: Path = Path("reports/metrics.json")


class Config(BaseSettings):
    """The whole configuration; environment variables win over the file."""

    model_config = SettingsConfigDict(
        env_prefix=f"{__package__}_".upper(),
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data: DataConfig
    features: FeaturesConfig = FeaturesConfig()
    model: ModelConfig
    quality_gate: GateConfig
    promotion: PromotionConfig = PromotionConfig()
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    tracking: TrackingConfig = TrackingConfig()
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}
    training: TrainingConfig = TrainingConfig()
{%- endif %}
    paths: PathsConfig = PathsConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables first, then the file's values (init)."""
        return env_settings, init_settings

    @property
    def digest(self) -> str:
        """SHA-256 of the settings, recorded with each model it trains."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def find_config(start: Path | None = None) -> Path:
    """``configs/train.toml`` in ``start`` (default: cwd) or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG
    msg = f"no {DEFAULT_CONFIG.as_posix()} in {here} or its parent folders"
    raise ConfigError(msg)


def load_config(path: str | Path | None = None) -> Config:
    """The configuration; a ConfigError names the file, key and problem."""
    file = find_config() if path is None else Path(path)
    if not file.is_file():
        raise ConfigError(f"config file not found: {file}")
    try:
        config = Config(**TomlConfigSettingsSource(Config, toml_file=file)())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "the file"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{file}: {key}: {message}") from None
    folders = file.resolve().parents
    is_root = (p for p in folders if (p / "pyproject.toml").is_file())
    root = next(is_root, folders[0])
    data = config.data
    if not data.source.startswith(BUILTIN_PREFIX):
        data = data.model_copy(update={"source": str(root / data.source)})
    paths = PathsConfig(**{k: root / v for k, v in config.paths})
    update = {"data": data, "paths": paths}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
    scheme, _, db = config.tracking.uri.partition(":///")
    if scheme == "sqlite" and not Path(db).is_absolute():
        uri = f"sqlite:///{(root / db).as_posix()}"
        update["tracking"] = config.tracking.model_copy(update={"uri": uri})
{%- endif %}
    return config.model_copy(update=update)
