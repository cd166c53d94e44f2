"""Migration: the template moved a file; move the project's copy first, edits and all.

Usage (a `before` migration in copier.yml, run in the project): move.py OLD NEW

Copier and cruft drop the user's edits of a file the template moved, without a conflict.
Moving the file (with `git mv`, so the move is in the index both engines compare) before the
update lets the merge see the user's version at its new place.
"""

import subprocess
import sys
from pathlib import Path


def main(old: str, new: str) -> int:
    if not Path(old).exists() or Path(new).exists():
        return 0  # already moved, deleted by the user, or a new file: nothing to carry over
    Path(new).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "mv", old, new], check=True)
    print(f"migration: moved {old} -> {new}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: move.py OLD NEW")
    sys.exit(main(sys.argv[1], sys.argv[2]))
