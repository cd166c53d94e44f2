"""Shared fixtures.

Tests never touch the network and never write into the project: each one gets a
copy of ``configs/train.toml`` in a temporary folder, so every relative path in
it (data, models, reports) resolves inside that folder.

{% if cookiecutter.include_example -%}
The example configuration trains on scikit-learn's bundled breast-cancer data.
{%- else -%}
The configuration expects a CSV file under ``data/raw/``; the tests write a
synthetic dataset there (``make_classification``), so they run before you have
real data. Swap in a small anonymised sample of your data when you have one.
{%- endif %}
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from {{ cookiecutter.package_name }}.config import (
    Config,
    load_config,
)
from {{ cookiecutter.package_name }}.train import (
    TrainResult,
    train,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_CONFIG = PROJECT_ROOT / "configs" / "train.toml"


def synthetic_frame(n_samples: int = 400, seed: int = 0) -> pd.DataFrame:
    """A binary classification dataset shaped like real exports.

    Column names are not snake_case, one column is categorical and a few values
    are missing, so loading, renaming and preprocessing are all exercised.
    """
    features, target = make_classification(
        n_samples=n_samples,
        n_features=8,
        n_informative=5,
        n_redundant=1,
        random_state=seed,
    )
    frame = pd.DataFrame(features, columns=[f"Feature {i}" for i in range(8)])
    rng = np.random.default_rng(seed)
    frame["Segment"] = rng.choice(["north", "south", "east"], size=n_samples)
    frame.loc[rng.random(n_samples) < 0.05, "Feature 0"] = np.nan
    frame["Target"] = target
    return frame


def write_project(folder: Path, config_text: str | None = None) -> Path:
    """Create a minimal project in ``folder``; return its config file."""
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "scratch"\n',
        "utf-8",
    )
    config_path = folder / "configs" / "train.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    if config_text is None:
        shutil.copyfile(PROJECT_CONFIG, config_path)
    else:
        config_path.write_text(config_text, encoding="utf-8")
{%- if not cookiecutter.include_example %}
    raw = folder / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    synthetic_frame().to_csv(raw / "dataset.csv", index=False)
{%- endif %}
    return config_path


def set_threshold(config_path: Path, threshold: float) -> None:
    """Change the quality gate threshold in a configuration file."""
    text = config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^threshold = .*$", f"threshold = {threshold}", text)
    config_path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class TrainedProject:
    """A project folder with a trained model, shared by read-only tests."""

    config_path: Path
    config: Config
    result: TrainResult


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The project's configuration, copied into an empty temporary project."""
    return write_project(tmp_path)


@pytest.fixture
def config(config_path: Path) -> Config:
    """The project's configuration with all paths inside ``tmp_path``."""
    return load_config(config_path)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainedProject:
    """Train once per test session; tests must not modify its files."""
    config_path = write_project(tmp_path_factory.mktemp("trained"))
    config = load_config(config_path)
    return TrainedProject(config_path, config, train(config))


@pytest.fixture
def held_out(trained: TrainedProject) -> pd.DataFrame:
    """The held-out split written by the session's training run."""
    return pd.read_csv(trained.config.paths.processed_dir / "test.csv")
