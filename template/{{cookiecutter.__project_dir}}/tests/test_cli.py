from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import app

from tests.conftest import write_project


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        return 1, str(result.exception)
    return result.exit_code, result.output


def test_train_evaluate_predict(config_path: Path, tmp_path: Path) -> None:
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


def test_a_failed_gate_exits_1(config_path: Path) -> None:
    gated = write_project(config_path.parents[1], {"threshold": "1.01"})
    assert invoke("-q", "train", "-c", gated)[0] == 0
    status, output = invoke("evaluate", "-c", gated)
    assert status == 1
    assert "quality gate failed" in output


def test_user_errors_are_one_line_without_a_traceback(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "{{ cookiecutter.package_name }}"]
    missing = str(tmp_path / "none.toml")
    result = subprocess.run(
        [*command, "train", "--config", missing],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"{{ cookiecutter.package_name }}: error: config file not found: {missing}",
    ]
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
