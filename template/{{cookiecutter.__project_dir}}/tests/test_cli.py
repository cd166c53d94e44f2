from __future__ import annotations

import runpy
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import (
    __version__,
    cli,
)
from {{ cookiecutter.package_name }}.cli import (
    main,
)

from tests.conftest import TrainedProject, set_threshold, write_project

PACKAGE = main.__module__.partition(".")[0]


def test_train_evaluate_predict(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train", "--config", str(config_path)]) == 0
    assert "saved model" in capsys.readouterr().err
    assert (tmp_path / "models" / "model.joblib").is_file()

    assert main(["evaluate", "--config", str(config_path)]) == 0
    assert capsys.readouterr().out.startswith("quality gate passed: ")
    assert (tmp_path / "reports" / "metrics.json").is_file()

    output = tmp_path / "predictions.csv"
    test_csv = tmp_path / "data" / "processed" / "test.csv"
    args = [
        "predict",
        "-c",
        str(config_path),
        "-i",
        str(test_csv),
        "-o",
        str(output),
    ]
    assert main(args) == 0
    assert "prediction" in pd.read_csv(output).columns


def test_evaluate_fails_the_quality_gate(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train", "-q", "--config", str(config_path)]) == 0
    # Simulate a model that no longer fits the data: flip the held-out labels.
    test_csv = tmp_path / "data" / "processed" / "test.csv"
    held_out = pd.read_csv(test_csv)
    target = held_out.columns[-1]
    held_out[target] = 1 - held_out[target]
    held_out.to_csv(test_csv, index=False)
    set_threshold(config_path, 0.5)
    capsys.readouterr()

    assert main(["evaluate", "--config", str(config_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("quality gate failed: roc_auc 0.")
    assert err.endswith(" < 0.500")
    assert "Traceback" not in err
    assert (tmp_path / "reports" / "metrics.json").is_file()  # written anyway


def test_predict_with_an_explicit_model(
    trained: TrainedProject,
    tmp_path: Path,
) -> None:
    model = tmp_path / "elsewhere" / "candidate.joblib"
    model.parent.mkdir()
    shutil.copyfile(trained.config.paths.model, model)
    shutil.copyfile(trained.config.paths.metadata, model.with_suffix(".json"))
    output = tmp_path / "out.csv"
    test_csv = trained.config.paths.processed_dir / "test.csv"
    args = ["predict", "-c", str(trained.config_path), "-m", str(model)]
    assert main([*args, "-i", str(test_csv), "-o", str(output)]) == 0
    assert output.is_file()


def test_default_config_is_found_from_a_subfolder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_project(tmp_path)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert main(["evaluate"]) == 1
    assert "train a model first" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["train", "--config", "missing.toml"],
            "config file not found: missing.toml",
        ),
        (["evaluate", "--config", "missing.toml"], "config file not found"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_predict_reports_a_missing_input_file(
    trained: TrainedProject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["predict", "-c", str(trained.config_path), "-i", "nope.csv"]
    assert main([*args, "-o", str(tmp_path / "out.csv")]) == 1
    assert "error: data file not found: nope.csv" in capsys.readouterr().err


def test_invalid_config_is_reported(
    config_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_threshold(config_path, 2)
    assert main(["train", "--config", str(config_path)]) == 1
    err = capsys.readouterr().err
    assert "quality_gate.threshold must be between 0 and 1" in err


def test_usage_errors_exit_with_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main([])
    assert excinfo.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_keyboard_interrupt_exits_with_130(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "train", interrupted)
    assert main(["train", "--config", str(config_path)]) == 130


def test_python_dash_m_runs_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [cli.PROG, "--version"])
    with pytest.raises(SystemExit) as excinfo:
        runpy.run_module(PACKAGE, run_name="__main__")
    assert excinfo.value.code == 0
