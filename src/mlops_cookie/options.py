"""The options several subcommands share (--template, --vcs-ref, --data), declared once, and
what they mean: where the template is, and which answers were given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mlops_cookie.errors import UserError
from mlops_cookie.questions import REPO_ROOT, load, visible

PUBLIC_TEMPLATE = "https://github.com/mlops-cookie/mlops-cookie"
F = TypeVar("F", bound=Callable[..., Any])

TEMPLATE_HELP = "Template to use [default: this package's repository, else the public one]."
VCS_REF_HELP = "Template tag, branch or commit [default: the newest release tag]."
DATA_HELP = "An answer to a template question (KEY=VALUE); repeat for more."


def data_option(function: F) -> F:
    return click.option("-d", "--data", multiple=True, metavar="KEY=VALUE", help=DATA_HELP)(
        function
    )


def template_options(function: F) -> F:
    """--template, --vcs-ref and --data, with one help text each for every subcommand."""
    function = data_option(function)
    function = click.option("--vcs-ref", metavar="REF", help=VCS_REF_HELP)(function)
    return click.option("-t", "--template", metavar="URL|PATH", help=TEMPLATE_HELP)(function)


def parse_data(pairs: tuple[str, ...]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(
                f"--data '{pair}': expected KEY=VALUE, e.g. --data project_name='Churn Model'"
            )
        data[key.strip()] = value
    return data


def is_local(source: str) -> bool:
    return "://" not in source and not source.startswith(("git@", "gh:", "gl:"))


def default_template() -> str:
    """This package's own repository when installed from a checkout, else the public one."""
    return str(REPO_ROOT) if (REPO_ROOT / "copier.yml").is_file() else PUBLIC_TEMPLATE


def resolve_template(source: str | None) -> str:
    """A template source copier can record for later updates: URLs as given, paths absolute."""
    source = source or default_template()
    if not is_local(source):
        return source
    path = Path(source).expanduser()
    if not path.exists():
        raise UserError(f"template {source} does not exist")
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UserError(f"{source} is not a copier template (no copier.yml)")
    return str(path.resolve())


def check_question_names(template: str, data: dict[str, Any]) -> None:
    """Refuse answers to questions the template does not ask (typos), for local templates."""
    if not is_local(template) or not (Path(template) / "copier.yml").is_file():
        return
    _, questions = load(Path(template) / "copier.yml")
    known = {q.name for q in visible(questions)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(
            f"the template has no question {', '.join(unknown)}; "
            f"its questions: {', '.join(sorted(known))}"
        )
