# Container registry for the model API's images (CD pushes, the serving platform pulls) and
# for training images.
{% if cookiecutter.cloud == 'azure' %}
resource "azurerm_container_registry" "main" {
  name                = "cr${local.compact_name}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  # Premium: retention of untagged manifests, content trust, zone redundancy, firewall rules.
  sku = "Premium"

  # Pushes and pulls authenticate with Entra ID identities (no shared admin password).
  admin_enabled          = false
  anonymous_pull_enabled = false
  data_endpoint_enabled  = true
  # Exports stay allowed: Azure accepts export_policy_enabled = false only with public network
  # access disabled, and hosted runners push over the public endpoint (Entra ID auth).
  export_policy_enabled     = true
  quarantine_policy_enabled = false
  retention_policy_in_days  = 30
  trust_policy_enabled      = true
  zone_redundancy_enabled   = true

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}
{%- elif cookiecutter.cloud == 'aws' %}
resource "aws_ecr_repository" "main" {
  name = local.name
  # A tag, once pushed, always means the same image: CD tags images <commit>-<model version>.
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "main" {
  repository = aws_ecr_repository.main.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 50 most recent images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 50
      }
      action = { type = "expire" }
    }]
  })
}
{%- if cookiecutter.training_compute == 'cloud' %}

# The training image (Dockerfile stage `training`): the trainer pushes it, SageMaker pulls it
# with the execution role. A repository of its own, so the trainer can push nowhere else.
resource "aws_ecr_repository" "training" {
  name                 = "${local.name}-training"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "training" {
  repository = aws_ecr_repository.training.name
  policy     = aws_ecr_lifecycle_policy.main.policy
}
{%- endif %}
{%- else %}
resource "google_artifact_registry_repository" "main" {
  repository_id = local.name
  location      = var.region
  format        = "DOCKER"
  description   = "Container images of ${local.name}"
  kms_key_name  = google_kms_crypto_key.main.id
  labels        = local.labels

  # A tag, once pushed, always means the same image: CD tags images <commit>-<model version>.
  docker_config {
    immutable_tags = true
  }

  # Images older than 90 days are deleted, except the 50 most recent.
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      tag_state  = "ANY"
      older_than = "7776000s"
    }
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 50
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}
{%- if cookiecutter.training_compute == 'cloud' %}

# The training image (Dockerfile stage `training`): the trainer pushes it, Vertex AI pulls it as
# the Vertex AI service account. A repository of its own, so the trainer can push nowhere else.
resource "google_artifact_registry_repository" "training" {
  repository_id = "${local.name}-training"
  location      = var.region
  format        = "DOCKER"
  description   = "Training images of ${local.name}"
  kms_key_name  = google_kms_crypto_key.main.id
  labels        = local.labels

  docker_config {
    immutable_tags = true
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      tag_state  = "ANY"
      older_than = "7776000s"
    }
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 50
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}
{%- endif %}
{%- endif %}
