"""Load Feast configuration files with Feast's own loader, offline.

Run by tests/test_cloud_contract.py with the Python that has Feast (.venv-feast, not the test
venv: Feast pins its own pandas, pyarrow and pydantic):
    python feast_config.py < [[repo_dir, yaml_path, {ENV: value}], ...]   (JSON)
    ->  [error or null, ...]
Each file goes through `feast.repo_config.load_repo_config` (the environment expanded, then
pydantic's RepoConfig with the online and offline store models of the named types: unknown
or misspelt keys and wrong types are errors), and a registry store named in the file must be
one Feast knows.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def check(repo: str, path: str, env: dict[str, str]) -> str | None:
    from feast.infra.registry.registry import REGISTRY_STORE_CLASS_FOR_TYPE
    from feast.repo_config import load_repo_config

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        config = load_repo_config(Path(repo), Path(path))
        # Touch the store models: RepoConfig builds them lazily.
        config.online_store, config.offline_store  # noqa: B018
        store = config.registry.registry_store_type
        if store is not None and store not in REGISTRY_STORE_CLASS_FOR_TYPE:
            known = sorted(REGISTRY_STORE_CLASS_FOR_TYPE)
            return f"registry_store_type {store!r}: not one of {known}"
    except Exception as error:  # reported to the test, one line per file
        return f"{type(error).__name__}: {error}".replace("\n", " ")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return None


if __name__ == "__main__":
    json.dump([check(*item) for item in json.load(sys.stdin)], sys.stdout)
