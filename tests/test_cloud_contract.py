"""The cloud contract of generated projects, checked offline against the clouds' own tools.

- Terraform against the providers' schemas: every resource, data source, argument and nested
  block of every rendered .tf (python-hcl2) exists in the provider release's schema, read from
  the CDK-for-Terraform provider package (mlops_cookie.contract; `make install` writes the
  schemas into build/provider-schemas). Variants: each cloud with everything on, with
  serving, tracking and data versioning off, and with training_compute=cloud and
  feature_store=feast.
- Feast's cloud configuration (feature_repo/feature_store.cloud.yaml, feature_store=feast)
  through Feast's own loader (RepoConfig, pydantic) in .venv-feast (tests/feast_config.py),
  with a misspelt key as negative control; each ${VAR} it names is set by deploy.sh features.
- CLI calls against the real CLIs: every `az`, `aws` and `gcloud` command line of the rendered
  scripts/deploy.sh, the pipelines and the docs' code blocks (the one-time setup), variables
  replaced by a placeholder, goes through the CLI's own parser in-process and stops before it
  would work or call the cloud (tests/cli_parse.py says where for each CLI): an unknown command
  or flag, a missing required argument or an abbreviated flag fails. azure-cli and awscli come
  from the package index into .venv-cli (Makefile); gcloud is the Cloud SDK installed on the
  machine (it is on no package index). awscli there is v1, the runners' is v2: both are
  generated from the same service models, so service commands and flags agree; a v2-only
  global option would be reported. az extensions are not installed: a call to one fails, as
  it would on a runner that did not add it. Values are not checked (they are placeholders),
  only commands and flags.
- Docs <-> pipelines: the one-time setup in docs/ci-cd.md (with docs/infrastructure.md and
  infra/README.md) names exactly the CI variables, environments and service connections the
  pipelines use, and the identity outputs the infrastructure has, both ways.
Each checker has negative controls here: a misspelt argument, an unknown block and an unknown
resource type; a misspelt flag and an unknown subcommand for each CLI; an undocumented
variable and a documented variable no pipeline reads.
Terraform validate/tflint and `bicep build` need the network: the repository's own CI runs
them (.github/workflows/ci.yml, job `iac-network`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from mlops_cookie.contract import (
    CLOUD_PROVIDER,
    check_terraform,
    load_pipeline,
    load_schema,
    markdown_scripts,
    pipeline_scripts,
    shell_calls,
)
from mlops_cookie.questions import REPO_ROOT

SCHEMAS = REPO_ROOT / "build" / "provider-schemas"
CLI_PYTHON = REPO_ROOT / ".venv-cli" / "bin" / "python"
CLI_PARSE = Path(__file__).with_name("cli_parse.py")
FEAST_PYTHON = REPO_ROOT / ".venv-feast" / "bin" / "python"
FEAST_CONFIG = Path(__file__).with_name("feast_config.py")
CLOUDS = ("azure", "aws", "gcp")
OFF = {"serving": "none", "experiment_tracking": "none", "data_versioning": "none"}


def _param(answers: dict[str, Any]) -> Any:
    key = "-".join(str(v) for v in answers.values())
    return pytest.param(answers, id=key, marks=pytest.mark.xdist_group(f"contract-{key}"))


# (feature_store=feast rides with training_compute=cloud: Feast's stores and rights, features.tf)
TF_VARIANTS = [
    _param({"ci_provider": "github", "iac": "terraform", "cloud": cloud, **off})
    for cloud in CLOUDS
    for off in ({}, OFF, {"training_compute": "cloud", "feature_store": "feast"})
]
# each CI provider x cloud with Terraform, and with Bicep on Azure; then training on the
# cloud's ML platform (training_compute=cloud: deploy.sh pushes the training image and submits)
# on every cloud and IaC, each with another provider: the training lines are deploy.sh's, the
# same whichever provider calls it (tests/test_ci_cd.py validates every provider's pipelines).
# Those on each cloud and IaC carry feature_store=feast too (deploy.sh features: its az call,
# the outputs it reads).
PIPELINE_VARIANTS = (
    [
        _param({"ci_provider": ci, "iac": "terraform", "cloud": cloud})
        for ci in ("github", "azure-devops", "gitlab")
        for cloud in CLOUDS
    ]
    + [
        _param({"ci_provider": ci, "iac": "bicep", "cloud": "azure"})
        for ci in ("github", "azure-devops")
    ]
    + [
        _param(
            {
                "ci_provider": ci,
                "iac": iac,
                "cloud": cloud,
                "training_compute": "cloud",
                **({"feature_store": "feast"} if feast else {}),
            }
        )
        for ci, iac, cloud, feast in (
            ("github", "terraform", "azure", True),
            ("github", "terraform", "aws", True),
            ("azure-devops", "bicep", "azure", True),
            ("azure-devops", "terraform", "gcp", True),
            ("gitlab", "terraform", "aws", False),
        )
    ]
)

Render = Callable[[str, dict[str, Any]], Path]


# --------------------------------------------------------------------------- Terraform schemas
def _tf_files(project: Path) -> dict[str, str]:
    files = {p.name: p.read_text() for p in sorted((project / "infra" / "terraform").glob("*.tf"))}
    assert files, f"no .tf file in {project}/infra/terraform"
    return files


@pytest.mark.parametrize("answers", TF_VARIANTS)
def test_terraform_matches_the_provider_schema(rendered: Render, answers: dict[str, Any]) -> None:
    project = rendered("copier", answers)
    schema = load_schema(SCHEMAS, CLOUD_PROVIDER[answers["cloud"]])
    assert check_terraform(_tf_files(project), schema) == [], f"provider {schema['version']}"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_pinned_provider_major_is_the_schema_release(rendered: Render, cloud: str) -> None:
    """The schemas checked are of the major version versions.tf allows."""
    project = rendered("copier", {"ci_provider": "github", "iac": "terraform", "cloud": cloud})
    provider = CLOUD_PROVIDER[cloud]
    versions = hcl2.loads((project / "infra" / "terraform" / "versions.tf").read_text())
    pinned = versions["terraform"][0]["required_providers"][0][provider]["version"].strip('"')
    major = load_schema(SCHEMAS, provider)["version"].split(".")[0]
    assert re.fullmatch(rf"~> {major}\.\d+", pinned), (provider, pinned)


def _names(node: dict[str, Any]) -> list[str]:
    return [*node["a"], *node["b"], *(n for child in node["b"].values() for n in _names(child))]


@pytest.mark.parametrize(
    ("provider", "rtype", "path"),
    [
        ("azurerm", "azurerm_container_app", ["template", "container", "liveness_probe"]),
        ("aws", "aws_s3_bucket_lifecycle_configuration", ["rule", "noncurrent_version_expiration"]),
        ("google", "google_cloud_run_v2_service", ["template", "containers", "startup_probe"]),
    ],
)
def test_schemas_hold_terraform_names(provider: str, rtype: str, path: list[str]) -> None:
    """Names are Terraform's (snake_case, from the docs anchors), not jsii's camelCase, and
    nested blocks nest (each provider's documented block path exists)."""
    schema = load_schema(SCHEMAS, provider)
    assert len(schema["resource"]) > 300
    assert len(schema["data"]) > 100
    assert schema["provider"]["a"], "the provider block's arguments"
    names = {n for kind in ("resource", "data") for r in schema[kind].values() for n in _names(r)}
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)
    node = schema["resource"][rtype]
    for block in path:
        node = node["b"][block]


def _first_resource(files: dict[str, str]) -> tuple[str, str, str, str]:
    """(file, type, name, first argument) of the first resource that has an argument."""
    for name, text in files.items():
        for entry in hcl2.loads(text).get("resource", []):
            for rtype, instances in entry.items():
                for label, body in instances.items():
                    simple = [
                        k for k, v in body.items()
                        if isinstance(v, str | int | bool)
                        and not k.startswith("__") and k not in ("count", "for_each")
                    ]  # fmt: skip
                    if simple:
                        return name, rtype.strip('"'), label.strip('"'), simple[0]
    raise AssertionError("no resource with an argument")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_schema_check_catches_misspellings(rendered: Render, cloud: str) -> None:
    project = rendered("copier", {"ci_provider": "github", "iac": "terraform", "cloud": cloud})
    schema = load_schema(SCHEMAS, CLOUD_PROVIDER[cloud])
    files = _tf_files(project)
    name, rtype, label, argument = _first_resource(files)
    header = re.compile(rf'resource\s+"{rtype}"\s+"{label}"\s*\{{')
    original = files[name]
    assert header.search(original), (name, rtype, label)

    def broken(replacement: str) -> list[str]:
        # the changed file alone: the checker reads each file on its own
        return check_terraform({name: header.sub(replacement, original, count=1)}, schema)

    misspelt = broken(f'resource "{rtype}" "{label}" {{\n  {argument}x = "y"')
    assert [e for e in misspelt if f"unknown argument '{argument}x'" in e], misspelt
    block = broken(f'resource "{rtype}" "{label}" {{\n  no_such_block {{\n    a = 1\n  }}')
    assert [e for e in block if "unknown block 'no_such_block'" in e], block
    nested = broken(
        f'resource "{rtype}" "{label}" {{\n  lifecycle {{}}\n  timeouts {{\n    cretae = "1m"\n  }}'
    )
    if "timeouts" in schema["resource"][rtype]["b"]:
        assert [e for e in nested if "unknown argument 'cretae'" in e], nested
    unknown = broken(f'resource "{rtype}x" "{label}" {{')
    assert [e for e in unknown if f"unknown resource type '{rtype}x'" in e], unknown
    data = check_terraform({"extra.tf": f'data "{rtype}_nope" "x" {{}}\n'}, schema)
    assert [e for e in data if f"unknown data type '{rtype}_nope'" in e], data


# --------------------------------------------------------------------------- CLI calls
def _cli_python(tool: str) -> Path:
    if tool in ("az", "aws"):
        assert CLI_PYTHON.exists(), f"{CLI_PYTHON} is missing: run `make install`"
        return CLI_PYTHON
    gcloud = shutil.which("gcloud")
    assert gcloud, "gcloud (the Google Cloud SDK) is not installed on this machine"
    root = Path(gcloud).resolve().parent.parent
    bundled = root / "platform" / "bundledpythonunix" / "bin" / "python3"
    return bundled if bundled.exists() else Path(shutil.which("python3") or "python3")


def parse(tool: str, commands: list[list[str]]) -> list[str | None]:
    """Each command line through the tool's own parser: None when it parses, else the error."""
    if not commands:
        return []
    python = _cli_python(tool)
    env = {"PATH": "/usr/bin:/bin", "CLOUDSDK_ROOT_DIR": str(Path(shutil.which("gcloud") or "/x")
                                                            .resolve().parent.parent)}  # fmt: skip
    done = subprocess.run(
        [str(python), str(CLI_PARSE), tool], input=json.dumps(commands), capture_output=True,
        text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _pipeline_files(project: Path) -> list[Path]:
    patterns = (".github/workflows/*.yml", ".github/actions/*/action.yml", ".gitlab-ci.yml",
                ".gitlab/**/*.yml", ".azure-pipelines/**/*.yml")  # fmt: skip
    files = [path for pattern in patterns for path in project.glob(pattern)]
    return sorted(files)


def cli_calls(project: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """tool -> [(where, argv)] for every az/aws/gcloud call of deploy.sh, the pipelines and the
    code blocks of the docs."""
    scripts = [("scripts/deploy.sh", (project / "scripts" / "deploy.sh").read_text())]
    for path in _pipeline_files(project):
        rel = path.relative_to(project).as_posix()
        scripts += [(rel, s) for s in pipeline_scripts(load_pipeline(path.read_text()))]
    # the one-time setup the docs tell people to run
    for page in sorted([*project.glob("docs/**/*.md"), *project.glob("infra/**/*.md")]):
        rel = page.relative_to(project).as_posix()
        scripts += [(rel, s) for s in markdown_scripts(page.read_text())]
    calls: dict[str, list[tuple[str, list[str]]]] = {"az": [], "aws": [], "gcloud": []}
    for where, script in scripts:
        for tool, argv in shell_calls(script):
            calls[tool].append((where, argv))
    return calls


@pytest.mark.parametrize("answers", PIPELINE_VARIANTS)
def test_cli_calls_parse_with_the_real_clis(rendered: Render, answers: dict[str, Any]) -> None:
    project = rendered("copier", answers)
    calls = cli_calls(project)
    cloud_tool = {"azure": "az", "aws": "aws", "gcp": "gcloud"}[answers["cloud"]]
    assert calls[cloud_tool], f"no {cloud_tool} call found: the extraction is broken"
    failures = []
    for tool, found in calls.items():
        unique = sorted({tuple(argv): where for where, argv in found}.items())
        for (argv, where), error in zip(unique, parse(tool, [list(a) for a, _ in unique]),
                                        strict=True):  # fmt: skip
            if error is not None:
                failures.append(f"{where}: {tool} {' '.join(argv)}\n  {error}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- Feast's config
FEAST_VARIANTS = [p for p in TF_VARIANTS if p.values[0].get("feature_store") == "feast"]
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def feast_check(items: list[tuple[Path, Path, dict[str, str]]]) -> list[str | None]:
    """Each (feature repo, yaml, environment) through Feast's loader: None or the error."""
    if not FEAST_PYTHON.exists():
        pytest.fail(f"{FEAST_PYTHON} is missing: `make install` creates it (Feast in its own venv)")
    done = subprocess.run(
        [str(FEAST_PYTHON), str(FEAST_CONFIG)], capture_output=True, text=True, timeout=600,
        input=json.dumps([[str(repo), str(path), env] for repo, path, env in items]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("answers", FEAST_VARIANTS)
def test_feast_cloud_config_loads_with_feast(
    rendered: Render, answers: dict[str, Any], tmp_path: Path
) -> None:
    """feature_store.cloud.yaml is a valid Feast configuration once deploy.sh features has set
    its ${VAR}s (each one, and only from the infrastructure's outputs), and a misspelt key in
    its online store fails the same loader (negative control)."""
    project = rendered("copier", answers)
    repo = project / "feature_repo"
    text = (repo / "feature_store.cloud.yaml").read_text()
    names = set(PLACEHOLDER.findall(text))
    assert names, "no ${VAR} in feature_store.cloud.yaml"
    deploy = (project / "scripts" / "deploy.sh").read_text()
    exported = set()
    body = deploy.split("\nfeatures_of_env() {\n")[1].split("\n}\n")[0]
    for line in re.findall(r"^\texport ([A-Z_ ]+)$", body, re.M):
        exported |= set(line.split())
    assert names <= exported, f"deploy.sh features does not set {sorted(names - exported)}"
    env = {name: f"{name.lower()}-value" for name in names}
    env["FEATURE_STORE_REGISTRY"] = {"aws": "s3://bucket/feast/registry.db",
                                     "gcp": "gs://bucket/feast/registry.db",
                                     "azure": "https://st.blob.core.windows.net/feast/registry.db",
                                     }[answers["cloud"]]  # fmt: skip
    store = yaml.safe_load(text)["online_store"]
    key = next(k for k in store if k != "type")
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text(text.replace(f"\n  {key}:", f"\n  {key}x:", 1))
    good, bad = feast_check([(repo, repo / "feature_store.cloud.yaml", env), (repo, misspelt, env)])
    assert good is None, good
    assert bad is not None
    assert f"{key}x" in bad, bad


# --------------------------------------------------------------------------- IaC outputs
OUT_CALL = re.compile(r"(?:\$\(|^\s*)out ([a-z_]+)", re.M)


@pytest.mark.parametrize(
    "answers", [p for p in PIPELINE_VARIANTS if p.values[0]["ci_provider"] == "github"]
)
def test_deploy_script_reads_only_outputs_the_infrastructure_has(
    rendered: Render, answers: dict[str, Any]
) -> None:
    """Every `out NAME` of scripts/deploy.sh (the targets, and with training_compute=cloud the
    training image repository, registry and the job's target) is an output of the rendered
    Terraform or Bicep: a name missing there fails on the first real run, not here otherwise."""
    project = rendered("copier", answers)
    read = set(OUT_CALL.findall((project / "scripts" / "deploy.sh").read_text()))
    assert "registry_login_server" in read or answers["cloud"] == "azure", read
    if answers["iac"] == "terraform":
        outputs = hcl2.loads((project / "infra" / "terraform" / "outputs.tf").read_text())
        names = {k.strip('"') for entry in outputs.get("output", []) for k in entry}
    else:
        main = (project / "infra" / "bicep" / "main.bicep").read_text()
        names = set(re.findall(r"^output (\w+)", main, re.M))
    assert read - names == set(), f"deploy.sh reads outputs the {answers['iac']} code lacks"


@pytest.mark.parametrize(
    ("tool", "good", "misspelt_flag", "unknown_subcommand"),
    [
        ("az", ["storage", "blob", "exists", "--auth-mode", "login", "--account-name", "a",
                "--container-name", "c", "--name", "n", "--query", "exists", "--output", "tsv"],
         ["storage", "blob", "exists", "--auth-mod", "login", "--account-name", "a",
          "--container-name", "c", "--name", "n"],
         ["storage", "blob", "exist", "--account-name", "a"]),
        ("aws", ["s3", "cp", "--recursive", "--only-show-errors", "bundle", "s3://b/models/1/"],
         ["s3", "cp", "--recursiv", "bundle", "s3://b/models/1/"],
         ["ecs", "update-servic", "--cluster", "c", "--service", "s"]),
        ("gcloud", ["run", "services", "update", "api", "--image", "r/i@sha256:0", "--region",
                    "europe-west1", "--quiet"],
         ["run", "services", "update", "api", "--imag", "r/i@sha256:0"],
         ["run", "service", "update", "api"]),
    ],
    ids=["az", "aws", "gcloud"],
)  # fmt: skip
def test_cli_parsers_reject_unknown_commands_and_flags(
    tool: str, good: list[str], misspelt_flag: list[str], unknown_subcommand: list[str]
) -> None:
    ok, flag, command = parse(tool, [good, misspelt_flag, unknown_subcommand])
    assert ok is None, ok
    assert flag is not None
    assert re.search(r"unrecognized|Unknown options", flag), flag
    assert command is not None, f"{tool} accepted {unknown_subcommand}"


def test_shell_extraction_finds_nested_and_continued_calls() -> None:
    script = (
        'echo "then run az login"  # a message, not a call\n'
        "if ! az account show --query id -o tsv >/dev/null; then\n"
        '  id="$(aws sts get-caller-identity --query Account \\\n    --output text)"\n'
        "fi\n"
        'gcloud run services update "$(out name)" --image "${REF}" | tee log\n'
    )
    assert shell_calls(script) == [
        ("az", ["account", "show", "--query", "id", "-o", "tsv"]),
        ("aws", ["sts", "get-caller-identity", "--query", "Account", "--output", "text"]),
        ("gcloud", ["run", "services", "update", "placeholder", "--image", "placeholder"]),
    ]


# --------------------------------------------------------------------------- docs <-> pipelines
# read from the environment by the CLIs and Terraform themselves, not by the scripts
READ_BY_TOOLS = re.compile(r"AWS_(DEFAULT_)?REGION|ARM_\w+|GOOGLE_\w+|CLOUDSDK_\w+|TF_\w+")
PREDEFINED = re.compile(r"(CI|GITLAB|GITHUB|RUNNER|BUILD|SYSTEM|AGENT|PIPELINE)_\w*|HOME|PATH|PWD")
VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # AZURE_CLIENT_ID, not MIT or README
# the identities of the shared contract: per environment, the deployer (cd), plan and trainer
IDENTITY_OUTPUT = r"(?:cd|plan|trainer)_(?:client_id|role_arn|service_account)"
SETUP = re.compile(r"^## One-time setup\n(.*?)(?=^## )", re.S | re.M)


def _yaml_defined(document: Any, keys: set[str]) -> set[str]:
    """Names defined under `variables:`, `env:` or `id_tokens:` anywhere in a document."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys and isinstance(value, dict):
                    found.update(value)
                elif key in keys and isinstance(value, list):  # Azure Pipelines' - name: X
                    found.update(v["name"] for v in value if isinstance(v, dict) and "name" in v)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (str(k), *_strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)]


def _values_of(node: Any, keys: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                found.add(value)
            elif key in keys and isinstance(value, dict) and isinstance(value.get("name"), str):
                found.add(value["name"])
            found |= _values_of(value, keys)
    elif isinstance(node, list):
        for item in node:
            found |= _values_of(item, keys)
    return found


def pipeline_contract(project: Path, ci: str) -> dict[str, set[str]]:
    """What the pipelines need set up once: variables the people set, environments, service
    connections."""
    documents = [load_pipeline(p.read_text()) for p in _pipeline_files(project)]
    texts = [s for d in documents for s in _strings(d)]
    deploy = (project / "scripts" / "deploy.sh").read_text()
    defined = set().union(*(_yaml_defined(d, {"variables", "env", "id_tokens"}) for d in documents))
    # set by the pipelines' own scripts: shell assignments, Azure Pipelines' setvariable
    defined |= {m for t in texts for m in re.findall(r"(?:^|[\s;(])(?:export |local )?(\w+)=", t)}
    defined |= {m for t in texts for m in re.findall(r"task\.setvariable variable=(\w+)", t)}
    if ci == "github":
        variables = {m for t in texts for m in re.findall(r"\b(?:vars|secrets)\.(\w+)", t)}
        variables.discard("GITHUB_TOKEN")
    elif ci == "azure-devops":
        macros = r"\$\((\w+)\)|\bvariables\.(\w+)|\bvariables\['(\w+)'\]"
        found = {"".join(m) for t in texts for m in re.findall(macros, t)}
        variables = found - defined
    else:
        variables = {m for t in texts for m in re.findall(r"\$\{?(\w+)", t)} - defined
    # GitLab passes a job's CI/CD variables into its environment: deploy.sh's required settings
    # come from there (GitHub and Azure Pipelines map them explicitly, or log in themselves)
    if ci == "gitlab":
        variables |= set(re.findall(r"\$\{(\w+):\?", deploy)) - defined
    variables = {v for v in variables if VARIABLE.fullmatch(v) and not PREDEFINED.fullmatch(v)}
    environments = {e for d in documents for e in _values_of(d, {"environment"})}
    environments = {e for e in environments if "$" not in e and " " not in e}
    connection_keys = {"azureSubscription", "serviceConnection"}
    connections = {c for d in documents for c in _values_of(d, connection_keys)}
    return {"variables": variables, "environments": environments,
            "connections": {c for c in connections if "$" not in c}}  # fmt: skip


def docs_contract(project: Path) -> tuple[str, set[str]]:
    """(the docs' text where setup is described, backticked names in ci-cd.md's one-time setup)"""
    cicd = (project / "docs" / "ci-cd.md").read_text()
    setup = SETUP.search(cicd + "\n## end\n")
    assert setup, "docs/ci-cd.md has no '## One-time setup' section"
    everything = cicd + "".join(
        (project / p).read_text() for p in ("docs/infrastructure.md", "infra/README.md")
        if (project / p).exists()
    )  # fmt: skip
    return everything, set(re.findall(r"`([^`\s]+)`", setup.group(1)))


# every CI provider x cloud with Terraform, and Azure Pipelines with Bicep
DOCS_VARIANTS = [
    p for p in PIPELINE_VARIANTS
    if p.values[0]["iac"] == "terraform" or p.values[0]["ci_provider"] == "azure-devops"
]  # fmt: skip


@pytest.mark.parametrize("answers", DOCS_VARIANTS)
def test_setup_docs_name_what_the_pipelines_use(rendered: Render, answers: dict[str, Any]) -> None:
    project = rendered("copier", answers)
    assert pipeline_contract(project, answers["ci_provider"])["variables"], "none found"
    problems = contract_problems(project, answers)
    assert not problems, "\n".join(problems)


def contract_problems(project: Path, answers: dict[str, Any]) -> list[str]:
    """What the setup docs and the pipelines disagree on, one line each."""
    used = pipeline_contract(project, answers["ci_provider"])
    docs, named = docs_contract(project)
    problems = []
    for kind, names in used.items():
        problems += [f"{kind[:-1]} {n!r} is used but not in the docs' setup" for n in sorted(names)
                     if not re.search(rf"`[^`]*\b{re.escape(n)}\b[^`]*`", docs)]  # fmt: skip
    pipelines = "".join(p.read_text() for p in _pipeline_files(project))
    pipelines += (project / "scripts" / "deploy.sh").read_text()
    problems += [f"variable {n!r} is in the setup docs but no pipeline reads it"
                 for n in sorted(named) if VARIABLE.fullmatch(n) and not PREDEFINED.fullmatch(n)
                 and n not in pipelines and not READ_BY_TOOLS.fullmatch(n)]  # fmt: skip
    envs = {n for n in named if re.fullmatch(r"(staging|production)(-[a-z]+)?", n)}
    problems += [f"environment {n!r} is in the setup docs but no pipeline deploys to it"
                 for n in sorted(envs - used["environments"])
                 if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", pipelines)]  # fmt: skip
    problems += [f"service connection {n!r} is in the setup docs but no pipeline uses it"
                 for n in sorted(named) if answers["ci_provider"] == "azure-devops"
                 and n.startswith("demo-") and n not in used["connections"]
                 and not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", pipelines)]  # fmt: skip
    # identities: every identity output the docs name exists, and each one is named
    outputs = _identity_outputs(project, answers)
    problems += [f"identity output {n!r} is in the docs but not in the infrastructure"
                 for n in sorted(named) if re.fullmatch(IDENTITY_OUTPUT, n)
                 and n not in outputs]  # fmt: skip
    problems += [f"identity output {n!r} is not in the docs" for n in sorted(outputs)
                 if f"`{n}`" not in docs]  # fmt: skip
    return problems


def _identity_outputs(project: Path, answers: dict[str, Any]) -> set[str]:
    pattern = IDENTITY_OUTPUT
    if answers["iac"] == "terraform":
        outputs = hcl2.loads((project / "infra" / "terraform" / "outputs.tf").read_text())
        names = {k.strip('"') for entry in outputs.get("output", []) for k in entry}
    else:
        names = set(re.findall(r"^output (\w+)", (project / "infra" / "bicep" / "main.bicep")
                               .read_text(), re.M))  # fmt: skip
    return {n for n in names if re.fullmatch(pattern, n)}


@pytest.mark.xdist_group("contract-github-terraform-aws")
def test_docs_check_catches_undocumented_and_unused_names(rendered: Render, tmp_path: Path) -> None:
    answers = {"ci_provider": "github", "iac": "terraform", "cloud": "aws"}
    copy = tmp_path / "project"
    shutil.copytree(rendered("copier", answers), copy, symlinks=True)
    assert contract_problems(copy, answers) == []
    workflow = next(copy.glob(".github/workflows/*.yml"))
    document = yaml.safe_load(workflow.read_text())
    job = next(iter(document["jobs"].values()))
    job.setdefault("env", {})["X_SETTING"] = "${{ vars.NEW_UNDOCUMENTED_SETTING }}"
    workflow.write_text(yaml.safe_dump(document))
    cicd = copy / "docs" / "ci-cd.md"
    extra = "## One-time setup\n\nSet `NO_PIPELINE_READS_IT` and `staging-nowhere`.\n"
    cicd.write_text(cicd.read_text().replace("## One-time setup\n", extra))
    assert contract_problems(copy, answers) == [
        "variable 'NEW_UNDOCUMENTED_SETTING' is used but not in the docs' setup",
        "variable 'NO_PIPELINE_READS_IT' is in the setup docs but no pipeline reads it",
        "environment 'staging-nowhere' is in the setup docs but no pipeline deploys to it",
    ]
