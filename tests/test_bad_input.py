"""Bad answers are refused by every engine with one clear line, and nothing is left on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

# (answers, the answer the message must name, words of "what is allowed" it must contain)
BAD = [
    ({"project_name": ""}, "project_name", "required"),
    ({"project_name": 'Bad "quote"'}, "project_name", "not allowed"),
    ({"project_slug": ""}, "project_slug", "lowercase ASCII letters"),
    ({"project_slug": "1model"}, "project_slug", "starting with a letter"),
    ({"project_slug": "my project"}, "project_slug", "lowercase ASCII letters"),
    ({"project_slug": "a/b"}, "project_slug", "lowercase ASCII letters"),
    ({"project_slug": "../escape"}, "project_slug", "lowercase ASCII letters"),
    ({"project_slug": ".."}, "project_slug", "lowercase ASCII letters"),
    ({"project_slug": "démo"}, "project_slug", "lowercase ASCII letters"),
    ({"package_name": "class"}, "package_name", "keyword"),
    ({"package_name": "json"}, "package_name", "standard-library"),
    ({"package_name": "9lives"}, "package_name", "starting with a letter"),
    ({"package_name": "my-pkg"}, "package_name", "underscores"),
    ({"package_name": "my pkg"}, "package_name", "underscores"),
    ({"package_name": "a/b"}, "package_name", "underscores"),
    ({"package_name": "café"}, "package_name", "ASCII"),
    ({"author_email": "not-an-email"}, "author_email", "name@domain.tld"),
    ({"author_email": "me@localhost"}, "author_email", "name@domain.tld"),
    ({"line_length": "200"}, "line_length", "79 to 120"),
    ({"line_length": "abc"}, "line_length", "79 to 120"),
    ({"ci_provider": "jenkins"}, "ci_provider", "gitlab"),
    ({"license": "GPL"}, "license", "BSD-3-Clause"),
    ({"iac": "bicep", "cloud": "aws"}, "cloud", "Azure only"),
]
IDS = ["-".join(f"{k}={v}" for k, v in answers.items()) for answers, _, _ in BAD]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
        "COLUMNS": "300",
    }
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def engine_command(engine: str, template: Path, answers: dict[str, str], out: Path) -> list[str]:
    answers = {"project_name": "Demo", **answers}
    if engine == "copier":
        data = [arg for k, v in answers.items() for arg in ("--data", f"{k}={v}")]
        return ["copier", "copy", "--defaults", *data, str(template), str(out / "project")]
    if engine == "cookiecutter":
        pairs = [f"{k}={v}" for k, v in answers.items()]
        return ["cookiecutter", "--no-input", str(template), "--directory", "template",
                "--output-dir", str(out), *pairs]  # fmt: skip
    return ["cruft", "create", str(template), "--directory", "template", "--no-input",
            "--output-dir", str(out), "--extra-context", json.dumps(answers)]  # fmt: skip


@pytest.mark.parametrize("engine", ["copier", "cookiecutter", "cruft"])
@pytest.mark.parametrize(("answers", "name", "allowed"), BAD, ids=IDS)
def test_bad_answer_is_refused_cleanly(
    engine: str, answers: dict[str, str], name: str, allowed: str, template_repo: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    result = run(engine_command(engine, template_repo, answers, out), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    lines = [line for line in output.splitlines() if name in line and allowed in line]
    assert lines, f"no line names {name!r} and says {allowed!r}:\n{output}"
    assert list(out.iterdir()) == [], "output left behind"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "wrote outside the output dir"
