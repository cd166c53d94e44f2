"""The model lifecycle of a generated project, for real: `make ci` logs an MLflow run and
registers the first model as champion in the embedded store (read back with MLflow's client,
from the project's own environment); promotion refuses an unchanged model and promotes a
better one (a changed hyper-parameter) only past the margin, both scored on the same hold-out.

The default render after its `make ci` (conftest's `default_project`, installed once and shared
with test_exercise and test_dvc) is copied for the module's tests (xdist group "default").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import project_env

pytestmark = pytest.mark.slow

# Runs in the generated project's .venv: MLflow is its dependency, not the template's.
READ_STORE = """
import json, sys
from mlflow import MlflowClient
client = MlflowClient(sys.argv[1])
name = sys.argv[2]
runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
model = client.get_registered_model(name)
versions = client.search_model_versions(f"name = '{name}'")
print(json.dumps({
    "runs": {r.info.run_id: {"metrics": r.data.metrics, "tags": r.data.tags} for r in runs},
    "aliases": {alias: str(version) for alias, version in model.aliases.items()},
    "versions": {str(v.version): v.run_id for v in versions},
}))
"""


@pytest.fixture(scope="module")
def project(default_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of conftest's default project after its `make ci` (splits, model, registry,
    reports), its .venv a link to the shared one: promotions change the copy only. The code
    is the same (the package is installed editable from the shared project's src/), so are
    the code and data hashes. New runs' artifacts go where the experiment keeps them (the
    shared project's mlruns/artifacts, git-ignored)."""
    copy = tmp_path_factory.mktemp("lifecycle") / "demo"
    shutil.copytree(default_project, copy, ignore=shutil.ignore_patterns(".venv", ".git"))
    (copy / ".venv").symlink_to(default_project / ".venv")
    return copy


def package(project: Path) -> str:
    (module,) = (project / "src").glob("*/tracking.py")
    return module.parent.name


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The project's command line, with extra environment variables."""
    command = [str(project / ".venv" / "bin" / package(project)), *args]
    environment = {**project_env(), **env}
    environment.pop("MLFLOW_TRACKING_URI", None)  # the project's embedded store
    return subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, timeout=600
    )


def store(project: Path) -> Any:
    uri = f"sqlite:///{project / 'mlruns' / 'mlflow.db'}"
    python = project / ".venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    result = subprocess.run(
        [python, "-c", READ_STORE, uri, package(project)],
        capture_output=True, text=True, check=True, env=env, timeout=300,
    )  # fmt: skip
    return json.loads(result.stdout.splitlines()[-1])


def metadata(project: Path) -> Any:
    return json.loads((project / "models" / "model.json").read_text())


@pytest.mark.xdist_group("default")
def test_make_ci_logs_a_run_and_registers_the_champion(project: Path) -> None:
    state = store(project)
    record = metadata(project)["mlflow"]
    run = state["runs"][record["run_id"]]
    assert {"train_roc_auc", "cv_roc_auc"} <= set(run["metrics"])  # the gate's metric
    assert run["tags"]["data_hash"] == metadata(project)["data_hash"]
    assert run["tags"]["code_hash"] == metadata(project)["code_hash"]
    assert state["versions"] == {"1": record["run_id"]}
    assert state["aliases"] == {"champion": "1", "challenger": "1"}
    assert (project / "mlruns" / "artifacts").is_dir()  # beside the store, not ./mlruns of cwd


@pytest.mark.xdist_group("default")
def test_promotion_refuses_the_unchanged_model_and_needs_the_margin(project: Path) -> None:
    name = package(project).upper()
    result = run(project, "promote")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("keep champion: unchanged: same data and code")

    # A changed hyper-parameter: a better challenger on the same split (version 2).
    better = {f"{name}_MODEL__PARAMS": '{"max_iter": 1000, "C": 0.05}'}
    assert run(project, "train", **better).returncode == 0
    margin = f"{name}_PROMOTION__MIN_IMPROVEMENT"
    # 100 resamples (not 1,000) for the interval: what is checked holds for any number.
    fast = {f"{name}_PROMOTION__BOOTSTRAP": "100"}
    result = run(project, "promote", **fast, **{margin: "0.01"})
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("keep champion: roc_auc ")
    assert "margin 0.0100" in result.stdout
    assert store(project)["aliases"] == {"champion": "1", "challenger": "2"}

    report = json.loads((project / "reports" / "promotion.json").read_text())
    gate = json.loads((project / "reports" / "metrics.json").read_text())  # make ci's evaluate
    held_out = project / "data" / "processed" / "test.csv"
    assert report["n_samples"] == len(held_out.read_text().splitlines()) - 1
    assert report["champion"]["score"] == gate["metrics"]["roc_auc"]  # the same rows
    assert 0 < report["difference"] < 0.01
    low, high = report["confidence_interval"]
    assert low <= report["difference"] <= high

    result = run(project, "promote", "--dry-run", **fast, **{margin: "0.0005"})
    assert (result.returncode, result.stdout.endswith("(dry run)\n")) == (0, True)
    assert store(project)["aliases"]["champion"] == "1"
    result = run(project, "promote", **fast, **{margin: "0.0005"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("promote: roc_auc ")
    assert store(project)["aliases"] == {"champion": "2", "challenger": "2"}
    assert run(project, "promote").returncode == 1  # unchanged again
