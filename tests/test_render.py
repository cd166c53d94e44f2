"""Static checks on rendered projects: engine parity, no Jinja left, parsing, answers applied."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import nbformat
import pytest
import yaml
from answer_sets import pairwise_sets, set_id
from conftest import tree

SETS = pairwise_sets()
IDS = [f"{i:02d}-{set_id(a)}" for i, a in enumerate(SETS)]
# `${{ … }}` is GitHub Actions' own expression syntax, not leftover template code.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#|%\}|#\}")


@pytest.mark.parametrize("answers", SETS, ids=IDS)
def test_copier_and_cookiecutter_render_identical_files(rendered, answers: dict[str, Any]) -> None:
    by_copier = tree(rendered("copier", answers))
    by_cookiecutter = tree(rendered("cookiecutter", answers))
    assert sorted(by_copier) == sorted(by_cookiecutter)
    differing = [p for p in by_copier if by_copier[p] != by_cookiecutter[p]]
    assert not differing, f"files differ between engines: {differing}"


@pytest.mark.parametrize("answers", [SETS[0], SETS[2]], ids=[IDS[0], IDS[2]])
def test_cruft_renders_what_cookiecutter_renders(rendered, answers: dict[str, Any]) -> None:
    assert tree(rendered("cruft", answers)) == tree(rendered("cookiecutter", answers))
    assert (rendered("cruft", answers) / ".cruft.json").is_file()


@pytest.mark.parametrize("answers", SETS, ids=IDS)
def test_no_unrendered_jinja_and_no_empty_files(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    files = tree(root)
    assert files, "nothing rendered"
    empty = [p for p, (content, _) in files.items() if content is not None and not content.strip()]
    assert not empty, f"empty files: {empty}"
    leftovers = [
        f"{p}: {m.group(0)!r}"
        for p, (content, _) in files.items()
        if content is not None
        for m in [LEFTOVER_JINJA.search(content.decode(errors="replace"))]
        if m
    ]
    assert not leftovers, f"unrendered Jinja: {leftovers}"
    assert not [p for p in files if "{" in p or "}" in p], "unrendered file names"
    empty_dirs = [p for p, (content, _) in files.items() if content is None and not any(
        q.startswith(p + "/") for q in files)]  # fmt: skip
    assert not empty_dirs, f"empty folders: {empty_dirs}"


@pytest.mark.parametrize("answers", SETS, ids=IDS)
def test_structured_files_parse(rendered, answers: dict[str, Any]) -> None:
    root = rendered("copier", answers)
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            # mkdocs.yml uses !!python/name tags for markdown extensions; parse but don't construct
            list(yaml.compose_all(text))
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".ipynb":
            nbformat.validate(nbformat.reads(text, as_version=4))
        elif path.suffix == ".py":
            compile(text, str(path), "exec")


@pytest.mark.parametrize("answers", SETS, ids=IDS)
def test_answers_shape_the_project(rendered, answers: dict[str, Any]) -> None:
    a = {
        "python_version": "3.11",
        "package_manager": "uv",
        "line_length": 88,
        "docs": "mkdocs",
        "license": "MIT",
        **answers,
    }
    root = rendered("copier", answers)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "demo"
    assert pyproject["project"]["requires-python"] == f">={a['python_version']}"
    assert pyproject["tool"]["ruff"]["line-length"] == int(a["line_length"])
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + a["python_version"].replace(
        ".", ""
    )
    assert (root / ".python-version").read_text().strip() == a["python_version"]
    assert (root / "src" / "demo" / "__init__.py").is_file()
    assert (root / "mkdocs.yml").exists() == (a["docs"] == "mkdocs")
    makefile = (root / "Makefile").read_text()
    assert ("uv sync" in makefile) == (a["package_manager"] == "uv")
    licence = (root / "LICENSE").read_text()
    expected = {
        "MIT": "Permission is hereby granted, free of charge",
        "Apache-2.0": "Apache License",
        "BSD-3-Clause": "Redistribution and use in source and binary forms",
        "Proprietary": "All rights reserved",
    }[a["license"]]
    assert expected in licence


def test_copier_records_answers_and_version(rendered) -> None:
    answers = yaml.safe_load((rendered("copier", {}) / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "Demo"
    assert answers["_commit"].startswith("v")
    assert "cookiecutter" not in answers
    assert "reserved_package_names" not in answers


def test_slug_and_package_derive_from_the_name(rendered) -> None:
    answers = {"project_name": "Churn Model"}
    for engine in ("copier", "cookiecutter"):
        root = rendered(engine, answers)
        assert root.name in {"churn-model", "project"}
        assert (root / "src" / "churn_model" / "__init__.py").is_file()
        assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["name"] == (
            "churn-model"
        )
