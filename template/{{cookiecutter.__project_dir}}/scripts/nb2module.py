"""Turn a notebook into a module of the package: ``make nb2script NB=...``.

The code cells become the body of ``main()`` (imports go to the top), the
first markdown cell the module docstring, and bare expressions that only
displayed a value are printed. The module runs with ``python -m`` and is
linted and type-checked with the rest of ``src/``.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import jupytext


def convert(notebook: Path) -> str:
    """The module's source for ``notebook``."""
    cells = jupytext.read(notebook).cells
    markdown = [c.source for c in cells if c.cell_type == "markdown"]
    title = markdown[0].lstrip("# ").strip() if markdown else notebook.stem
    if not title.splitlines()[0].endswith((".", "?", "!")):
        title = title.replace("\n", ".\n", 1) + ("" if "\n" in title else ".")
    imports: list[str] = []
    body: list[str] = []
    for cell in (c for c in cells if c.cell_type == "code"):
        lines = cell.source.splitlines()
        tree = ast.parse(cell.source)
        for node in reversed(tree.body):
            first, last = node.lineno - 1, node.end_lineno or node.lineno
            if isinstance(node, ast.Import | ast.ImportFrom):
                imports[:0] = lines[first:last]
                del lines[first:last]
            elif isinstance(node, ast.Expr) and not isinstance(
                node.value,
                ast.Call,
            ):
                lines[first] = "print(" + lines[first]
                lines[last - 1] += ")"
        body += [*lines, ""]
    code = textwrap.indent("\n".join(body).strip(), "    ")
    origin = f"Made from {notebook.as_posix()} by make nb2script."
    return (
        f'"""{title}\n\n{origin}\n"""\n\n'
        + "\n".join(["from __future__ import annotations", "", *imports])
        + '\n\n\ndef main() -> None:\n    """Run the notebook\'s steps."""\n'
        + code
        + '\n\n\nif __name__ == "__main__":\n    main()\n'
    )


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(convert(source), encoding="utf-8")
