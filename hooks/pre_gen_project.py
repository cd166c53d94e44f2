"""Refuse bad answers before cookiecutter or cruft writes a file.

The checks are copier.yml's own validators (plain Jinja), evaluated here unchanged, so every
engine refuses the same answers with the same one-line message. On failure cookiecutter
removes the project folder it had just created. Copier needs no hook: it runs the validators
itself.

Source: hooks/pre_gen_project.py. Cookiecutter runs template/hooks/pre_gen_project.py, the copy
that `make derive` writes with the data block filled in.
"""

import json
import sys
from functools import cache

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

# >>> data: filled in by `python -m mlops_cookie.derive` in the derived copy
ANSWERS = json.loads("{}")  # cookiecutter's answers
TABLE = json.loads('{"questions": [], "context": {}}')  # copier.yml's questions and validators
# <<<


def coerce(question, value):
    """Turn cookiecutter's answer into copier's type, or return an error message."""
    name, kind = question["name"], question["type"]
    if kind == "bool" and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in {"true", "false", "yes", "no", "y", "n", "1", "0", "on", "off"}:
            return None, f"{name} '{value}' is not allowed: answer true or false"
        return text in {"true", "yes", "y", "1", "on"}, None
    if question["choices"] and value not in question["choices"]:
        allowed = ", ".join(question["choices"])
        return None, f"{name} '{value}' is not allowed: choose one of {allowed}"
    return value, None


@cache
def compiled(source):
    """A validator, compiled once (the tests judge thousands of answer sets with this hook)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source)


def first_error(answers, table=None):
    """The first refused answer's message, in question order, or None."""
    table = table or TABLE
    context = dict(table["context"])
    for question in table["questions"]:
        value, error = coerce(question, answers.get(question["name"], ""))
        if error:
            return error
        context[question["name"]] = value
    for question in table["questions"]:
        if question["validator"]:
            message = compiled(question["validator"]).render(context).strip()
            if message:
                return message
    return None


if __name__ == "__main__":
    error = first_error(ANSWERS)
    if error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
