"""copier.yml is the one definition of the questions; everything derived from it must agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from copier._template import Template

from mlops_cookie import derive
from mlops_cookie.questions import load, visible


def test_derived_files_are_current() -> None:
    stale = [str(path) for path, text in derive.render_all().items() if path.read_text() != text]
    assert not stale, f"run `make derive`: {stale}"


def test_check_mode_reports_a_stale_file_and_changes_nothing(template_repo: Path) -> None:
    assert derive.main(["--check", "--root", str(template_repo)]) == 0
    stale = template_repo / derive.OPTIONS_MD
    stale.write_text("old")
    try:
        assert derive.main(["--check", "--root", str(template_repo)]) == 1
        assert stale.read_text() == "old"
    finally:
        derive.main(["--root", str(template_repo)])


def test_our_reader_sees_what_copier_sees(template_repo: Path) -> None:
    """Our copier.yml reader (with !include) must give copier's own question list."""
    copier_questions = Template(url=str(template_repo)).questions_data
    _, ours = load()
    assert [q.name for q in ours] == list(copier_questions)
    for q in ours:
        assert q.default == copier_questions[q.name].get("default")


def test_cookiecutter_json_offers_the_same_questions_and_defaults() -> None:
    context = json.loads(derive.COOKIECUTTER_JSON.read_text())
    _, questions = load()
    asked = [k for k in context if not k.startswith("_")]
    assert asked == [q.name for q in visible(questions)]
    for q in visible(questions):
        if q.choices:
            assert context[q.name][0] == q.default, "cookiecutter's default is the first choice"
            assert sorted(context[q.name]) == sorted(q.choices)


def test_options_page_lists_every_question_with_its_reason() -> None:
    page = derive.OPTIONS_MD.read_text()
    for q in visible(load()[1]):
        assert f"`{q.name}`" in page
        assert q.why, f"{q.name} has no x_doc.why in copier.yml"
        assert q.why in page


def _tree_names() -> list[str]:
    tree = derive.REPO_ROOT / derive.PROJECT_TREE
    return [p.relative_to(tree).as_posix() for p in tree.rglob("*")]


def test_template_names_are_plain_but_the_three_that_must_be_templated() -> None:
    """Which option owns a file is said in copier.yml only, never in a file name."""
    templated = sorted({
        part for name in _tree_names() for part in name.split("/") if "{" in part
    })  # fmt: skip
    assert templated == [
        "{% if _copier_conf is defined %}{{ _copier_conf.answers_file }}{% endif %}",
        "{{cookiecutter.package_name}}",
    ]


def test_hook_code_lives_in_hooks_and_template_holds_only_derived_copies() -> None:
    root = derive.REPO_ROOT
    outside_tree = [
        p.relative_to(root / "template").as_posix()
        for p in (root / "template").rglob("*")
        if p.is_file() and not p.relative_to(root / "template").as_posix().startswith("{{")
    ]
    assert sorted(outside_tree) == ["cookiecutter.json", "hooks/post_gen_project.py",
                                    "hooks/pre_gen_project.py"]  # fmt: skip
    derived = derive.render_all()
    for name in ("pre_gen_project.py", "post_gen_project.py"):
        copy = derived[root / derive.HOOKS_DIR / name]
        assert copy.startswith(f"# Derived from hooks/{name}")


def test_copier_runs_migrations_from_hooks(template_repo: Path) -> None:
    """Every migration script named in copier.yml (its example too) exists under hooks/."""
    text = (derive.REPO_ROOT / "copier.yml").read_text()
    scripts = set(re.findall(r"src_path \}\}/([\w/.-]+\.py)", text))
    assert scripts == {"hooks/migrations/move.py", "hooks/migrations/train_toml_v030.py"}
    assert all((template_repo / s).is_file() for s in scripts)
    assert (template_repo / "hooks/migrations/rename_answer.py").is_file()


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("{% if serving != 'fastapi' %}src/*/serve.py{% endif %}", "no wildcards"),
        ("{% if serving != 'fastapi' %}Dockerfile.prod{% endif %}", "no Dockerfile.prod"),
        ("{% if iac == 'none' %}README.md{% endif %}", "also leaves out"),
        ("{{ 'infra' if iac == 'none' }}", "no wildcards"),
    ],
)
def test_derive_refuses_an_ownership_entry_it_cannot_mirror(
    template_repo: Path, entry: str, complaint: str, capsys
) -> None:
    copier_yml = template_repo / "copier.yml"
    text = copier_yml.read_text()
    copier_yml.write_text(text.replace("_exclude:\n", f"_exclude:\n  - {json.dumps(entry)}\n", 1))
    try:
        with pytest.raises(SystemExit, match=re.escape(complaint)):
            derive.main(["--root", str(template_repo)])
    finally:
        copier_yml.write_text(text)
