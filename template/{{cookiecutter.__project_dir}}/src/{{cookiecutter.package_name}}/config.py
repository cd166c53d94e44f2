"""The pipeline configuration: ``configs/train.toml``, validated by pydantic.

An environment variable ``<PACKAGE>_<SECTION>__<KEY>`` overrides a value of
the file, e.g. ``<PACKAGE>_QUALITY_GATE__THRESHOLD=0.9`` in a CI job, where
``<PACKAGE>`` is the package name in upper case. Relative paths resolve
against the project root (the folder with ``pyproject.toml``), so commands
behave the same from any folder. Column names are snake_case, as in the data.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .data import BUILTIN_PREFIX, to_snake_case
from .errors import ConfigError
from .models import METRICS, build_estimator

DEFAULT_CONFIG = Path("configs") / "train.toml"
Column = Annotated[str, Field(min_length=1), AfterValidator(to_snake_case)]


class Section(BaseModel):
    """A table of the file: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        lists = (self.drop, self.categorical, self.numeric)
        seen = [name for names in lists for name in names]
        twice = sorted({name for name in seen if seen.count(name) > 1})
        if twice:
            msg = f"column(s) listed twice: {', '.join(twice)}"
            raise ValueError(msg)
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
            msg = "cv_folds must be 0 (off) or at least 2"
            raise ValueError(msg)
        build_estimator(self.task, self.estimator, self.params)
        return self


class GateConfig(Section):
    """The held-out score a model needs (higher is better)."""

    metric: str
    threshold: float


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
    paths: PathsConfig = PathsConfig()

    @model_validator(mode="after")
    def _metric_fits_task(self) -> Config:
        allowed = METRICS[self.model.task]
        if self.quality_gate.metric not in allowed:
            msg = f"quality_gate.metric '{self.quality_gate.metric}' does not "
            msg += f"fit a {self.model.task} task; use one of: "
            raise ValueError(msg + ", ".join(allowed))
        return self

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
        text = self.model_dump_json().encode("utf-8")
        return hashlib.sha256(text).hexdigest()


def find_config(start: Path | None = None) -> Path:
    """``configs/train.toml`` in ``start`` (default: cwd) or a parent folder.

    Raises:
        ConfigError: When no folder up to the root has one.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG
    msg = f"no {DEFAULT_CONFIG.as_posix()} in {here} or its parent folders"
    raise ConfigError(msg)


def load_config(path: str | Path | None = None) -> Config:
    """Read, validate and resolve a configuration file.

    Raises:
        ConfigError: One line naming the file, the key and the problem.
    """
    file = find_config() if path is None else Path(path)
    if not file.is_file():
        msg = f"config file not found: {file}"
        raise ConfigError(msg)
    try:
        config = Config(**TomlConfigSettingsSource(Config, toml_file=file)())
    except tomllib.TOMLDecodeError as exc:
        msg = f"{file} is not valid TOML: {exc}"
        raise ConfigError(msg) from None
    except ValidationError as exc:
        raise ConfigError(f"{file}: {describe(exc)}") from None
    folders = file.resolve().parents
    root = next(
        (p for p in folders if (p / "pyproject.toml").is_file()),
        folders[0],
    )
    source = config.data.source
    if not source.startswith(BUILTIN_PREFIX):
        source = str(root / source)
    paths = {name: root / value for name, value in config.paths}
    return config.model_copy(
        update={
            "data": config.data.model_copy(update={"source": source}),
            "paths": PathsConfig(**paths),
        },
    )


def describe(error: ValidationError) -> str:
    """The first problem of a validation error as ``key: message``."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "the file"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"{key} is required"
    return f"{key}: {message}"
