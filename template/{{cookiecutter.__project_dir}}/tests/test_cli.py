from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import app, run
from {{ cookiecutter.package_name }}.config import Config, load_config
from {{ cookiecutter.package_name }}.data import features_target
from {{ cookiecutter.package_name }}.errors import ProjectError
from {{ cookiecutter.package_name }}.evaluate import score
from {{ cookiecutter.package_name }}.predict import load_model
from {{ cookiecutter.package_name }}.train import train

from tests.conftest import write_project


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    if isinstance(result.exception, ProjectError):  # run() exits 2 with it
        return 2, str(result.exception)
    return result.exit_code, result.output


PREFIX = "{{ cookiecutter.package_name | upper }}_"


def test_train_evaluate_predict(
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PREFIX + "MODEL__CV_FOLDS", "0")  # faster
    assert invoke("train", "--config", config_path)[0] == 0
    status, output = invoke("evaluate", "-c", config_path)
    assert (status, "quality gate passed" in output) == (0, True)
    held_out = tmp_path / "data" / "processed" / "test.csv"
    out = tmp_path / "predictions.csv"
    args = ("predict", "-c", config_path, "-i", held_out, "-o", out)
    assert invoke(*args)[0] == 0
    assert "prediction" in pd.read_csv(out).columns
    model = tmp_path / "models" / "model.joblib"
    assert invoke(*args, "--model", model)[0] == 0


def test_a_failed_gate_exits_1(
    trained: tuple[Config, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config_path = trained[0].paths.model.parents[1] / "configs" / "train.toml"
    monkeypatch.setenv(PREFIX + "QUALITY_GATE__THRESHOLD", "1.01")
    monkeypatch.setenv(PREFIX + "PATHS__METRICS", str(tmp_path / "m.json"))
    status, output = invoke("evaluate", "-c", config_path)
    assert status == 1
    assert "quality gate failed" in output


def test_user_errors_are_one_line_without_a_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = str(tmp_path / "none.toml")
    argv = ["{{ cookiecutter.package_name }}", "train", "--config", missing]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as error:
        run()
    assert error.value.code == 2
    message = "{{ cookiecutter.package_name }}: error: config file not found: "
    assert capsys.readouterr().err == message + missing + "\n"
    assert invoke("--version")[1].split()[-1] == __version__


def test_promote_compares_with_the_champion_on_the_same_held_out(
    trained: tuple[Config, Any],
    held_out: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = trained[0]
    config_path = config.paths.model.parents[1] / "configs" / "train.toml"
    monkeypatch.setenv(PREFIX + "PATHS__METRICS", str(tmp_path / "m.json"))
    monkeypatch.setenv(PREFIX + "PROMOTION__BOOTSTRAP", "100")  # faster
    champion = tmp_path / "champion" / "model.joblib"
    args = ("promote", "-c", config_path, "--champion", champion, "--dry-run")

    def deploy(model: Path) -> None:  # what production runs
        champion.parent.mkdir(exist_ok=True)
        for suffix in (".joblib", ".json"):
            target = champion.with_suffix(suffix)
            shutil.copy(model.with_suffix(suffix), target)

    status, output = invoke(*args)
    assert (status, "first model" in output) == (0, True)
    deploy(config.paths.model)
    status, output = invoke(*args)
    assert (status, "unchanged: same data and code" in output) == (1, True)
    # A weaker champion, trained on the same split: a random-forest stump.
    edit = {"cv_folds": "0", "estimator": '"random_forest"'}
    stump = {"n_estimators": "1", "max_depth": "1"}
    (tmp_path / "weak").mkdir()
    weak = load_config(write_project(tmp_path / "weak", edit, stump))
    train(weak)
    deploy(weak.paths.model)
    status, output = invoke(*args)
    assert (status, "vs champion" in output, "95% CI" in output) == (0, 1, 1)
    report = json.loads((tmp_path / "promotion.json").read_text())
    low, high = report["confidence_interval"]
    assert low <= report["difference"] <= high
    assert report["challenger"]["score"] > report["champion"]["score"]
    # Each point score is what scikit-learn's scorer gives (score()).
    features, target = features_target(held_out, config)
    models = {"challenger": config.paths.model, "champion": champion}
    for name, path in models.items():
        model = load_model(path, path.with_suffix(".json"))
        inputs = model.check(features)
        value = score(model.pipeline, inputs, target, ["roc_auc"])["roc_auc"]
        assert report[name]["score"] == value
    better = report["difference"] + 0.001
    monkeypatch.setenv(PREFIX + "PROMOTION__MIN_IMPROVEMENT", str(better))
    status, output = invoke(*args)
    assert (status, output.startswith("keep champion: ")) == (1, True)
    champion.with_suffix(".json").write_text("{}")
    assert invoke(*args)[0] == 2
