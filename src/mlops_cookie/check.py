"""How mature is a repository's MLOps? An evidence-based report on any repository.

Each practice has a detector that reads the repository's files (their content, not only their
names) and returns evidence: the file and what in it shows the practice. The maturity level is
the highest level whose *required* practices are all present, together with those of every lower
level. Recommended practices never change the level; they are listed as next steps.

The scale (docs/maturity.md explains it):

| level | name | required practices |
| --- | --- | --- |
| 0 | Ad hoc | none: code and models live in notebooks and on laptops |
| 1 | Reproducible code | an installable package with its dependencies, lint configuration, tests |
| 2 | Continuous integration | CI runs lint and tests on every change; a model-quality gate |
| 3 | Continuous delivery | CD through staging with an approval before production; IaC |
| 4 | Monitored operations | monitoring, drift detection, a load test, data/model versioning |

Recommended: documentation (level 1), issue/PR templates and experiment tracking (level 2), a
serving API (level 3).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from mlops_cookie.errors import UserError

MAX_LEVEL = 4
LEVELS = {
    0: "Ad hoc",
    1: "Reproducible code",
    2: "Continuous integration",
    3: "Continuous delivery",
    4: "Monitored operations",
}
LEVEL_MEANING = {
    0: "code and models live in notebooks and on laptops; nothing is checked automatically",
    1: "anyone can install the code and run its lint and tests",
    2: "every change is linted and tested by CI, and a worse model fails the build",
    3: "changes reach production through staging and an approval, on infrastructure as code",
    4: "production is watched: service health, data drift, capacity; data and models versioned",
}
# Folders never read: environments, caches, build output, version control.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules", "__pycache__",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform", "site",
    "build", "dist", ".ipynb_checkpoints", "htmlcov", ".mlops-cookie", ".eggs", "site-packages",
})  # fmt: skip
# Data and experiment-output folders: only code and pointer files in them are listed (a DVC
# pointer `data/raw.dvc` is evidence; 60,000 images under data/raw/ are not).
DATA_DIRS = frozenset({"data", "datasets", "mlruns", "mlartifacts", "wandb", "lightning_logs"})
DATA_KEEP = (".py", ".dvc")
SKIP_PATHS = (".dvc/cache", ".dvc/tmp")  # DVC's local cache: data, not evidence
MAX_FILES = 50_000  # files listed (after the skipped folders)
MAX_SCAN = 500_000  # directory entries looked at, skipped ones included
MAX_READ = 2_000_000  # bytes read from one file
MAX_YAML_NODES = 200_000  # a YAML document's size with its aliases expanded
GIT_TIMEOUT = 60  # seconds for one `git ls-files`


class CheckError(UserError):
    """The repository cannot be checked (a problem the user can fix)."""


class _BoundedYamlLoader(yaml.SafeLoader):
    """safe_load, refusing a document whose aliases expand beyond MAX_YAML_NODES (an alias
    bomb: a few lines that expand to billions of nodes when walked)."""

    def compose_document(self) -> Any:
        node = super().compose_document()
        sizes: dict[int, int] = {}

        def size(item: yaml.Node) -> int:
            known = sizes.get(id(item))
            if known is not None:
                return known
            sizes[id(item)] = 1  # a recursive alias counts once
            total = 1
            if isinstance(item, yaml.SequenceNode):
                total += sum(size(child) for child in item.value)
            elif isinstance(item, yaml.MappingNode):
                total += sum(size(k) + size(v) for k, v in item.value)
            if total > MAX_YAML_NODES:
                raise yaml.YAMLError(
                    f"its aliases expand to more than {MAX_YAML_NODES:,} nodes (an alias bomb?)"
                )
            sizes[id(item)] = total
            return total

        if node is not None:
            size(node)
        return node


# --------------------------------------------------------------------------- reading the repo
class Repo:
    """A read-only view of a repository's files, read lazily and once.

    Listing: git's view when the folder is in a git work tree (tracked and untracked files,
    without the ignored ones), else a walk; folders in SKIP_DIRS are skipped, data folders
    (DATA_DIRS) contribute only code and pointer files. Only regular files are listed: FIFOs,
    sockets and devices are never opened, and symbolic links only when they stay inside the
    repository. Reads are bounded (MAX_READ bytes, MAX_YAML_NODES); whatever could not be read,
    or a limit that was hit, is recorded in `notes` and shown in the report.
    """

    def __init__(self, root: Path) -> None:
        if not root.exists():
            raise CheckError(f"{root} does not exist")
        if not root.is_dir():
            raise CheckError(f"{root} is not a folder")
        self.root = root.resolve()
        self.notes: list[str] = []
        self._special: list[str] = []
        self._outside: list[str] = []
        self.toplevel = _git_toplevel(self.root)
        listed = self._git_list() if self.toplevel else None
        self.source = "git" if listed is not None else "walk"
        candidates = listed if listed is not None else self._walk()
        self.files = self._keep(candidates)
        self.template_files = self._untouched_template_files()
        if self.template_files:
            self.files = [f for f in self.files if f not in self.template_files]
            self.notes.append(
                f"not credited: {len(self.template_files)} files `adopt` brought from the "
                "template and unchanged since (the template's example is not this repository's "
                "practice until you make it yours): "
                + ", ".join(sorted(self.template_files)[:4])
                + (" ..." if len(self.template_files) > 4 else "")
            )
        self._fileset = set(self.files)
        self._texts: dict[str, str] = {}
        self.outer: list[str] = self._outer_ci_files()
        if self._special:
            self.notes.append(
                f"not read: {len(self._special)} special files (FIFO, socket, device): "
                + ", ".join(self._special[:3])
            )
        if self._outside:
            self.notes.append(
                f"not read: {len(self._outside)} symbolic links leaving the repository: "
                + ", ".join(self._outside[:3])
            )

    # ---- listing
    def _git_list(self) -> list[str] | None:
        """Tracked and untracked files under root, without git-ignored ones; None when git
        cannot tell (not installed, not a work tree, a timeout)."""
        try:
            process = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard"],
                cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except OSError:
            return None
        names: list[str] = []
        buffer = b""
        deadline = time.monotonic() + GIT_TIMEOUT
        assert process.stdout is not None
        stopped = False
        try:
            while chunk := process.stdout.read(1 << 16):
                *complete, buffer = (buffer + chunk).split(b"\0")
                names += [os.fsdecode(n) for n in complete if n]
                if len(names) > MAX_SCAN or time.monotonic() > deadline:
                    stopped = True
                    break
        finally:
            if stopped:
                process.kill()
            process.stdout.close()
            process.wait()
        if stopped:
            self.notes.append(
                f"listing stopped after {len(names):,} entries of git's file list: practices "
                "in the other files are not seen"
            )
        elif process.returncode != 0 or not names:
            return None  # e.g. a folder the enclosing repository ignores: walk it instead
        return sorted(set(names))  # a file both tracked and modified is listed once

    def _walk(self) -> Iterator[str]:
        """Breadth-first, so that a limit drops the deepest files, not a random folder."""
        queue: deque[str] = deque([""])
        scanned = 0
        while queue:
            folder = queue.popleft()
            try:
                entries = sorted(os.scandir(self.root / folder), key=lambda e: e.name)
            except OSError as error:
                self.notes.append(f"not read: folder {folder or '.'}/ ({error.strerror})")
                continue
            for entry in entries:
                scanned += 1
                if scanned > MAX_SCAN:
                    self.notes.append(
                        f"listing stopped after {MAX_SCAN:,} directory entries: practices in "
                        "the other files are not seen"
                    )
                    return
                rel = f"{folder}/{entry.name}" if folder else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not _skipped_dir(rel):
                        queue.append(rel)
                else:
                    yield rel

    def _keep(self, candidates: Iterable[str]) -> list[str]:
        kept: list[str] = []
        for rel in sorted(candidates, key=lambda r: (r.count("/"), r)):
            parts = rel.split("/")
            if any(_skipped_dir("/".join(parts[: i + 1])) for i in range(len(parts) - 1)):
                continue
            if any(p in DATA_DIRS for p in parts[:-1]) and not rel.endswith(DATA_KEEP):
                continue
            if not self._regular(rel):
                continue
            if len(kept) == MAX_FILES:
                self.notes.append(
                    f"listed only the first {MAX_FILES:,} files (shallowest first; ignored and "
                    "data folders skipped): practices in the other files are not seen"
                )
                break
            kept.append(rel)
        return sorted(kept)

    def _regular(self, rel: str) -> bool:
        """A regular file, or a symbolic link to one inside the repository."""
        path = self.root / rel
        try:
            mode = path.lstat().st_mode
        except OSError:
            return False
        if stat.S_ISLNK(mode):
            try:
                target = path.resolve(strict=True)
                mode = target.stat().st_mode
            except (OSError, RuntimeError):
                return False  # dangling or a loop
            if not target.is_relative_to(self.root):
                self._outside.append(rel)
                return False
        if stat.S_ISREG(mode):
            return True
        if not stat.S_ISDIR(mode):
            self._special.append(rel)
        return False

    def _outer_ci_files(self) -> list[str]:
        """In a monorepo subfolder: the CI files at the top of the git work tree (they run
        the subfolder's checks), as paths relative to root (`../../.github/workflows/x.yml`)."""
        if not self.toplevel or self.toplevel == self.root:
            return []
        top = self.toplevel
        found = [
            p for pattern in OUTER_CI for p in sorted(top.glob(pattern))
            if p.is_file() and not p.is_symlink()
        ]  # fmt: skip
        return [os.path.relpath(p, self.root).replace(os.sep, "/") for p in found]

    @property
    def subfolder(self) -> str:
        """root relative to the git work tree's top ('' at the top)."""
        if not self.toplevel or self.toplevel == self.root:
            return ""
        return self.root.relative_to(self.toplevel).as_posix()

    def _git(self, *args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.root, capture_output=True, text=True, timeout=GIT_TIMEOUT,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout if result.returncode == 0 else None

    def _untouched_template_files(self) -> set[str]:
        """Files `adopt` added from the template and nobody changed since.

        The rule: a repository is adopted when `.mlops-cookie/adopt-report.md` lists what adopt
        added, or when `.copier-answers.yml` was committed into a folder that already had
        files (a generated project starts with it). The files added with it count as evidence
        only once they differ, committed or not, from what was added."""
        if ".copier-answers.yml" not in self.files:
            return set()
        report = self.root / ".mlops-cookie" / "adopt-report.md"
        added: set[str] | None = None
        if report.is_file() and not report.is_symlink():
            with report.open(encoding="utf-8", errors="replace") as handle:
                text = handle.read(MAX_READ)
            section = re.search(r"^## Added from the template.*?$(.*?)(^## |\Z)", text, re.M | re.S)
            if section:
                added = set(re.findall(r"^- `([^`]+)`", section.group(1), re.M))
        commit = None
        if self.toplevel:
            log = self._git("log", "--diff-filter=A", "--format=%H", "--", ".copier-answers.yml")
            commit = log.split()[-1] if log and log.split() else None
        if commit and added is None:
            before = self._git("ls-tree", "-r", "--name-only", f"{commit}^", "--", ".")
            if not before:  # the root commit, or the folder was empty: generated, not adopted
                return set()
            listed = self._git(
                "diff-tree", "-r", "--relative", "--no-commit-id", "--name-only",
                "--diff-filter=A", "-z", commit,
            )  # fmt: skip
            added = set((listed or "").split("\0")) - {"", ".copier-answers.yml"}
        if not added:
            return set()
        changed: set[str] = set()
        if commit:
            diff = self._git("diff", "--relative", "--name-only", "-z", commit)
            changed = set((diff or "").split("\0"))
        return {f for f in added if f in self.files and f not in changed}

    # ---- queries
    def glob(self, *patterns: str) -> list[str]:
        """Files whose relative path matches any pattern (fnmatch: `*` also crosses `/`)."""
        return [f for f in self.files if any(fnmatch(f, p) for p in patterns)]

    def named(self, *names: str) -> list[str]:
        """Files with one of these base names, anywhere."""
        return [f for f in self.files if f.rsplit("/", 1)[-1] in names]

    def has(self, rel: str) -> bool:
        return rel in self._fileset

    def text(self, rel: str) -> str:
        """The file's text (its first MAX_READ bytes); '' with a note when it cannot be read."""
        if rel not in self._texts:
            self._texts[rel] = self._read(rel)
        return self._texts[rel]

    def _read(self, rel: str) -> str:
        path = (self.root / rel).resolve() if not rel.startswith("../") else self.root / rel
        try:
            # O_NONBLOCK: should the file have become a FIFO since it was listed, open does
            # not wait for a writer; fstat then refuses it.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    self.notes.append(f"not read: {rel} (not a regular file)")
                    return ""
                data = handle.read(MAX_READ + 1)
        except OSError as error:
            self.notes.append(f"not read: {rel} ({error.strerror or error})")
            return ""
        if len(data) > MAX_READ:
            self.notes.append(f"read only the first {MAX_READ:,} bytes of {rel}")
            data = data[:MAX_READ]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            if len(data) - error.start > 4:  # not merely a character cut at MAX_READ
                self.notes.append(
                    f"{rel}: not UTF-8 (byte {error.start}); read with replacement characters"
                )
            return data.decode("utf-8", errors="replace")

    def toml(self, rel: str) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text(rel))
        except tomllib.TOMLDecodeError as error:
            self._note_once(f"not read: {rel} (invalid TOML: {error})")
            return {}

    def yaml_docs(self, rel: str) -> list[Any]:
        try:
            return [
                d for d in yaml.load_all(self.text(rel), Loader=_BoundedYamlLoader)
                if d is not None
            ]  # fmt: skip
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            line = f" line {where.line + 1}" if where is not None else ""
            reason = getattr(error, "problem", None) or str(error)
            self._note_once(f"not read: {rel} (YAML{line}: {reason})")
            return []
        except RecursionError:
            self._note_once(f"not read: {rel} (YAML nested too deeply)")
            return []

    def _note_once(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def python_files(self) -> list[str]:
        return self.glob("*.py")


OUTER_CI = (
    ".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml",
    "azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines/*.yml", ".pipelines/*.yml",
)  # fmt: skip


def _skipped_dir(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in SKIP_DIRS or name.endswith(".egg-info") or rel in SKIP_PATHS


def _git_toplevel(root: Path) -> Path | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root, capture_output=True, text=True, timeout=GIT_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0 or not result.stdout.strip():
        return None
    return Path(result.stdout.strip()).resolve()


def _first_line(text: str, pattern: re.Pattern[str]) -> tuple[int, str] | None:
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return number, line.strip()
    return None


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# --------------------------------------------------------------------------- level 1
def _project_dirs(repo: Repo) -> list[str]:
    """Folders holding a Python project: the root first, then (a monorepo) the shallowest
    subfolders with a pyproject.toml, setup.py or setup.cfg."""
    found = {f.rsplit("/", 1)[0] if "/" in f else "" for f in
             repo.named("pyproject.toml", "setup.py", "setup.cfg")}  # fmt: skip
    return sorted(found, key=lambda d: (d.count("/") if d else -1, d))[:8]


def _in(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def detect_package(repo: Repo) -> list[str]:
    for folder in _project_dirs(repo):
        evidence = _package_in(repo, folder)
        if evidence:
            return evidence
    return []


def _package_in(repo: Repo, folder: str) -> list[str]:
    evidence = []
    pyproject, setup_py, setup_cfg = (_in(folder, n) for n in
                                      ("pyproject.toml", "setup.py", "setup.cfg"))  # fmt: skip
    if repo.has(pyproject):
        data = repo.toml(pyproject)
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        if project.get("name"):
            deps = project.get("dependencies") or []
            evidence.append(
                f"{pyproject}: distribution '{project['name']}' with {len(deps)} "
                "declared dependencies"
            )
        elif poetry.get("name"):
            deps = [d for d in poetry.get("dependencies") or {} if d != "python"]
            evidence.append(
                f"{pyproject}: Poetry project '{poetry['name']}' with {len(deps)} dependencies"
            )
    if not evidence and repo.has(setup_py) and "setup(" in repo.text(setup_py):
        evidence.append(f"{setup_py}: a setuptools package")
    if not evidence and repo.has(setup_cfg) and "[metadata]" in repo.text(setup_cfg):
        evidence.append(f"{setup_cfg}: a setuptools package")
    if evidence:
        packages = sorted(
            {f.rsplit("/", 1)[0] for f in repo.glob(_in(folder, "src/*/__init__.py"))}
        )
        if packages:
            evidence.append("code in " + ", ".join(f"{p}/" for p in packages))
    return evidence


LINTERS = ("ruff", "flake8", "pylint", "black", "isort", "mypy")


def detect_lint(repo: Repo) -> list[str]:
    for folder in ["", *[d for d in _project_dirs(repo) if d]]:
        evidence = _lint_in(repo, folder)
        if evidence:
            return evidence
    return []


def _lint_in(repo: Repo, folder: str) -> list[str]:
    evidence = []
    pyproject = _in(folder, "pyproject.toml")
    if repo.has(pyproject):
        tools = repo.toml(pyproject).get("tool") or {}
        ruff = tools.get("ruff")
        if isinstance(ruff, dict):
            select = (ruff.get("lint") or {}).get("select") or ruff.get("select") or []
            detail = f", {len(select)} rule sets selected" if select else ""
            evidence.append(f"{pyproject}: [tool.ruff]{detail}")
        evidence += [f"{pyproject}: [tool.{t}]" for t in LINTERS[1:] if t in tools]
    for name in ("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc", "mypy.ini"):
        rel = _in(folder, name)
        if repo.has(rel) and repo.text(rel).strip():
            evidence.append(f"{rel}: linter configuration")
    for name in ("setup.cfg", "tox.ini"):
        rel = _in(folder, name)
        if repo.has(rel) and re.search(r"^\[(flake8|pylint|mypy|isort)", repo.text(rel), re.M):
            evidence.append(f"{rel}: linter section")
    pre_commit = _in(folder, ".pre-commit-config.yaml")
    if repo.has(pre_commit):
        text = repo.text(pre_commit)
        hooks = sorted({t for t in LINTERS if re.search(rf"\bid:\s*{t}", text)})
        if hooks:
            evidence.append(f"{pre_commit}: hooks {', '.join(hooks)}")
    return evidence


TEST_FUNC = re.compile(r"^\s*(async\s+)?def test_\w*\(|^\s*class Test\w*", re.M)


def detect_tests(repo: Repo) -> list[str]:
    files = [
        f for f in repo.glob("*test_*.py", "*_test.py")
        if f.rsplit("/", 1)[-1].startswith("test_") or f.endswith("_test.py")
    ]  # fmt: skip
    counted = {f: len(TEST_FUNC.findall(repo.text(f))) for f in files}
    counted = {f: n for f, n in counted.items() if n}
    if not counted:
        return []
    folders = sorted({f.split("/", 1)[0] + "/" if "/" in f else "./" for f in counted})
    evidence = [
        f"{len(counted)} test files with {sum(counted.values())} tests ({', '.join(folders)})"
    ]
    if repo.has("pyproject.toml"):
        text = repo.text("pyproject.toml")
        floor = re.search(r"--cov-fail-under[= ](\d+)|fail_under\s*=\s*(\d+)", text)
        if floor:
            evidence.append(f"pyproject.toml: coverage floor {floor.group(1) or floor.group(2)} %")
    return evidence


def detect_docs(repo: Repo) -> list[str]:
    pages = repo.glob("docs/*.md", "docs/*.rst", "doc/*.md", "doc/*.rst")
    if repo.has("mkdocs.yml") or repo.has("mkdocs.yaml"):
        return [f"mkdocs.yml: a documentation site over {len(pages)} pages"]
    if repo.glob("docs/conf.py", "doc/conf.py", "docs/source/conf.py"):
        return [f"Sphinx documentation ({len(pages)} pages)"]
    if len(pages) >= 2:
        return [f"docs/: {len(pages)} pages"]
    return []


# --------------------------------------------------------------------------- level 2
METRICS = (
    r"roc_auc|auc|accuracy|f1|precision|recall|rmse|mae|mse|r2|log_loss|average_precision"
    r"|balanced_accuracy|score|metric"
)
GATE_ASSERT = re.compile(
    rf"^\s*assert\b.*\b({METRICS})\w*\b.*(>=|<=|>|<).*$|^\s*assert\b.*(>=|<=|>|<).*\b({METRICS})",
    re.I,
)
NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")
BOUNDS = {0.0, 1.0, -1.0, 100.0}  # `assert 0 <= auc <= 1` checks a value is a metric, not good
# Champion/challenger: the new model is compared with the one in production (MLflow, Azure ML
# SDK v1/v2, SageMaker registry) and the result decides registration or deployment.
PROD_MODEL = re.compile(
    r"search_model_versions\(|get_latest_versions\(|models:/[^\s\"']*(Production|@champion)"
    r"|\bModel\.list\(|\bModel\(\s*\w+\s*,\s*name\s*=|\bml_client\.models\.(get|list)\("
    r"|\b(production|champion|baseline|current)_model\w*\s*=|get_model_package\w*\(",
    re.I,
)
PROD_COMPARE = re.compile(
    rf"^\s*(?:(?:if|elif|assert|return)\b|\w+\s*=).*(\b\w*({METRICS}|mse|loss)\w*\b.*(<=|>=|<|>).*"
    rf"(\b(production|champion|baseline|current|best)\w*|\bmax\(|\bmin\()"
    rf"|(\b(production|champion|baseline|current|best)\w*|\bmax\(|\bmin\().*(<=|>=|<|>).*"
    rf"\b\w*({METRICS}|mse|loss)\w*\b)",
    re.I,
)
PROD_ACTION = re.compile(
    r"deploy_flag|\.cancel\(\)|\braise\b|sys\.exit|SystemExit|register|promot|set_registered_model_alias"
    r"|transition_model_version_stage",
    re.I,
)


def _sanity_assert(line: str) -> bool:
    """`assert metric >= 0`, `assert 0 <= f1 <= 1`: the value is a metric, not a good one."""
    if THRESHOLD.search(line) or re.search(r"gate|config|settings|params", line, re.I):
        return False
    numbers = [float(m.group(0)) for m in NUMBER.finditer(line)]
    return bool(numbers) and all(n in BOUNDS for n in numbers)


def _gate_assert(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.splitlines(), 1):
        if GATE_ASSERT.search(line) and not _sanity_assert(line) and "len(" not in line:
            return number, line.strip()
    return None


def _production_comparison(repo: Repo) -> list[str]:
    for rel in repo.python_files():
        if _is_test(rel):
            continue
        text = repo.text(rel)
        if not PROD_MODEL.search(text) or not PROD_ACTION.search(text):
            continue
        found = _first_line(text, PROD_COMPARE)
        if found:
            return [
                f"{rel}:{found[0]}: the new model is compared with the production one "
                f"(`{_short(found[1], 50)}`)"
            ]
    return []


def _mlflow_thresholds(repo: Repo) -> list[str]:
    for rel in repo.python_files():
        text = repo.text(rel)
        if re.search(r"\bvalidation_thresholds\b", text) and re.search(
            r"MetricThreshold\(|mlflow\.(evaluate|validate_evaluation_results)\(", text
        ):
            found = _first_line(text, re.compile(r"MetricThreshold\(|validation_thresholds\s*="))
            where = f":{found[0]}" if found else ""
            return [f"{rel}{where}: MLflow validation_thresholds (a worse model fails validation)"]
    return []


def _is_test(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return "/tests/" in f"/{rel}" or name.startswith("test_") or name.endswith("_test.py")


GATE_CONFIG = re.compile(r"^\s*\[?\s*\"?(quality[_-]?gate|model[_-]?gate|gate)\b", re.I | re.M)
THRESHOLD = re.compile(r"\b(threshold|min_\w+|minimum)\b", re.I)


def detect_quality_gate(repo: Repo) -> list[str]:
    evidence = []
    configs = repo.glob("*.toml", "*.yaml", "*.yml", "*.json", "*.cfg", "*.ini")
    gate_keys = set()
    for rel in configs:
        if rel.startswith(".github/") or rel.startswith(".gitlab") or "pipelines" in rel:
            continue
        text = repo.text(rel)
        match = GATE_CONFIG.search(text)
        if match and THRESHOLD.search(text[match.start() : match.start() + 600]):
            gate_keys.add(match.group(1).lower())
            evidence.append(f"{rel}: [{match.group(1)}] with a threshold")
    enforcing = []
    for rel in repo.python_files():
        text = repo.text(rel)
        if any(k in text for k in gate_keys) and re.search(
            r"raise |sys\.exit|SystemExit|return 1", text
        ):
            enforcing.append(rel)
    if evidence and enforcing:
        evidence.append("enforced in " + ", ".join(enforcing[:4]))
    elif evidence:
        evidence = []  # a threshold nobody enforces is not a gate
    for rel in repo.glob("*test_*.py", "*_test.py"):
        found = _gate_assert(repo.text(rel))
        if found:
            evidence.append(f"{rel}:{found[0]}: {_short(found[1])}")
            break
    evidence += _production_comparison(repo)
    evidence += _mlflow_thresholds(repo)
    return evidence


TEST_COMMAND = re.compile(
    r"\b(make\s+(ci|test|tests|check|lint)|pytest|python\s+-m\s+pytest|ruff|flake8|pylint"
    r"|hatch\s+(run|test)|uv\s+run\s+pytest|poetry\s+run\s+pytest)\b"
)
DIRECT_TEST = re.compile(r"\b(pytest|ruff|flake8|pylint|mypy|unittest)\b")
# Task runners: CI runs `mise run test`; the runner's own file says what that runs.
RUNNER = re.compile(
    r"\b((?:(?:poetry|uv|pdm|hatch|pipenv)\s+run\s+)?(?:invoke|inv)\s+[\w:.-]+"
    r"|mise\s+(?:run|r)\s+[\w:.-]+|just\s+[\w:-]+|task\s+[\w:-]+"
    r"|(?:(?:poetry|uv|pdm|pipenv)\s+run\s+|uvx\s+|pipx\s+run\s+)?(?:tox|nox)\b(?:\s+-[es]\s+[\w,.-]+)?)"
)
LAUNCHERS = frozenset({"poetry", "uv", "pdm", "hatch", "pipenv", "run", "uvx", "pipx"})
RUNNER_FILES = {
    "invoke": ("tasks.py", "tasks/*.py"),
    "inv": ("tasks.py", "tasks/*.py"),
    "mise": ("mise.toml", ".mise.toml", "mise/config.toml", ".config/mise.toml", "mise-tasks/*"),
    "just": ("justfile", "Justfile", ".justfile"),
    "task": ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml"),
    "tox": ("tox.ini", "pyproject.toml", "setup.cfg"),
    "nox": ("noxfile.py",),
}


def _ci_command(repo: Repo, text: str, base: str = "") -> str | None:
    """What in a CI file runs lint or tests: a direct command, or a task runner whose own
    file (next to the CI's project: `base`) runs them."""
    direct = TEST_COMMAND.search(text)
    if direct:
        return f"`{direct.group(0)}`"
    matches = sorted(  # `mise run test` says more than `mise run format`
        RUNNER.finditer(text), key=lambda m: not re.search(r"test|check|ci\b|lint", m.group(1))
    )
    for match in matches:
        command = " ".join(match.group(1).split())
        runner = next(w for w in command.split() if w not in LAUNCHERS)
        for folder in dict.fromkeys([base, ""]):
            for rel in repo.glob(*(_in(folder, f) for f in RUNNER_FILES.get(runner, ()))):
                found = DIRECT_TEST.search(repo.text(rel))
                if found and (runner != "tox" or re.search(r"\btox\b", repo.text(rel))):
                    return f"`{command}` ({rel} runs {found.group(0)})"
    return None


def _github_triggers(doc: dict[str, Any]) -> list[str]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str):
        return [on]
    if isinstance(on, list):
        return [str(t) for t in on]
    if isinstance(on, dict):
        return [str(t) for t in on]
    return []


def _github_workflows(repo: Repo) -> list[tuple[str, dict[str, Any]]]:
    found = []
    outer = [f for f in repo.outer if "/.github/workflows/" in f and _outer(repo, f)]
    for rel in repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml") + outer:
        for doc in repo.yaml_docs(rel):
            if isinstance(doc, dict) and isinstance(doc.get("jobs"), dict):
                found.append((rel, doc))
    return found


def _gitlab_files(repo: Repo) -> list[str]:
    files = [f for f in (".gitlab-ci.yml", ".gitlab-ci.yaml") if repo.has(f)]
    return files + repo.glob(".gitlab/ci/*.yml", ".gitlab/ci/*.yaml", "ci/*.gitlab-ci.yml")


AZURE_TOP = re.compile(r"^(trigger|pr|stages|jobs|steps|pool|extends):", re.M)
AZURE_STEP = re.compile(
    r"^\s*-\s*(task|script|bash|pwsh|powershell|template|deployment|job|stage):", re.M
)


def _azure_files(repo: Repo) -> list[str]:
    """Azure Pipelines files wherever they are (`.pipelines/`, `mlops/devops-pipelines/`, …),
    known by their content: top-level `trigger:`/`stages:`/`steps:` … and Azure steps."""
    found = []
    for rel in repo.glob("*.yml", "*.yaml"):
        if rel.startswith((".github/", ".gitlab")) or rel.rsplit("/", 1)[-1].startswith(
            ".gitlab-ci"
        ):
            continue
        text = repo.text(rel)
        if AZURE_TOP.search(text) and AZURE_STEP.search(text) and "runs-on:" not in text:
            found.append(rel)
    return found


def _azure_templates(repo: Repo, rel: str, depth: int = 0) -> list[str]:
    """The step/job templates a pipeline includes (`- template: x.yml`, same repository)."""
    if depth > 3:
        return []
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    found = []
    for match in re.finditer(
        r"template:\s*['\"]?([^\s'\"@$]+\.ya?ml)['\"]?\s*$", repo.text(rel), re.M
    ):
        target = os.path.normpath(_in(folder, match.group(1))).replace(os.sep, "/")
        if repo.has(target) and target != rel:
            found += [target, *_azure_templates(repo, target, depth + 1)]
    return found


def _azure_ci(repo: Repo, rel: str) -> str | None:
    """Is this Azure pipeline triggered by pushes or pull requests (not only by hand)?"""
    docs = repo.yaml_docs(rel)
    doc = docs[0] if docs and isinstance(docs[0], dict) else {}
    if not ({"trigger", "pr", "stages", "jobs", "pool"} & set(doc)):
        return None  # a template: credited through the pipelines that include it
    trigger, pr = doc.get("trigger", "default"), doc.get("pr")
    on = []
    if trigger != "none":
        on.append("push")
    if pr not in (None, "none"):
        on.append("pull requests")
    return ", ".join(on) or None


def _outer(repo: Repo, rel: str) -> bool:
    """A CI file of the enclosing monorepo that runs this subfolder's checks."""
    return rel.startswith("../") and repo.subfolder in repo.text(rel)


def detect_ci(repo: Repo) -> list[str]:
    evidence = []
    base = _project_dirs(repo)[0] if _project_dirs(repo) else ""
    for rel, doc in _github_workflows(repo):
        triggers = [
            t for t in _github_triggers(doc) if t in {"push", "pull_request", "merge_group"}
        ]
        command = _ci_command(repo, repo.text(rel), base)
        if triggers and command:
            evidence.append(f"{rel}: on {', '.join(triggers)}; runs {command}")
    for rel in _azure_files(repo) + [f for f in repo.outer if "pipelines" in f]:
        if rel.startswith("../") and not _outer(repo, rel):
            continue
        on = _azure_ci(repo, rel)
        if not on:
            continue
        templates = _azure_templates(repo, rel)
        for source in [rel, *templates]:
            command = _ci_command(repo, repo.text(source), base)
            if command:
                through = f" (through {source})" if source != rel else ""
                evidence.append(f"{rel}: on {on}; runs {command}{through}")
                break
    others = [*_gitlab_files(repo), *[f for f in repo.outer if "gitlab" in f and _outer(repo, f)]]
    others += [f for f in ("Jenkinsfile", ".circleci/config.yml", "bitbucket-pipelines.yml",
                           ".travis.yml", ".drone.yml") if repo.has(f)]  # fmt: skip
    for rel in others:
        command = _ci_command(repo, repo.text(rel), base)
        if command:
            evidence.append(f"{rel}: runs {command}")
    return evidence


def detect_issue_templates(repo: Repo) -> list[str]:
    evidence = []
    issues = [
        f for f in repo.glob(".github/ISSUE_TEMPLATE/*", ".gitlab/issue_templates/*.md")
        if not f.endswith("/config.yml")
    ]  # fmt: skip
    issues += [f for f in (".github/ISSUE_TEMPLATE.md", ".github/issue_template.md") if repo.has(f)]
    if issues:
        folders = sorted({f.rsplit("/", 1)[0] + "/" for f in issues})
        evidence.append(f"{len(issues)} issue templates ({', '.join(folders)})")
    prs = repo.glob(
        ".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE*",
        ".gitlab/merge_request_templates/*.md", ".azuredevops/pull_request_template*",
        "docs/pull_request_template.md", "pull_request_template.md",
    )  # fmt: skip
    if prs:
        evidence.append(f"pull/merge request template: {prs[0]}")
    return evidence


# --------------------------------------------------------------------------- level 3
PROD = re.compile(r"\bprod(uction)?\b", re.I)
STAGING = re.compile(r"\b(stag(e|ing)|pre-?prod|uat|qa)\b", re.I)
# `production-plan`, `production-training`: environments of read-only and training identities
# (generated pipelines), not deployment targets.
IDENTITY_ENV = re.compile(r"-(plan|training)$", re.I)


def _env_name(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name", "")
    return str(value or "")


def _walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_dicts(value)


def detect_cd(repo: Repo) -> list[str]:
    evidence = []
    for rel, doc in _github_workflows(repo):
        envs = {}
        for job_id, job in doc["jobs"].items():
            if not isinstance(job, dict):
                continue
            name = _env_name(job.get("environment")) or _env_name(
                (job.get("with") or {}).get("environment")
            )
            if name and "${{" not in name:
                envs[job_id] = name
        prod = {j: e for j, e in envs.items() if PROD.search(e) and not IDENTITY_ENV.search(e)}
        if prod:
            job, env = next(iter(prod.items()))
            staged = [e for e in envs.values() if STAGING.search(e)]
            before = f"{staged[0]} -> " if staged else ""
            evidence.append(
                f"{rel}: {before}{env}; job '{job}' deploys through the GitHub environment "
                f"'{env}' (its required reviewers approve)"
            )
    for rel in _gitlab_files(repo):
        for doc in repo.yaml_docs(rel):
            if not isinstance(doc, dict):
                continue
            for job_id, job in doc.items():
                if not isinstance(job, dict) or not PROD.search(_env_name(job.get("environment"))):
                    continue
                manual = job.get("when") == "manual" or any(
                    isinstance(r, dict) and r.get("when") == "manual"
                    for r in job.get("rules") or []
                )
                if manual:
                    evidence.append(
                        f"{rel}: job '{job_id}' deploys to "
                        f"'{_env_name(job.get('environment'))}' after a manual approval"
                    )
    for rel in _azure_files(repo):
        for doc in repo.yaml_docs(rel):
            for node in _walk_dicts(doc):
                if "deployment" in node and PROD.search(_env_name(node.get("environment"))):
                    evidence.append(
                        f"{rel}: deployment job '{node['deployment']}' targets the environment "
                        f"'{_env_name(node.get('environment'))}' (approvals and checks on it)"
                    )
    if repo.has("Jenkinsfile"):
        text = repo.text("Jenkinsfile")
        if re.search(r"\binput\b", text) and PROD.search(text):
            evidence.append("Jenkinsfile: an input (approval) step before production")
    return evidence


def detect_iac(repo: Repo) -> list[str]:
    evidence = []
    tf = [f for f in repo.glob("*.tf") if re.search(r'^\s*resource\s+"', repo.text(f), re.M)]
    if tf:
        resources = sum(len(re.findall(r'^\s*resource\s+"', repo.text(f), re.M)) for f in tf)
        folders = sorted({f.rsplit("/", 1)[0] if "/" in f else "." for f in tf})
        envs = sorted({Path(f).stem for f in repo.glob("*.tfvars")})
        detail = f"; environments {', '.join(envs)}" if envs else ""
        evidence.append(
            f"Terraform: {resources} resources in {len(tf)} files ({', '.join(folders)}){detail}"
        )
    bicep = [
        f for f in repo.glob("*.bicep") if re.search(r"^\s*resource\s+\w+\s+'", repo.text(f), re.M)
    ]
    if bicep:
        envs = sorted({Path(f).stem for f in repo.glob("*.bicepparam")})
        detail = f"; environments {', '.join(envs)}" if envs else ""
        evidence.append(f"Bicep: {len(bicep)} files with resources{detail}")
    for rel in repo.glob("*.yml", "*.yaml", "*.json", "*.template"):
        text = repo.text(rel)[:20000]
        if "AWSTemplateFormatVersion" in text or re.search(r"Type:\s*['\"]?AWS::", text):
            evidence.append(f"{rel}: CloudFormation template")
            break
        if "deploymentTemplate.json" in text and '"resources"' in text:
            evidence.append(f"{rel}: ARM template")
            break
    for rel in repo.named("databricks.yml", "databricks.yaml"):
        docs = repo.yaml_docs(rel)
        doc = docs[0] if docs and isinstance(docs[0], dict) else {}
        if isinstance(doc.get("bundle"), dict) and ({"resources", "include", "targets"} & set(doc)):
            targets = doc.get("targets")
            names = sorted(targets) if isinstance(targets, dict) else []
            detail = f" (targets {', '.join(names)})" if names else ""
            evidence.append(f"{rel}: Databricks asset bundle{detail}")
            break
    for name, what in (
        ("Pulumi.yaml", "Pulumi"),
        ("cdk.json", "AWS CDK"),
        ("cdktf.json", "CDK for Terraform"),
    ):
        if repo.named(name):
            evidence.append(f"{repo.named(name)[0]}: {what} project")
    return evidence


SERVING_IMPORT = re.compile(
    r"^\s*(from|import)\s+(fastapi|flask|litestar|bentoml|ray\.serve|ray\s+import\s+serve|kserve|mlserver"
    r"|starlette|sanic|tornado|aiohttp\.web)\b",
    re.M,
)
ROUTE = re.compile(r"""@\w+\.(post|get|route|api_route)\(\s*["'](/[^"']*)["']""")


# A container image serves when it runs a server, not merely when it exists (a CI or
# training image is a Dockerfile too).
SERVER_COMMAND = re.compile(
    r"^(CMD|ENTRYPOINT)\b.*\b(uvicorn|gunicorn|hypercorn|daphne|waitress-serve|granian|flask\W+run"
    r"|fastapi\W+run|bentoml\W+serve|mlflow\W+models\W+serve|torchserve|tritonserver"
    r"|tensorflow_model_server|serve\W+run|litserve|mlserver\W+start|seldon-core-microservice)\b",
    re.M | re.I,
)
SERVING_IMAGE = re.compile(
    r"^FROM\s+\S*(tensorflow/serving|pytorch/torchserve|tritonserver|seldonio/|bentoml/"
    r"|kserve/|mlserver)\S*",
    re.M | re.I,
)
# Managed endpoints: the cloud serves the model (Azure ML, SageMaker, Vertex AI, Databricks).
ENDPOINT_PY = re.compile(
    r"\b(ManagedOnlineEndpoint|ManagedOnlineDeployment|KubernetesOnlineEndpoint|AksWebservice"
    r"|AciWebservice|\w+\.create_endpoint|aiplatform\.Endpoint(?:\.create)?"
    r"|serving_endpoints\.create\w*|\.deploy(?=\([^)]*initial_instance_count))\("
)
ENDPOINT_YAML = re.compile(
    r"(managedOnlineEndpoint|managedOnlineDeployment|kubernetesOnlineEndpoint)\.schema\.json"
    r"|^\s*model_serving_endpoints:|Type:\s*['\"]?AWS::SageMaker::Endpoint\b"
    r"|\baz\s+ml\s+(online-endpoint\s+create|online-deployment\s+create|model\s+deploy)\b",
    re.M,
)
ENDPOINT_TF = re.compile(
    r'resource\s+"(aws_sagemaker_endpoint|google_vertex_ai_endpoint|azurerm_machine_learning_\w*'
    r'online\w*|databricks_model_serving)"'
)


def _managed_endpoint(repo: Repo) -> list[str]:
    for rel in repo.glob("*.yml", "*.yaml"):
        found = _first_line(repo.text(rel)[:200_000], ENDPOINT_YAML)
        if found:
            return [f"{rel}: managed endpoint ({_short(found[1], 50)})"]
    for rel in repo.python_files():
        if _is_test(rel):
            continue
        found = ENDPOINT_PY.search(repo.text(rel))
        if found:
            return [f"{rel}: managed endpoint ({found.group(1)})"]
    for rel in repo.glob("*.tf"):
        found = ENDPOINT_TF.search(repo.text(rel))
        if found:
            return [f"{rel}: managed endpoint ({found.group(1)})"]
    return []


def detect_serving(repo: Repo) -> list[str]:
    evidence = []
    for rel in repo.python_files():
        if _is_test(rel):
            continue
        text = repo.text(rel)
        framework = SERVING_IMPORT.search(text)
        if not framework:
            continue
        routes = [f"{m.group(1).upper()} {m.group(2)}" for m in ROUTE.finditer(text)]
        if routes or "bentoml" in framework.group(2):
            shown = ", ".join(routes[:4]) if routes else "a service"
            evidence.append(f"{rel}: {framework.group(2)} API ({shown})")
            break
    for rel in repo.glob("*Dockerfile", "*Containerfile", "*.Dockerfile", "*.dockerfile"):
        text = repo.text(rel)
        server = SERVER_COMMAND.search(text) or SERVING_IMAGE.search(text)
        runs = re.search(r"^(CMD|ENTRYPOINT)\s+\S", text, re.M)
        exposed = re.search(r"^EXPOSE\s+(\d+)", text, re.M)
        if server or (exposed and runs and "jupyter" not in text.lower()):
            shown = server.group(0) if server else f"EXPOSE {exposed.group(1)}; {runs.group(0)}…"
            evidence.append(f"{rel}: container image of a server ({_short(shown, 50)})")
            break
    evidence += _managed_endpoint(repo)
    for rel in repo.glob("*.yaml", "*.yml"):
        if re.search(r"^kind:\s*(InferenceService|SeldonDeployment)\b", repo.text(rel), re.M):
            evidence.append(f"{rel}: model server manifest")
            break
    return evidence


# --------------------------------------------------------------------------- level 4
MONITORING_IMPORT = re.compile(
    r"^\s*(from|import)\s+(prometheus_client|opentelemetry|prometheus_fastapi_instrumentator"
    r"|datadog|ddtrace|newrelic|sentry_sdk|applicationinsights|azure\.monitor)\b",
    re.M,
)
MONITORING_RESOURCE = re.compile(
    r'resource\s+"(azurerm_monitor_\w+|azurerm_application_insights\w*|azurerm_log_analytics\w*'
    r'|aws_cloudwatch_\w+|google_monitoring_\w+|google_logging_metric\w*)"'
    r"|resource\s+\w+\s+'Microsoft\.(Insights|OperationalInsights|AlertsManagement)/"
)


def detect_monitoring(repo: Repo) -> list[str]:
    evidence = []
    for rel in repo.python_files():
        text = repo.text(rel)
        found = MONITORING_IMPORT.search(text)
        if found and not rel.rsplit("/", 1)[-1].startswith("test_"):
            route = " and a /metrics endpoint" if re.search(r"[\"']/metrics[\"']", text) else ""
            evidence.append(f"{rel}: {found.group(2)} instrumentation{route}")
            break
    for rel in [*repo.glob("*.tf"), *repo.glob("*.bicep")]:
        kinds = sorted(
            {m.group(1) or m.group(2) for m in MONITORING_RESOURCE.finditer(repo.text(rel))}
        )
        if kinds:
            evidence.append(f"{rel}: monitoring resources ({', '.join(kinds[:3])})")
            break
    for rel in repo.named("prometheus.yml", "prometheus.yaml", "alertmanager.yml"):
        evidence.append(f"{rel}: Prometheus configuration")
        break
    return evidence


DRIFT_LIB = re.compile(
    r"^\s*(from|import)\s+(evidently|alibi_detect|nannyml|whylogs|deepchecks|frouros|river\.drift)\b",
    re.M,
)
DRIFT_STAT = re.compile(  # called, not merely named
    r"\b(ks_2samp|chi2_contingency|wasserstein_distance|jensenshannon|population_stability\w*)\("
)


def detect_drift(repo: Repo) -> list[str]:
    for rel in repo.python_files():
        if rel.rsplit("/", 1)[-1].startswith("test_"):
            continue
        text = repo.text(rel)
        library = DRIFT_LIB.search(text)
        if library:
            return [f"{rel}: drift detection with {library.group(2)}"]
        tests = sorted({m.group(1) for m in DRIFT_STAT.finditer(text)})
        if tests and re.search(r"drift", text, re.I):
            return [f"{rel}: drift detection ({', '.join(tests[:3])})"]
    return []


def detect_loadtest(repo: Repo) -> list[str]:
    evidence = []
    for rel in repo.python_files():
        text = repo.text(rel)
        if re.search(r"^\s*from\s+locust\s+import|^\s*import\s+locust", text, re.M) and re.search(
            r"class\s+\w+\((Fast)?HttpUser|\(User\)", text
        ):
            tasks = len(re.findall(r"@task\b", text))
            evidence.append(f"{rel}: Locust load test ({tasks} tasks)")
            break
    for rel in repo.glob("*.js", "*.ts"):
        if re.search(r"from\s+['\"]k6(/http)?['\"]", repo.text(rel)):
            evidence.append(f"{rel}: k6 load test")
            break
    jmx = repo.glob("*.jmx")
    if jmx:
        evidence.append(f"{jmx[0]}: JMeter test plan")
    for rel in repo.glob("*.yml", "*.yaml"):
        text = repo.text(rel)
        if re.search(r"^config:", text, re.M) and re.search(r"^\s+phases:", text, re.M):
            evidence.append(f"{rel}: Artillery load test")
            break
    return evidence


# Experiment tracking: runs logged with their parameters and metrics, in code (not tests).
TRACKING = re.compile(
    r"\b(mlflow\.(?:start_run|log_metrics?|log_params?|autolog|\w+\.autolog|log_model)\("
    r"|mlflow\.\w+\.log_model\(|wandb\.init\(|neptune\.init_run\(|comet_ml\.(?:Experiment|start)\("
    r"|Task\.init\(|Live\(|aim\.Run\(|aiplatform\.start_run\(|sagemaker\.experiments"
    r"|mlflow\.set_tracking_uri\()"
)
TRACKING_NAMES = {
    "Task.init(": "ClearML",
    "Live(": "DVCLive",
    "aim.Run(": "Aim",
    "wandb.init(": "Weights & Biases",
    "neptune.init_run(": "Neptune",
    "aiplatform.start_run(": "Vertex AI Experiments",
    "sagemaker.experiments": "SageMaker Experiments",
}


def detect_tracking(repo: Repo) -> list[str]:
    evidence = []
    for rel in repo.python_files():
        if _is_test(rel):
            continue
        found = TRACKING.search(repo.text(rel))
        if found:
            call = found.group(1)
            tool = TRACKING_NAMES.get(call, "MLflow" if "mlflow" in call else "Comet")
            evidence.append(f"{rel}: {tool} ({call.rstrip('(')})")
            break
    for rel in repo.glob("*.yml", "*.yaml", "Makefile", "*.toml", "*.env.example"):
        found = re.search(
            r"\b(MLFLOW_TRACKING_URI|WANDB_PROJECT|mlflow\s+(?:ui|server))\b", repo.text(rel)
        )
        if found:
            evidence.append(f"{rel}: {found.group(1)}")
            break
    for rel in repo.glob("*.yml", "*.yaml"):
        if re.search(r"^\s*experiments:\s*$", repo.text(rel), re.M) and "bundle" in repo.text(rel):
            evidence.append(f"{rel}: MLflow experiment declared in a Databricks bundle")
            break
    return evidence


def _dvc_pipeline(repo: Repo) -> list[str]:
    """What dvc.yaml versions: its stages and their outputs (data, models, metrics)."""
    evidence = []
    for rel in [f for f in repo.files if f == "dvc.yaml" or f.endswith("/dvc.yaml")][:1]:
        docs = repo.yaml_docs(rel)
        stages = (docs[0] or {}).get("stages") if docs and isinstance(docs[0], dict) else None
        if isinstance(stages, dict) and stages:
            outs = [
                str(next(iter(o)) if isinstance(o, dict) else o)
                for stage in stages.values()
                if isinstance(stage, dict)
                for key in ("outs", "metrics")
                for o in stage.get(key) or []
            ]
            what = f"; versions {', '.join(outs[:4])}" if outs else ""
            evidence.append(f"{rel}: DVC pipeline, stages {', '.join(list(stages)[:5])}{what}")
    if repo.has(".dvc/config"):
        remotes = re.findall(r"""^\['?remote "([^"]+)"'?\]""", repo.text(".dvc/config"), re.M)
        if remotes:
            evidence.append(f".dvc/config: DVC remote(s) {', '.join(remotes[:3])}")
    return evidence


def detect_versioning(repo: Repo) -> list[str]:
    evidence = _dvc_pipeline(repo)
    dvc = [f for f in repo.files if f.endswith(".dvc") and f != ".dvc"]
    if dvc or (not evidence and repo.has(".dvc/config")):
        evidence.append(f"DVC: {', '.join(dvc[:3]) or '.dvc/config'}")
    if repo.has(".gitattributes"):
        lfs = [
            line.split()[0]
            for line in repo.text(".gitattributes").splitlines()
            if "filter=lfs" in line and line.split()
        ]
        data = [p for p in lfs if re.search(r"data|model|\.(pkl|joblib|onnx|pt|h5|parquet|csv)", p)]
        if data:
            evidence.append(f".gitattributes: Git LFS for {', '.join(data[:3])}")
    registry = re.compile(  # called or passed, not merely named
        r"\b(mlflow\.register_model\(|registered_model_name\s*=|create_model_version\("
        r"|wandb\.Artifact\(|lakefs\w*\.\w+\(|use_artifact\("
        r"|Model\.register\(|\w+\.register_model\(|models\.create_or_update\("
        r"|create_model_package\(|set_registered_model_alias\(|transition_model_version_stage\("
        r"|aiplatform\.Model\.upload\(|link_model\(|push_to_hub\(|dvc\.api\.\w+\()"
    )
    for rel in repo.python_files():
        if _is_test(rel):
            continue
        found = registry.search(repo.text(rel))
        if found:
            evidence.append(f"{rel}: model/data registry ({found.group(1).rstrip('(= ')})")
            break
    for rel in repo.glob("*.yml", "*.yaml"):
        if re.search(r"^\s*registered_models:", repo.text(rel), re.M):
            evidence.append(f"{rel}: registered model declared in a Databricks bundle")
            break
    return evidence


# --------------------------------------------------------------------------- the practices
@dataclass(frozen=True)
class Practice:
    id: str
    title: str
    level: int
    required: bool
    why: str
    advice: str
    detect: Callable[[Repo], list[str]] = field(repr=False, compare=False)


PRACTICES: tuple[Practice, ...] = (
    Practice("package", "installable package", 1, True,
             "the code installs the same way everywhere, with its dependencies declared",
             "declare the project in pyproject.toml ([project] name and dependencies) and move "
             "the code into src/<package>/", detect_package),
    Practice("lint", "lint configuration", 1, True,
             "one style and the common bugs caught before review",
             "configure ruff in pyproject.toml ([tool.ruff], [tool.ruff.lint] select) and run it "
             "from pre-commit", detect_lint),
    Practice("tests", "tests", 1, True,
             "changes are checked by code, not by memory",
             "add pytest tests under tests/ (test_*.py) for data loading, features and training",
             detect_tests),
    Practice("docs", "documentation", 1, False,
             "newcomers find how to run, change and deploy the model",
             "add docs/ pages and a site (mkdocs.yml with mkdocs-material)", detect_docs),
    Practice("ci", "continuous integration", 2, True,
             "every push and pull request is linted and tested automatically",
             "add a CI pipeline that runs on push and pull requests and runs the lint and tests "
             "(e.g. .github/workflows/ci.yml running `make ci`)", detect_ci),
    Practice("quality_gate", "model quality gate", 2, True,
             "a worse model fails the build instead of shipping",
             "evaluate on held-out data and fail when the metric is below a configured threshold "
             "(e.g. [quality_gate] metric and threshold in configs/train.toml, checked by "
             "`make evaluate` and a test)", detect_quality_gate),
    Practice("issue_templates", "issue and PR templates", 2, False,
             "bugs, experiments and reviews arrive with the facts needed",
             "add .github/ISSUE_TEMPLATE/*.yml (bug, experiment) and a pull request template",
             detect_issue_templates),
    Practice("tracking", "experiment tracking", 2, False,
             "every training run's parameters, metrics and model can be found and compared",
             "log each training run (MLflow: `mlflow.start_run()`, `log_params`, `log_metrics`, "
             "`mlflow.sklearn.log_model`; or Weights & Biases, DVCLive, ClearML)",
             detect_tracking),
    Practice("cd", "continuous delivery with approval", 3, True,
             "releases are repeatable, and production changes only after a person approves",
             "add a CD pipeline that deploys to staging, then to production through an approval "
             "(GitHub environment with required reviewers, GitLab `when: manual`, Azure "
             "environment checks)", detect_cd),
    Practice("iac", "infrastructure as code", 3, True,
             "environments are reviewed, reproducible and alike",
             "describe the cloud resources per environment in Terraform (infra/terraform with "
             "envs/*.tfvars) or Bicep", detect_iac),
    Practice("serving", "model serving API", 3, False,
             "the model is a versioned service with a health check, not a file",
             "add a model API (e.g. FastAPI with /predict and /health) and a Dockerfile",
             detect_serving),
    Practice("monitoring", "monitoring", 4, True,
             "you learn about failures and slowdowns before your users do",
             "expose service metrics (prometheus_client /metrics) and add alerts in the "
             "infrastructure code (e.g. azurerm_monitor_metric_alert)", detect_monitoring),
    Practice("drift", "drift detection", 4, True,
             "a model going stale on new data is noticed and triggers retraining",
             "compare recent inputs with the training data on a schedule (e.g. scipy's ks_2samp "
             "per feature, or evidently) and alert or retrain on drift", detect_drift),
    Practice("loadtest", "load test", 4, True,
             "capacity and autoscaling limits are known before the traffic arrives",
             "add a load test of the API (e.g. loadtest/locustfile.py with locust's HttpUser) "
             "with latency and error budgets", detect_loadtest),
    Practice("versioning", "data and model versioning", 4, True,
             "any model can be traced to the exact data and code that made it",
             "version data and models (DVC: `dvc init` and `dvc add data/raw`, Git LFS, or a "
             "model registry such as MLflow's)", detect_versioning),
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    practice: Practice
    evidence: list[str]

    @property
    def present(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True)
class Result:
    path: Path
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)

    @property
    def level(self) -> int:
        level = 0
        for candidate in range(1, MAX_LEVEL + 1):
            required = [
                f for f in self.findings if f.practice.required and f.practice.level <= candidate
            ]
            if all(f.present for f in required):
                level = candidate
            else:
                break
        return level

    def next_steps(self) -> list[Finding]:
        """Missing practices in the order to add them: the next level's required ones first,
        then recommended ones up to that level."""
        target = min(self.level + 1, MAX_LEVEL)
        missing = [f for f in self.findings if not f.present]
        required = [f for f in missing if f.practice.required and f.practice.level <= target]
        recommended = [f for f in missing if not f.practice.required and f.practice.level <= target]
        return required + recommended

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "level": self.level,
            "level_name": LEVELS[self.level],
            "max_level": MAX_LEVEL,
            "practices": [
                {
                    "id": f.practice.id,
                    "title": f.practice.title,
                    "level": f.practice.level,
                    "required": f.practice.required,
                    "present": f.present,
                    "evidence": f.evidence,
                    "advice": None if f.present else f.practice.advice,
                }
                for f in self.findings
            ],
            "next": [
                {"id": f.practice.id, "title": f.practice.title, "advice": f.practice.advice}
                for f in self.next_steps()
            ],
            "scale": [{"level": n, "name": LEVELS[n], "meaning": LEVEL_MEANING[n]} for n in LEVELS],
            "headline": self.headline(),
            "notes": self.notes,
        }

    def headline(self) -> str:
        """The level and what it means. Level 0's meaning ("nothing is checked automatically")
        would contradict practices that are in place (a ticked CI): then it says what level 1
        needs and what is already there. Higher levels' meanings state what is present."""
        text = f"level {self.level} of {MAX_LEVEL}: {LEVELS[self.level]}"
        present = [f.practice.title for f in self.findings if f.present]
        if self.level > 0 or not present:
            return f"{text} ({LEVEL_MEANING[self.level]})"
        missing = [
            f.practice.title
            for f in self.findings
            if f.practice.required and f.practice.level == 1 and not f.present
        ]
        return (
            f"{text} (level 1 needs: {', '.join(missing)}; already in place: {', '.join(present)})"
        )

    def render(self) -> str:
        lines = [f"MLOps maturity of {self.path}", self.headline()]
        for level in range(1, MAX_LEVEL + 1):
            lines += ["", f"level {level}: {LEVELS[level]}"]
            for f in (f for f in self.findings if f.practice.level == level):
                mark = "[x]" if f.present else "[ ]"
                title = f.practice.title + ("" if f.practice.required else " (recommended)")
                detail = f.evidence[0] if f.present else "missing"
                lines.append(f"  {mark} {title:<38} {detail}")
                lines += [f"{' ' * 45}{e}" for e in f.evidence[1:]]
        steps = self.next_steps()
        lines.append("")
        if not steps:
            lines.append("next: nothing missing; keep every practice green")
        else:
            goal = min(self.level + 1, MAX_LEVEL)
            lines.append(f"what to add next (for level {goal}, {LEVELS[goal]}):")
            for number, f in enumerate(steps, 1):
                lines.append(f"  {number}. {f.practice.title}: {f.practice.advice}")
                lines.append(f"     why: {f.practice.why}")
        if self.notes:
            lines += ["", "notes (the level may be missing evidence from these):"]
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)


def check(path: Path) -> Result:
    """Assess the repository at `path`. Raises CheckError when it cannot be read."""
    return assess(Repo(path))


def assess(repo: Repo) -> Result:
    findings = [Finding(p, p.detect(repo)) for p in PRACTICES]
    return Result(repo.root, findings, repo.notes)


def scale_markdown() -> str:
    """The scale as a Markdown table (docs/maturity.md shows the same)."""
    rows = ["| level | name | meaning | required practices |", "| --- | --- | --- | --- |"]
    for level, name in LEVELS.items():
        required = [p.title for p in PRACTICES if p.required and p.level == level] or ["none"]
        rows.append(f"| {level} | {name} | {LEVEL_MEANING[level]} | {', '.join(required)} |")
    return "\n".join(rows)


def practices_markdown() -> str:
    """Every practice as a Markdown table (docs/maturity.md shows the same)."""
    rows = [
        "| practice | level | required | why | what to add |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in PRACTICES:
        required = "yes" if p.required else "recommended"
        rows.append(f"| `{p.id}`: {p.title} | {p.level} | {required} | {p.why} | {_md(p.advice)} |")
    return "\n".join(rows)


def _md(text: str) -> str:
    return text.replace("<", "&lt;").replace("*", "\\*")


def dumps(result: Result) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
