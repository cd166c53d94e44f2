"""Static checks on rendered projects: engine parity, option-owned files, no Jinja left,
parsing, answers applied."""

from __future__ import annotations

import json
import re
import runpy
import tomllib
from typing import Any

import nbformat
import pytest
import yaml
from helpers import (
    CURRENT_TAG,
    defaults,
    delivery_product,
    pairwise_sets,
    set_id,
    training_product,
    tree,
)
from jinja2.sandbox import SandboxedEnvironment

from mlops_cookie import derive
from mlops_cookie.questions import REPO_ROOT, load

SETS = pairwise_sets()
IDS = [f"{i:02d}-{set_id(a)}" for i, a in enumerate(SETS)]
# the options that own files, over all their valid combinations; cloud training with every CI
# provider and every cloud
PRODUCT = delivery_product() + training_product()
PRODUCT_IDS = [set_id(a) for a in PRODUCT]
# `${{ … }}` is GitHub Actions' own expression syntax, not leftover template code.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#|%\}|#\}")


@pytest.mark.parametrize("answers", SETS, ids=IDS)
def test_copier_and_cookiecutter_render_identical_files(rendered, answers: dict[str, Any]) -> None:
    by_copier = tree(rendered("copier", answers))
    by_cookiecutter = tree(rendered("cookiecutter", answers))
    assert sorted(by_copier) == sorted(by_cookiecutter)
    differing = [p for p in by_copier if by_copier[p] != by_cookiecutter[p]]
    assert not differing, f"files differ between engines: {differing}"


@pytest.mark.parametrize("answers", PRODUCT, ids=PRODUCT_IDS)
def test_copier_cookiecutter_and_cruft_render_identical_files(
    rendered, answers: dict[str, Any]
) -> None:
    by_copier = tree(rendered("copier", answers))
    for engine in ("cookiecutter", "cruft"):
        by_engine = tree(rendered(engine, answers))
        assert sorted(by_engine) == sorted(by_copier), engine
        differing = [p for p in by_copier if by_copier[p] != by_engine[p]]
        assert not differing, f"files differ between copier and {engine}: {differing}"
    assert (rendered("cruft", answers) / ".cruft.json").is_file()


def _ownership() -> tuple[list[str], Any]:
    """copier.yml's option-owned paths and the cookiecutter hook's function that evaluates them."""
    hook = runpy.run_path(str(REPO_ROOT / derive.POST_GEN))
    return derive.owned_paths(load()[0]), hook["excluded"]


def _left_out(path: str, left_out: set[str]) -> bool:
    return any(path == p or path.startswith(f"{p}/") for p in left_out)


@pytest.mark.parametrize("answers", PRODUCT + SETS, ids=PRODUCT_IDS + IDS)
def test_copier_leaves_out_exactly_what_the_cookiecutter_hook_removes(
    rendered, answers: dict[str, Any]
) -> None:
    """Copier reads `_exclude` entries as .gitignore patterns, the hook as literal paths: for
    every entry, the path is in copier's render exactly when the hook keeps it."""
    entries, excluded = _ownership()
    a = defaults(answers)
    left_out = set(excluded(a, entries))
    root = rendered("copier", answers)
    for entry in entries:
        path = SandboxedEnvironment().from_string(derive.owned_path(entry)[1]).render(a)
        assert (root / path).exists() != _left_out(path, left_out), f"{path}: {entry}"


def test_every_option_owned_path_comes_and_goes_with_its_option() -> None:
    """No entry of the table is dead: over the rendered answer sets, each path is generated for
    some and left out for others (a mistyped value in a condition shows here)."""
    entries, excluded = _ownership()
    seen: dict[str, set[bool]] = {entry: set() for entry in entries}
    for answers in PRODUCT + SETS:
        a = defaults(answers)
        left_out = set(excluded(a, entries))
        for entry in entries:
            path = SandboxedEnvironment().from_string(derive.owned_path(entry)[1]).render(a)
            seen[entry].add(_left_out(path, left_out))
    assert {entry: kept for entry, kept in seen.items() if kept != {True, False}} == {}


def test_the_product_covers_every_value_of_the_options_that_own_files() -> None:
    for name in ("ci_provider", "iac", "serving", "cloud", "training_compute", "feature_store"):
        values = {defaults(a)[name] for a in PRODUCT}
        assert values == set(next(q for q in load()[1] if q.name == name).choices), name


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
    a = defaults(answers)  # what copier records: the given answers, else copier.yml's defaults
    root = rendered("copier", answers)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == a["project_slug"]
    assert pyproject["project"]["requires-python"] == f">={a['python_version']}"
    assert pyproject["tool"]["ruff"]["line-length"] == int(a["line_length"])
    assert "target-version" not in pyproject["tool"]["ruff"]  # ruff reads requires-python
    assert (root / ".python-version").read_text().strip() == a["python_version"]
    assert (root / "src" / a["package_name"] / "__init__.py").is_file()
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
    assert (root / "NOTICE").exists() == (a["license"] == "Apache-2.0")


def test_copier_records_answers_and_version(rendered) -> None:
    answers = yaml.safe_load((rendered("copier", {}) / ".copier-answers.yml").read_text())
    assert {k: v for k, v in answers.items() if not k.startswith("_")} == defaults()
    assert answers["_commit"] == CURRENT_TAG


def test_slug_and_package_derive_from_the_name(rendered) -> None:
    answers = {"project_name": "Churn Model"}
    assert rendered("cookiecutter", answers).name == "churn-model"  # copier's folder is given
    for engine in ("copier", "cookiecutter"):
        root = rendered(engine, answers)
        assert (root / "src" / "churn_model" / "__init__.py").is_file()
        assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["name"] == (
            "churn-model"
        )
