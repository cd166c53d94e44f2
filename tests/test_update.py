"""Updating generated projects across real template releases, and adopting foreign repos.

A throwaway git copy of the template is tagged with the current version, then changed the way a
real release changes it (a changed file, a new file, a file moved with a migration, a renamed
question with a migration) and tagged with the next minor version. Projects generated from the
current version by copier and by cruft get a fixed set of user edits and are updated with
`mlops_cookie.update`, which drives the engines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import (
    BASE_ANSWERS,
    CURRENT_TAG,
    NEXT_TAG,
    TEAM_LINES,
    generate_old,
    git,
    make,
    release_next,
    snapshot_template,
    tree,
    user_edits,
)

from mlops_cookie.adopt import ADOPT_DIR, ADOPT_REPORT, adopt
from mlops_cookie.devtools import EDITORCONFIG, NEW_TARGET, PROJECT_DIR
from mlops_cookie.update import UPDATE_DIR, UserError, main, update


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = snapshot_template(tmp_path_factory.mktemp("releases"))
    release_next(repo)
    return repo


def resolve_taking_ours(project: Path, rel: str) -> None:
    """Resolve inline conflict markers by keeping the project's side."""
    text = (project / rel).read_text()
    pattern = re.compile(r"<{7}[^\n]*\n(.*?)={7}\n.*?>{7}[^\n]*\n", re.S)
    (project / rel).write_text(pattern.sub(r"\1", text))


def updated_project(engine: str, releases: Path, parent: Path):
    """A project of the current release with the user's edits, updated to the next one."""
    project = generate_old(engine, releases, parent)
    before = {p: (project / p).read_bytes() for p in ("README.md", "configs/train.toml")}
    added = user_edits(project)
    report = update(project, data={"license": "Apache-2.0"}, trust=True)
    return engine, project, report, added, before


@pytest.fixture(scope="module", params=["copier", "cruft"])
def updated(request, releases: Path, tmp_path_factory: pytest.TempPathFactory):
    engine = request.param
    return updated_project(engine, releases, tmp_path_factory.mktemp(f"update-{engine}"))


def test_non_conflicting_user_edit_is_kept_with_the_template_change(updated) -> None:
    _, project, _, _, _ = updated
    makefile = (project / "Makefile").read_text()
    assert TEAM_LINES in makefile
    assert NEW_TARGET.strip() in makefile


def test_conflicting_edit_is_marked_never_overwritten(updated) -> None:
    _, project, report, _, _ = updated
    assert report.exit_code == 1
    conflicted = [c for c in report.conflicts if c.startswith(".pre-commit-config.yaml")]
    assert conflicted, report.render()
    if conflicted[0].endswith(".rej"):
        assert "our hooks: keep them fast" in (project / ".pre-commit-config.yaml").read_text()
    else:
        text = (project / ".pre-commit-config.yaml").read_text()
        assert "<<<<<<<" in text
        assert "our hooks: keep them fast" in text
        assert f"({NEXT_TAG})" in text


def test_every_template_change_is_applied(updated) -> None:
    engine, project, report, _, _ = updated
    assert (project / ".editorconfig").read_text() == EDITORCONFIG
    assert (project / "docs" / "contributing.md").is_file()
    assert not (project / "docs" / "development.md").exists()
    assert report.to_version == NEXT_TAG
    if engine == "copier":
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        assert answers["_commit"] == NEXT_TAG
        assert answers["max_line_length"] == "88"
        assert "line_length" not in answers
    else:
        context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
        assert context["max_line_length"] == "88"
    assert "line-length = 88" in (project / "pyproject.toml").read_text()


def test_changed_answer_is_applied(updated) -> None:
    _, project, _, _, _ = updated
    assert "Apache License" in (project / "LICENSE").read_text()
    assert (project / "NOTICE").is_file()


def test_deleted_file_stays_deleted_and_is_reported(updated) -> None:
    engine, project, report, _, _ = updated
    assert not (project / "notebooks" / "README.md").exists()
    if engine == "copier":  # copier recreates _skip_if_exists files; the update deletes it again
        assert "notebooks/README.md" in report.kept_deleted


def test_added_files_and_owned_files_are_untouched(updated) -> None:
    _, project, _, added, before = updated
    for rel, content in added.items():
        assert (project / rel).read_bytes() == content
    assert (project / "configs" / "train.toml").read_bytes() == before["configs/train.toml"]


@pytest.mark.slow
def test_updated_project_passes_make_ci_once_conflicts_are_resolved(releases, tmp_path) -> None:
    """Both engines' updates, conflicts resolved, are the same files (but the answers file), so
    one real `make ci` (copier's) stands for both."""
    projects = {}
    for engine in ("copier", "cruft"):
        _, project, report, _, _ = updated_project(engine, releases, tmp_path / engine)
        for conflict in report.conflicts:
            if conflict.endswith(".rej"):
                (project / conflict).unlink()
            else:
                resolve_taking_ours(project, conflict)
        projects[engine] = project
    assert tree(projects["cruft"]) == tree(projects["copier"])
    make(projects["copier"], "ci")


def test_update_refuses_uncommitted_changes_and_changes_nothing(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    (project / "Makefile").write_text((project / "Makefile").read_text() + "# wip\n")
    status = git("status", "--porcelain", cwd=project)
    with pytest.raises(UserError, match="uncommitted"):
        update(project)
    assert git("status", "--porcelain", cwd=project) == status
    assert (project / "Makefile").read_text().endswith("# wip\n")
    assert CURRENT_TAG in (project / ".copier-answers.yml").read_text()


def test_update_cli_gives_one_line_and_exit_2_for_user_errors(tmp_path, capsys) -> None:
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ")
    assert "\n" not in err


def test_update_reports_a_relative_template_path(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(releases), "../releases"))
    git("commit", "-q", "-am", "relative", cwd=project)
    with pytest.raises(UserError, match="relative path"):
        update(project)


def test_adopt_adds_missing_files_keeps_yours_and_reports(releases, tmp_path) -> None:
    repo = tmp_path / "legacy-model"
    (repo / "src").mkdir(parents=True)
    (repo / "README.md").write_text("# Legacy model\n\nOur own README.\n")
    (repo / "src" / "train_old.py").write_text("print('old training script')\n")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "legacy", cwd=repo)

    report = adopt(repo, str(releases), {"project_name": "Legacy Model"}, vcs_ref=CURRENT_TAG)
    assert report.exit_code == 1
    assert report.conflicts == ["README.md"]
    assert (repo / "README.md").read_text() == "# Legacy model\n\nOur own README.\n"
    assert (repo / ADOPT_DIR / "README.md").read_text().startswith("# Legacy Model")
    assert "pyproject.toml" in report.added
    assert (repo / "pyproject.toml").is_file()
    assert (repo / "src" / "train_old.py").read_text() == "print('old training script')\n"
    assert "README.md" in (repo / ADOPT_REPORT).read_text()
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == CURRENT_TAG
    assert answers["_src_path"] == str(releases)

    # once adopted and committed, the repo updates like a generated one, keeping its README
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "adopt mlops-cookie", cwd=repo)
    later = update(repo, trust=True)
    assert later.to_version == NEXT_TAG
    assert (repo / "README.md").read_text() == "# Legacy model\n\nOur own README.\n"
    assert (repo / ".editorconfig").is_file()


def test_adopt_refuses_a_generated_project(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    with pytest.raises(UserError, match="use `update`"):
        adopt(project, str(releases), {})


def test_update_module_runs_as_a_command(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mlops_cookie.update", str(project), "--trust"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{CURRENT_TAG} -> {NEXT_TAG}" in result.stdout


# ------------------------------------------------------------------ a four-release history
# v0.1.0 the template as it is; v0.1.1 moves docs/pipeline.md to docs/pipeline-guide.md (with a
# move migration); v0.1.2 brings a new docs/pipeline.md and changes files users own or delete.
MOVE_SCRIPT = """import subprocess, sys
from pathlib import Path
old, new = sys.argv[1], sys.argv[2]
if Path(old).exists() and not Path(new).exists():
    subprocess.run(["git", "mv", old, new], check=True)
"""
NEW_PIPELINE = "# Pipeline\n\nA new page in v0.1.2.\n"
NEW_TEST = "def test_added_in_v012() -> None:\n    assert True\n"


def _tree(repo: Path) -> Path:
    return repo / PROJECT_DIR


def build_history(repo: Path) -> Path:
    """Tag v0.1.0, v0.1.1 and v0.1.2 in a throwaway copy of the template."""
    from mlops_cookie.questions import load

    snapshot_template(repo, tag="v0.1.0")
    tree = _tree(repo)
    (repo / "release-scripts").mkdir()
    (repo / "release-scripts" / "move.py").write_text(MOVE_SCRIPT)
    settings, _ = load(repo / "copier.yml")
    migrations = [
        *(settings.get("_migrations") or []),
        {
            "version": "v0.1.1",
            "when": "{{ _stage == 'before' }}",
            "command": [
                "{{ _copier_python }}",
                "{{ _copier_conf.src_path }}/release-scripts/move.py",
                "docs/pipeline.md",
                "docs/pipeline-guide.md",
            ],
        },
    ]
    with (repo / "copier.yml").open("a") as handle:  # a later YAML document wins
        handle.write("\n---\n" + yaml.safe_dump({"_migrations": migrations}))
    git("mv", f"{PROJECT_DIR}/docs/pipeline.md", f"{PROJECT_DIR}/docs/pipeline-guide.md", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "release 0.1.1: docs/pipeline.md -> docs/pipeline-guide.md", cwd=repo)
    git("tag", "v0.1.1", cwd=repo)
    (tree / "docs" / "pipeline.md").write_text(NEW_PIPELINE)
    for rel in ("docs/notebooks.md", "configs/train.toml", "README.md", "notebooks/README.md"):
        with (tree / rel).open("a") as handle:
            handle.write("\n# changed in v0.1.2\n" if rel.endswith(".toml") else "\nv0.1.2.\n")
    (tree / "tests" / "test_added_in_v012.py").write_text(NEW_TEST)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "release 0.1.2: a new docs/pipeline.md", cwd=repo)
    git("tag", "v0.1.2", cwd=repo)
    return repo


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("history"))


def commit_all(project: Path, message: str) -> None:
    git("add", "-A", cwd=project)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=project)


def generate_at(engine: str, releases: Path, parent: Path, ref: str = "v0.1.0") -> Path:
    if engine == "copier":
        from copier import run_copy

        project = parent / "demo"
        run_copy(str(releases), str(project), data=BASE_ANSWERS, vcs_ref=ref, defaults=True,
                 quiet=True)  # fmt: skip
    else:
        from cruft import create

        project = Path(create(str(releases), output_dir=parent, checkout=ref, no_input=True,
                              extra_context=BASE_ANSWERS, directory="template"))  # fmt: skip
    git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, f"generated from {ref}")
    return project


ENGINES = ["copier", "cruft"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_the_template_moved_then_brought_back_arrives_release_by_release(
    engine, history, tmp_path
) -> None:
    project = generate_at(engine, history, tmp_path)
    guide = (project / "docs" / "pipeline.md").read_text()
    first = update(project, "v0.1.1", trust=True)
    assert (project / "docs" / "pipeline-guide.md").read_text() == guide, first.render()
    assert not (project / "docs" / "pipeline.md").exists()
    commit_all(project, "update to v0.1.1")

    second = update(project, "v0.1.2", trust=True)
    assert (project / "docs" / "pipeline.md").read_text() == NEW_PIPELINE, second.render()
    assert "docs/pipeline.md" not in second.kept_deleted
    assert (project / "docs" / "pipeline-guide.md").read_text() == guide


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_the_template_moved_then_brought_back_arrives_straight_across(
    engine, history, tmp_path
) -> None:
    project = generate_at(engine, history, tmp_path)
    report = update(project, "v0.1.2", trust=True)
    assert (project / "docs" / "pipeline.md").read_text() == NEW_PIPELINE, report.render()
    assert (project / "docs" / "pipeline-guide.md").is_file()
    assert "docs/pipeline.md" not in report.kept_deleted


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_the_user_deleted_after_the_last_update_stays_deleted_and_is_reported(
    engine, history, tmp_path
) -> None:
    project = generate_at(engine, history, tmp_path)
    update(project, "v0.1.1", trust=True)
    commit_all(project, "update to v0.1.1")
    git("rm", "-q", "docs/notebooks.md", cwd=project)
    commit_all(project, "we do not use notebooks")
    report = update(project, "v0.1.2", trust=True)
    assert not (project / "docs" / "notebooks.md").exists()
    assert "docs/notebooks.md" in report.kept_deleted
    # the template changed it: the report says so, and keeps the template's version to read
    assert any(item.startswith("docs/notebooks.md ") for item in report.not_applied)
    assert (project / UPDATE_DIR / "docs" / "notebooks.md").read_text().endswith("v0.1.2.\n")
    assert "NOT applied" in report.render()


@pytest.mark.parametrize("engine", ENGINES)
def test_owned_files_keep_the_users_edits_and_take_the_release_when_never_edited(
    engine, history, tmp_path
) -> None:
    project = generate_at(engine, history, tmp_path, ref="v0.1.1")
    owned, untouched = "configs/train.toml", "notebooks/README.md"  # both _skip_if_exists
    edited = (project / owned).read_text() + "# ours\n"
    (project / owned).write_text(edited)
    commit_all(project, "our config")
    report = update(project, "v0.1.2", trust=True)
    # edited: the user's file stays; the report says so and keeps the template's version
    assert (project / owned).read_text() == edited, report.render()
    assert any(item.startswith(f"{owned} ") for item in report.not_applied), report.render()
    assert "# changed in v0.1.2" in (project / UPDATE_DIR / owned).read_text()
    # never edited: nothing of the user's to protect, so it takes the release's version
    assert (project / untouched).read_text().endswith("v0.1.2.\n"), report.render()
    assert untouched in report.refreshed
    # a new file in the user's folders arrives with both engines (cruft skips it by itself)
    assert (project / "tests/test_added_in_v012.py").read_text() == NEW_TEST, report.render()


def test_update_needs_trust_to_run_migrations_and_changes_nothing_without(history, tmp_path):
    project = generate_at("copier", history, tmp_path)
    with pytest.raises(UserError, match="--trust") as refused:
        update(project, "v0.1.1")
    assert "move.py docs/pipeline.md docs/pipeline-guide.md" in str(refused.value)
    assert git("status", "--porcelain", cwd=project) == ""
    assert (project / "docs" / "pipeline.md").is_file()
    # an update that runs no command needs no trust
    update(project, "v0.1.1", trust=True)
    commit_all(project, "update to v0.1.1")
    assert update(project, "v0.1.2").to_version == "v0.1.2"


def test_cruft_migrations_get_the_context_copier_gives(history, tmp_path) -> None:
    """A migration that records its context: the same variables for both engines."""
    from mlops_cookie.questions import load
    from mlops_cookie.update import _migration_context, migration_commands

    settings, _ = load(history / "copier.yml")
    project = tmp_path / "p"
    context = _migration_context(project, history, str(history), {"project_name": "Demo"},
                                 "v0.1.0", "v0.1.2", ".cruft.json")  # fmt: skip
    commands = migration_commands(settings, context, "v0.1.0", "v0.1.2", "before")
    assert commands == [
        ([sys.executable, f"{history}/release-scripts/move.py", "docs/pipeline.md",
          "docs/pipeline-guide.md"], Path("."))
    ]  # fmt: skip
    assert migration_commands(settings, context, "v0.1.1", "v0.1.2", "before") == []
    assert migration_commands(settings, context, "v0.1.0", "v0.1.2", "after") == []
    for name in ("_version_from", "_version_to", "_copier_python", "project_name"):
        assert name in context
    assert context["_copier_conf"]["dst_path"] == str(project)


def test_a_malformed_answers_file_is_one_line(history, tmp_path) -> None:
    project = generate_at("copier", history, tmp_path)
    (project / ".copier-answers.yml").write_text("_commit: v0.1.0\n_src_path: [unclosed\n")
    commit_all(project, "broken answers")
    with pytest.raises(UserError, match=r"\.copier-answers\.yml is not valid YAML"):
        update(project)
    assert main([str(project)]) == 2


def test_a_commit_hash_that_parses_as_a_version_is_not_a_release(tmp_path, capsys) -> None:
    """About one short hash in ten is a PEP 440 version ("1234567"): it is still no release."""
    from cruft import create
    from packaging.version import InvalidVersion, Version

    from mlops_cookie.update import is_release

    releases = snapshot_template(tmp_path / "releases", tag="v0.1.0")
    for attempt in range(3000):
        sha = git("rev-parse", "HEAD", cwd=releases).strip()
        try:
            Version(sha[:12])
            break
        except InvalidVersion:
            git("commit", "-q", "--allow-empty", "-m", f"try {attempt}", cwd=releases)
    else:
        pytest.fail("no commit hash parsed as a version in 3000 commits")
    assert not is_release(sha[:12])
    assert not is_release(sha[:7])
    project = Path(create(str(releases), output_dir=tmp_path, checkout=sha, no_input=True,
                          extra_context=BASE_ANSWERS, directory="template"))  # fmt: skip
    git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, "generated from a commit")
    report = update(project, sha)
    assert report.from_version == sha[:12]
    assert any("not a release tag" in note for note in report.notes), report.render()


# ------------------------------------------------------------------ adopt on real repositories
def legacy(path: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(content)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "--allow-empty", "-m", "legacy", cwd=path)
    return path


def snapshot_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if ".git" not in p.parts)


def test_adopt_writes_nothing_through_a_symlink_that_leaves_the_repository(
    history, tmp_path
) -> None:
    shared = tmp_path / "shared-datasets"
    (shared / "raw").mkdir(parents=True)
    (shared / "raw" / "sales.csv").write_text("a,b\n1,2\n")
    repo = tmp_path / "sales-model"
    repo.mkdir()
    (repo / "data").symlink_to(shared, target_is_directory=True)
    legacy(repo, {"train.py": "print('train')\n"})
    before = snapshot_files(shared)

    report = adopt(repo, str(history), {}, vcs_ref="v0.1.0")
    assert snapshot_files(shared) == before  # nothing appeared in the shared folder
    assert not any(item.startswith("data/") for item in report.added)
    assert any(item.startswith("data/README.md (symlink data -> ") for item in report.skipped)
    assert "leaves the repository" in report.render()


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda repo: (repo / "docs").write_text("our docs are a file\n"), "docs is a file"),
        (lambda repo: (repo / "Makefile").mkdir(), "Makefile is a folder"),
        (lambda repo: os.mkfifo(repo / "README.md"), "README.md is not a regular file"),
    ],
    ids=["file-where-a-folder-goes", "folder-where-a-file-goes", "fifo"],
)
def test_adopt_checks_everything_first_and_writes_nothing_on_a_problem(
    history, tmp_path, make, named
) -> None:
    repo = tmp_path / "legacy"
    repo.mkdir()
    make(repo)
    if (repo / "Makefile").is_dir():
        (repo / "Makefile" / ".keep").write_text("")  # git keeps no empty folder
    legacy(repo, {"train.py": "print('train')\n"})
    before = sorted(
        p.relative_to(repo).as_posix() for p in repo.rglob("*") if ".git" not in p.parts
    )
    with pytest.raises(UserError, match="nothing was written") as refused:
        adopt(repo, str(history), {}, vcs_ref="v0.1.0")
    assert named in str(refused.value)
    assert "\n" not in str(refused.value)
    assert listing(repo) == before


def test_adopt_fits_an_existing_package_build_and_licence(history, tmp_path) -> None:
    repo = legacy(
        tmp_path / "churn",
        {
            "src/churn_core/__init__.py": "VERSION = '1'\n",
            "src/churn_core/model.py": "def fit():\n    return 1\n",
            "setup.py": "from setuptools import setup\nsetup(name='churn-core')\n",
            "LICENSE": "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n",
            ".gitignore": "data/\n",
        },
    )
    report = adopt(repo, str(history), {"ci_provider": "github"}, vcs_ref="v0.1.0")
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    # one package: the template's code joins the user's, which the tests import
    assert answers["package_name"] == "churn_core"
    assert sorted(p.name for p in (repo / "src").iterdir()) == ["churn_core"]
    assert (repo / "src" / "churn_core" / "model.py").read_text() == "def fit():\n    return 1\n"
    # setup.py stays the build: no pyproject.toml overriding it, the template's kept aside
    assert not (repo / "pyproject.toml").exists()
    assert (repo / ADOPT_DIR / "pyproject.toml").is_file()
    # the GPL stays; no MIT licence appears; the user is told to align pyproject's field
    assert (repo / "LICENSE").read_text().startswith("GNU GENERAL PUBLIC LICENSE")
    assert any("licence" in d for d in report.decisions)
    # files the repository's .gitignore hides are reported
    assert any(".gitignore" in note and "data/README.md" in note for note in report.notes)
    # delivery workflows wait until configured; CI is added
    assert (repo / ".github" / "workflows" / "ci.yml").is_file()
    for held in ("cd.yml", "retrain.yml"):
        assert not (repo / ".github" / "workflows" / held).exists()
        assert (repo / ADOPT_DIR / ".github" / "workflows" / held).is_file()
    assert report.exit_code == 1  # decisions need the user
    assert "DECISIONS" in report.render()


def test_adopt_leaves_an_unlicensed_repository_unlicensed(history, tmp_path) -> None:
    repo = legacy(tmp_path / "notebooks-only", {"analysis.ipynb": "{}\n"})
    report = adopt(repo, str(history), {}, vcs_ref="v0.1.0")
    assert not (repo / "LICENSE").exists()
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["license"] == "Proprietary"
    assert any("no licence" in note for note in report.notes)


def test_adopt_keeps_a_flat_package_single_and_asks(history, tmp_path) -> None:
    repo = legacy(
        tmp_path / "flat", {"flatpkg/__init__.py": "", "tests/test_x.py": "import flatpkg\n"}
    )
    report = adopt(repo, str(history), {}, vcs_ref="v0.1.0")
    assert not (repo / "src").exists()  # no second package its tests could not import
    assert any("flatpkg/" in d for d in report.decisions)
    assert (repo / ADOPT_DIR / "src" / "flatpkg" / "train.py").is_file()


def test_adopt_names_the_other_template_a_repository_is_under(history, tmp_path) -> None:
    repo = legacy(
        tmp_path / "ccds",
        {
            ".cruft.json": json.dumps(
                {"template": "https://example.com/drivendata/ccds", "commit": "x"}
            )
        },
    )
    with pytest.raises(UserError, match="another template") as refused:
        adopt(repo, str(history), {}, vcs_ref="v0.1.0")
    assert "drivendata/ccds" in str(refused.value)
    assert "use `update`" not in str(refused.value)


@pytest.mark.parametrize("conflict", ["inline", "rej"])
def test_the_first_update_after_adopt_never_replaces_a_pre_existing_file(
    history, tmp_path, conflict
) -> None:
    readme = "# Churn\n\nOur own README.\n"
    makefile = "train:\n\tpython train.py\n"
    mit = "MIT License\n\nPermission is hereby granted, free of charge\n"
    repo = legacy(tmp_path / "churn", {"README.md": readme, "Makefile": makefile, "LICENSE": mit})
    adopted = adopt(repo, str(history), {}, vcs_ref="v0.1.1")
    assert {"README.md", "Makefile"} <= set(adopted.conflicts)
    commit_all(repo, "adopt mlops-cookie")

    report = update(repo, "v0.1.2", conflict=conflict)  # v0.1.2 changes README.md
    assert (repo / "README.md").read_text() == readme, report.render()
    assert (repo / "Makefile").read_text() == makefile
    assert not (repo / "README.md.rej").exists()
    assert "README.md" not in report.conflicts
    assert any(item.startswith("README.md ") for item in report.not_applied)
    assert (repo / UPDATE_DIR / "README.md").read_text().endswith("v0.1.2.\n")
    assert report.to_version == "v0.1.2"
    # the delivery workflow adopt held back is not brought in behind the user's back
    assert not (repo / ".github" / "workflows" / "cd.yml").exists()
    assert (repo / ".github" / "workflows" / "ci.yml").is_file()
