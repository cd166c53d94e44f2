from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.monitoring import (
    DRIFT,
    ERROR,
    NO_DRIFT,
    DriftCheckError,
    check_drift,
    compare_feature,
    main,
    read_inputs,
)

from tests.conftest import TrainedProject

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def project(trained: TrainedProject, config_path: Path) -> Path:
    """A fresh project (its config) holding the trained project's splits."""
    processed = config_path.parents[1] / "data" / "processed"
    shutil.copytree(trained.config.paths.processed_dir, processed)
    return config_path


def run(config_path: Path, current: Path, *args: str) -> tuple[int, dict]:
    """Run the command line; return its status and the report written."""
    report = config_path.parents[1] / "reports" / "drift.json"
    status = main(
        ["--config", str(config_path), "--current", str(current), *args],
    )
    if not report.exists():
        return status, {}
    return status, json.loads(report.read_text(encoding="utf-8"))


def shifted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with some columns moved far from where they were."""
    out = frame.copy()
    for column in columns:
        out[column] = out[column] * 1.5 + out[column].std()
    return out


def numeric_features(frame: pd.DataFrame, target: str) -> list[str]:
    features = frame.drop(columns=[target])
    return list(features.select_dtypes("number").columns)


# ------------------------------------------------------------ the decision


def test_held_out_split_does_not_drift(
    project: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    held_out = project.parents[1] / "data" / "processed" / "test.csv"
    status, report = run(project, held_out)
    assert status == NO_DRIFT
    assert report["drift"] is False
    assert report["drifted_features"] == []
    assert report["current_rows"] == len(pd.read_csv(held_out))
    assert capsys.readouterr().out.startswith("no drift:")


def test_shifted_features_are_reported(
    project: Path,
    trained: TrainedProject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    held_out = pd.read_csv(project.parents[1] / "data/processed/test.csv")
    moved = numeric_features(held_out, trained.config.data.target)[:3]
    current = tmp_path / "current.csv"
    shifted(held_out, moved).to_csv(current, index=False)
    status, report = run(project, current)
    assert status == DRIFT
    assert report["drift"] is True
    assert sorted(report["drifted_features"]) == sorted(moved)
    by_name = {feature["name"]: feature for feature in report["features"]}
    assert by_name[moved[0]]["test"] == "ks"
    assert by_name[moved[0]]["p_value"] < report["method"]["feature_alpha"]
    assert f"drift in 3 of {len(by_name)} features" in capsys.readouterr().out


def test_small_effects_do_not_count_as_drift() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(0.0, 1.0, 20000)})
    current = pd.DataFrame({"x": rng.normal(0.05, 1.0, 20000)})
    significant = check_drift(reference, current, ["x"], min_effect=0.0)
    assert significant.drift
    report = check_drift(reference, current, ["x"])
    assert not report.drift


def test_categories_are_compared_with_chi_squared() -> None:
    reference = pd.Series(["a", "b"] * 100)
    same = compare_feature("c", reference, pd.Series(["b", "a"] * 50), 0.01)
    assert (same.test, same.kind, same.drift) == ("chi2", "string", False)
    moved = compare_feature("c", reference, pd.Series(["a"] * 100), 0.01)
    assert moved.drift
    assert moved.effect > 0.3
    only_a = pd.Series(["a"] * 50)
    single = compare_feature("c", only_a, only_a.head(1), 0.01)
    assert (single.p_value, single.drift) == (1.0, False)


# ------------------------------------------------------------------ inputs


def test_service_log_is_read_without_its_metadata(tmp_path: Path) -> None:
    log = tmp_path / "inputs.jsonl"
    lines = [
        {"_time": "t", "_request_id": "r", "Mean Radius": 1.5},
        {"_time": "t", "_request_id": "s", "Mean Radius": None},
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    frame = read_inputs(log)
    assert list(frame.columns) == ["mean_radius"]
    assert frame["mean_radius"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("inputs.jsonl", "not json\n", "cannot read"),
        ("inputs.csv", "a,b\n", "has no rows"),
    ],
)
def test_unusable_inputs_are_errors(
    tmp_path: Path,
    name: str,
    content: str,
    expected: str,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DriftCheckError, match=expected):
        read_inputs(path)


def test_missing_inputs_explain_what_to_do(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, report = run(project, tmp_path / "none.jsonl")
    assert (status, report) == (ERROR, {})
    assert "INPUT_LOG" in capsys.readouterr().err


def test_missing_feature_is_an_error(
    project: Path,
    trained: TrainedProject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    held_out = pd.read_csv(project.parents[1] / "data/processed/test.csv")
    dropped = numeric_features(held_out, trained.config.data.target)[0]
    current = tmp_path / "current.csv"
    held_out.drop(columns=[dropped]).to_csv(current, index=False)
    status, _ = run(project, current)
    assert status == ERROR
    assert f"lack feature(s): {dropped}" in capsys.readouterr().err


def test_too_few_rows_is_an_error(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    held_out = pd.read_csv(project.parents[1] / "data/processed/test.csv")
    current = tmp_path / "current.csv"
    held_out.head(5).to_csv(current, index=False)
    status, _ = run(project, current)
    assert status == ERROR
    assert "too few recent values" in capsys.readouterr().err
    status, _ = run(project, current, "--min-rows", "5")
    assert status in {NO_DRIFT, DRIFT}


def test_missing_reference_says_to_train(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    current = tmp_path / "current.csv"
    current.write_text("a\n1\n", encoding="utf-8")
    status, _ = run(config_path, current)
    assert status == ERROR
    assert "make train" in capsys.readouterr().err


def test_alpha_must_be_a_probability(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    current = tmp_path / "current.csv"
    current.write_text("a\n1\n", encoding="utf-8")
    status = main(
        ["--config", str(project), "--current", str(current), "--alpha", "2"],
    )
    assert status == ERROR
    assert "--alpha must be between 0 and 1" in capsys.readouterr().err


def test_report_goes_where_asked(
    project: Path,
    tmp_path: Path,
) -> None:
    held_out = project.parents[1] / "data" / "processed" / "test.csv"
    report = tmp_path / "out" / "drift.json"
    args = ["--config", str(project), "--current", str(held_out)]
    assert main([*args, "--report", str(report)]) == NO_DRIFT
    content = json.loads(report.read_text(encoding="utf-8"))
    assert content["current"] == str(held_out)
    assert content["method"]["correction"] == "bonferroni"
