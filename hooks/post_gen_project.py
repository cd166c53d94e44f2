"""Remove the files and folders of options that were not chosen (cookiecutter and cruft).

Copier leaves them out itself through the conditional `_exclude` entries of copier.yml, the one
table of which option owns which path. This hook evaluates the very same entries (plain Jinja,
answers as bare names) against cookiecutter's answers and removes the path each one names, so
every engine writes the same tree.

Source: hooks/post_gen_project.py. Cookiecutter runs template/hooks/post_gen_project.py, the copy
that `make derive` writes with the data block filled in.
"""

import json
import shutil
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

# >>> data: filled in by `python -m mlops_cookie.derive` in the derived copy
ANSWERS = json.loads("{}")  # cookiecutter's answers
EXCLUDE = json.loads("[]")  # copier.yml's conditional `_exclude` entries
# <<<


def excluded(answers, entries=None):
    """The project-relative paths the entries leave out for these answers."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    rendered = (env.from_string(entry).render(answers).strip() for entry in entries or EXCLUDE)
    return [path for path in rendered if path]


def remove(root, paths):
    for rel in paths:
        path = Path(root, rel)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()


if __name__ == "__main__":
    remove(".", excluded(ANSWERS))
