"""Upgrading across the layout release: projects generated from the real v0.1.0 (rebuilt from
this repository's own history, in a throwaway repository) by copier and by cruft update to the
current version with every user edit kept.

v0.2.0 renamed the template's own files (plain names, hooks/ at the top) but no generated path,
so it ships no migration: the update must find nothing to do but keep what the user did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import CURRENT_TAG, commit_all, generate_old, git, tree

from mlops_cookie.devtools import V010_COMMIT, template_history
from mlops_cookie.questions import REPO_ROOT
from mlops_cookie.update import update

OLD_TAG = "v0.1.0"
# (file, how the user changes it): user-owned files (copier's _skip_if_exists), template-owned
# ones, and a file the user adds
EDITS = {
    "configs/train.toml": lambda text: text + "\n# team: tuned on 2026-11 data\n",
    "src/demo/models.py": lambda text: text + "\n\ndef team_baseline() -> str:\n    return 'lr'\n",
    "Makefile": lambda text: text.replace("\n", "\n# team: run `make ci` before every push\n", 1),
    "README.md": lambda text: text + "\n## Team notes\n\nOwned by the fraud squad.\n",
    "NOTES.md": lambda _: "# Decisions\n\n- logistic regression first\n",
}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if git("rev-parse", "--is-shallow-repository", cwd=REPO_ROOT).strip() == "true":
        pytest.skip(f"a shallow clone lacks the v0.1.0 commit {V010_COMMIT[:7]}: fetch the history")
    return template_history(tmp_path_factory.mktemp("history"), V010_COMMIT, OLD_TAG)


@pytest.fixture(scope="module", params=["copier", "cruft"])
def upgraded(request, history: Path, tmp_path_factory: pytest.TempPathFactory):
    engine = request.param
    project = generate_old(engine, history, tmp_path_factory.mktemp(f"old-{engine}"), ref=OLD_TAG)
    edited = {}
    for rel, change in EDITS.items():
        path = project / rel
        path.write_text(change(path.read_text() if path.exists() else ""))
        edited[rel] = path.read_bytes()
    commit_all(project, "user edits")
    report = update(project, to_ref=CURRENT_TAG)
    fresh = generate_old(engine, history, tmp_path_factory.mktemp(f"new-{engine}"), ref=CURRENT_TAG)
    return engine, project, report, edited, fresh


def test_the_rebuilt_releases_are_the_real_ones(history: Path) -> None:
    old = yaml.safe_load(git("show", f"{OLD_TAG}:copier.yml", cwd=history).split("\n---")[0])
    assert "template/reserved-names.yml" in git("show", f"{OLD_TAG}:copier.yml", cwd=history)
    assert old["_subdirectory"] == "template/{% raw %}{{cookiecutter.__project_dir}}{% endraw %}"
    assert (history / "hooks" / "pre_gen_project.py").is_file()
    assert git("describe", "--tags", "--exact-match", cwd=history).strip() == CURRENT_TAG


def test_the_update_reaches_the_current_release_without_a_conflict(upgraded) -> None:
    _, _, report, _, _ = upgraded
    assert (report.from_version, report.to_version) == (OLD_TAG, CURRENT_TAG), report.render()
    assert report.conflicts == [], report.render()
    assert report.exit_code == 0, report.render()


def test_every_user_edit_is_kept(upgraded) -> None:
    _, project, _, edited, _ = upgraded
    changed = {rel for rel, content in edited.items() if (project / rel).read_bytes() != content}
    assert not changed, f"edits lost: {sorted(changed)}"


def test_the_result_is_a_fresh_render_of_the_new_release_plus_the_edits(upgraded) -> None:
    _, project, _, edited, fresh = upgraded
    ours, theirs = tree(project), tree(fresh)
    assert sorted(set(ours) - set(edited)) == sorted(set(theirs) - set(edited)), "files lost"
    differing = [p for p in theirs if p not in edited and ours[p] != theirs[p]]
    assert not differing, f"differs from a fresh {CURRENT_TAG} render: {differing}"


def test_the_project_records_the_new_release(upgraded, history: Path) -> None:
    engine, project, _, _, _ = upgraded
    if engine == "copier":
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        assert answers["_commit"] == CURRENT_TAG
    else:
        state = json.loads((project / ".cruft.json").read_text())
        assert state["commit"] == git("rev-parse", f"{CURRENT_TAG}^{{commit}}", cwd=history).strip()


@pytest.mark.parametrize("engine", ["copier", "cruft"])
def test_a_workshop_repository_from_before_the_answer_keeps_its_grader_when_asked(
    engine: str, history: Path, tmp_path: Path
) -> None:
    """Every v0.1.0 project has the grader and no `workshop` answer: a plain update removes it
    (the fresh-render test above), `--data workshop=true` keeps it and records the answer."""
    project = generate_old(engine, history, tmp_path, ref=OLD_TAG)
    grader = project / "scripts" / "workshop_check.py"
    assert grader.is_file()
    report = update(project, to_ref=CURRENT_TAG, data={"workshop": "true"})
    assert report.exit_code == 0, report.render()
    assert grader.is_file()
    assert "workshop-check:" in (project / "Makefile").read_text()
    if engine == "copier":
        assert yaml.safe_load((project / ".copier-answers.yml").read_text())["workshop"] is True
    else:
        context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
        assert context["workshop"] is True
