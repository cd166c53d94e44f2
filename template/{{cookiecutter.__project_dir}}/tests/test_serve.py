from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }} import (
    serve,
)
from {{ cookiecutter.package_name }}.errors import (
    DataError,
)
from {{ cookiecutter.package_name }}.predict import (
    LoadedModel,
    load_model,
)
from {{ cookiecutter.package_name }}.serve import (
    MAX_BATCH,
    InputLog,
    JsonFormatter,
    Settings,
    build_schemas,
    create_app,
    log_config,
)

from tests.conftest import TrainedProject

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def settings(trained: TrainedProject, tmp_path: Path) -> Settings:
    return Settings(
        trained.config.paths.model,
        trained.config.paths.metadata,
        tmp_path / "monitoring" / "inputs.jsonl",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def rows(held_out: pd.DataFrame, trained: TrainedProject) -> list[dict]:
    """Five held-out rows as JSON objects (features only)."""
    features = held_out.drop(columns=[trained.config.data.target])
    return json.loads(features.head(5).to_json(orient="records"))


def scrape(client: TestClient) -> dict[tuple[str, tuple], float]:
    """Read /metrics: (sample name, sorted labels) -> value."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(metrics: dict[tuple[str, tuple], float], name: str) -> float:
    """Sum of a metric's samples over all label values."""
    return sum(value for (key, _), value in metrics.items() if key == name)


def features_of(row: dict[str, Any]) -> dict[str, Any]:
    """A logged row without the log's own fields (``_time``...)."""
    return {key: value for key, value in row.items() if key[0] != "_"}


def problems(response: Any) -> str:
    """The 422 answer's message, checked for its shape."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["request_id"] == response.headers["x-request-id"]
    return body["message"]


# ------------------------------------------------------------ predictions


def test_one_row_gets_a_prediction(
    client: TestClient,
    rows: list[dict],
    trained: TrainedProject,
) -> None:
    response = client.post("/predict", json=rows[0])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == trained.result.metadata["model_version"]
    [prediction] = body["predictions"]
    classes = trained.result.metadata["classes"]
    assert prediction["prediction"] in classes
    assert set(prediction["probabilities"]) == {str(c) for c in classes}
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)
    assert response.headers["x-request-id"]


def test_batch_gets_one_prediction_per_row_in_order(
    client: TestClient,
    rows: list[dict],
) -> None:
    batch = client.post("/predict", json={"instances": rows})
    assert batch.status_code == 200, batch.text
    predictions = batch.json()["predictions"]
    assert len(predictions) == len(rows)
    single = client.post("/predict", json=rows[3]).json()["predictions"][0]
    assert predictions[3]["prediction"] == single["prediction"]
    assert predictions[3]["probabilities"] == pytest.approx(
        single["probabilities"],
    )


def test_missing_values_are_accepted_as_null(
    client: TestClient,
    rows: list[dict],
) -> None:
    row = dict.fromkeys(rows[0])
    response = client.post("/predict", json=row)
    assert response.status_code == 200, response.text


def test_missing_feature_is_named(
    client: TestClient,
    rows: list[dict],
) -> None:
    name = next(iter(rows[0]))
    row = {key: value for key, value in rows[0].items() if key != name}
    message = problems(client.post("/predict", json=row))
    assert f"body.{name}: Field required" in message


def test_many_problems_are_summarised(client: TestClient) -> None:
    response = client.post("/predict", json={})
    assert "more)" in problems(response)
    assert len(response.json()["detail"]) <= serve.MAX_ERRORS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a number", "valid number"),
        ([1.0], "valid number"),
        (float("inf"), "finite number"),
    ],
)
def test_wrong_type_is_named(
    client: TestClient,
    rows: list[dict],
    value: object,
    expected: str,
) -> None:
    name = next(iter(rows[0]))
    row = {**rows[0], name: value}
    response = client.post(
        "/predict",
        content=json.dumps(row),
        headers={"content-type": "application/json"},
    )
    message = problems(response)
    assert f"body.{name}" in message
    assert expected in message


def test_unknown_field_is_rejected(
    client: TestClient,
    rows: list[dict],
) -> None:
    message = problems(client.post("/predict", json={**rows[0], "zz": 1}))
    assert "body.zz: Extra inputs are not permitted" in message


def test_empty_batch_is_rejected(client: TestClient) -> None:
    message = problems(client.post("/predict", json={"instances": []}))
    assert "body.instances: List should have at least 1 item" in message


def test_oversized_batch_is_rejected(
    client: TestClient,
    rows: list[dict],
) -> None:
    batch = {"instances": rows[:1] * (MAX_BATCH + 1)}
    message = problems(client.post("/predict", json=batch))
    assert f"at most {MAX_BATCH} items" in message


def test_bad_row_in_a_batch_is_located(
    client: TestClient,
    rows: list[dict],
) -> None:
    name = next(iter(rows[0]))
    batch = {"instances": [rows[0], {**rows[1], name: "x"}]}
    message = problems(client.post("/predict", json=batch))
    assert f"body.instances.1.{name}" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "JSON decode error"),
        (b"[1, 2]", "expected a JSON object"),
        (b'"text"', "expected a JSON object"),
    ],
)
def test_malformed_body_is_rejected(
    client: TestClient,
    content: bytes,
    expected: str,
) -> None:
    response = client.post(
        "/predict",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert expected in problems(response)


def test_too_large_body_is_refused(
    client: TestClient,
    rows: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve, "MAX_BODY_BYTES", 100)
    response = client.post("/predict", json=rows[0])
    assert response.status_code == 413
    assert "larger than 100 bytes" in response.json()["message"]


def test_unscorable_input_is_a_422(
    client: TestClient,
    rows: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: LoadedModel, frame: pd.DataFrame) -> None:
        msg = "cannot score the input: broken"
        raise DataError(msg)

    monkeypatch.setattr(LoadedModel, "predict_proba", refuse)
    response = client.post("/predict", json=rows[0])
    assert problems(response) == "cannot score the input: broken"


def test_unexpected_error_is_a_500_and_the_service_goes_on(
    client: TestClient,
    rows: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = LoadedModel.predict_proba

    def crash(self: LoadedModel, frame: pd.DataFrame) -> None:
        msg = "bug"
        raise RuntimeError(msg)

    monkeypatch.setattr(LoadedModel, "predict_proba", crash)
    response = client.post(
        "/predict",
        json=rows[0],
        headers={"X-Request-ID": "trace-1"},
    )
    assert response.status_code == 500
    assert response.json() == {
        "message": "internal error",
        "request_id": "trace-1",
    }
    monkeypatch.setattr(LoadedModel, "predict_proba", original)
    assert client.post("/predict", json=rows[0]).status_code == 200


# ------------------------------------------------------------- operations


def test_health_and_readiness(
    client: TestClient,
    trained: TrainedProject,
) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {
        "status": "ready",
        "model_version": trained.result.metadata["model_version"],
    }


def test_request_id_is_echoed_or_created(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    unsafe = client.get("/health", headers={"X-Request-ID": "a b\tc"})
    assert len(unsafe.headers["x-request-id"]) == 32
    other = client.get("/health").headers["x-request-id"]
    assert other != unsafe.headers["x-request-id"]


def test_metrics_count_requests_predictions_and_version(
    client: TestClient,
    rows: list[dict],
    trained: TrainedProject,
) -> None:
    client.post("/predict", json=rows[0])
    client.post("/predict", json={"instances": rows})
    client.post("/predict", json={})
    client.get("/no-such-page")
    metrics = scrape(client)

    def requests(path: str, status: str) -> float:
        labels = (("method", "POST"), ("path", path), ("status", status))
        return metrics.get(("http_requests_total", labels), 0.0)

    assert requests("/predict", "200") == 2
    assert requests("/predict", "422") == 1
    get_other = (("method", "GET"), ("path", "other"), ("status", "404"))
    assert metrics[("http_requests_total", get_other)] == 1
    latency = (("method", "POST"), ("path", "/predict"))
    assert metrics[("http_request_duration_seconds_count", latency)] == 3
    assert total(metrics, "model_predictions_total") == 1 + len(rows)
    assert metrics[("model_request_rows_count", ())] == 2
    assert metrics[("model_ready", ())] == 1
    version = trained.result.metadata["model_version"]
    info = [dict(labels) for name, labels in metrics if name == "model_info"]
    assert info[0]["version"] == version


def test_openapi_schema_lists_the_model_features(
    client: TestClient,
    rows: list[dict],
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["Features"]["properties"]) == set(rows[0])
    assert set(schemas["Features"]["required"]) == set(rows[0])


def test_service_without_a_model_is_live_but_not_ready(
    tmp_path: Path,
    rows: list[dict],
) -> None:
    missing = Settings(tmp_path / "model.joblib", tmp_path / "model.json")
    with TestClient(create_app(missing)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "make train" in ready.json()["reason"]
        predict = client.post("/predict", json=rows[0])
        assert predict.status_code == 503
        assert "no model loaded" in predict.json()["message"]
        assert scrape(client)[("model_ready", ())] == 0


# ---------------------------------------------------------- schema, logs


def test_string_features_get_string_fields(trained: TrainedProject) -> None:
    metadata = trained.result.metadata
    names = metadata["feature_names"]
    kinds = dict.fromkeys(names, "string")
    model = LoadedModel(
        trained.result.pipeline,
        {**metadata, "feature_types": kinds},
    )
    row_type, _ = build_schemas(model)
    row = row_type.model_validate(dict.fromkeys(names, "a"))
    assert row.model_dump(by_alias=True) == dict.fromkeys(names, "a")
    with pytest.raises(ValueError, match="valid string"):
        row_type.model_validate(dict.fromkeys(names, 1.5))


def test_served_rows_are_logged_for_the_drift_check(
    client: TestClient,
    rows: list[dict],
    settings: Settings,
) -> None:
    client.post("/predict", json={"instances": rows[:2]})
    client.post("/predict", json=rows[2], headers={"X-Request-ID": "r-3"})
    client.post("/predict", json={})  # invalid: not logged
    assert settings.input_log is not None
    lines = settings.input_log.read_text(encoding="utf-8").splitlines()
    logged = [json.loads(line) for line in lines]
    assert len(logged) == 3
    assert logged[2]["_request_id"] == "r-3"
    assert [features_of(row) for row in logged] == rows[:3]


def test_inputs_are_not_logged_unless_asked(
    settings: Settings,
    rows: list[dict],
) -> None:
    quiet = Settings(settings.model_path, settings.metadata_path)
    with TestClient(create_app(quiet)) as client:
        assert client.post("/predict", json=rows[0]).status_code == 200
    assert settings.input_log is not None
    assert not settings.input_log.parent.exists()


def test_failed_input_log_write_is_logged_not_raised(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "log"
    log = InputLog(folder)
    folder.mkdir()  # a folder where the file should be: writes fail
    with caplog.at_level(logging.WARNING):
        log.write([{"x": 1}], "id", "v1")
    assert "cannot write the input log" in caplog.text


def test_request_logs_are_json_with_the_request_id(
    client: TestClient,
    rows: list[dict],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        client.post(
            "/predict",
            json=rows[0],
            headers={"X-Request-ID": "r-9"},
        )
    [record] = [r for r in caplog.records if r.getMessage() == "request"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "r-9"
    assert entry["path"] == "/predict"
    assert entry["status"] == 200
    assert entry["level"] == "info"
    assert entry["duration_ms"] >= 0


def test_json_formatter_keeps_exceptions() -> None:
    try:
        msg = "boom"
        raise ValueError(msg)
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            sys.exc_info(),
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed"
    assert "ValueError: boom" in entry["exception"]


# ---------------------------------------------------------- settings, main


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    defaults = Settings.from_env({})
    assert defaults.model_path.as_posix() == "models/model.joblib"
    assert defaults.metadata_path.as_posix() == "models/model.json"
    assert defaults.input_log is None
    model = tmp_path / "m.joblib"
    custom = Settings.from_env(
        {"MODEL_PATH": str(model), "INPUT_LOG": str(tmp_path / "in.jsonl")},
    )
    assert custom.metadata_path == tmp_path / "m.json"
    assert custom.input_log == tmp_path / "in.jsonl"


def test_main_runs_uvicorn_with_json_logs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        serve.uvicorn,
        "run",
        lambda app, **kwargs: calls.append((app, kwargs)),
    )
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert serve.main(["--host", "127.0.0.2"]) == 0
    [(app, kwargs)] = calls
    assert app.endswith(".serve:create_app")
    assert kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.2", 9001)
    assert kwargs["log_config"] == log_config("DEBUG")
    assert kwargs["access_log"] is False


def test_log_config_sends_json_to_stdout() -> None:
    config = log_config("INFO")
    assert config["formatters"]["json"]["()"] is JsonFormatter
    assert config["loggers"]["uvicorn"]["handlers"] == ["stdout"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == []


def test_models_load_for_the_service(trained: TrainedProject) -> None:
    model = load_model(
        trained.config.paths.model,
        trained.config.paths.metadata,
    )
    assert set(model.metadata["feature_types"].values()) <= {
        "number",
        "string",
    }
