"""The `mlops-cookie` command end to end: the real console script and click's CliRunner, real
renders with copier, real git repositories, real updates across two template releases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from helpers import (
    BASE_ANSWERS,
    CURRENT_TAG,
    GIT_IDENTITY,
    NEXT_TAG,
    generate_old,
    git,
    release_next,
    render_copier,
    snapshot_template,
    tree,
    user_edits,
)

from mlops_cookie.cli import cli

BIN = Path(sys.executable).parent
SUBCOMMANDS = ("new", "update", "adopt", "check", "workshop")


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The single `error: ...` line a user error must produce (and no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def answers_of(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def same_project(ours: Path, direct: Path) -> None:
    """Every file and folder identical, the answers file included (byte for byte)."""
    assert tree(ours) == tree(direct)
    assert (ours / ".copier-answers.yml").read_bytes() == (
        direct / ".copier-answers.yml"
    ).read_bytes()


# ------------------------------------------------------------------ help
def test_console_script_help_lists_every_subcommand() -> None:
    result = subprocess.run(
        [str(BIN / "mlops-cookie"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for name in SUBCOMMANDS:
        assert f"  {name} " in result.stdout
    assert "Exit status" in result.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert f"Usage: cli {name}" in result.stdout or f"Usage: mlops-cookie {name}" in result.stdout


def test_version_and_unknown_command() -> None:
    assert invoke("--version").stdout.startswith("mlops-cookie, version ")
    result = invoke("bogus")
    assert result.exit_code == 2
    assert "No such command 'bogus'" in result.stderr


# ------------------------------------------------------------------ new
def test_new_with_defaults_and_data_renders_what_copier_renders(template_repo, tmp_path) -> None:
    answers = {"project_name": "Churn Model", "package_manager": "pip", "ci_provider": "gitlab"}
    data = [arg for k, v in answers.items() for arg in ("--data", f"{k}={v}")]
    dest = tmp_path / "ours"
    result = invoke("new", dest, "--defaults", *data, "--template", template_repo, "--no-git")
    assert result.exit_code == 0, result.output
    direct = render_copier(template_repo, tmp_path / "direct", answers)
    same_project(dest, direct)
    assert f"cd {dest}" in result.stdout or "cd ours" in result.stdout
    assert "make ci" in result.stdout
    assert "rendered the template" in result.stderr  # progress of the slow step


def test_new_with_an_answers_file_and_data_overriding_it(template_repo, tmp_path) -> None:
    answers_file = tmp_path / "team.yml"
    answers_file.write_text(
        "_commit: v0.0.1\n_src_path: elsewhere\nproject_name: Team Model\nlicense: Apache-2.0\n"
        "line_length: '100'\nci_provider: azure-devops\n"
    )
    dest = tmp_path / "ours"
    result = invoke(
        "new",
        dest,
        "--defaults",
        "--answers-file",
        answers_file,
        "--data",
        "ci_provider=github",
        "--template",
        template_repo,
        "--no-git",
    )
    assert result.exit_code == 0, result.output
    expected = {
        "project_name": "Team Model",
        "license": "Apache-2.0",
        "line_length": "100",
        "ci_provider": "github",
    }
    same_project(dest, render_copier(template_repo, tmp_path / "direct", expected))
    assert answers_of(dest)["_commit"] == CURRENT_TAG  # the file's underscore keys are not answers


def test_new_without_dest_names_the_folder_and_makes_a_git_repository(
    template_repo, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(
        "new", "--defaults", "--data", "project_name=Fraud Detector", "-t", template_repo
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fraud-detector"]
    project = tmp_path / "fraud-detector"
    assert answers_of(project)["package_name"] == "fraud_detector"
    assert (
        git("log", "--format=%s", cwd=project).strip()
        == f"Generate from mlops-cookie {CURRENT_TAG}"
    )
    assert git("status", "--porcelain", cwd=project) == ""
    assert "git repository created" in result.stderr
    assert "cd fraud-detector" in result.stdout


BAD_ANSWERS = [
    ({"project_slug": "../escape"}, "project_slug"),
    ({"package_name": "json"}, "package_name"),
    ({"line_length": "200"}, "line_length"),
    ({"ci_provider": "jenkins"}, "ci_provider"),
    ({"iac": "bicep", "cloud": "aws"}, "cloud"),
]


@pytest.mark.parametrize(("answers", "question"), BAD_ANSWERS, ids=[q for _, q in BAD_ANSWERS])
@pytest.mark.parametrize("with_dest", [True, False], ids=["dest", "no-dest"])
def test_new_refuses_a_bad_answer_in_one_line_leaving_nothing(
    template_repo, tmp_path, monkeypatch, answers: dict[str, str], question: str, with_dest: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    data = [arg for k, v in {**BASE_ANSWERS, **answers}.items() for arg in ("--data", f"{k}={v}")]
    dest = ["project"] if with_dest else []
    result = invoke("new", *dest, "--defaults", *data, "-t", template_repo)
    assert result.exit_code == 2
    assert question in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data", "project_name"], "expected KEY=VALUE"),
        (["--data", "colour=red"], "has no question colour"),
        ([], "project_name is required"),
        (["--template", "/no/such/template"], "does not exist"),
        (["--answers-file", "/no/such/answers.yml"], "answers file"),
    ],
    ids=[
        "data-without-equals",
        "unknown-question",
        "required-missing",
        "missing-template",
        "missing-answers-file",
    ],
)
def test_new_reports_bad_arguments_in_one_line(template_repo, tmp_path, args, expected) -> None:
    template = [] if "--template" in args else ["-t", str(template_repo)]
    result = invoke("new", tmp_path / "p", "--defaults", *template, *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)
    assert not (tmp_path / "p").exists()


def test_new_refuses_a_folder_that_is_not_empty(template_repo, tmp_path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    result = invoke("new", tmp_path, "--defaults", "--data", "project_name=X", "-t", template_repo)
    assert result.exit_code == 2
    assert "not empty" in one_error_line(result)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_new_without_a_terminal_asks_for_defaults(template_repo, tmp_path) -> None:
    result = invoke("new", tmp_path / "p", "--data", "project_name=X", "-t", template_repo)
    assert result.exit_code == 2
    assert "--defaults" in one_error_line(result)


@pytest.mark.slow
def test_new_install_runs_make_install_with_progress(template_repo, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    dest = tmp_path / "installed"
    result = invoke(
        "new",
        dest,
        "--defaults",
        "--data",
        "project_name=Installed",
        "-t",
        template_repo,
        "--install",
    )
    assert result.exit_code == 0, result.output
    assert "installed .venv/" in result.stderr
    assert (dest / ".venv" / ".installed").is_file()
    assert (dest / ".git" / "hooks" / "pre-commit").is_file()  # make install in a git repository


# ------------------------------------------------------------------ update / adopt
@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ.update(GIT_IDENTITY)  # module-scoped: set before the autouse fixture runs
    repo = snapshot_template(tmp_path_factory.mktemp("cli-releases"))
    release_next(repo)
    return repo


def test_update_brings_the_new_release_and_reports(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    result = invoke("update", project, "--trust")
    assert result.exit_code == 0, result.output
    assert f"update (copier): {CURRENT_TAG} -> {NEXT_TAG}" in result.stdout
    assert "result: done" in result.stdout
    assert (project / ".editorconfig").is_file()


def test_update_with_a_conflict_exits_1_and_lists_it(releases, tmp_path) -> None:
    project = generate_old("cruft", releases, tmp_path)
    user_edits(project)
    result = invoke("update", project, "--data", "license=Apache-2.0", "--trust")
    assert result.exit_code == 1, result.output
    assert "CONFLICTS" in result.stdout
    assert ".pre-commit-config.yaml" in result.stdout


def test_update_refuses_a_dirty_tree_and_changes_nothing(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    (project / "Makefile").write_text((project / "Makefile").read_text() + "# wip\n")
    before = git("status", "--porcelain", cwd=project)
    result = invoke("update", project)
    assert result.exit_code == 2
    assert "uncommitted" in one_error_line(result)
    assert git("status", "--porcelain", cwd=project) == before
    assert answers_of(project)["_commit"] == CURRENT_TAG


@pytest.mark.parametrize("command", ["update", "adopt", "check"])
def test_a_missing_path_is_one_line_and_exit_2(command: str, tmp_path) -> None:
    result = invoke(command, tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "does not exist" in one_error_line(result)


def test_update_of_a_repository_that_was_never_generated(tmp_path) -> None:
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "README.md").write_text("# x\n")
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "x", cwd=tmp_path)
    result = invoke("update", tmp_path)
    assert result.exit_code == 2
    assert "adopt" in one_error_line(result)


def legacy_repo(path: Path, readme: bool) -> Path:
    (path / "src").mkdir(parents=True)
    (path / "src" / "train_old.py").write_text("print('old training script')\n")
    if readme:
        (path / "README.md").write_text("# Legacy model\n\nOur own README.\n")
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "legacy", cwd=path)
    return path


def test_adopt_adds_the_template_and_writes_the_answers(releases, tmp_path) -> None:
    repo = legacy_repo(tmp_path / "legacy-model", readme=False)
    result = invoke(
        "adopt",
        repo,
        "--template",
        releases,
        "--vcs-ref",
        CURRENT_TAG,
        "--data",
        "project_name=Legacy Model",
        "--data",
        "ci_provider=gitlab",
    )
    assert result.exit_code == 0, result.output
    assert "adopt (copier)" in result.stdout
    answers = answers_of(repo)
    assert (answers["_commit"], answers["ci_provider"]) == (CURRENT_TAG, "gitlab")
    assert (repo / ".gitlab-ci.yml").is_file()
    assert (repo / "src" / "train_old.py").read_text() == "print('old training script')\n"


def test_adopt_keeps_differing_files_and_exits_1(releases, tmp_path) -> None:
    repo = legacy_repo(tmp_path / "legacy-model", readme=True)
    result = invoke("adopt", repo, "-t", releases, "--vcs-ref", CURRENT_TAG)
    assert result.exit_code == 1, result.output
    assert "README.md" in result.stdout
    assert (repo / "README.md").read_text().startswith("# Legacy model")
    assert answers_of(repo)["project_name"] == "Legacy Model"  # from the folder's name


def test_adopt_refuses_a_generated_project(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    result = invoke("adopt", project, "-t", releases)
    assert result.exit_code == 2
    assert "use `update`" in one_error_line(result)


# ------------------------------------------------------------------ names a user types
SLUGS = {
    "Café Sales": "cafe-sales",
    "O'Brien Churn": "obrien-churn",
    "Churn Model v2.1": "churn-model-v2-1",
}


@pytest.mark.parametrize(("name", "slug"), SLUGS.items(), ids=SLUGS.values())
def test_new_derives_a_valid_folder_name_from_any_project_name(
    template_repo, tmp_path, monkeypatch, name: str, slug: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("new", "--defaults", "--data", f"project_name={name}", "-t", template_repo,
                    "--no-git")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == [slug]
    assert answers_of(tmp_path / slug)["package_name"] == slug.replace("-", "_")


@pytest.mark.parametrize("name", ["Café Sales", "2024 Churn"])
def test_cookiecutter_derives_the_same_slug(template_repo, tmp_path, name: str) -> None:
    from cookiecutter.main import cookiecutter

    out = cookiecutter(str(template_repo / "template"), no_input=True, output_dir=str(tmp_path),
                       extra_context={"project_name": name})  # fmt: skip
    direct = render_copier(template_repo, tmp_path / "copier", {"project_name": name})
    assert Path(out).name == answers_of(direct)["project_slug"]
    assert Path(out).name in {"cafe-sales", "churn"}


def test_a_typed_invalid_slug_is_still_refused(template_repo, tmp_path) -> None:
    result = invoke("new", tmp_path / "p", "--defaults", "--data", "project_name=Café",
                    "--data", "project_slug=Café", "-t", template_repo)  # fmt: skip
    assert result.exit_code == 2
    assert "project_slug" in one_error_line(result)


@pytest.mark.parametrize(
    ("folder", "slug"), [("data.science-v2", "data-science-v2"), ("2024-churn", "churn")]
)
def test_adopt_takes_a_valid_slug_from_any_folder_name(
    releases, tmp_path, folder: str, slug: str
) -> None:
    repo = legacy_repo(tmp_path / folder, readme=False)
    result = invoke("adopt", repo, "-t", releases, "--vcs-ref", CURRENT_TAG)
    assert result.exit_code == 0, result.output
    assert answers_of(repo)["project_slug"] == slug


# ------------------------------------------------------------------ one policy, one line
def test_update_that_runs_migrations_needs_trust(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    result = invoke("update", project)
    assert result.exit_code == 2
    assert "--trust" in one_error_line(result)
    assert git("status", "--porcelain", cwd=project) == ""
    assert answers_of(project)["_commit"] == CURRENT_TAG


def test_update_with_a_malformed_answers_file_is_one_line(releases, tmp_path) -> None:
    project = generate_old("copier", releases, tmp_path)
    (project / ".copier-answers.yml").write_text(
        f"_commit: {CURRENT_TAG}\nproject_name: [unclosed\n"
    )
    git("commit", "-q", "-am", "broken", cwd=project)
    result = invoke("update", project, "--trust")
    assert result.exit_code == 2
    assert ".copier-answers.yml is not valid YAML" in one_error_line(result)


@pytest.mark.parametrize("option", ["--template", "--vcs-ref", "--data"])
def test_shared_options_have_one_help_text(option: str) -> None:
    helps = set()
    for command in ("new", "adopt", "workshop"):
        options = invoke(command, "--help").stdout.split("Options:", 1)[1]
        text = " ".join(options.split())
        helps.add(text.split(f"{option} ", 1)[1].split(" -", 1)[0])
    assert len(helps) == 1, helps


def test_the_wheel_ships_the_command_without_template_maintenance(tmp_path) -> None:
    import ast
    import shutil
    import zipfile

    from mlops_cookie.questions import REPO_ROOT

    uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    built = subprocess.run([uv, "build", "--wheel", "-q", "-o", str(tmp_path), str(REPO_ROOT)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = zipfile.ZipFile(next(tmp_path.glob("*.whl")))
    modules = {n.split("/")[-1][:-3]: n for n in wheel.namelist() if n.endswith(".py")}
    assert {"cli", "new", "update", "adopt", "check", "workshop"} <= set(modules)
    assert not {"derive", "devtools", "contract"} & set(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(wheel.read(path))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                assert not any(n.endswith(("derive", "devtools")) for n in names), name
