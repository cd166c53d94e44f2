"""Who owns what, across a real release: a fix to a template-owned file (evaluate.py) reaches a
project through `copier update` and `cruft update`, while the user's edit of a user-owned file
(features.py, in `_skip_if_exists`) stays, even though the template changed that file too."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import generate_old, git

from mlops_cookie.devtools import PROJECT_DIR, snapshot_template
from mlops_cookie.update import update

pytestmark = pytest.mark.slow

FIX = "\n\n# v0.2.0: a fix from the template\n"
TEMPLATE_FEATURE = "\n\n# v0.2.0: the template's new example feature\n"
USER_FEATURE = "\n\n# ours: customer tenure in months\n"


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = snapshot_template(tmp_path_factory.mktemp("owned"), tag="v0.1.0")
    package = repo / PROJECT_DIR / "src" / "{{cookiecutter.package_name}}"
    for name, line in (("evaluate.py", FIX), ("features.py", TEMPLATE_FEATURE)):
        (package / name).write_text((package / name).read_text() + line)
    git("commit", "-q", "-am", "release 0.2.0", cwd=repo)
    git("tag", "v0.2.0", cwd=repo)
    return repo


@pytest.mark.parametrize("engine", ["copier", "cruft"])
def test_template_owned_fix_arrives_and_user_owned_edit_stays(
    engine: str, releases: Path, tmp_path: Path
) -> None:
    project = generate_old(engine, releases, tmp_path, ref="v0.1.0")
    package = project / "src" / "demo"
    ours = (package / "features.py").read_text() + USER_FEATURE
    (package / "features.py").write_text(ours)
    git("commit", "-q", "-am", "our feature", cwd=project)

    report = update(project)

    assert (package / "evaluate.py").read_text().endswith(FIX)
    assert (package / "features.py").read_text() == ours
    assert any(item.startswith("src/demo/features.py ") for item in report.not_applied)
