from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import app, run
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.errors import ProjectError


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


@pytest.mark.parametrize(
    ("candidate", "baseline", "status", "message"),
    [
        (0.9, None, 0, "first deployment"),
        (
            0.9,
            0.8,
            0,
            "candidate roc_auc 0.9000 >= production 0.8000",
        ),
        (0.7, 0.8, 1, "keep production"),
        (None, 0.8, 2, "not found"),
    ],
)
def test_promote_compares_metrics_reports(
    tmp_path: Path,
    candidate: float | None,
    baseline: float | None,
    status: int,
    message: str,
) -> None:
    def report(name: str, value: float | None) -> Path:
        path = tmp_path / f"{name}.json"
        if value is not None:
            gate = {"metric": "roc_auc", "passed": True}
            content = {"metrics": {"roc_auc": value}, "quality_gate": gate}
            path.write_text(json.dumps(content), encoding="utf-8")
        return path

    args = ("--candidate", report("new", candidate))
    args += ("--baseline", report("old", baseline))
    result = invoke("promote", *args)
    assert result[0] == status
    assert message in result[1]
