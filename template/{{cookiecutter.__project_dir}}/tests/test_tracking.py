"""MLflow for real: runs, the registry's aliases, promotion, serving.

Every test logs into the session's store (conftest.tracking_store), each
under its own registered model name.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
{%- if cookiecutter.serving == 'fastapi' %}
from fastapi.testclient import TestClient
{%- endif %}
from mlflow import MlflowClient
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import load_config
from {{ cookiecutter.package_name }}.data import features_target, read_csv
from {{ cookiecutter.package_name }}.errors import ProjectError
from {{ cookiecutter.package_name }}.evaluate import score
from {{ cookiecutter.package_name }}.predict import load_model
{%- if cookiecutter.serving == 'fastapi' %}
from {{ cookiecutter.package_name }}.serve import Settings, create_app
{%- endif %}
from {{ cookiecutter.package_name }}.tracking import load_registered, tracking_uri

from tests.conftest import write_project

PREFIX = "{{ cookiecutter.package_name | upper }}_"
FAST = {"cv_folds": "0"}
# A weak champion and a better challenger: one hyper-parameter apart.
STUMP = {"n_estimators": "1", "max_depth": "1"}
FOREST = {"n_estimators": "30", "max_depth": "1"}


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    if isinstance(result.exception, ProjectError):  # run() exits 2 with it
        return 2, str(result.exception)
    return result.exit_code, result.output


def metadata(project: Path) -> Any:
    return json.loads((project / "models" / "model.json").read_text())


@pytest.fixture(scope="session")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project trained once through the command line, with tracking."""
    project = tmp_path_factory.mktemp("tracked")
    config = write_project(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PREFIX + "TRACKING__REGISTERED_MODEL", "tracked")
        assert invoke("train", "--config", config)[0] == 0
    return project


def test_training_logs_a_run_and_registers_the_first_model_as_champion(
    tracked: Path,
    tracking_store: str,
) -> None:
    record = metadata(tracked)["mlflow"]
    assert record["tracking_uri"] == tracking_store
    client = MlflowClient(tracking_store)
    run = client.get_run(record["run_id"])
    assert {"train_roc_auc", "cv_roc_auc"} <= set(run.data.metrics)
    assert run.data.params["max_iter"] == "1000"
    assert run.data.tags["data_hash"] == metadata(tracked)["data_hash"]
    registered = client.get_registered_model("tracked")
    version = str(record["version"])
    assert version == "1"
    assert registered.aliases == {"champion": 1, "challenger": 1}
    logged = client.get_model_version("tracked", version)
    assert logged.run_id == record["run_id"]


def test_promotion_moves_the_champion_only_past_the_margin(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tracking_store: str,
) -> None:
    monkeypatch.setenv(PREFIX + "TRACKING__REGISTERED_MODEL", "promoted")
    monkeypatch.setenv(PREFIX + "PROMOTION__BOOTSTRAP", "100")  # faster
    edit = {**FAST, "estimator": '"random_forest"'}
    config = write_project(tmp_path, edit=edit, params=STUMP)
    assert invoke("train", "-c", config)[0] == 0  # the first: champion
    status, output = invoke("promote", "-c", config)
    assert (status, "unchanged: same data and code" in output) == (1, True)

    config = write_project(tmp_path, edit=edit, params=FOREST)
    assert invoke("train", "-c", config)[0] == 0  # version 2: challenger
    client = MlflowClient(tracking_store)

    def champion() -> str:
        aliases = client.get_registered_model("promoted").aliases
        return str(aliases["champion"])

    status, output = invoke("promote", "-c", config, "--dry-run")
    assert (status, output.startswith("promote: roc_auc ")) == (0, True)
    assert champion() == "1"  # a dry run decides only
    report = json.loads((tmp_path / "reports" / "promotion.json").read_text())
    difference = report["difference"]
    assert difference > 0
    assert report["challenger"]["mlflow"]["version"] == 2
    # Both were scored on the same, current held-out split.
    settings = load_config(config)
    held_out = read_csv(settings.paths.processed_dir / "test.csv")
    features, target = features_target(held_out, settings)
    first = load_registered("models:/promoted/1", tracking_store)
    paths = settings.paths
    for name, model in (
        ("champion", first),
        ("challenger", load_model(paths.model, paths.metadata)),
    ):
        assert model is not None
        inputs = model.check(features)
        value = score(model.pipeline, inputs, target, ["roc_auc"])["roc_auc"]
        assert report[name]["score"] == value
    assert report["n_samples"] == len(held_out)

    margin = PREFIX + "PROMOTION__MIN_IMPROVEMENT"
    monkeypatch.setenv(margin, str(difference * 2))
    status, output = invoke("promote", "-c", config)
    assert (status, output.startswith("keep champion: ")) == (1, True)
    assert champion() == "1"
    monkeypatch.setenv(margin, str(difference / 2))
    status, output = invoke("promote", "-c", config)
    assert (status, f"margin {difference / 2:.4f}" in output) == (0, True)
    assert champion() == "2"
    assert invoke("promote", "-c", config)[0] == 1  # now unchanged
    assert invoke("promote", "-c", config, "--version", "1")[0] == 0
    assert champion() == "1"


def test_the_default_store_is_the_projects_from_any_of_its_folders(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the CLI and the API use without MLFLOW_TRACKING_URI."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    project = config_path.parents[1].resolve()
    monkeypatch.chdir(project / "data" / "raw")
    assert tracking_uri() == f"sqlite:///{project.as_posix()}/mlruns/mlflow.db"


def test_an_unreachable_tracking_server_is_one_line_and_the_model_is_kept(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        uri = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv(PREFIX + "MODEL__CV_FOLDS", "0")
    status, output = invoke("train", "-c", config_path)
    assert status == 2
    assert len(output.splitlines()) == 1
    assert f"MLflow tracking store {uri}: unreachable" in output
    assert (config_path.parents[1] / "models" / "model.joblib").is_file()
    assert "mlflow" not in metadata(config_path.parents[1])
{%- if cookiecutter.serving == 'fastapi' %}


def test_the_api_serves_a_registered_model(
    tracked: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODEL_URI", "models:/tracked@champion")
    with TestClient(create_app()) as client:
        ready = client.get("/ready").json()
        missing = Settings(model_uri="models:/tracked@nothing")
        with TestClient(create_app(missing)) as nothing:
            assert nothing.get("/ready").status_code == 503
    assert ready["model_version"] == metadata(tracked)["model_version"]
{%- endif %}
