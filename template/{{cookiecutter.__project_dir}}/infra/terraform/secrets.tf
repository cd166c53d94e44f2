# Secrets store: API keys and connection strings the pipeline and the model API read at run
# time. Terraform creates the store, never the secret values (they would end up in the state).
{% if cookiecutter.cloud == 'azure' %}
resource "azurerm_key_vault" "main" {
  name                = "kv${local.compact_name}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"

  # Access through Azure RBAC role assignments (identity.tf), not access policies.
  enable_rbac_authorization = true
  # Deleted secrets stay recoverable for 90 days and cannot be purged early.
  soft_delete_retention_days = 90
  purge_protection_enabled   = true

  # The firewall follows var.network_posture (variables.tf), like the storage account's.
  network_acls {
    default_action = var.network_posture == "restricted" ? "Deny" : "Allow"
    bypass         = "AzureServices"
    ip_rules       = var.allowed_ip_ranges
{%- if cookiecutter.serving == 'fastapi' %}
    # The model API's subnet (serving.tf) reaches the vault through a service endpoint.
    virtual_network_subnet_ids = [azurerm_subnet.apps.id]
{%- endif %}
  }

  tags = local.tags
}
{%- elif cookiecutter.cloud == 'aws' %}
# One JSON secret for the application's settings; add keys with
#   aws secretsmanager put-secret-value --secret-id <name> --secret-string '{"KEY": "value"}'
resource "aws_secretsmanager_secret" "app" {
  name                    = "${var.project}/${var.environment}/app"
  description             = "Application secrets of ${local.name} (JSON object)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 30
  tags                    = local.tags
}
{%- else %}
# One secret for the application's settings; add versions with
#   printf '%s' '{"KEY": "value"}' | gcloud secrets versions add <name> --data-file=-
resource "google_secret_manager_secret" "app" {
  secret_id = "${local.name}-app"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
{%- endif %}
