{%- if cookiecutter.cloud == 'azure' -%}
# Azure Machine Learning workspace: runs training jobs and pipelines, tracks experiments and
# registers models. It uses the storage account, key vault, registry and Application Insights
# defined in the other files, and a managed network that reaches them through private endpoints.

resource "azurerm_machine_learning_workspace" "main" {
  name                    = "mlw-${local.name}"
  location                = azurerm_resource_group.main.location
  resource_group_name     = azurerm_resource_group.main.name
  storage_account_id      = azurerm_storage_account.ml.id
  key_vault_id            = azurerm_key_vault.main.id
  container_registry_id   = azurerm_container_registry.main.id
  application_insights_id = azurerm_application_insights.main.id
  sku_name                = "Basic"

  # The studio and CD reach the workspace over the internet with Entra ID sign-in (see
  # .checkov.yaml); computes run in the workspace's managed network, whose outbound traffic is
  # limited to approved destinations and which reaches storage, key vault and registry privately.
  public_network_access_enabled = true
  high_business_impact          = var.environment == "prod"
  v1_legacy_mode_enabled        = false

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}
{%- if cookiecutter.training_compute == 'cloud' %}

# The compute cluster training jobs run on (`train --on cloud`, output training_compute_name):
# 0 nodes when idle, so it costs nothing between jobs; it scales up to training_max_nodes for a
# job and back down after 15 idle minutes. Nodes get no public IP and no SSH: the workspace's
# managed network (AllowOnlyApprovedOutbound above) gives them their outbound access and
# reaches storage and registry privately. (azurerm accepts no public IP without a subnet since
# early 2025, terraform-provider-azurerm#28673: `terraform init -upgrade` if an older 4.x refuses.)
resource "azurerm_machine_learning_compute_cluster" "training" {
  name                          = "training"
  location                      = azurerm_resource_group.main.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.main.id
  description                   = "Training jobs of ${local.name} (scales to zero)"
  vm_size                       = var.training_vm_size
  vm_priority                   = var.training_low_priority ? "LowPriority" : "Dedicated"
  node_public_ip_enabled        = false
  ssh_public_access_enabled     = false
  local_auth_enabled            = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = var.training_max_nodes
    scale_down_nodes_after_idle_duration = "PT15M"
  }

  # Jobs run as this identity (the submitter picks the compute's identity): it pulls the
  # training image and reads and writes the workspace's default datastore, nothing else.
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.training_job.id]
  }

  tags = local.tags

  depends_on = [azurerm_role_assignment.training_job]
}

resource "azurerm_user_assigned_identity" "training_job" {
  name                = "id-${local.name}-training-job"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

locals {
  # The workspace's default datastore (workspaceblobstore): Azure ML creates this container in
  # the storage account with the workspace; job inputs are uploaded to it and outputs written.
  job_datastore_container = "${azurerm_storage_account.ml.id}/blobServices/default/containers/azureml-blobstore-${azurerm_machine_learning_workspace.main.workspace_id}"
}

resource "azurerm_role_assignment" "training_job" {
  for_each = {
    pull-image     = { scope = azurerm_container_registry.main.id, role = "AcrPull" }
    read-write-job = { scope = local.job_datastore_container, role = "Storage Blob Data Contributor" }
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.training_job.principal_id
  principal_type       = "ServicePrincipal"
}
{%- endif %}
{%- elif cookiecutter.cloud == 'aws' -%}
# SageMaker: the execution role training and processing jobs run as, and the model package
# group that versions the trained models (SageMaker's model registry). A SageMaker Studio
# domain needs a VPC and is left to teams that want notebooks in the cloud.

resource "aws_iam_role" "sagemaker" {
  name                 = "${local.name}-sagemaker"
  description          = "Execution role of ${local.name}'s SageMaker jobs"
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

{% if cookiecutter.training_compute == 'cloud' -%}
locals {
  # Where SageMaker training jobs write their logs (one stream per job and instance).
  training_log_group = "arn:${data.aws_partition.current.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/sagemaker/TrainingJobs"
}

{% endif -%}
resource "aws_iam_role_policy" "sagemaker" {
  name   = "ml-resources"
  role   = aws_iam_role.sagemaker.id
  policy = data.aws_iam_policy_document.sagemaker.json
}

data "aws_iam_policy_document" "sagemaker" {
{%- if cookiecutter.training_compute == 'cloud' %}
  # Training jobs (`train --on cloud`) read their inputs from and write the model to training/
  # only (output training_storage_uri), pull the training image and write their logs.
  statement {
    sid       = "FindTheBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.ml.arn]
  }

  statement {
    sid       = "ListTheTrainingPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["training", "training/*"]
    }
  }

  statement {
    sid       = "ReadWriteTrainingFiles"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.ml.arn}/training/*"]
  }

  # The bucket is encrypted with the environment's key (storage.tf).
  statement {
    sid       = "UseTheEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  statement {
    sid       = "PullTheTrainingImage"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [aws_ecr_repository.training.arn]
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteJobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [local.training_log_group, "${local.training_log_group}:*"]
  }
{%- else %}
  statement {
    sid       = "ReadWriteDataAndModels"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn, "${aws_s3_bucket.ml.arn}/*"]
  }

  statement {
    sid       = "UseTheEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  statement {
    sid       = "PullTrainingImages"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [aws_ecr_repository.main.arn]
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteJobLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/sagemaker/*"]
  }

{%- endif %}

  statement {
    sid       = "PublishJobMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_sagemaker_model_package_group" "main" {
  model_package_group_name        = local.name
  model_package_group_description = "Model versions of ${var.project} (${var.environment})"
  tags                            = local.tags
}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

# SageMaker managed MLflow: the tracking server and model registry of the training runs
# (output mlflow_tracking_uri, its ARN, is MLFLOW_TRACKING_URI with the sagemaker-mlflow
# plugin). Its artifacts go to mlflow/ in the environment's bucket; its role may touch only that.
resource "aws_sagemaker_mlflow_tracking_server" "main" {
  tracking_server_name = "${local.name}-mlflow"
  artifact_store_uri   = "s3://${aws_s3_bucket.ml.bucket}/mlflow"
  role_arn             = aws_iam_role.mlflow.arn
  tracking_server_size = "Small"
  tags                 = local.tags
}

resource "aws_iam_role" "mlflow" {
  name                 = "${local.name}-mlflow"
  description          = "Role ${local.name}'s MLflow tracking server stores its artifacts with"
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

resource "aws_iam_role_policy" "mlflow" {
  name   = "mlflow-artifacts"
  role   = aws_iam_role.mlflow.id
  policy = data.aws_iam_policy_document.mlflow.json
}

data "aws_iam_policy_document" "mlflow" {
  statement {
    sid       = "FindTheBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.ml.arn]
  }

  statement {
    sid       = "ListTheArtifactPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["mlflow", "mlflow/*"]
    }
  }

  statement {
    sid       = "ReadWriteArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.ml.arn}/mlflow/*"]
  }

  statement {
    sid       = "UseTheEnvironmentKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}
{%- endif %}
{%- else -%}
# Vertex AI: the service account training and batch-prediction jobs run as, with access to the
{%- if cookiecutter.training_compute == 'cloud' %}
# training bucket and the training image's repository.
{%- else %}
# data and model bucket and the registry.
{%- endif %} Vertex AI's model registry, experiments and pipelines
# need no resource of their own beyond the enabled API (main.tf).

resource "google_service_account" "vertex" {
  account_id   = "${local.short_name}-ml"
  display_name = "Vertex AI jobs of ${local.name}"
}

{%- if cookiecutter.training_compute == 'cloud' %}

# Training jobs (`train --on cloud`) run as this account: they write their logs and metrics and
# read and write the training bucket (storage.tf), nothing else. Vertex AI pulls the training
# image with its own service agent (a custom service account cannot be used for the pull; the
# agent reads the project's Artifact Registry); the reader grant below lets this account read
# the image too, e.g. for a job that inspects it.
resource "google_project_iam_member" "vertex" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_storage_bucket_iam_member" "vertex" {
  bucket = google_storage_bucket.training.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_artifact_registry_repository_iam_member" "vertex" {
  location   = google_artifact_registry_repository.training.location
  repository = google_artifact_registry_repository.training.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.vertex.email}"
}
{%- else %}

resource "google_project_iam_member" "vertex" {
  for_each = toset([
    "roles/aiplatform.user",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_storage_bucket_iam_member" "vertex" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.vertex.email}"
}

resource "google_artifact_registry_repository_iam_member" "vertex" {
  location   = google_artifact_registry_repository.main.location
  repository = google_artifact_registry_repository.main.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.vertex.email}"
}
{%- endif %}
{%- endif %}
