# Feast's stores in the cloud (feature_repo/feature_store.cloud.yaml; docs/infrastructure.md,
# "Feature store in the cloud"): the registry beside the data, the online store, and the rights
# of the trainer (runs `make features`: feast apply + materialize) and of the model API (reads
# online features). The offline store is Feast's file store over the data step's features file,
# where `make features` runs: nothing to create for it.
{%- if cookiecutter.cloud == 'azure' %}

# Online store: Azure Cache for Redis, TLS 1.2 only, Microsoft Entra ID instead of access keys
# (disabled: no secret exists to leak). Each identity gets a Redis data access policy: the
# trainer writes, the model API reads. Connections authenticate with the identity's token as
# password and its object ID as user (scripts/deploy.sh features).
# Standard C1: a replica for availability, 1 GB; raise capacity (C2..C6) for larger feature sets.
# Its public endpoint admits only Entra ID tokens of the identities below, over TLS 1.2, so
# hosted CI runners reach it; a private endpoint needs runners inside the network (docs).
resource "azurerm_redis_cache" "features" {
  # checkov:skip=CKV_AZURE_89:Entra ID only (no access keys), TLS 1.2; hosted CI runners must reach it
  name                               = "redis-${local.name}${var.name_suffix}"
  location                           = azurerm_resource_group.main.location
  resource_group_name                = azurerm_resource_group.main.name
  sku_name                           = "Standard"
  family                             = "C"
  capacity                           = 1
  redis_version                      = "6"
  non_ssl_port_enabled               = false
  minimum_tls_version                = "1.2"
  public_network_access_enabled      = true
  access_keys_authentication_enabled = false

  redis_configuration {
    active_directory_authentication_enabled = true
  }

  tags = local.tags
}

# The alias is the object ID too: clients authenticate as user <object ID> (deploy.sh features).
resource "azurerm_redis_cache_access_policy_assignment" "features" {
  for_each = {
    trainer = { object_id = azurerm_user_assigned_identity.ci["trainer"].principal_id, policy = "Data Contributor" }
{%- if cookiecutter.serving == 'fastapi' %}
    api = { object_id = azurerm_user_assigned_identity.api.principal_id, policy = "Data Reader" }
{%- endif %}
  }

  name               = each.key
  redis_cache_id     = azurerm_redis_cache.features.id
  access_policy_name = each.value.policy
  object_id          = each.value.object_id
  object_id_alias    = each.value.object_id
}

# Registry: one blob in a container of its own, written by the trainer and read by the API
# with their identities (Entra ID, like the rest of the account).
resource "azurerm_storage_container" "features" {
  name                  = "feast"
  storage_account_id    = azurerm_storage_account.ml.id
  container_access_type = "private"
}

resource "azurerm_role_assignment" "features" {
  for_each = {
    trainer-write-registry = { principal = azurerm_user_assigned_identity.ci["trainer"].principal_id, role = "Storage Blob Data Contributor" }
{%- if cookiecutter.serving == 'fastapi' %}
    api-read-registry = { principal = azurerm_user_assigned_identity.api.principal_id, role = "Storage Blob Data Reader" }
{%- endif %}
  }

  scope                = azurerm_storage_container.features.id
  role_definition_name = each.value.role
  principal_id         = each.value.principal
  principal_type       = "ServicePrincipal"
}

locals {
  feature_store_registry = "${azurerm_storage_account.ml.primary_blob_endpoint}${azurerm_storage_container.features.name}/registry.db"
}
{%- elif cookiecutter.cloud == 'aws' %}

locals {
  # `feast apply` creates one DynamoDB table per feature view, named
  # <environment>.<project>.<feature view> (table_name_template in feature_store.cloud.yaml);
  # the policies below reach tables with this environment's prefix only.
  feature_store_table_prefix = local.name
  feature_store_tables       = "arn:${data.aws_partition.current.partition}:dynamodb:${var.region}:${local.account_id}:table/${local.name}.*"
  feature_store_registry     = "s3://${aws_s3_bucket.ml.bucket}/feast/registry.db"
}

# Trainer: create, update and delete the feature tables (feast apply), write rows
# (materialize), and read and write the registry under feast/ in the bucket. Feast's S3
# registry checks the bucket first (HeadBucket = s3:ListBucket without a prefix): that lists
# object names, not their contents.
resource "aws_iam_role_policy" "trainer_features" {
  name   = "feature-store"
  role   = aws_iam_role.ci["trainer"].id
  policy = data.aws_iam_policy_document.trainer_features.json
}

data "aws_iam_policy_document" "trainer_features" {
  statement {
    sid = "ManageTheFeatureTables"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:CreateTable",
      "dynamodb:DeleteTable",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:ListTagsOfResource",
      "dynamodb:PutItem",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:UpdateItem",
    ]
    resources = [local.feature_store_tables]
  }

  statement {
    sid       = "ReadWriteTheRegistry"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.ml.arn}/feast/*"]
  }

  statement {
    sid       = "FindTheRegistryBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.ml.arn]
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

# The model API: read feature rows and the registry, nothing else.
resource "aws_iam_role_policy" "api_features" {
  name   = "read-features"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api_features.json
}

data "aws_iam_policy_document" "api_features" {
  statement {
    sid       = "ReadTheFeatureTables"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:GetItem"]
    resources = [local.feature_store_tables]
  }

  statement {
    sid       = "ReadTheRegistry"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.ml.arn}/feast/*"]
  }
}
{%- endif %}
{%- else %}

locals {
  feature_store_registry = "gs://${google_storage_bucket.ml.name}/feast/registry.db"
}

resource "google_project_service" "features" {
  project            = var.project_id
  service            = "firestore.googleapis.com"
  disable_on_destroy = false
}

# Online store: a Firestore database in Datastore mode of its own (Feast's datastore online
# store), in the environment's region. Protected from deletion in prod.
resource "google_firestore_database" "features" {
  project                           = var.project_id
  name                              = "${local.short_name}-features"
  location_id                       = var.region
  type                              = "DATASTORE_MODE"
  concurrency_mode                  = "OPTIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.environment == "prod" ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.environment == "prod" ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.features]
}

# Rights on that database only (IAM condition on the database's resource name): the trainer
# reads and writes entities (materialize), the model API reads them.
resource "google_project_iam_member" "features" {
  for_each = {
    trainer = { member = "serviceAccount:${google_service_account.ci["trainer"].email}", role = "roles/datastore.user" }
{%- if cookiecutter.serving == 'fastapi' %}
    api = { member = "serviceAccount:${google_service_account.api.email}", role = "roles/datastore.viewer" }
{%- endif %}
  }

  project = var.project_id
  role    = each.value.role
  member  = each.value.member

  condition {
    title       = "feature-store-database-only"
    description = "The Firestore database of the feature store"
    expression  = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.features.name}\""
  }
}

# Registry: gs://<bucket>/feast/registry.db. Feast's GCS registry opens the bucket first
# (storage.buckets.get), then reads and writes that one object.
resource "google_storage_bucket_iam_member" "trainer_features" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.ci["trainer"].email}"

  condition {
    title       = "feature-registry-only"
    description = "Objects under feast/"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.ml.name}/objects/feast/\")"
  }
}

resource "google_storage_bucket_iam_member" "features_bucket" {
  for_each = {
    trainer = "serviceAccount:${google_service_account.ci["trainer"].email}"
{%- if cookiecutter.serving == 'fastapi' %}
    api = "serviceAccount:${google_service_account.api.email}"
{%- endif %}
  }

  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.legacyBucketReader"
  member = each.value
}
{%- endif %}
