"""The model API, the drift check and the serve command, in process."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.serve import Settings, create_app, setup_logging

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def client(
    trained: tuple[Config, Any],
    tmp_path: Path,
) -> Iterator[TestClient]:
    settings = Settings(
        model_path=trained[0].paths.model,
        input_log=tmp_path / "inputs.jsonl",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def rows(held_out: pd.DataFrame, trained: tuple[Config, Any]) -> list[dict]:
    """Five held-out rows as JSON objects (features only)."""
    features = held_out[trained[1]["feature_names"]].head(5)
    return json.loads(features.to_json(orient="records"))


def metrics(client: TestClient) -> dict[str, float]:
    """/metrics: sample name and labels -> value."""
    text = client.get("/metrics").text
    return {
        sample.name + json.dumps(sample.labels, sort_keys=True): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_predictions_metrics_and_input_log(
    client: TestClient,
    rows: list[dict],
    tmp_path: Path,
) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200
    name = "model_predictions_total"
    before = sum(v for k, v in metrics(client).items() if k.startswith(name))
    single = client.post(
        "/predict",
        json=rows[0],
        headers={"X-Request-ID": "r-1"},
    )
    assert single.status_code == 200, single.text
    assert single.headers["X-Request-ID"] == "r-1"
    batch = client.post("/predict", json={"instances": rows}).json()
    assert len(batch["predictions"]) == 5
    first = single.json()["predictions"][0]
    assert batch["predictions"][0]["prediction"] == first["prediction"]
    assert batch["predictions"][0]["probabilities"] == pytest.approx(
        first["probabilities"],
    )
    seen = metrics(client)
    counted = [v for k, v in seen.items() if k.startswith(name)]
    assert sum(counted) - before == 6
    assert seen["model_ready{}"] == 1
    logged = (tmp_path / "inputs.jsonl").read_text().splitlines()
    assert json.loads(logged[0])["_request_id"] == "r-1"


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ({"instances": []}, "instances", "List should have at least 1"),
        ([1], "body", "expected a JSON object"),
        ("extra", "colour", "Extra inputs are not permitted"),
    ],
)
def test_bad_requests_get_422_naming_the_field(
    client: TestClient,
    rows: list[dict],
    body: Any,
    field: str,
    expected: str,
) -> None:
    if body == "extra":
        body = {**rows[0], "colour": "red"}
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]  # FastAPI's: loc, msg, type...
    assert (error["loc"][-1], expected in error["msg"]) == (field, True)


def test_without_a_model_the_service_is_alive_but_not_ready(
    tmp_path: Path,
) -> None:
    settings = Settings(model_path=tmp_path / "none.joblib")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503
        assert client.post("/predict", json={}).status_code == 503


def test_logs_are_json_lines_with_the_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO")
    logging.getLogger("{{ cookiecutter.package_name }}.serve").info("hi")
    logging.getLogger().handlers.clear()  # it writes to capsys' stream
    entry = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (entry["message"], entry["level"]) == ("hi", "INFO")
    assert "request_id" in entry


def test_drift_check_exit_status(
    trained: tuple[Config, Any],
    held_out: pd.DataFrame,
    tmp_path: Path,
) -> None:
    config_path = trained[0].paths.model.parents[1] / "configs" / "train.toml"
    current = tmp_path / "current.csv"
    held_out.to_csv(current, index=False)
    report = tmp_path / "drift.json"
    args = ["drift", "-c", str(config_path), "--report", str(report)]
    args += ["--current", str(current), "--min-rows", "10"]
    result = CliRunner().invoke(app, args)
    assert (result.exit_code, result.output[:8]) == (0, "no drift")
    shifted = held_out * 3
    shifted.to_csv(current, index=False)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert json.loads(report.read_text())["drift"] is True
    result = CliRunner().invoke(app, [*args[:-3], str(tmp_path / "none.csv")])
    assert "not found" in str(result.exception)  # run() exits 2 with it
