"""Migration: the template renamed a question; carry the recorded answer over.

Usage (a `before` migration in copier.yml, run in the project): rename_answer.py OLD NEW

- .copier-answers.yml: the key is renamed (copier re-reads the file after `before` migrations).
- .cruft.json: the value is copied to NEW and OLD is kept, because cruft renders the old
  template version from the same context; the update then drops OLD.
"""

import json
import re
import sys
from pathlib import Path


def main(old: str, new: str) -> int:
    copier = Path(".copier-answers.yml")
    if copier.is_file():
        text = copier.read_text()
        if re.search(rf"^{re.escape(new)}:", text, re.M) is None:
            copier.write_text(re.sub(rf"^{re.escape(old)}:", f"{new}:", text, flags=re.M))
    cruft = Path(".cruft.json")
    if cruft.is_file():
        state = json.loads(cruft.read_text())
        context = state["context"]["cookiecutter"]
        if old in context and new not in context:
            context[new] = context[old]
            cruft.write_text(json.dumps(state, indent=2) + "\n")
    print(f"migration: answer {old} -> {new}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: rename_answer.py OLD NEW")
    sys.exit(main(sys.argv[1], sys.argv[2]))
