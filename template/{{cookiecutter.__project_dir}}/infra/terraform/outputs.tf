# What the CD pipeline and the docs need: `terraform output -json` after an apply, or
# `terraform output -raw <name>` for one value.
{% if cookiecutter.cloud == 'azure' %}
output "resource_group_name" {
  description = "Resource group holding this environment."
  value       = azurerm_resource_group.main.name
}

output "registry_login_server" {
  description = "Container registry host to tag and push images to (docker login via `az acr login`)."
  value       = azurerm_container_registry.main.login_server
}

output "registry_name" {
  description = "Container registry name (for `az acr login --name`)."
  value       = azurerm_container_registry.main.name
}

output "storage_account_name" {
  description = "Storage account for data and models."
  value       = azurerm_storage_account.ml.name
}

output "model_container_name" {
  description = "Blob container CD uploads trained models to."
  value       = azurerm_storage_container.models.name
}

output "data_container_name" {
  description = "Blob container for training data."
  value       = azurerm_storage_container.data.name
}

output "key_vault_uri" {
  description = "Key Vault URI for application secrets."
  value       = azurerm_key_vault.main.vault_uri
}

output "ml_workspace_name" {
  description = "Azure Machine Learning workspace (az ml ... --workspace-name)."
  value       = azurerm_machine_learning_workspace.main.name
}
{%- if cookiecutter.training_compute == 'cloud' %}

output "training_compute_name" {
  description = "Azure ML compute cluster training jobs run on (AZUREML_COMPUTE)."
  value       = azurerm_machine_learning_compute_cluster.training.name
}

output "training_image_repository" {
  description = "Repository of the training image in the registry (TRAINING_IMAGE is <this>@sha256:<digest>)."
  value       = "${azurerm_container_registry.main.login_server}/${var.project}-training"
}
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

output "mlflow_tracking_uri" {
  description = "MLflow tracking server and model registry: the workspace's MLflow endpoint (MLFLOW_TRACKING_URI; needs the azureml-mlflow plugin)."
  value       = "azureml://${azurerm_machine_learning_workspace.main.location}.api.azureml.ms/mlflow/v1.0${azurerm_machine_learning_workspace.main.id}"
}
{%- endif %}

output "application_insights_connection_string" {
  description = "Application Insights connection string for telemetry."
  value       = azurerm_application_insights.main.connection_string
  sensitive   = true
}

output "cd_client_id" {
  description = "Client ID the deploy jobs log in with in the CI environment <env> (AZURE_CLIENT_ID; ARM_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.ci["cd"].client_id
}

output "plan_client_id" {
  description = "Client ID of the read-only plan identity, for the CI environment <env>-plan (AZURE_CLIENT_ID there)."
  value       = azurerm_user_assigned_identity.ci["plan"].client_id
}

output "trainer_client_id" {
  description = "Client ID of the trainer identity, for the CI environment <env>-training (AZURE_CLIENT_ID there)."
  value       = azurerm_user_assigned_identity.ci["trainer"].client_id
}

output "cd_principal_id" {
  description = "Object ID of the CD identity, for extra role assignments."
  value       = azurerm_user_assigned_identity.ci["cd"].principal_id
}

output "identity_principal_ids" {
  description = "Object IDs of the cd, plan and trainer identities (e.g. for state store grants made by hand)."
  value       = { for role, identity in azurerm_user_assigned_identity.ci : role => identity.principal_id }
}

output "tenant_id" {
  description = "Entra ID tenant (azure/login tenant-id; ARM_TENANT_ID)."
  value       = data.azurerm_client_config.current.tenant_id
}

output "subscription_id" {
  description = "Subscription (azure/login subscription-id; ARM_SUBSCRIPTION_ID)."
  value       = data.azurerm_client_config.current.subscription_id
}
{%- if cookiecutter.serving == 'fastapi' %}

output "container_app_name" {
  description = "Container App of the model API (az containerapp update --name)."
  value       = azurerm_container_app.api.name
}

output "api_min_replicas" {
  description = "Replica floor CD sets with each deployment (az containerapp update --min-replicas): the app starts at 0 while it runs the placeholder image."
  value       = var.min_replicas
}

output "api_url" {
  description = "Public HTTPS URL of the model API."
  value       = "https://${azurerm_container_app.api.ingress[0].fqdn}"
}
{%- endif %}
{%- elif cookiecutter.cloud == 'aws' %}
output "region" {
  description = "AWS region of this environment."
  value       = var.region
}

output "registry_url" {
  description = "ECR repository URL to tag and push images to."
  value       = aws_ecr_repository.main.repository_url
}

output "registry_login_server" {
  description = "ECR registry host for `docker login` (aws ecr get-login-password)."
  value       = split("/", aws_ecr_repository.main.repository_url)[0]
}

output "model_bucket" {
  description = "S3 bucket for data (data/) and models (models/)."
  value       = aws_s3_bucket.ml.bucket
}

output "kms_key_arn" {
  description = "KMS key encrypting this environment's data."
  value       = aws_kms_key.main.arn
}

output "app_secret_arn" {
  description = "Secrets Manager secret with the application's settings."
  value       = aws_secretsmanager_secret.app.arn
}

output "sagemaker_execution_role_arn" {
  description = "Role SageMaker training and processing jobs run as."
  value       = aws_iam_role.sagemaker.arn
}
{%- if cookiecutter.training_compute == 'cloud' %}

output "training_image_repository" {
  description = "ECR repository of the training image (TRAINING_IMAGE is <this>@sha256:<digest>)."
  value       = aws_ecr_repository.training.repository_url
}

output "training_storage_uri" {
  description = "S3 prefix of the training jobs' inputs and outputs (TRAINING_STORAGE); the execution role reads and writes only here."
  value       = "s3://${aws_s3_bucket.ml.bucket}/training"
}
{%- endif %}

{%- if cookiecutter.experiment_tracking == 'mlflow' %}
output "mlflow_tracking_uri" {
  description = "MLflow tracking server and model registry: the SageMaker managed MLflow server's ARN (MLFLOW_TRACKING_URI; needs the sagemaker-mlflow plugin)."
  value       = aws_sagemaker_mlflow_tracking_server.main.arn
}

{% endif -%}
output "model_package_group_name" {
  description = "SageMaker model registry group that versions the trained models."
  value       = aws_sagemaker_model_package_group.main.model_package_group_name
}

output "alerts_topic_arn" {
  description = "SNS topic that receives monitoring alerts."
  value       = aws_sns_topic.alerts.arn
}

output "cd_role_arn" {
  description = "Role the deploy jobs assume in the CI environment <env> (AWS_ROLE_ARN; configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.ci["cd"].arn
}

output "plan_role_arn" {
  description = "Read-only role for plans, for the CI environment <env>-plan (AWS_ROLE_ARN there)."
  value       = aws_iam_role.ci["plan"].arn
}

output "trainer_role_arn" {
  description = "Role that reads the training data and writes the tracking server, for the CI environment <env>-training (AWS_ROLE_ARN there)."
  value       = aws_iam_role.ci["trainer"].arn
}
{%- if cookiecutter.serving == 'fastapi' %}

output "ecs_cluster_name" {
  description = "ECS cluster of the model API (aws ecs update-service --cluster)."
  value       = aws_ecs_cluster.main.name
}

output "ecs_service_name" {
  description = "ECS service of the model API (aws ecs update-service --service): CD registers task definition revisions and rolls it."
  value       = aws_ecs_service.api.name
}

output "api_url" {
  description = "URL of the model API: the load balancer's DNS name (HTTPS once certificate_arn is set)."
  value       = "${var.certificate_arn == "" ? "http" : "https"}://${aws_lb.api.dns_name}"
}
{%- endif %}
{%- else %}
output "project_id" {
  description = "Google Cloud project of this environment."
  value       = var.project_id
}

output "region" {
  description = "Region of this environment."
  value       = var.region
}

output "registry_url" {
  description = "Artifact Registry path to tag and push images to (REGION-docker.pkg.dev/PROJECT/REPOSITORY)."
  value       = "${google_artifact_registry_repository.main.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.main.repository_id}"
}

output "registry_login_server" {
  description = "Artifact Registry host for `gcloud auth configure-docker`."
  value       = "${google_artifact_registry_repository.main.location}-docker.pkg.dev"
}

output "model_bucket" {
  description = "Cloud Storage bucket for data (data/) and models (models/)."
  value       = google_storage_bucket.ml.name
}

output "app_secret_id" {
  description = "Secret Manager secret with the application's settings."
  value       = google_secret_manager_secret.app.secret_id
}

output "vertex_service_account" {
  description = "Service account Vertex AI jobs run as."
  value       = google_service_account.vertex.email
}
{%- if cookiecutter.training_compute == 'cloud' %}

output "training_image_repository" {
  description = "Artifact Registry path of the training image (TRAINING_IMAGE is <this>@sha256:<digest>)."
  value       = "${google_artifact_registry_repository.training.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.training.repository_id}/${var.project}-training"
}

output "training_storage_uri" {
  description = "Cloud Storage prefix of the training jobs' inputs and outputs (TRAINING_STORAGE); the Vertex AI service account reads and writes only this bucket."
  value       = "gs://${google_storage_bucket.training.name}/jobs"
}
{%- endif %}

output "workload_identity_provider" {
  description = "Full name of the Workload Identity provider (google-github-actions/auth workload_identity_provider)."
  value       = google_iam_workload_identity_pool_provider.ci.name
}

output "cd_service_account" {
  description = "Service account the deploy jobs impersonate in the CI environment <env> (GCP_SERVICE_ACCOUNT)."
  value       = google_service_account.ci["cd"].email
}

output "plan_service_account" {
  description = "Read-only service account for plans, for the CI environment <env>-plan (GCP_SERVICE_ACCOUNT there)."
  value       = google_service_account.ci["plan"].email
}

output "trainer_service_account" {
  description = "Service account that reads the training data, for the CI environment <env>-training (GCP_SERVICE_ACCOUNT there)."
  value       = google_service_account.ci["trainer"].email
}
{%- if cookiecutter.serving == 'fastapi' %}

output "cloud_run_service" {
  description = "Cloud Run service of the model API (gcloud run deploy SERVICE)."
  value       = google_cloud_run_v2_service.api.name
}

output "api_url" {
  description = "HTTPS URL of the model API."
  value       = google_cloud_run_v2_service.api.uri
}
{%- endif %}
{%- endif %}
{%- if cookiecutter.feature_store == 'feast' %}

# Feast's stores (features.tf): the ${VAR}s of feature_repo/feature_store.cloud.yaml, which
# scripts/deploy.sh features exports.
output "feature_store_registry" {
  description = "Feast's registry (FEATURE_STORE_REGISTRY): one object the trainer writes and the model API reads."
  value       = local.feature_store_registry
}
{%- if cookiecutter.cloud == 'azure' %}

output "feature_store_redis_host" {
  description = "Azure Cache for Redis of the online store (TLS port 6380, Entra ID auth: FEATURE_STORE_REDIS_CONNECTION)."
  value       = azurerm_redis_cache.features.hostname
}
{%- elif cookiecutter.cloud == 'aws' %}

output "feature_store_table_prefix" {
  description = "Prefix of the DynamoDB tables feast apply creates (FEATURE_STORE_TABLE_PREFIX): the IAM policies allow only these."
  value       = local.feature_store_table_prefix
}
{%- else %}

output "feature_store_datastore_database" {
  description = "Firestore database in Datastore mode of the online store (FEATURE_STORE_DATASTORE_DATABASE)."
  value       = google_firestore_database.features.name
}
{%- endif %}
{%- endif %}
