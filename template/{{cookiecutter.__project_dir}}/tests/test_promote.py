from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.promote import (
    ERROR,
    KEEP,
    PROMOTE,
    Decision,
    ReportError,
    decide,
    gate_metric,
    main,
    metric_value,
    read_report,
)


def report(
    value: float,
    metric: str = "roc_auc",
    *,
    passed: bool = True,
) -> dict[str, Any]:
    """A report shaped like the one ``make evaluate`` writes."""
    gate = {"metric": metric, "value": value, "passed": passed}
    return {"metrics": {metric: value, "accuracy": 0.5}, "quality_gate": gate}


def write(path: Path, content: Any) -> Path:
    if not isinstance(content, str):
        content = json.dumps(content)
    path.write_text(content, encoding="utf-8")
    return path


def run(candidate: Path, baseline: Path, *extra: str) -> int:
    argv = ["--candidate", str(candidate), "--baseline", str(baseline)]
    return main([*argv, *extra])


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    return write(tmp_path / "candidate.json", report(0.95))


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [(0.94, PROMOTE), (0.95, PROMOTE), (0.96, KEEP)],
    ids=["better", "equal", "worse"],
)
def test_candidate_is_promoted_when_at_least_as_good(
    tmp_path: Path,
    candidate: Path,
    baseline: float,
    expected: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    production = write(tmp_path / "production.json", report(baseline))
    assert run(candidate, production) == expected
    out = capsys.readouterr().out
    assert out.startswith("promote:" if expected == PROMOTE else "keep")
    assert f"{baseline:.4f}" in out


def test_missing_baseline_means_first_deployment(
    tmp_path: Path,
    candidate: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(candidate, tmp_path / "none.json") == PROMOTE
    assert "first deployment" in capsys.readouterr().out


def test_tolerance_accepts_a_slightly_worse_candidate(
    tmp_path: Path,
    candidate: Path,
) -> None:
    production = write(tmp_path / "production.json", report(0.96))
    decision = decide(candidate, production, tolerance=0.02)
    assert decision.promote
    assert "tolerance" in decision.message
    assert not decide(candidate, production, tolerance=0.001).promote


@pytest.mark.parametrize("tolerance", ["-0.1", "nan", "inf"])
def test_invalid_tolerance_is_an_error(
    candidate: Path,
    tolerance: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(candidate, candidate, f"--tolerance={tolerance}") == ERROR
    assert "--tolerance" in capsys.readouterr().err


def test_metric_option_overrides_the_gate_metric(tmp_path: Path) -> None:
    candidate = write(tmp_path / "c.json", report(0.9))
    production = write(tmp_path / "p.json", report(0.99))
    # accuracy is 0.5 in both reports: equal is good enough
    assert decide(candidate, production, metric="accuracy").promote
    assert not decide(candidate, production).promote


def test_gate_metric_is_read_from_the_report() -> None:
    assert gate_metric(report(0.9, "f1")) == "f1"
    assert gate_metric({"metrics": {}}) == "roc_auc"
    assert gate_metric({"quality_gate": "broken"}) == "roc_auc"


def test_flat_reports_are_accepted(tmp_path: Path) -> None:
    candidate = write(tmp_path / "c.json", {"roc_auc": 0.9})
    production = write(tmp_path / "p.json", {"roc_auc": 0.8})
    decision = decide(candidate, production)
    assert decision == Decision("roc_auc", 0.9, 0.8)
    assert decision.promote


def test_candidate_that_failed_its_gate_is_never_promoted(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    candidate = write(tmp_path / "c.json", report(0.4, passed=False))
    assert run(candidate, tmp_path / "none.json") == ERROR
    assert "failed its quality gate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON report"),
        ("[1, 2]", "expected a JSON object"),
        ({"metrics": {"accuracy": 0.9}}, "no numeric 'roc_auc'"),
        ({"metrics": {"roc_auc": "high"}}, "no numeric 'roc_auc'"),
        ({"metrics": {"roc_auc": True}}, "no numeric 'roc_auc'"),
        ({"metrics": [0.9]}, "no numeric 'roc_auc'"),
        ('{"metrics": {"roc_auc": NaN}}', "non-finite"),
    ],
)
def test_unusable_reports_are_errors_with_a_clear_message(
    tmp_path: Path,
    candidate: Path,
    content: Any,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = write(tmp_path / "broken.json", content)
    assert run(broken, candidate) == ERROR
    assert message in capsys.readouterr().err
    assert run(candidate, broken) == ERROR
    assert message in capsys.readouterr().err


def test_missing_candidate_is_an_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(tmp_path / "none.json", tmp_path / "other.json") == ERROR
    assert "not found" in capsys.readouterr().err


def test_report_readers_raise_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not found"):
        read_report(tmp_path / "missing.json")
    with pytest.raises(ReportError, match="non-finite"):
        metric_value({"roc_auc": float("inf")}, "roc_auc", tmp_path)


def test_module_runs_from_the_command_line(
    tmp_path: Path,
    candidate: Path,
) -> None:
    production = write(tmp_path / "production.json", report(0.99))
    module = "{{ cookiecutter.package_name }}.promote"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            module,
            "--candidate",
            str(candidate),
            "--baseline",
            str(production),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == KEEP
    expected = "keep production: candidate roc_auc 0.9500 < production 0.9900"
    assert expected in result.stdout
