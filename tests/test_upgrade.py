"""Upgrading across real releases: projects generated from v0.1.0 and v0.2.0 (rebuilt from this
repository's own history, in a throwaway repository) update to the current release.

The current release (the lean package) rewrote files the user owns (`configs/train.toml`,
`data.py`, `features.py`, `models.py`, the notebook): the v0.3.0 migration converts the
config in place, values and comments kept, and `mlops-cookie update` gives an owned file the
user never changed the release's version. The updated project must pass its own `make ci`.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from helpers import CURRENT_TAG, commit_all, generate_old, git, tree

from mlops_cookie.devtools import RELEASES, template_history
from mlops_cookie.questions import REPO_ROOT
from mlops_cookie.update import STATE_DIR, UPDATE_DIR, update

TEAM_NOTE = "# team: 0.9 is what the clinic signed off\n"
THRESHOLD = "threshold = 0.95"


def tune(text: str) -> str:
    """The user's own config: a stricter cross-validation, their threshold and a comment."""
    assert THRESHOLD in text
    text = text.replace(THRESHOLD, f"{TEAM_NOTE}threshold = 0.9", 1)
    return text.replace("cv_folds = 5", "cv_folds = 3", 1)


# (file, how the user changes it): their config, template-owned files, a file they add
EDITS = {
    "configs/train.toml": tune,
    "Makefile": lambda text: text.replace("\n", "\n# team: run `make ci` before every push\n", 1),
    "README.md": lambda text: text + "\n## Team notes\n\nOwned by the fraud squad.\n",
    "NOTES.md": lambda _: "# Decisions\n\n- logistic regression first\n",
}
# owned by the user, rewritten by the lean release, never edited here: they get the new version
UNEDITED_OWNED = ("src/demo/data.py", "src/demo/features.py", "src/demo/models.py")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if git("rev-parse", "--is-shallow-repository", cwd=REPO_ROOT).strip() == "true":
        pytest.skip("a shallow clone lacks the released commits: fetch the history")
    return template_history(tmp_path_factory.mktemp("history"))


@pytest.fixture(scope="module")
def fresh(history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        engine: generate_old(engine, history, tmp_path_factory.mktemp(f"new-{engine}"))
        for engine in ("copier", "cruft")
    }


@pytest.fixture(
    scope="module", params=[("copier", "v0.2.0"), ("cruft", "v0.2.0"), ("copier", "v0.1.0")]
)
def upgraded(request, history: Path, tmp_path_factory: pytest.TempPathFactory):
    engine, old_tag = request.param
    parent = tmp_path_factory.mktemp(f"old-{engine}-{old_tag}")
    project = generate_old(engine, history, parent, ref=old_tag)
    edited = {}
    for rel, change in EDITS.items():
        path = project / rel
        path.write_text(change(path.read_text() if path.exists() else ""))
        edited[rel] = path.read_bytes()
    commit_all(project, "user edits")
    report = update(project, to_ref=CURRENT_TAG, trust=True)
    return engine, old_tag, project, report, edited


def test_the_rebuilt_releases_are_the_real_ones(history: Path) -> None:
    old = git("show", "v0.1.0:copier.yml", cwd=history)
    assert "template/reserved-names.yml" in old  # v0.2.0 moved it to hooks/
    assert "hooks/reserved-names.yml" in git("show", "v0.2.0:copier.yml", cwd=history)
    for tag in RELEASES:
        init = git("show", f"{tag}:src/mlops_cookie/__init__.py", cwd=history)
        assert f'__version__ = "{tag[1:]}"' in init
    assert git("describe", "--tags", "--exact-match", cwd=history).strip() == CURRENT_TAG


def test_the_update_runs_the_migration_and_ends_without_a_conflict(upgraded) -> None:
    _, old_tag, _, report, _ = upgraded
    assert (report.from_version, report.to_version) == (old_tag, CURRENT_TAG), report.render()
    assert report.conflicts == [], report.render()
    assert report.exit_code == 0, report.render()
    assert set(UNEDITED_OWNED) <= set(report.refreshed), report.render()


def test_the_users_config_is_converted_with_their_values_and_comments(upgraded) -> None:
    _, _, project, _, _ = upgraded
    text = (project / "configs" / "train.toml").read_text()
    config = tomllib.loads(text)
    assert TEAM_NOTE in text
    assert config["quality_gate"]["threshold"] == 0.9
    assert config["model"]["cv_folds"] == 3
    assert config["model"]["task"] == "classification"
    assert config["model"]["params"] == {"C": 1.0, "max_iter": 1000}
    assert "ratios" not in config.get("features", {})
    assert "# [features.ratios]" in text  # kept as comments, with what to do instead


def test_every_other_edit_is_merged_into_the_new_release(upgraded, fresh) -> None:
    engine, _, project, _, _ = upgraded
    for rel, change in EDITS.items():
        if rel == "configs/train.toml":
            continue
        new = fresh[engine] / rel
        expected = change(new.read_text() if new.exists() else "")
        assert (project / rel).read_text() == expected, f"{rel}: edit lost or merged wrongly"


def test_the_result_is_a_fresh_render_plus_the_edits(upgraded, fresh) -> None:
    engine, _, project, _, edited = upgraded
    ours, theirs = tree(project), tree(fresh[engine])
    # the template's version of the config, saved for the user to compare
    assert (project / UPDATE_DIR / "configs" / "train.toml").read_bytes() == theirs[
        "configs/train.toml"
    ][0]
    ours = {p: v for p, v in ours.items() if not p.startswith(STATE_DIR)}
    assert sorted(set(ours) - set(edited)) == sorted(set(theirs) - set(edited)), "files differ"
    differing = [p for p in theirs if p not in edited and ours[p] != theirs[p]]
    assert not differing, f"differs from a fresh {CURRENT_TAG} render: {differing}"


def test_the_project_records_the_new_release(upgraded, history: Path) -> None:
    engine, _, project, _, _ = upgraded
    if engine == "copier":
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        assert answers["_commit"] == CURRENT_TAG
    else:
        state = json.loads((project / ".cruft.json").read_text())
        assert state["commit"] == git("rev-parse", f"{CURRENT_TAG}^{{commit}}", cwd=history).strip()


@pytest.mark.slow
def test_the_updated_project_passes_its_own_make_ci(upgraded) -> None:
    engine, old_tag, project, _, _ = upgraded
    if (engine, old_tag) != ("copier", "v0.2.0"):
        pytest.skip("one real make ci: the other updates equal a fresh render plus the edits")
    commit_all(project, f"update to {CURRENT_TAG}")
    result = subprocess.run(
        ["make", "ci"], cwd=project, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
