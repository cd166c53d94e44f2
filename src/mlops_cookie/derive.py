"""Derive everything that restates copier.yml, so that questions are defined once.

Writes (or with ``--check`` verifies):

- ``template/cookiecutter.json``: the same questions for cookiecutter and cruft;
- ``template/hooks/pre_gen_project.py``: ``hooks/pre_gen_project.py`` with copier's validators
  filled in, which the hook evaluates unchanged so every engine refuses the same answers with
  the same message;
- ``template/hooks/post_gen_project.py``: ``hooks/post_gen_project.py`` with the conditional
  ``_exclude`` entries filled in (the table of option-owned paths), which the hook evaluates
  to remove what copier leaves out;
- ``docs/options.md``: the options reference;
- the ``[tool.cruft] skip`` list of the generated pyproject.toml, from ``_skip_if_exists``;
- the maturity scale and practices tables of ``docs/maturity.md``, from ``mlops_cookie.check``.

Usage: ``python -m mlops_cookie.derive [--check]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from mlops_cookie.questions import REPO_ROOT, Question, load, visible

COOKIECUTTER_JSON = Path("template/cookiecutter.json")
PROJECT_TREE = Path("template/{{cookiecutter.__project_dir}}")
# hook sources (hooks/) -> the copies cookiecutter runs (template/hooks/)
PRE_GEN = Path("hooks/pre_gen_project.py")
POST_GEN = Path("hooks/post_gen_project.py")
HOOKS_DIR = Path("template/hooks")
OPTIONS_MD = Path("docs/options.md")
PYPROJECT = PROJECT_TREE / "pyproject.toml"
MATURITY_MD = Path("docs/maturity.md")

# The data block of a hook source, filled in for the copy cookiecutter runs.
HOOK_BEGIN = "# >>> data: filled in by `python -m mlops_cookie.derive` in the derived copy\n"
HOOK_END = "# <<<\n"
HOOK_HEADER = (
    "# Derived from {source} and copier.yml by `make derive`: edit those, not this file\n"
    "# (a test fails when they drift). Cookiecutter renders it with Jinja, then runs it.\n"
)
# The same in the generated pyproject.toml, where users read it.
PY_BEGIN = (
    "# >>> the template's _skip_if_exists (copier.yml); `copier update` keeps this list current\n"
)
PY_END = "# <<<\n"
# The same in docs/maturity.md (one pair per table).
MD_BEGIN = "<!-- BEGIN {} table: derived from check.py by `python -m mlops_cookie.derive` -->\n"
MD_END = "<!-- END {} table -->\n"

# The project folder's name. A slug that could escape the output folder ("..", "a/b", "")
# is replaced by a harmless name, so cookiecutter creates nothing outside it before the
# pre-generation hook refuses the answer (and cookiecutter removes the folder again).
_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789-"
PROJECT_DIR = (
    "{{ cookiecutter.project_slug if cookiecutter.project_slug"
    f" and not cookiecutter.project_slug.strip('{_SAFE}')"
    " and cookiecutter.project_slug[0] != '-' else 'invalid-project-slug' }}"
)


def _namespaced(expr: str, names: list[str]) -> str:
    """Rewrite bare answer names inside Jinja tags to ``cookiecutter.<name>``."""
    word = re.compile(r"(?<![\w.'\"])(" + "|".join(map(re.escape, names)) + r")\b(?!['\"])")

    def fix(tag: re.Match[str]) -> str:
        return word.sub(r"cookiecutter.\1", tag.group(0))

    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", fix, expr, flags=re.S)


def cookiecutter_context(questions: list[Question]) -> dict[str, Any]:
    """The cookiecutter.json mapping: defaults first in choice lists, prompts from ``help``."""
    names = [q.name for q in visible(questions)]
    context: dict[str, Any] = {}
    for q in visible(questions):
        if q.choices:
            context[q.name] = [q.default, *[c for c in q.choices if c != q.default]]
        elif q.type == "bool":
            context[q.name] = bool(q.default)
        elif q.default is None:
            context[q.name] = ""
        else:
            context[q.name] = _namespaced(str(q.default), names)
    context["__project_dir"] = PROJECT_DIR
    context["__prompts__"] = {q.name: q.help for q in visible(questions) if q.help}
    return context


def hook_table(questions: list[Question]) -> dict[str, Any]:
    """What the cookiecutter hook needs to judge answers exactly as copier does."""
    extra = {q.name: q.default for q in questions if q.hidden and q.name != "cookiecutter"}
    table = [
        {"name": q.name, "type": q.type, "choices": q.choices, "validator": q.validator}
        for q in visible(questions)
    ]
    return {"questions": table, "context": extra}


# One entry of the ownership table: `{% if CONDITION %}PATH{% endif %}`.
_OWNED = re.compile(r"^\{% if (?P<condition>.+?) %\}(?P<path>.+)\{% endif %\}$")
_WILDCARDS = set("*?[]!\\")


def owned_path(entry: str) -> tuple[str, str] | None:
    """(condition, path) of an ownership entry `{% if CONDITION %}PATH{% endif %}`, else None."""
    match = _OWNED.match(entry)
    return (match["condition"], match["path"]) if match else None


def owned_paths(settings: dict[str, Any], root: Path = REPO_ROOT) -> list[str]:
    """The conditional `_exclude` entries (the option-owned paths), checked against the tree.

    Each must name one existing path of the template tree, without wildcards, that no other
    path matches when copier reads the entry as a .gitignore pattern: then removing exactly
    that path (the cookiecutter hook) leaves out what copier leaves out.
    """
    from pathspec import GitIgnoreSpec

    tree = root / PROJECT_TREE
    sources = [p.relative_to(tree).as_posix() for p in tree.rglob("*")]
    entries = [e for e in settings.get("_exclude", []) if "{" in e]
    for entry in entries:
        _, path = owned_path(entry) or ("", "")
        if not path or "{%" in path or _WILDCARDS & set(path) or path[0] == "/" or path[-1] == "/":
            raise SystemExit(
                f"derive: _exclude entry {entry!r}: write {{% if CONDITION %}}PATH{{% endif %}} "
                "with one project-relative path, no wildcards"
            )
        # its name in the tree, where answers are `cookiecutter.<name>`
        source = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"{{cookiecutter.\1}}", path)
        if source not in sources:
            raise SystemExit(f"derive: _exclude entry {entry!r}: no {source} in {PROJECT_TREE}")
        spec = GitIgnoreSpec.from_lines([source])
        others = [s for s in sources if spec.match_file(s) and s.split("/")[: source.count("/") + 1]
                  != source.split("/")]  # fmt: skip
        if others:
            raise SystemExit(f"derive: _exclude entry {entry!r} also leaves out {others}")
    return entries


def _hook_copy(root: Path, source: Path, data: str) -> str:
    """A hook source from hooks/ with its data block filled in, for cookiecutter to render."""
    text = (root / source).read_text(encoding="utf-8")
    start, end = text.index(HOOK_BEGIN), text.index(HOOK_END) + len(HOOK_END)
    code = text[:start] + text[end:]
    if re.search(r"\{\{|\{%|\{#", code):
        raise SystemExit(f"derive: {source} may not contain Jinja markers: cookiecutter renders it")
    answers = "ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')\n"
    block = f"{HOOK_BEGIN}{answers}{data}{HOOK_END}"
    return HOOK_HEADER.format(source=source.as_posix()) + text[:start] + block + text[end:]


def _raw_json(name: str, value: Any) -> str:
    data = json.dumps(value, indent=1, ensure_ascii=False)
    if "'''" in data or "endraw" in data:
        raise SystemExit("derive: copier.yml may not contain ''' or endraw in hook data")
    return f"{name} = json.loads(\n    r'''{{% raw %}}{data}{{% endraw %}}'''\n)\n"


def pre_gen_hook(questions: list[Question], root: Path = REPO_ROOT) -> str:
    return _hook_copy(root, PRE_GEN, _raw_json("TABLE", hook_table(questions)))


def post_gen_hook(settings: dict[str, Any], root: Path = REPO_ROOT) -> str:
    return _hook_copy(root, POST_GEN, _raw_json("EXCLUDE", owned_paths(settings, root)))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "*(required)*"
    return f"`{value}`"


def options_markdown(questions: list[Question]) -> str:
    """The options reference page, generated so it never drifts from copier.yml."""
    lines = [
        "# Options reference",
        "",
        "<!-- Generated from copier.yml by `python -m mlops_cookie.derive`; do not edit. -->",
        "",
        "Every question the template asks, in the order it asks them. Pass answers with",
        "`copier copy --data name=value` or as `name=value` arguments to `cookiecutter`/"
        "`cruft create`.",
        "",
        "| option | what | allowed | default |",
        "| --- | --- | --- | --- |",
    ]
    for q in visible(questions):
        if q.choices:
            allowed = " / ".join(f"`{c}`" for c in q.choices)
        elif q.type == "bool":
            allowed = "`true` / `false`"
        else:
            allowed = q.allowed
        default = q.default if not (isinstance(q.default, str) and "{{" in q.default) else "derived"
        anchor = q.name.replace("_", "-")
        lines.append(f"| [`{q.name}`](#{anchor}) | {q.help} | {allowed} | {_cell(default)} |")
    lines.append("")
    for q in visible(questions):
        lines += [f"## {q.name.replace('_', '-')}", "", f"**{q.help}.** {q.why}".rstrip(), ""]
        if isinstance(q.default, str) and "{{" in q.default:
            lines += [f"Default: derived, `{q.default}`.", ""]
    return "\n".join(lines)


def cruft_skip_block(settings: dict[str, Any]) -> str:
    """cruft's equivalent of copier's `_skip_if_exists`, for the generated pyproject.toml."""
    patterns = ",\n".join(f'    "{p}"' for p in settings.get("_skip_if_exists", []))
    return (
        f"{PY_BEGIN}[tool.cruft]\n"
        "# Files you own once the project exists: `cruft update` leaves them alone\n"
        "# (copier users get the same through the template's _skip_if_exists).\n"
        f"skip = [\n{patterns},\n]\n{PY_END}"
    )


def _replace_block(text: str, block: str, begin: str, end_: str) -> str:
    start, end = text.index(begin), text.index(end_) + len(end_)
    return text[:start] + block + text[end:]


def maturity_page(text: str) -> str:
    """docs/maturity.md with its tables rewritten from the check module's scale and practices."""
    from mlops_cookie.check import practices_markdown, scale_markdown

    for name, table in (("scale", scale_markdown()), ("practices", practices_markdown())):
        begin, end = MD_BEGIN.format(name), MD_END.format(name)
        text = _replace_block(text, f"{begin}\n{table}\n\n{end}", begin, end)
    return text


def render_all(root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every derived file (absolute path) and the text it must have."""
    settings, questions = load(root / "copier.yml")
    context = json.dumps(cookiecutter_context(questions), indent=2, ensure_ascii=False)
    derived = {
        root / COOKIECUTTER_JSON: context + "\n",
        root / HOOKS_DIR / PRE_GEN.name: pre_gen_hook(questions, root),
        root / HOOKS_DIR / POST_GEN.name: post_gen_hook(settings, root),
        root / OPTIONS_MD: options_markdown(questions),
        root / PYPROJECT: _replace_block(
            (root / PYPROJECT).read_text(), cruft_skip_block(settings), PY_BEGIN, PY_END
        ),
    }
    if (root / MATURITY_MD).is_file():
        derived[root / MATURITY_MD] = maturity_page((root / MATURITY_MD).read_text())
    return derived


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a derived file is stale")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="template repository")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render_all(args.root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(os.path.relpath(path, args.root))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        names = ", ".join(map(str, stale))
        print(f"derive: stale, run `python -m mlops_cookie.derive`: {names}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"derive: wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
