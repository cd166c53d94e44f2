"""Remove the folders that came out empty because every file in them belongs to an option
that was not chosen (e.g. .github/ for GitLab users).

Copier leaves such folders out through the templated `_exclude` list in copier.yml; this is the
cookiecutter/cruft side of the same rule, so both engines produce the same tree (the parity
test compares folders too).
"""

import os

for root, dirs, files in os.walk(".", topdown=False):
    if root != "." and not os.listdir(root):
        os.rmdir(root)
