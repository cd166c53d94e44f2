"""The rendered .devcontainer/devcontainer.json, validated against the Dev Containers spec's schema
(vendored in tests/schemas/, offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA = Path(__file__).parent / "schemas" / "devContainer.base.schema.json"
VARIANTS = [{}, {"package_manager": "pip", "serving": "none", "python_version": "3.13"}]


def validate(document: Any) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


@pytest.mark.parametrize("answers", VARIANTS, ids=["defaults", "pip-no-serving-3.13"])
def test_devcontainer_follows_the_spec_and_installs_the_project(rendered, answers) -> None:
    root = rendered("copier", answers)
    config = json.loads((root / ".devcontainer" / "devcontainer.json").read_text())
    assert validate(config) == []
    assert config["postCreateCommand"] == "make install"
    assert config["image"] == f"python:{answers.get('python_version', '3.11')}-bookworm"
    assert ("uv" in config.get("onCreateCommand", "")) == (answers.get("package_manager") != "pip")


def test_the_schema_really_rejects_a_broken_file() -> None:
    assert validate({"name": "x", "image": 3, "postCreateCommand": "make install"})
    assert validate({"name": "x", "image": "python:3.11", "postCreatCommand": "typo"})
