{%- if cookiecutter.cloud == 'azure' -%}
# The model API: a Container App that scales on concurrent HTTP requests between min_replicas
# and max_replicas, pulls from the registry and reads models and secrets with its own managed
# identity. CD deploys new images (`az containerapp update --image`); Terraform owns the rest.

resource "azurerm_user_assigned_identity" "api" {
  name                = "id-${local.name}-api"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "api" {
  for_each = {
    pull-images  = { scope = azurerm_container_registry.main.id, role = "AcrPull" }
    read-models  = { scope = azurerm_storage_account.ml.id, role = "Storage Blob Data Reader" }
    read-secrets = { scope = azurerm_key_vault.main.id, role = "Key Vault Secrets User" }
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

# The app environment runs in its own subnet, so the storage account and key vault firewalls
# can admit it (service endpoints) while denying everyone else.
resource "azurerm_virtual_network" "main" {
  name                = "vnet-${local.name}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  address_space       = ["10.40.0.0/16"]
  tags                = local.tags
}

resource "azurerm_subnet" "apps" {
  name                 = "snet-apps"
  resource_group_name  = azurerm_resource_group.main.name
  virtual_network_name = azurerm_virtual_network.main.name
  # A consumption-only Container Apps environment needs a /23 (or larger) subnet.
  address_prefixes  = ["10.40.0.0/23"]
  service_endpoints = ["Microsoft.Storage", "Microsoft.KeyVault"]
}

resource "azurerm_network_security_group" "apps" {
  name                = "nsg-${local.name}-apps"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags

  # HTTPS to the model API; everything else from the internet stays denied.
  security_rule {
    name                       = "allow-https-inbound"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "apps" {
  subnet_id                 = azurerm_subnet.apps.id
  network_security_group_id = azurerm_network_security_group.apps.id
}

resource "azurerm_container_app_environment" "main" {
  name                       = "cae-${local.name}"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  infrastructure_subnet_id   = azurerm_subnet.apps.id
  tags                       = local.tags

  depends_on = [azurerm_subnet_network_security_group_association.apps]
}

resource "azurerm_container_app" "api" {
  name                         = "ca-${local.name}"
  container_app_environment_id = azurerm_container_app_environment.main.id
  resource_group_name          = azurerm_resource_group.main.name
  revision_mode                = "Single"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.api.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.api.id
  }

  ingress {
    external_enabled           = true
    target_port                = var.container_port
    transport                  = "auto"
    allow_insecure_connections = false

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    # Autoscaling: one more replica per `concurrent_requests` requests in flight.
    min_replicas = var.min_replicas
    max_replicas = var.max_replicas

    http_scale_rule {
      name                = "http-concurrency"
      concurrent_requests = tostring(var.concurrent_requests)
    }

    container {
      name   = "api"
      image  = var.container_image
      cpu    = var.cpu
      memory = "${var.cpu * 2}Gi"

      env {
        name  = "ENVIRONMENT"
        value = var.environment
      }

      env {
        name  = "MODEL_STORE_URL"
        value = "${azurerm_storage_account.ml.primary_blob_endpoint}${azurerm_storage_container.models.name}"
      }

      env {
        name  = "KEY_VAULT_URL"
        value = azurerm_key_vault.main.vault_uri
      }

      env {
        name  = "AZURE_CLIENT_ID"
        value = azurerm_user_assigned_identity.api.client_id
      }

      liveness_probe {
        transport = "HTTP"
        port      = var.container_port
        path      = var.health_path
      }

      readiness_probe {
        transport = "HTTP"
        port      = var.container_port
        path      = var.health_path
      }
    }
  }

  lifecycle {
    # CD owns the image tag.
    ignore_changes = [template[0].container[0].image]
  }

  tags = local.tags

  # The identity must be allowed to pull before the first revision starts.
  depends_on = [azurerm_role_assignment.api]
}
{%- elif cookiecutter.cloud == 'aws' -%}
# The model API: an App Runner service that scales on concurrent requests between min_replicas
# and max_replicas, pulls from ECR, and reads models and secrets with its own instance role.
# CD deploys new images (`aws apprunner update-service`); Terraform owns the rest.

resource "aws_iam_role" "apprunner_access" {
  name                 = "${local.name}-apprunner-ecr"
  description          = "Lets App Runner pull ${local.name}'s images from ECR"
  assume_role_policy   = data.aws_iam_policy_document.apprunner_access_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "apprunner_access_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["build.apprunner.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "apprunner_access" {
  role       = aws_iam_role.apprunner_access.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"
}

resource "aws_iam_role" "api" {
  name                 = "${local.name}-api"
  description          = "Instance role of ${local.name}'s model API"
  assume_role_policy   = data.aws_iam_policy_document.api_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "api_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["tasks.apprunner.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "read-models-and-secrets"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "ReadModels"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn, "${aws_s3_bucket.ml.arn}/models/*"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn]
  }

  statement {
    sid       = "DecryptWithTheEnvironmentKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}

# Autoscaling: one more instance per `concurrent_requests` requests in flight.
resource "aws_apprunner_auto_scaling_configuration_version" "api" {
  auto_scaling_configuration_name = substr(local.name, 0, 32)
  max_concurrency                 = var.concurrent_requests
  min_size                        = var.min_replicas
  max_size                        = var.max_replicas
  tags                            = local.tags
}

resource "aws_apprunner_service" "api" {
  service_name                   = "${local.name}-api"
  auto_scaling_configuration_arn = aws_apprunner_auto_scaling_configuration_version.api.arn

  source_configuration {
    auto_deployments_enabled = false

    authentication_configuration {
      access_role_arn = aws_iam_role.apprunner_access.arn
    }

    image_repository {
      image_identifier      = var.container_image
      image_repository_type = startswith(var.container_image, "public.ecr.aws/") ? "ECR_PUBLIC" : "ECR"

      image_configuration {
        port = tostring(var.container_port)

        runtime_environment_variables = {
          ENVIRONMENT     = var.environment
          MODEL_BUCKET    = aws_s3_bucket.ml.bucket
          APP_SECRETS_ARN = aws_secretsmanager_secret.app.arn
        }
      }
    }
  }

  instance_configuration {
    cpu               = tostring(var.cpu * 1024)
    memory            = tostring(var.memory_gib * 1024)
    instance_role_arn = aws_iam_role.api.arn
  }

  health_check_configuration {
    protocol            = "HTTP"
    path                = var.health_path
    interval            = 10
    timeout             = 5
    healthy_threshold   = 1
    unhealthy_threshold = 3
  }

  encryption_configuration {
    kms_key = aws_kms_key.main.arn
  }

  lifecycle {
    # CD owns the image.
    ignore_changes = [
      source_configuration[0].image_repository[0].image_identifier,
      source_configuration[0].image_repository[0].image_repository_type,
    ]
  }

  tags = local.tags
}
{%- else -%}
# The model API: a Cloud Run service that scales on concurrent requests between min_replicas
# and max_replicas, runs as its own service account and reads models and secrets with it.
# CD deploys new images (`gcloud run deploy --image`); Terraform owns the rest. Callers need
# roles/run.invoker (grant it to allUsers only for a deliberately public API).

resource "google_service_account" "api" {
  account_id   = "${local.short_name}-run"
  display_name = "Model API of ${local.name}"
}

resource "google_storage_bucket_iam_member" "api" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_secret_manager_secret_iam_member" "api" {
  secret_id = google_secret_manager_secret.app.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}

resource "google_cloud_run_v2_service" "api" {
  name                = "${local.name}-api"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.environment == "prod"
  labels              = local.labels

  template {
    service_account = google_service_account.api.email
    labels          = local.labels

    # Autoscaling: Cloud Run adds an instance when `concurrent_requests` are in flight.
    max_instance_request_concurrency = var.concurrent_requests

    scaling {
      min_instance_count = var.min_replicas
      max_instance_count = var.max_replicas
    }

    containers {
      image = var.container_image

      ports {
        container_port = var.container_port
      }

      resources {
        limits = {
          cpu    = tostring(var.cpu)
          memory = "${var.memory_gib * 1024}Mi"
        }
        cpu_idle = true
      }

      env {
        name  = "ENVIRONMENT"
        value = var.environment
      }

      env {
        name  = "MODEL_BUCKET"
        value = google_storage_bucket.ml.name
      }

      env {
        name  = "APP_SECRET"
        value = google_secret_manager_secret.app.id
      }

      startup_probe {
        http_get {
          path = var.health_path
        }
      }

      liveness_probe {
        http_get {
          path = var.health_path
        }
      }
    }
  }

  lifecycle {
    # CD owns the image.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis]
}
{%- endif %}
