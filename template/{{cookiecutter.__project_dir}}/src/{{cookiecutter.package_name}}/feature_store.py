"""The Feast feature store (docs/features.md): one place opens it.

Training builds its training set with ``get_historical_features`` (point-in-
time joins), the model API fetches a row by entity id with
``get_online_features``; `make features` registers and loads the store with
the same ``feature_store.yaml``. FEATURE_STORE_YAML, when set, names another
file (e.g. a cloud's stores); else ``feature_repo/feature_store.yaml``.
"""

from __future__ import annotations

import importlib.util
import os
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud == 'azure' %}
import time
{%- endif %}
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import prometheus_client  # noqa: F401  (a Feast dependency; first: see below)

from .data import ENTITY_KEY, TIMESTAMP
from .errors import DataError

# Importing Feast (feast.metrics) switches prometheus_client to multiprocess
# mode for the whole process, through environment variables: the model API's
# /metrics would lose its metrics. prometheus_client is imported first (it
# picks its mode then), Feast here, and the variables are put back.
_PROMETHEUS = ("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROCESS_DIR")
_SAVED = {name: os.environ.get(name) for name in _PROMETHEUS}
import feast.metrics  # noqa: E402, F401
from feast import Entity, FeatureStore, FeatureView  # noqa: E402
from feast.errors import FeatureViewNotFoundException  # noqa: E402

for _name, _value in _SAVED.items():
    if _value is None:
        os.environ.pop(_name, None)

if TYPE_CHECKING:
    from .config import Config

FEATURE_REPO = "feature_repo"
FEATURE_VIEW = "processed_features"  # feature_repo/definitions.py
ENV_YAML = "FEATURE_STORE_YAML"


def project_root(start: Path | None = None) -> Path:
    """The project: the folder with ``feature_repo/``, ``start`` or a parent.

    ``start`` defaults to the current directory.
    """
    here = (start or Path.cwd()).resolve()
    found = (p for p in (here, *here.parents) if (p / FEATURE_REPO).is_dir())
    return next(found, here)


def store_yaml(root: Path) -> Path:
    """``$FEATURE_STORE_YAML`` (relative to ``root``) or the local one."""
    chosen = os.environ.get(ENV_YAML) or f"{FEATURE_REPO}/feature_store.yaml"
    return root / chosen


def open_store(root: Path | None = None) -> FeatureStore:
    """The feature store of the project at ``root`` (default: from cwd)."""
    root = root or project_root()
    repo = str(root / FEATURE_REPO)
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud == 'azure' %}
    _redis_token()
{%- endif %}
    return FeatureStore(repo_path=repo, fs_yaml_file=store_yaml(root))
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud == 'azure' %}


# Azure Cache for Redis takes Microsoft Entra tokens only (no access key):
# feature_store.cloud.yaml's connection string carries a token of this
# process's identity as password. deploy.sh sets it for `make features`; the
# model API (FEATURE_STORE_REDIS_HOST and _USER set by the infrastructure)
# gets one here, and again before it expires (current_store).
REDIS_SCOPE = "https://redis.azure.com/.default"
_expires = {"at": float("inf")}


def _redis_token() -> None:
    host = os.environ.get("FEATURE_STORE_REDIS_HOST")
    user = os.environ.get("FEATURE_STORE_REDIS_USER")
    if not (host and user):
        return
    from azure.identity import DefaultAzureCredential  # uses AZURE_CLIENT_ID

    token = DefaultAzureCredential().get_token(REDIS_SCOPE)
    secret = f"{host}:6380,ssl=true,username={user},password={token.token}"
    os.environ["FEATURE_STORE_REDIS_CONNECTION"] = secret
    _expires["at"] = token.expires_on
{%- endif %}


_current: dict[str, FeatureStore] = {}


def current_store() -> FeatureStore:
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud == 'azure' %}
    """The store a long-running process (the model API) reads, opened once.

    Opened again five minutes before its Redis token expires.
    """
{%- else %}
    """The store a long-running process (the model API) reads, opened once."""
{%- endif %}
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud == 'azure' %}
    if time.time() > _expires["at"] - 300:
        _current.clear()
{%- endif %}
    root = project_root()
    key = str(store_yaml(root))  # one per project and configuration
    if key not in _current:
        _current[key] = open_store(root)
    return _current[key]


def register(store: FeatureStore, materialize: bool = False) -> None:
    """What `make features` does: `feast apply` (and materialize-incremental).

    The definitions are the objects of ``feature_repo/definitions.py``.
    """
    path = Path(store.repo_path) / "definitions.py"
    spec = importlib.util.spec_from_file_location("feature_definitions", path)
    if spec is None or spec.loader is None:
        raise DataError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # the source is missing (definitions.py)
        raise DataError(str(exc)) from None
    kinds = (Entity, FeatureView)
    store.apply([v for v in vars(module).values() if isinstance(v, kinds)])
    if materialize:
        store.materialize_incremental(end_date=datetime.now(UTC))


def feature_names(store: FeatureStore) -> list[str]:
    """The features of the feature view; registered first if it is not yet."""
    try:
        view = store.get_feature_view(FEATURE_VIEW)
    except FeatureViewNotFoundException:
        register(store)
        view = store.get_feature_view(FEATURE_VIEW)
    return [field.name for field in view.features]


def training_frame(
    config: Config,
    labels: pd.DataFrame,
    store: FeatureStore | None = None,
) -> pd.DataFrame:
    """``labels`` (entity id, event time, target) with the features as of then.

    A point-in-time join: each row gets the newest feature values at or
    before its event time, so no value from its future leaks into training.
    Rows keep their order; a row with no value yet gets NaN (imputed later).
    """
    store = store or open_store(project_root(config.paths.processed_dir))
    keys = [ENTITY_KEY, TIMESTAMP]
    entity_df = labels[[*keys, config.data.target]].copy()
    entity_df[TIMESTAMP] = pd.to_datetime(entity_df[TIMESTAMP], utc=True)
    refs = [f"{FEATURE_VIEW}:{name}" for name in feature_names(store)]
    joined = store.get_historical_features(entity_df=entity_df, features=refs)
    features = joined.to_df().drop(columns=config.data.target)
    return entity_df.merge(features, on=keys, how="left", validate="1:1")


def online_row(
    store: FeatureStore,
    entity_id: int,
    names: list[str],
) -> dict[str, Any] | None:
    """The online features ``names`` of one entity; None when it has none."""
    refs = [f"{FEATURE_VIEW}:{name}" for name in names]
    rows = [{ENTITY_KEY: entity_id}]
    found = store.get_online_features(refs, entity_rows=rows).to_dict()
    row = {name: found[name][0] for name in names}
    return None if all(value is None for value in row.values()) else row
