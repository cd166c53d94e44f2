{%- if cookiecutter.cloud == 'azure' -%}
# Monitoring: a Log Analytics workspace collects logs and metrics of every resource here (the
# model API's logs through its Container Apps environment), and Application Insights (on top of
# it) is the ML workspace's, which requires one.

resource "azurerm_log_analytics_workspace" "main" {
  name                = "log-${local.name}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = var.retention_days
  tags                = local.tags
}

resource "azurerm_application_insights" "main" {
  name                = "appi-${local.name}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  workspace_id        = azurerm_log_analytics_workspace.main.id
  application_type    = "web"
  # Telemetry is accepted only with Entra ID authentication, not the bare connection string.
  local_authentication_disabled = true
  tags                          = local.tags
}

# Audit trail in Log Analytics: who read, wrote or deleted which blob (data and models), and
# every access to the key vault, the registry and the ML workspace.
resource "azurerm_monitor_diagnostic_setting" "blobs" {
  name                       = "to-log-analytics"
  target_resource_id         = "${azurerm_storage_account.ml.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category = "StorageRead"
  }

  enabled_log {
    category = "StorageWrite"
  }

  enabled_log {
    category = "StorageDelete"
  }
}

resource "azurerm_monitor_diagnostic_setting" "audit" {
  for_each = {
    key-vault    = azurerm_key_vault.main.id
    registry     = azurerm_container_registry.main.id
    ml-workspace = azurerm_machine_learning_workspace.main.id
  }

  name                       = "to-log-analytics"
  target_resource_id         = each.value
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category_group = "audit"
  }
}
{%- elif cookiecutter.cloud == 'aws' -%}
# Monitoring: an encrypted CloudWatch log group for the project's own logs, an SNS topic for
# alerts (with an optional e-mail subscription){% if cookiecutter.serving == 'fastapi' %} and alarms on the model API's errors and
# latency{% endif %}. SageMaker jobs log to /aws/sagemaker/* on their own.

resource "aws_cloudwatch_log_group" "app" {
  name              = "/${var.project}/${var.environment}/app"
  retention_in_days = var.retention_days
  kms_key_id        = aws_kms_key.main.arn
  tags              = local.tags
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.main.id
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "alerts_email" {
  count     = var.alert_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}
{%- if cookiecutter.serving == 'fastapi' %}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The model API answers with server errors"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  dimensions = {
    LoadBalancer = aws_lb.api.arn_suffix
    TargetGroup  = aws_lb_target_group.api.arn_suffix
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "api_latency" {
  alarm_name          = "${local.name}-api-latency"
  alarm_description   = "The model API's p95 latency is above one second (TargetResponseTime is in seconds)"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    LoadBalancer = aws_lb.api.arn_suffix
    TargetGroup  = aws_lb_target_group.api.arn_suffix
  }

  tags = local.tags
}
{%- endif %}
{%- else -%}
# Monitoring: an alert channel (e-mail, optional) and alert policies in Cloud Monitoring.
# Cloud Logging collects the logs of Vertex AI jobs{% if cookiecutter.serving == 'fastapi' %} and Cloud Run{% endif %} without further setup.

resource "google_monitoring_notification_channel" "email" {
  count        = var.alert_email == "" ? 0 : 1
  display_name = "${local.name} alerts"
  type         = "email"
  user_labels  = local.labels

  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "training_failed" {
  display_name          = "${local.name}: Vertex AI job failed"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id
  user_labels           = local.labels

  conditions {
    display_name = "A Vertex AI custom job logged an error"

    condition_matched_log {
      filter = "resource.type=\"ml_job\" AND severity>=ERROR"
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
  }

  depends_on = [google_project_service.apis]
}
{%- if cookiecutter.serving == 'fastapi' %}

resource "google_monitoring_alert_policy" "api_5xx" {
  display_name          = "${local.name}: model API server errors"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id
  user_labels           = local.labels

  conditions {
    display_name = "5xx responses of the model API"

    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloud_run_v2_service.api.name}\" AND metric.type=\"run.googleapis.com/request_count\" AND metric.labels.response_code_class=\"5xx\""
      comparison      = "COMPARISON_GT"
      threshold_value = 5
      duration        = "300s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  depends_on = [google_project_service.apis]
}
{%- endif %}
{%- endif %}
