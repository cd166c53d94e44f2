"""DVC in generated projects, for real and offline: the default render runs `make ci` through
its DVC pipeline, pushes to the default (local) remote, and a fresh `git clone` gets data and
model back with `dvc pull` and has nothing to reproduce; a pointer whose data no remote has
stops `make data` with one line; `data_versioning=none` leaves no trace of DVC.

HOME points at a temporary folder, so the default remote (~/.cache/dvc-storage/<slug>) is a
throwaway one; uv keeps its real package cache (UV_CACHE_DIR). The pushed project is conftest's
`default_project`, shared with test_exercise and test_lifecycle.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import git

GROUP = pytest.mark.xdist_group("default")  # conftest's default_project


@pytest.fixture(scope="session")
def env(default_env: dict[str, str]) -> dict[str, str]:
    return default_env


def run(project: Path, env: dict[str, str], *cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def ok(project: Path, env: dict[str, str], *cmd: str) -> str:
    result = run(project, env, *cmd)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def dvc(project: Path, env: dict[str, str], *args: str) -> str:
    return ok(project, env, str(project / ".venv" / "bin" / "dvc"), *args)


OUTPUTS = ("data/processed/train.csv", "data/processed/test.csv", "models/model.joblib",
           "models/model.json")  # fmt: skip


@pytest.fixture(scope="session")
def pushed(default_project: Path) -> Path:
    """conftest's default project: after `make ci` and `dvc push`, dvc.lock and the metrics
    committed."""
    return default_project


@pytest.fixture(scope="module")
def clone(pushed: Path, tmp_path_factory: pytest.TempPathFactory, env) -> Path:
    """A fresh clone of the pushed project with `dvc pull` run in it."""
    target = tmp_path_factory.mktemp("clone") / "demo"
    git("clone", "-q", str(pushed), str(target), cwd=pushed.parent)
    ok(target, env, "make", "install")
    dvc(target, env, "pull")
    return target


@GROUP
@pytest.mark.slow
def test_make_ci_runs_the_dvc_pipeline_and_leaves_nothing_to_reproduce(pushed, env) -> None:
    lock = (pushed / "dvc.lock").read_text()
    assert all(f"  {stage}:\n" in lock for stage in ("data", "train", "evaluate"))
    assert json.loads(dvc(pushed, env, "status", "--json")) == {}
    repro = dvc(pushed, env, "repro")
    assert "Running stage" not in repro
    assert "Data and pipelines are up to date." in repro
    # The run recorded the parameters DVC read from configs/train.toml.
    params = json.loads(dvc(pushed, env, "params", "diff", "--all", "--json"))
    assert "configs/train.toml" in params
    assert git("status", "--porcelain", cwd=pushed) == ""
    remote = Path(env["HOME"]) / ".cache" / "dvc-storage" / "demo" / "files" / "md5"
    assert len(list(remote.rglob("*"))) >= len(OUTPUTS)


@GROUP
@pytest.mark.slow
def test_a_fresh_clone_pulls_data_and_model_and_is_up_to_date(pushed, clone, env) -> None:
    for name in OUTPUTS:
        assert (clone / name).read_bytes() == (pushed / name).read_bytes(), name
    assert json.loads(dvc(clone, env, "status", "--json")) == {}
    repro = dvc(clone, env, "repro")
    assert "Running stage" not in repro
    assert "Data and pipelines are up to date." in repro


@GROUP
@pytest.mark.slow
def test_versioned_data_missing_from_the_remote_stops_make_data_with_one_line(
    clone, env, tmp_path: Path
) -> None:
    """`dvc add` a raw file and commit the pointer without pushing: a clone's `make data`
    names the file and the fix in one line, and runs no stage."""
    raw = clone / "data" / "raw" / "dataset.csv"
    raw.write_text("a,target\n1,0\n2,1\n")
    dvc(clone, env, "add", "data/raw/dataset.csv")
    git("add", "data/raw/dataset.csv.dvc", cwd=clone)  # committable despite data/**/* ignored
    git("commit", "-q", "-m", "raw data, not pushed", cwd=clone)
    other = tmp_path / "other"
    git("clone", "-q", str(clone), str(other), cwd=tmp_path)
    result = run(other, env, "make", "data")
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("make data:")]
    assert lines == [
        "make data: data/raw/dataset.csv is versioned by DVC (data/raw/dataset.csv.dvc) but is"
        " neither here nor on the DVC remote: run 'make data-push' where the file exists, or set"
        " up the remote that has it (docs/data-versioning.md)"
    ]
    assert "Traceback" not in result.stderr
    assert "Running stage" not in result.stdout


def test_data_versioning_none_leaves_no_trace_of_dvc(rendered) -> None:
    root = rendered("copier", {"data_versioning": "none"})
    with_dvc = rendered("copier", {})
    assert (with_dvc / "dvc.yaml").is_file()
    assert (with_dvc / ".dvc" / "config").is_file()
    for name in ("dvc.yaml", ".dvc", ".dvcignore", "docs/data-versioning.md"):
        assert not (root / name).exists(), name
    mentions = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "dvc" in path.read_text(errors="replace").lower()
    ]
    assert mentions == []


def test_dvc_config_has_the_offline_default_remote_and_the_cloud_remote(rendered) -> None:
    """The local default remote always; the cloud remote on the IaC's storage, with the extra
    DVC needs for it, only where infrastructure code exists."""
    for answers, scheme, extra in (
        ({}, "azure://data/dvc", "dvc[azure]"),
        ({"cloud": "aws"}, "s3://", "dvc[s3]"),
        ({"cloud": "gcp"}, "gs://", "dvc[gs]"),
        ({"iac": "none"}, None, "dvc>="),
    ):
        root = rendered("copier", answers)
        config = (root / ".dvc" / "config").read_text()
        assert "remote = local" in config
        assert "url = ~/.cache/dvc-storage/demo" in config
        assert (scheme is not None) == ('remote "cloud"' in config), answers
        if scheme:
            assert f"url = {scheme}" in config
        assert f'"{extra}' in (root / "pyproject.toml").read_text(), answers
    ignored = (root / ".dvc" / ".gitignore").read_text().split()
    assert ignored == ["/config.local", "/tmp", "/cache"]
    assert "!data/**/*.dvc" in (root / ".gitignore").read_text()
    assert not (root / "dvc.lock").exists()  # `dvc repro` writes it; the user commits it
