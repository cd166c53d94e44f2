"""The feature store (Feast, local): point in time, online, bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING{% if cookiecutter.serving == 'fastapi' %}, Any{% endif %}

import pandas as pd
import pytest
{%- if cookiecutter.serving == 'fastapi' %}
from fastapi.testclient import TestClient
{%- endif %}

from {{ cookiecutter.package_name }}.config import {% if cookiecutter.serving == 'fastapi' %}Config, {% endif %}load_config
from {{ cookiecutter.package_name }}.data import with_keys
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.feature_store import (
    online_row,
    open_store,
    project_root,
    register,
    training_frame,
)
{%- if cookiecutter.serving == 'fastapi' %}
from {{ cookiecutter.package_name }}.serve import Settings, create_app
{%- endif %}
from {{ cookiecutter.package_name }}.train import prepare

if TYPE_CHECKING:
    from pathlib import Path


def at(hour: int) -> pd.Timestamp:
    return pd.Timestamp("2025-03-01", tz="UTC") + pd.Timedelta(hours=hour)


def test_training_set_is_point_in_time(config_path: Path) -> None:
    config = load_config(config_path)
    config.paths.processed_dir.mkdir(parents=True)
    # Entity 1 changes at hour 2; entity 2 appears at hour 5.
    features = pd.DataFrame(
        {
            "entity_id": [1, 1, 2],
            "event_timestamp": [at(0), at(2), at(5)],
            "size": [10.0, 20.0, 30.0],
        }
    )
    features.to_parquet(config.paths.processed_dir / "features.parquet")
    labels = pd.DataFrame(
        {
            "entity_id": [1, 1, 2, 2],
            "event_timestamp": [at(1), at(3), at(4), at(6)],
            "target": [0, 1, 0, 1],
        }
    )
    store = open_store(project_root(config_path))
    register(store)
    frame = training_frame(config, labels, store)
    # The newest value at or before each label's time; none yet: missing.

    assert frame["size"].iloc[:2].tolist() == [10.0, 20.0]
    assert pd.isna(frame["size"].iloc[2])
    assert frame["size"].iloc[3] == 30.0
    assert frame["target"].tolist() == [0, 1, 0, 1]


def test_online_row_and_unknown_id(config_path: Path) -> None:
    config = load_config(config_path)
    prepare(config)
    store = open_store(project_root(config_path))
    register(store, materialize=True)
    written = pd.read_parquet(config.paths.processed_dir / "features.parquet")
    first = written.iloc[-1]  # its newest row: the one the online store holds
    names = [str(name) for name in written.columns[:2]]
    row = online_row(store, int(first["entity_id"]), names)
    assert row == first[names].to_dict()
    assert online_row(store, 10**9, names) is None


def test_a_missing_source_is_one_line(config_path: Path) -> None:
    store = open_store(project_root(config_path))
    with pytest.raises(DataError, match=r"\.parquet is missing: run make"):
        register(store)


def test_keys_are_made_or_checked() -> None:
    made = with_keys(pd.DataFrame({"x": [1.0, 2.0]}))
    assert made["entity_id"].tolist() == [0, 1]
    assert made["event_timestamp"].is_monotonic_increasing
    twice = {"entity_id": [1, 1], "event_timestamp": [at(0), at(0)]}
    with pytest.raises(DataError, match="entity_id repeats"):
        with_keys(pd.DataFrame(twice))
{%- if cookiecutter.serving == 'fastapi' %}


def test_api_predicts_for_an_entity_id(
    trained: tuple[Config, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = trained[0]
    root = project_root(config.paths.processed_dir)
    register(open_store(root), materialize=True)
    monkeypatch.chdir(root)
    held_out = pd.read_csv(config.paths.processed_dir / "test.csv")
    known = int(held_out["entity_id"][0])
    settings = Settings(model_path=config.paths.model)
    with TestClient(create_app(settings)) as client:
        answer = client.post("/predict/entity", json={"entity_id": known})
        assert answer.status_code == 200, answer.text
        assert answer.json()["entity_id"] == known
        assert len(answer.json()["predictions"]) == 1
        unknown = client.post("/predict/entity", json={"entity_id": 10**9})
        assert unknown.status_code == 404
        message = unknown.json()["message"]
        assert message.startswith("entity_id 1000000000: no online")
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}


def test_api_without_a_store_answers_503_for_ids_only(
    trained: tuple[Config, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no feature_repo/ here, as in an image
    settings = Settings(model_path=trained[0].paths.model)
    with TestClient(create_app(settings)) as client:
        answer = client.post("/predict/entity", json={"entity_id": 1})
        assert answer.status_code == 503
        assert answer.json()["message"].startswith("no feature store: ")
        assert client.get("/ready").status_code == 200
{%- endif %}
