{#- The same in every cloud's locals: the CI environments and OIDC subjects of the identities. #}
{%- set ci_locals %}
  # The CD pipeline's deployment environments are called dev, staging and production.
  cd_environment = var.environment == "prod" ? "production" : var.environment
  # Each identity is trusted from its own CI environment: the deployer from <env>, the
  # read-only plan identity from <env>-plan, the trainer from <env>-training (identity.tf).
  ci_environments = {
    cd      = local.cd_environment
    plan    = "${local.cd_environment}-plan"
    trainer = "${local.cd_environment}-training"
  }
  oidc_subjects = {
    for role, ci_environment in local.ci_environments : role => lookup(var.oidc_subjects, role, {% if cookiecutter.ci_provider == 'gitlab' %}"project_path:${var.repository}:ref_type:branch:ref:main"{% elif cookiecutter.ci_provider == 'azure-devops' %}""{% else %}"repo:${var.repository}:environment:${ci_environment}"{% endif %})
  }
{%- endset -%}
# Names, {% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %} and the container everything else lives in{% if cookiecutter.cloud == 'azure' %} (a resource group per environment){% elif cookiecutter.cloud == 'aws' %} (a resource group over the
# environment's tags), plus the KMS key that encrypts data, models, images, secrets and logs{% else %} (the project's enabled APIs), plus
# the Cloud KMS key that encrypts data, models and images{% endif %}.
{% if cookiecutter.cloud == 'azure' %}
locals {
  name = "${var.project}-${var.environment}"
  # Storage accounts, key vaults and registries need globally unique, alphanumeric names of at
  # most 24 characters: prefix (2) + up to 22 characters of project, environment and suffix.
  compact_name = substr(replace("${var.project}${var.environment}${var.name_suffix}", "-", ""), 0, 22)
{{- ci_locals }}

  tags = merge({
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
    repository  = var.repository
  }, var.tags)
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "main" {
  name     = "rg-${local.name}"
  location = var.location
  tags     = local.tags
}
{%- elif cookiecutter.cloud == 'aws' %}
locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
{{- ci_locals }}

  tags = merge({
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
    repository  = var.repository
  }, var.tags)
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# AWS has no resource container like Azure's resource groups: this group lists every
# resource tagged with this project and environment in the console.
resource "aws_resourcegroups_group" "main" {
  name        = local.name
  description = "Resources of ${var.project} (${var.environment})"

  resource_query {
    query = jsonencode({
      ResourceTypeFilters = ["AWS::AllSupported"]
      TagFilters = [
        { Key = "project", Values = [var.project] },
        { Key = "environment", Values = [var.environment] },
      ]
    })
  }

  tags = local.tags
}

# One customer-managed key for the environment, rotated yearly. The key policy is written
# inline: in a key policy, Resource "*" means "this key" (IAM policy checks don't apply).
resource "aws_kms_key" "main" {
  description             = "Encrypts data, models, images, secrets and logs of ${local.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = local.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The account administers the key through IAM policies (the AWS default key policy).
        Sid       = "AccountAdministersKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # CloudWatch Logs encrypts this environment's log groups with the key.
        Sid       = "CloudWatchLogsUseKey"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${var.region}:${local.account_id}:log-group:/${var.project}/${var.environment}/*"
          }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted alerts topic (monitoring.tf).
        Sid       = "CloudWatchAlarmsUseKey"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}
{%- else %}
locals {
  name = "${var.project}-${var.environment}"
  # Service account and workload identity pool IDs: at most 30 characters.
  short_name = replace(substr(local.name, 0, 25), "/-+$/", "")
{{- ci_locals }}

  # Label values allow only lowercase letters, digits, - and _: no repository "org/repo" here.
  labels = merge({
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  }, var.labels)
}

data "google_project" "current" {
  project_id = var.project_id
}

# The APIs this environment uses. Disabling them on destroy is left off: other workloads in
# the project may need them.
resource "google_project_service" "apis" {
  for_each = toset([
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# One customer-managed key for the environment, rotated every 90 days.
resource "google_kms_key_ring" "main" {
  name     = local.name
  location = var.region

  depends_on = [google_project_service.apis]
}

resource "google_kms_crypto_key" "main" {
  name            = "${local.name}-data"
  key_ring        = google_kms_key_ring.main.id
  rotation_period = "7776000s"
  labels          = local.labels

  lifecycle {
    prevent_destroy = true
  }
}

# The Google-managed service agents of Cloud Storage and Artifact Registry encrypt with the key.
data "google_storage_project_service_account" "gcs" {
  project = var.project_id
}

resource "google_kms_crypto_key_iam_member" "service_agents" {
  for_each = {
    storage  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
    registry = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
  }

  crypto_key_id = google_kms_crypto_key.main.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value

  # The service agents exist once their APIs are enabled.
  depends_on = [google_project_service.apis]
}
{%- endif %}
