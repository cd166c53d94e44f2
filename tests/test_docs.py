"""The template's documentation site: builds strictly, and says what the code does (every CLI
option documented, every workshop module with a goal, steps and a check that exists)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from mlops_cookie.cli import cli
from mlops_cookie.workshop import MODULES

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
BIN = Path(sys.executable).parent
CHECK_SCRIPT = (
    REPO / "template" / "{{cookiecutter.__project_dir}}" / "scripts" / "workshop_check.py"
)
WORKSHOP_PAGES = sorted((DOCS / "workshop").glob("0*.md"))


def test_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for page in (
        "getting-started",
        "options",
        "maturity",
        "cli",
        "workshop/01-iac",
        "components/cd",
    ):
        assert (tmp_path / "site" / page / "index.html").is_file(), page


def test_every_page_is_in_the_navigation() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    for page in DOCS.rglob("*.md"):
        assert page.relative_to(DOCS).as_posix() in nav, page


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_cli_reference_documents_every_option(name: str) -> None:
    page = (DOCS / "cli.md").read_text()
    assert f"## {name}" in page
    command = cli.commands[name]
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            longest = max(param.opts, key=len)
            assert longest in page, f"{name} {longest} is not in docs/cli.md"


def test_workshop_modules_have_a_goal_steps_and_a_real_check() -> None:
    script = CHECK_SCRIPT.read_text()
    documented = {m.group(1) for m in re.finditer(r'^    "(\w+)": \(', script, re.M)}
    assert documented == {module for module, _ in MODULES}
    assert len(WORKSHOP_PAGES) == len(MODULES)
    index = (DOCS / "workshop" / "index.md").read_text()
    for page, (module, title) in zip(WORKSHOP_PAGES, MODULES, strict=True):
        text = page.read_text()
        assert text.startswith(f"# {WORKSHOP_PAGES.index(page) + 1}. {title}"), page
        assert "**Goal:**" in text, page
        assert "## Steps" in text, page
        assert "## Check" in text, page
        assert f"make workshop-check MODULE={module}" in text, page
        assert f"make workshop-check MODULE={module}" in index
