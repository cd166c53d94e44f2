"""Shared fixtures.

Tests never touch the network and never write into the project: each one gets
a copy of ``configs/train.toml`` in a temporary folder, so every relative path
in it (data, models, reports) resolves inside that folder.
{%- if not cookiecutter.include_example %}

The configuration expects a CSV file under ``data/raw/``; the tests write a
synthetic dataset there (``make_classification``), so they run before you have
real data. Swap in a small anonymised sample of your data when you have one.
{%- endif %}
"""

from __future__ import annotations

import re
{%- if cookiecutter.feature_store == 'feast' %}
import shutil
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
from collections.abc import Iterator
{%- endif %}
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from {{ cookiecutter.package_name }}.config import Config, load_config
from {{ cookiecutter.package_name }}.train import train

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "train.toml"


def synthetic_frame(n_samples: int = 300, seed: int = 0) -> pd.DataFrame:
    """A binary classification dataset shaped like real exports.

    Column names are not snake_case, there is an ID and a categorical column
    and a few values are missing.
    """
    features, target = make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        random_state=seed,
    )
    frame = pd.DataFrame(features, columns=[f"Feature {i}" for i in range(6)])
    rng = np.random.default_rng(seed)
    frame.insert(0, "CustomerID", np.arange(n_samples))
    frame["Segment"] = rng.choice(["north", "south", "east"], size=n_samples)
    frame.loc[rng.random(n_samples) < 0.05, "Feature 0"] = np.nan
    frame["Target"] = target
    return frame


def write_project(
    folder: Path,
    edit: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Path:
    """A minimal project in ``folder``; return its config file.

    ``edit`` maps ``key = value`` lines of the config (by key) to new values;
    ``params`` replaces the ``[model.params]`` table.
    """
    (folder / "pyproject.toml").write_text("[project]\n", "utf-8")
    config_path = folder / "configs" / "train.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    text = PROJECT_CONFIG.read_text(encoding="utf-8")
    for key, value in (edit or {}).items():
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert found, f"configs/train.toml has no '{key} = ' line to edit"
    if params is not None:
        table = "".join(f"{key} = {value}\n" for key, value in params.items())
        header = r"(?ms)^\[model\.params\][^\n]*\n.*?(?=^\[|\Z)"
        text = re.sub(header, f"[model.params]\n{table}\n", text)
    config_path.write_text(text, encoding="utf-8")
    raw = folder / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    synthetic_frame().to_csv(raw / "dataset.csv", index=False)
{%- if cookiecutter.feature_store == 'feast' %}
    # The feature store's definitions; its stores go to this folder's data/.
    repo = PROJECT_CONFIG.parents[1] / "feature_repo"
    shutil.copytree(repo, folder / "feature_repo", dirs_exist_ok=True)
{%- endif %}
    return config_path


{% if cookiecutter.experiment_tracking == 'mlflow' -%}
@pytest.fixture(scope="session", autouse=True)
def tracking_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One MLflow store for the session (creating one takes seconds).

    Commands that track log there, never into the project's own store.
    """
    database = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    uri = f"sqlite:///{database.as_posix()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        yield uri


{% endif -%}
@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The project's configuration, copied into an empty temporary project."""
    return write_project(tmp_path)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    """Train once per session (config, metadata); tests must not modify it."""
    config = load_config(write_project(tmp_path_factory.mktemp("trained")))
    return config, train(config).metadata


@pytest.fixture
def held_out(trained: tuple[Config, Any]) -> pd.DataFrame:
    """The held-out split written by the session's training run."""
    return pd.read_csv(trained[0].paths.processed_dir / "test.csv")
