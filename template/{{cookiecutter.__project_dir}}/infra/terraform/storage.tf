# Storage for data and model artifacts: private, encrypted, versioned. Training reads data/ and
# writes models/; CD and the model API read models/.
{% if cookiecutter.cloud == 'azure' %}
resource "azurerm_storage_account" "ml" {
  name                     = "st${local.compact_name}"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_replication_type

  # Private and encrypted: no anonymous access, TLS 1.2 only, Entra ID instead of account keys,
  # double encryption at rest. The firewall follows var.network_posture (variables.tf).
  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  infrastructure_encryption_enabled = true
  local_user_enabled                = false
  cross_tenant_replication_enabled  = false

  network_rules {
    # public: hosted runners (no fixed IPs) and Terraform's data-plane reads get through;
    # restricted: only Azure services, the subnets and the allow list below.
    default_action = var.network_posture == "restricted" ? "Deny" : "Allow"
    bypass         = ["AzureServices", "Logging", "Metrics"]
    ip_rules       = [for cidr in var.allowed_ip_ranges : trimsuffix(cidr, "/32")]
{%- if cookiecutter.serving == 'fastapi' %}
    # The model API's subnet (serving.tf) reaches the account through a service endpoint.
    virtual_network_subnet_ids = [azurerm_subnet.apps.id]
{%- endif %}
  }

  # Versioned: every overwrite keeps the previous version; deletes are recoverable.
  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = var.retention_days
    }

    container_delete_retention_policy {
      days = var.retention_days
    }
  }

  sas_policy {
    expiration_period = "01.00:00:00"
  }

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

resource "azurerm_storage_container" "data" {
  name                  = "data"
  storage_account_id    = azurerm_storage_account.ml.id
  container_access_type = "private"
}

resource "azurerm_storage_container" "models" {
  name                  = "models"
  storage_account_id    = azurerm_storage_account.ml.id
  container_access_type = "private"
}
{%- elif cookiecutter.cloud == 'aws' %}
resource "aws_s3_bucket" "ml" {
  # The account ID makes the name globally unique.
  bucket = "${local.name}-ml-${local.account_id}"
  tags   = local.tags
}

resource "aws_s3_bucket_public_access_block" "ml" {
  bucket                  = aws_s3_bucket.ml.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "ml" {
  bucket = aws_s3_bucket.ml.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "ml" {
  bucket = aws_s3_bucket.ml.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "ml" {
  bucket = aws_s3_bucket.ml.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "ml" {
  bucket = aws_s3_bucket.ml.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.ml]
}

# TLS only.
resource "aws_s3_bucket_policy" "ml" {
  bucket = aws_s3_bucket.ml.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.ml]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.ml.arn, "${aws_s3_bucket.ml.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
{%- else %}
resource "google_storage_bucket" "ml" {
  name     = "${var.project_id}-${local.name}-ml"
  location = var.region
  labels   = local.labels

  # Private: IAM only (no ACLs), never public.
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Versioned: overwrites keep the previous generation for retention_days.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # Encrypted with the environment's Cloud KMS key.
  encryption {
    default_kms_key_name = google_kms_crypto_key.main.id
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}
{%- if cookiecutter.training_compute == 'cloud' %}

# The training jobs' working storage (output training_storage_uri): the trainer uploads a job's
# inputs under jobs/<job>/input, the job reads them and writes its model under jobs/<job>/model
# through Cloud Storage FUSE (/gcs/...). A bucket of its own, so the job's service account
# reaches nothing else: Cloud Storage FUSE lists and stats paths an IAM prefix condition would
# refuse. The trained model is brought back into the model store; job files expire.
resource "google_storage_bucket" "training" {
  # At most 63 characters: a 30-character project ID and a 28-character name leave 4.
  name     = "${var.project_id}-${local.name}-job"
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = var.retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.main.id
  }

  depends_on = [google_kms_crypto_key_iam_member.service_agents]
}
{%- endif %}
{%- endif %}
