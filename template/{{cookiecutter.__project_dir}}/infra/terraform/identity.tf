{%- if cookiecutter.cloud == 'azure' -%}
# The identity the CD pipeline deploys as, without stored secrets: a user-assigned managed
# identity that trusts the CI system's OIDC tokens for this repository and environment
# (a federated identity credential). CD logs in with its client ID (output cd_client_id).

resource "azurerm_user_assigned_identity" "cd" {
  name                = "id-${local.name}-cd"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "cd" {
  name                = "cd-${var.environment}"
  resource_group_name = azurerm_resource_group.main.name
  parent_id           = azurerm_user_assigned_identity.cd.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = var.oidc_issuer
  subject             = local.oidc_subject
}

# What CD may do: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, run ML jobs.
resource "azurerm_role_assignment" "cd" {
  for_each = {
    push-images   = { scope = azurerm_container_registry.main.id, role = "AcrPush" }
    upload-models = { scope = azurerm_storage_account.ml.id, role = "Storage Blob Data Contributor" }
    run-ml-jobs   = { scope = azurerm_machine_learning_workspace.main.id, role = "AzureML Data Scientist" }
{%- if cookiecutter.serving == 'fastapi' %}
    deploy-api    = { scope = azurerm_container_app.api.id, role = "Contributor" }
{%- endif %}
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.cd.principal_id
  principal_type       = "ServicePrincipal"
}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh):
# it manages the resource group's resources and their role assignments. Protect the
# production environment with required reviewers.
resource "azurerm_role_assignment" "cd_infrastructure" {
  for_each = toset(var.cd_applies_infrastructure ? ["Contributor", "Role Based Access Control Administrator"] : [])

  scope                = azurerm_resource_group.main.id
  role_definition_name = each.value
  principal_id         = azurerm_user_assigned_identity.cd.principal_id
  principal_type       = "ServicePrincipal"
}
{%- elif cookiecutter.cloud == 'aws' -%}
# The role the CD pipeline deploys as, without stored secrets: an IAM role that trusts the CI
# system's OIDC tokens for this repository and environment. CD assumes it with
# `aws-actions/configure-aws-credentials` (output cd_role_arn).

# An account has one OIDC provider per issuer: when another stack already created it, set
# create_oidc_provider = false and this configuration looks it up instead.
resource "aws_iam_openid_connect_provider" "ci" {
  count           = var.create_oidc_provider ? 1 : 0
  url             = var.oidc_issuer
  client_id_list  = [local.oidc_audience]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = local.tags
}

data "aws_iam_openid_connect_provider" "ci" {
  count = var.create_oidc_provider ? 0 : 1
  url   = var.oidc_issuer
}

locals {
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.ci[0].arn : data.aws_iam_openid_connect_provider.ci[0].arn
  oidc_host         = trimprefix(var.oidc_issuer, "https://")
  oidc_audience     = var.oidc_audience != "" ? var.oidc_audience : "sts.amazonaws.com"
}

resource "aws_iam_role" "cd" {
  name                 = "${local.name}-cd"
  description          = "Assumed by the CD pipeline of ${var.repository} (${var.environment})"
  assume_role_policy   = data.aws_iam_policy_document.cd_assume.json
  max_session_duration = 3600
  tags                 = local.tags
}

data "aws_iam_policy_document" "cd_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.oidc_subject]
    }
  }
}

# What CD may do: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, register models.
resource "aws_iam_role_policy" "cd" {
  name   = "deploy"
  role   = aws_iam_role.cd.id
  policy = data.aws_iam_policy_document.cd.json
}

data "aws_iam_policy_document" "cd" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.main.arn]
  }

  statement {
    sid       = "UploadModels"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn, "${aws_s3_bucket.ml.arn}/*"]
  }

  statement {
    sid       = "UseTheEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  statement {
    sid       = "RegisterModels"
    actions   = ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage"]
    resources = [aws_sagemaker_model_package_group.main.arn, "arn:${data.aws_partition.current.partition}:sagemaker:${var.region}:${local.account_id}:model-package/${aws_sagemaker_model_package_group.main.model_package_group_name}/*"]
  }
{%- if cookiecutter.serving == 'fastapi' %}
  # Deploying the model API (ECS): the cd_deploy_api policy in serving.tf.
{%- endif %}
}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh):
# everything but IAM through PowerUserAccess, and IAM only for this environment's roles.
# That makes it an administrator of this environment: protect production with required
# reviewers, and keep each environment in its own account where you can.
resource "aws_iam_role_policy_attachment" "cd_infrastructure" {
  count      = var.cd_applies_infrastructure ? 1 : 0
  role       = aws_iam_role.cd.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "cd_infrastructure" {
  count  = var.cd_applies_infrastructure ? 1 : 0
  name   = "manage-environment-roles"
  role   = aws_iam_role.cd.id
  policy = data.aws_iam_policy_document.cd_infrastructure.json
}

data "aws_iam_policy_document" "cd_infrastructure" {
  statement {
    sid = "ManageThisEnvironmentsRoles"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PassRole",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:role/${local.name}-*"]
  }

  statement {
    sid       = "FindTheOidcProvider"
    actions   = ["iam:ListOpenIDConnectProviders"]
    resources = ["*"]
  }

  statement {
    sid       = "ManageTheOidcProvider"
    actions   = ["iam:GetOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"]
    resources = [local.oidc_provider_arn]
  }
}
{%- else -%}
# The service account the CD pipeline deploys as, without stored keys: a Workload Identity
# Pool whose provider trusts the CI system's OIDC tokens for this repository; CD authenticates
# with `google-github-actions/auth` (outputs workload_identity_provider and cd_service_account).

resource "google_iam_workload_identity_pool" "ci" {
  workload_identity_pool_id = "${local.short_name}-ci"
  display_name              = "CI/CD ${local.short_name}"
  description               = "OIDC tokens of ${var.repository}"

  depends_on = [google_project_service.apis]
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "oidc"
  display_name                       = "CI OIDC"

  attribute_mapping = {
    "google.subject" = "assertion.sub"
  }
  # Only tokens for this repository and environment are accepted.
  attribute_condition = "assertion.sub == \"${local.oidc_subject}\""

  oidc {
    issuer_uri = var.oidc_issuer
    # Empty: the provider's own name, which google-github-actions/auth and GitLab request.
    allowed_audiences = var.oidc_audience == "" ? [] : [var.oidc_audience]
  }
}

resource "google_service_account" "cd" {
  account_id   = "${local.short_name}-cd"
  display_name = "CD pipeline of ${local.name}"
}

resource "google_service_account_iam_member" "cd_workload_identity" {
  service_account_id = google_service_account.cd.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.ci.name}/subject/${local.oidc_subject}"
}

# What CD may do: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, run Vertex AI jobs.
resource "google_artifact_registry_repository_iam_member" "cd" {
  location   = google_artifact_registry_repository.main.location
  repository = google_artifact_registry_repository.main.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.cd.email}"
}

resource "google_storage_bucket_iam_member" "cd" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.cd.email}"
}

resource "google_project_iam_member" "cd_vertex" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.cd.email}"
}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh):
# it administers the services used here and the project's IAM. Protect production with
# required reviewers, and keep each environment in its own project.
resource "google_project_iam_member" "cd_infrastructure" {
  for_each = toset(var.cd_applies_infrastructure ? [
    "roles/artifactregistry.admin",
    "roles/cloudkms.admin",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/monitoring.editor",
    "roles/resourcemanager.projectIamAdmin",
    "roles/run.admin",
    "roles/secretmanager.admin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
  ] : [])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.cd.email}"
}

# Only this environment's service accounts, not the project's (a new service account
# needs someone with roles/iam.serviceAccountCreator to apply once).
resource "google_service_account_iam_member" "cd_infrastructure" {
  for_each = var.cd_applies_infrastructure ? {
    cd     = google_service_account.cd.name
    vertex = google_service_account.vertex.name
{%- if cookiecutter.serving == 'fastapi' %}
    api    = google_service_account.api.name
{%- endif %}
  } : {}

  service_account_id = each.value
  role               = "roles/iam.serviceAccountAdmin"
  member             = "serviceAccount:${google_service_account.cd.email}"
}

# CD starts Vertex AI jobs as the jobs' own service account.
resource "google_service_account_iam_member" "cd_acts_as_vertex" {
  service_account_id = google_service_account.vertex.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.cd.email}"
}
{%- if cookiecutter.serving == 'fastapi' %}

resource "google_cloud_run_v2_service_iam_member" "cd" {
  name     = google_cloud_run_v2_service.api.name
  location = google_cloud_run_v2_service.api.location
  role     = "roles/run.developer"
  member   = "serviceAccount:${google_service_account.cd.email}"
}

# Deploying a revision runs it as the API's service account.
resource "google_service_account_iam_member" "cd_acts_as_api" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.cd.email}"
}
{%- endif %}
{%- endif %}
