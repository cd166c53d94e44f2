"""R beside Python (r_scripts=true), for real, with the system's R (Debian's r-base-core,
r-cran-lintr, r-cran-testthat, r-cran-irkernel; the template's `make install` installs them where
Rscript is missing).

One project, rendered once, runs its own `make ci` (install, ruff + lintr, pytest + testthat,
data, train, evaluate). The other tests run the narrow R targets on it: the R notebook executes
with IRkernel, the notebook/script pair is checked and synced, `make nb2script` turns the R
notebook into a script that runs, and the negative controls (a planted lint, a broken test, an
unmet DESCRIPTION version, no R at all) fail with R's own message or one clear line. Each
negative control restores the files it touched (git checkout), so the tests share the project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import git, home_env, render_copier

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("r")]

# The lightest project that still trains: R plus the example pipeline, no delivery options.
ANSWERS = {
    "r_scripts": True,
    "ci_provider": "none",
    "iac": "none",
    "serving": "none",
    "docs": "none",
    "data_versioning": "none",
    "experiment_tracking": "none",
}
NOTEBOOK = "notebooks/02-explore-r.ipynb"
PAIR = "notebooks/02-explore-r.R"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A throwaway HOME: nothing R or Jupyter does may land in the real one."""
    return home_env(tmp_path_factory.mktemp("r-home"))


def run(
    project: Path, env: dict[str, str], *cmd: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {result.returncode}:\n{output}")
    return result


def restore(project: Path) -> None:
    """Back to the committed project: the planted change and whatever it produced go."""
    git("checkout", "--", ".", cwd=project)
    git("clean", "-fdq", "--", "R", "tests", "notebooks", "scripts", cwd=project)


@pytest.fixture(scope="module")
def ci(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> tuple[Path, str]:
    """The R project after its own `make ci`, and that run's output."""
    project = render_copier(template_repo, tmp_path_factory.mktemp("r") / "demo", ANSWERS)
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "generated", cwd=project)
    result = run(project, env, "make", "ci")
    return project, result.stdout + result.stderr


@pytest.fixture
def project(ci: tuple[Path, str]) -> Iterator[Path]:
    yield ci[0]
    restore(ci[0])


def test_make_ci_runs_lintr_and_testthat_beside_ruff_and_pytest(ci: tuple[Path, str]) -> None:
    output = ci[1]
    for tool in ("ruff check", "pytest", "scripts/lintr.R", "testthat::test_dir"):
        assert tool in output, tool
    assert "lintr: 6 R files, no lints" in output  # R/, tests/testthat/ (2), notebook, scripts/ (2)
    assert "R notebooks: outputs stripped, pairs in sync" in output
    assert "explore: ........" in output  # testthat's summary: the 8 expectations passed


def test_the_r_files_are_rendered(ci: tuple[Path, str]) -> None:
    """No template code left in what the option adds (the parity sets render it without R)."""
    project = ci[0]
    files = ["DESCRIPTION", ".lintr", "docs/r.md", PAIR, NOTEBOOK, "Makefile"]
    for name in files:
        text = (project / name).read_text()
        assert "{{" not in text, name
        assert "{%" not in text, name
    assert "line_length_linter(88)" in (project / ".lintr").read_text()
    assert "Package: demo\n" in (project / "DESCRIPTION").read_text()


def test_a_lint_fails_lint_r_with_lintr_s_message_and_the_hook(
    project: Path, env: dict[str, str]
) -> None:
    with (project / "R" / "explore.R").open("a") as handle:
        handle.write("badName<-function(x) x\n")
    result = run(project, env, "make", "lint-r", check=False)
    assert result.returncode != 0
    assert "R/explore.R:35:1: style: [object_name_linter]" in result.stdout, result.stdout
    assert "[infix_spaces_linter]" in result.stdout
    hook = run(project, env, ".venv/bin/pre-commit", "run", "lintr", "--files", "R/explore.R",
               check=False)  # fmt: skip
    assert hook.returncode != 0
    assert "[object_name_linter]" in hook.stdout, hook.stdout


def test_a_failing_testthat_test_fails_test_r_with_testthat_s_message(
    project: Path, env: dict[str, str]
) -> None:
    (project / "tests" / "testthat" / "test-planted.R").write_text(
        'test_that("the planted test fails", {\n'
        '  expect_equal(class_balance(data.frame(y = 1), "y")$share, 0.5)\n'
        "})\n"
    )
    result = run(project, env, "make", "test-r", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the planted test fails" in output, output
    assert "Test failures" in output


def test_an_unmet_description_version_fails_with_one_line_per_package(
    project: Path, env: dict[str, str]
) -> None:
    description = project / "DESCRIPTION"
    description.write_text(description.read_text().replace("lintr (>= 3.0.2)", "lintr (>= 99.0)"))
    result = run(project, env, "make", "lint-r", check=False)
    assert result.returncode != 0
    assert result.stdout.strip().splitlines() == [
        "lintr 3.0.2 is installed: DESCRIPTION needs lintr (>= 99.0)"
        " (docs/r.md: install the R packages)"
    ]


def test_without_r_one_line_says_how_to_install_it(
    project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"  # what make needs, and no Rscript
    bin_dir.mkdir()
    for name in ("make", "bash", "sh", "id"):
        (bin_dir / name).symlink_to(shutil.which(name))
    result = run(project, {**env, "PATH": str(bin_dir)}, str(bin_dir / "make"), "test-r",
                 check=False)  # fmt: skip
    assert result.returncode != 0
    assert result.stdout.strip() == (
        "R is not installed: run 'make install-r' (Debian/Ubuntu) or see docs/r.md"
    )


def test_the_r_notebook_executes_with_irkernel_inside_the_project(
    project: Path, env: dict[str, str]
) -> None:
    result = run(project, env, "make", "notebooks-r")
    assert "Executing notebook with kernel: ir" in result.stderr
    assert (project / ".venv" / "share" / "jupyter" / "kernels" / "ir" / "kernel.json").is_file()
    # the kernel spec is the project's: none in HOME (Jupyter's runtime files may be there)
    assert not list(Path(env["HOME"]).rglob("kernel.json"))


def test_the_notebook_and_its_r_script_stay_in_sync(project: Path, env: dict[str, str]) -> None:
    with (project / PAIR).open("a") as handle:
        handle.write("\n# %%\nnrow(train)\n")
    result = run(project, env, "make", "lint-r", check=False)
    assert result.returncode != 0
    assert f"{NOTEBOOK} and {PAIR} are not in sync: run 'make sync'" in result.stdout
    os.utime(project / PAIR)  # the newer file wins: the edited script
    run(project, env, "make", "sync")
    assert "nrow(train)" in (project / NOTEBOOK).read_text()
    run(project, env, "make", "format")  # as for Python: the synced notebook's new cell stripped
    run(project, env, "make", "lint-r")


def test_nb2script_turns_the_r_notebook_into_an_r_script_that_runs(
    project: Path, env: dict[str, str]
) -> None:
    result = run(project, env, "make", "nb2script", f"NB={NOTEBOOK}")
    assert "wrote scripts/explore_r.R" in result.stdout
    script = project / "scripts" / "explore_r.R"
    assert "# %%" not in script.read_text()
    ran = run(project, env, "Rscript", "scripts/explore_r.R")
    assert "rows," in ran.stdout
    assert "share" in ran.stdout
