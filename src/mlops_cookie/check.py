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

Recommended: documentation (level 1), issue/PR templates (level 2), a serving API (level 3).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

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
MAX_FILES = 50_000
MAX_READ = 2_000_000  # bytes read from one file


class CheckError(Exception):
    """The repository cannot be checked (a problem the user can fix)."""


# --------------------------------------------------------------------------- reading the repo
class Repo:
    """A read-only view of a repository's files, read lazily and once."""

    def __init__(self, root: Path) -> None:
        if not root.exists():
            raise CheckError(f"{root} does not exist")
        if not root.is_dir():
            raise CheckError(f"{root} is not a folder")
        self.root = root.resolve()
        self.files = sorted(self._walk())
        self._texts: dict[str, str] = {}

    def _walk(self) -> Iterator[str]:
        count = 0
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            rel = Path(folder).relative_to(self.root)
            for name in files:
                count += 1
                if count > MAX_FILES:
                    return
                yield (rel / name).as_posix()

    def glob(self, *patterns: str) -> list[str]:
        """Files whose relative path matches any pattern (fnmatch: `*` also crosses `/`)."""
        return [f for f in self.files if any(fnmatch(f, p) for p in patterns)]

    def named(self, *names: str) -> list[str]:
        """Files with one of these base names, anywhere."""
        return [f for f in self.files if f.rsplit("/", 1)[-1] in names]

    def has(self, rel: str) -> bool:
        return rel in self.files

    def text(self, rel: str) -> str:
        if rel not in self._texts:
            try:
                with (self.root / rel).open("rb") as handle:
                    data = handle.read(MAX_READ)
                self._texts[rel] = data.decode("utf-8", errors="replace")
            except OSError:
                self._texts[rel] = ""
        return self._texts[rel]

    def toml(self, rel: str) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text(rel))
        except tomllib.TOMLDecodeError:
            return {}

    def yaml_docs(self, rel: str) -> list[Any]:
        try:
            return [d for d in yaml.safe_load_all(self.text(rel)) if d is not None]
        except yaml.YAMLError:
            return []

    def python_files(self) -> list[str]:
        return self.glob("*.py")


def _first_line(text: str, pattern: re.Pattern[str]) -> tuple[int, str] | None:
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return number, line.strip()
    return None


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# --------------------------------------------------------------------------- level 1
def detect_package(repo: Repo) -> list[str]:
    evidence = []
    if repo.has("pyproject.toml"):
        data = repo.toml("pyproject.toml")
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        if project.get("name"):
            deps = project.get("dependencies") or []
            evidence.append(
                f"pyproject.toml: distribution '{project['name']}' with {len(deps)} "
                "declared dependencies"
            )
        elif poetry.get("name"):
            deps = [d for d in poetry.get("dependencies") or {} if d != "python"]
            evidence.append(
                f"pyproject.toml: Poetry project '{poetry['name']}' with {len(deps)} dependencies"
            )
    if not evidence and repo.has("setup.py") and "setup(" in repo.text("setup.py"):
        evidence.append("setup.py: a setuptools package")
    if not evidence and repo.has("setup.cfg") and "[metadata]" in repo.text("setup.cfg"):
        evidence.append("setup.cfg: a setuptools package")
    if evidence:
        packages = sorted({f.rsplit("/", 1)[0] for f in repo.glob("src/*/__init__.py")})
        if packages:
            evidence.append("code in " + ", ".join(f"{p}/" for p in packages))
    return evidence


LINTERS = ("ruff", "flake8", "pylint", "black", "isort", "mypy")


def detect_lint(repo: Repo) -> list[str]:
    evidence = []
    if repo.has("pyproject.toml"):
        tools = repo.toml("pyproject.toml").get("tool") or {}
        ruff = tools.get("ruff")
        if isinstance(ruff, dict):
            select = (ruff.get("lint") or {}).get("select") or ruff.get("select") or []
            detail = f", {len(select)} rule sets selected" if select else ""
            evidence.append(f"pyproject.toml: [tool.ruff]{detail}")
        evidence += [f"pyproject.toml: [tool.{t}]" for t in LINTERS[1:] if t in tools]
    for name in ("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc", "mypy.ini"):
        if repo.has(name) and repo.text(name).strip():
            evidence.append(f"{name}: linter configuration")
    for name in ("setup.cfg", "tox.ini"):
        if repo.has(name) and re.search(r"^\[(flake8|pylint|mypy|isort)", repo.text(name), re.M):
            evidence.append(f"{name}: linter section")
    if repo.has(".pre-commit-config.yaml"):
        text = repo.text(".pre-commit-config.yaml")
        hooks = sorted({t for t in LINTERS if re.search(rf"\bid:\s*{t}", text)})
        if hooks:
            evidence.append(f".pre-commit-config.yaml: hooks {', '.join(hooks)}")
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
        found = _first_line(repo.text(rel), GATE_ASSERT)
        if found:
            evidence.append(f"{rel}:{found[0]}: {_short(found[1])}")
            break
    return evidence


TEST_COMMAND = re.compile(
    r"\b(make\s+(ci|test|tests|check|lint)|pytest|python\s+-m\s+pytest|tox|nox|ruff|flake8|pylint"
    r"|hatch\s+(run|test)|uv\s+run\s+pytest|poetry\s+run\s+pytest)\b"
)


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
    for rel in repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml"):
        for doc in repo.yaml_docs(rel):
            if isinstance(doc, dict) and isinstance(doc.get("jobs"), dict):
                found.append((rel, doc))
    return found


def _gitlab_files(repo: Repo) -> list[str]:
    files = [f for f in (".gitlab-ci.yml", ".gitlab-ci.yaml") if repo.has(f)]
    return files + repo.glob(".gitlab/ci/*.yml", ".gitlab/ci/*.yaml", "ci/*.gitlab-ci.yml")


def _azure_files(repo: Repo) -> list[str]:
    files = [f for f in ("azure-pipelines.yml", "azure-pipelines.yaml") if repo.has(f)]
    return files + repo.glob(".azure-pipelines/*.yml", ".azure-pipelines/*.yaml",
                             ".azuredevops/*.yml", "pipelines/*.yml")  # fmt: skip


def detect_ci(repo: Repo) -> list[str]:
    evidence = []
    for rel, doc in _github_workflows(repo):
        triggers = [
            t for t in _github_triggers(doc) if t in {"push", "pull_request", "merge_group"}
        ]
        command = TEST_COMMAND.search(repo.text(rel))
        if triggers and command:
            evidence.append(f"{rel}: on {', '.join(triggers)}; runs `{command.group(0)}`")
    others = [*_gitlab_files(repo), *_azure_files(repo)]
    others += [f for f in ("Jenkinsfile", ".circleci/config.yml", "bitbucket-pipelines.yml",
                           ".travis.yml", ".drone.yml") if repo.has(f)]  # fmt: skip
    for rel in others:
        command = TEST_COMMAND.search(repo.text(rel))
        if command:
            evidence.append(f"{rel}: runs `{command.group(0)}`")
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
        prod = {j: e for j, e in envs.items() if PROD.search(e)}
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


def detect_serving(repo: Repo) -> list[str]:
    evidence = []
    for rel in repo.python_files():
        if "/tests/" in f"/{rel}" or rel.rsplit("/", 1)[-1].startswith("test_"):
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
    for rel in repo.named("Dockerfile", "Containerfile"):
        if re.search(r"uvicorn|gunicorn|flask|bentoml|serve|CMD|ENTRYPOINT", repo.text(rel)):
            evidence.append(f"{rel}: container image of the service")
            break
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


def detect_versioning(repo: Repo) -> list[str]:
    evidence = []
    dvc = [f for f in repo.files if f in ("dvc.yaml", ".dvc/config") or f.endswith(".dvc")]
    if dvc:
        evidence.append(f"DVC: {', '.join(dvc[:3])}")
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
        r"|wandb\.Artifact\(|lakefs\w*\.\w+\(|use_artifact\()"
    )
    for rel in repo.python_files():
        found = registry.search(repo.text(rel))
        if found:
            evidence.append(f"{rel}: model/data registry ({found.group(1).rstrip('(= ')})")
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
        }

    def render(self) -> str:
        lines = [
            f"MLOps maturity of {self.path}",
            f"level {self.level} of {MAX_LEVEL}: {LEVELS[self.level]} "
            f"({LEVEL_MEANING[self.level]})",
        ]
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
        return "\n".join(lines)


def check(path: Path) -> Result:
    """Assess the repository at `path`. Raises CheckError when it cannot be read."""
    repo = Repo(path)
    return Result(repo.root, [Finding(p, p.detect(repo)) for p in PRACTICES])


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
