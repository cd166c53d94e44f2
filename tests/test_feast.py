"""feature_store=feast, for real and offline: one rendered project, its own `make ci` (install,
lint, the generated tests, data, `make features`, training through `get_historical_features`,
evaluate), the registered feature view, a point-in-time training set checked against rows built
by hand, the model API under uvicorn on 127.0.0.1 answering an entity id (features fetched from
the SQLite online store) and an unknown id (404), and the negative control: with the feature
view's source missing, `make features` and a bare `feast apply` stop with one line.

One xdist group, one project, one server.
"""

from __future__ import annotations

import json
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import generate, make, sh

from mlops_cookie.questions import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from bench_serving import free_port, serving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("feast")]

ANSWERS = {"feature_store": "feast", "ci_provider": "none", "iac": "none", "docs": "none"}

# Labels at hours 1, 3, 4 and 6 against feature values at hours 0, 2 (entity 1) and 5 (entity 2):
# the newest value at or before each label's time, none yet for entity 2 at hour 4.
POINT_IN_TIME = """
import json
import pandas as pd
from demo.config import load_config
from demo.feature_store import open_store, register, training_frame

def at(hour):
    return pd.Timestamp("2025-03-01", tz="UTC") + pd.Timedelta(hours=hour)

config = load_config("configs/train.toml")
source = config.paths.processed_dir / "features.parquet"
pd.DataFrame({"entity_id": [1, 1, 2], "event_timestamp": [at(0), at(2), at(5)],
              "size": [10.0, 20.0, 30.0]}).to_parquet(source)
labels = pd.DataFrame({"entity_id": [1, 1, 2, 2],
                       "event_timestamp": [at(1), at(3), at(4), at(6)], "target": [0, 1, 0, 1]})
store = open_store()
register(store)
frame = training_frame(config, labels, store)
sizes = [None if pd.isna(size) else size for size in frame["size"]]
print(json.dumps(list(zip(frame["entity_id"].tolist(), frame["target"].tolist(), sizes))))
"""


@pytest.fixture(scope="module")
def built(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The feast project after its own `make ci` (install, features, train, evaluate), and
    what `make ci` printed."""
    project = generate(template_repo, tmp_path_factory.mktemp("feast") / "demo", ANSWERS)
    return project, make(project, "ci").stdout


@pytest.fixture(scope="module")
def project(built: tuple[Path, str]) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    log = project / "reports" / "server.log"
    with serving(project, free_port(), log, timeout=300) as url:
        yield url


def post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # local URL only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_make_ci_applies_materialises_and_trains_from_the_store(built: tuple[Path, str]) -> None:
    project, printed = built
    # `make train` ran `make features` first: feast apply, then materialize-incremental
    assert "Created feature view processed_features" in printed
    assert "materialize-incremental" in printed
    assert (project / "data" / "processed" / "features.parquet").is_file()
    assert (project / "data" / "feast" / "registry.db").is_file()
    assert (project / "data" / "feast" / "online_store.db").is_file()
    listed = sh(project, ".venv/bin/feast", "-c", "feature_repo", "feature-views", "list").stdout
    assert "processed_features" in listed


def test_api_predicts_for_an_entity_id_and_404s_an_unknown_one(project: Path, server: str) -> None:
    held_out = (project / "data" / "processed" / "test.csv").read_text().splitlines()
    header = held_out[0].split(",")
    known = int(held_out[1].split(",")[header.index("entity_id")])
    status, answer = post(f"{server}/predict/entity", {"entity_id": known})
    assert status == 200, answer
    assert answer["entity_id"] == known
    assert answer["predictions"][0]["prediction"] in (0, 1)
    status, answer = post(f"{server}/predict/entity", {"entity_id": 10**9})
    assert status == 404
    assert answer["message"] == (
        "entity_id 1000000000: no online features (unknown id, or run make features)"
    )
    # the raw-feature API is unchanged
    model = json.loads((project / "models" / "model.json").read_text())
    row = dict.fromkeys(model["feature_names"], 1.0)
    assert post(f"{server}/predict", row)[0] == 200


def test_training_set_is_point_in_time(project: Path, server: str) -> None:
    # after the API test: it rewrites the features file the server's store reads
    rows = json.loads(sh(project, ".venv/bin/python", "-c", POINT_IN_TIME).stdout)
    assert rows == [[1, 0, 10.0], [1, 1, 20.0], [2, 0, None], [2, 1, 30.0]]


def test_missing_source_is_one_line_at_make_features(project: Path) -> None:
    # after the other tests: `make data` would write the file again, so `feast apply` is run
    # the way `make features` runs it, right after the check
    source = project / "data" / "processed" / "features.parquet"
    shutil.move(source, source.with_suffix(".moved"))
    result = sh(project, "make", "-o", "data", "features", check=False)
    assert result.returncode == 2
    lines = [line for line in result.stdout.splitlines() if line.startswith("make features:")]
    assert lines == [
        "make features: the feature view's source data/processed/features.parquet is missing: "
        "run make data (data.source in configs/train.toml)"
    ]
    # `feast apply` by hand: one line too (feature_repo/definitions.py), not pyarrow's traceback
    raw = sh(project, ".venv/bin/feast", "-c", "feature_repo", "apply", check=False)
    assert raw.returncode == 1
    assert raw.stderr.strip().splitlines() == [
        f"feature view processed_features: its source {source} is missing: run make data"
    ]
