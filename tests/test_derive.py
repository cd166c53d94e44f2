"""copier.yml is the one definition of the questions; everything derived from it must agree."""

from __future__ import annotations

import json
from pathlib import Path

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
