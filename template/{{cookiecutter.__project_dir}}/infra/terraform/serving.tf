{%- if cookiecutter.cloud == 'azure' -%}
# The model API: a Container App that scales on concurrent HTTP requests between min_replicas
# and max_replicas, pulls from the registry and reads its secrets (var.api_secrets, from Key
# Vault) with its own managed identity. CD deploys new images (`az containerapp update --image`); Terraform owns the rest.

resource "azurerm_user_assigned_identity" "api" {
  name                = "id-${local.name}-api"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "api" {
  for_each = {
    # The image carries its model: the API reads no model store, only its secrets.
    pull-images  = { scope = azurerm_container_registry.main.id, role = "AcrPull" }
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

  # Key Vault references, read with the API's identity when a revision starts.
  dynamic "secret" {
    for_each = var.api_secrets
    content {
      name                = lower(replace(secret.key, "_", "-"))
      identity            = azurerm_user_assigned_identity.api.id
      key_vault_secret_id = "${azurerm_key_vault.main.vault_uri}secrets/${secret.value}"
    }
  }

  template {
    # Autoscaling: one more replica per `concurrent_requests` requests in flight.
    # 0 until the first deployment: the placeholder image has no /ready, and a replica failing
    # its readiness probe would keep the first revision from provisioning. CD sets
    # var.min_replicas with each deployment (output api_min_replicas, scripts/deploy.sh).
    min_replicas = 0
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

      # var.api_secrets: environment variables from Key Vault secrets (the secret blocks above).
      dynamic "env" {
        for_each = var.api_secrets
        content {
          name        = env.key
          secret_name = lower(replace(env.key, "_", "-"))
        }
      }

      env {
        name  = "AZURE_CLIENT_ID"
        value = azurerm_user_assigned_identity.api.client_id
      }
{%- if cookiecutter.feature_store == 'feast' %}

      # Online features: Feast's cloud configuration, its registry, and the Redis host and user
      # (the identity's object ID) for an Entra ID connection (docs/infrastructure.md).
      dynamic "env" {
        for_each = {
          FEATURE_STORE_YAML       = "/app/feature_repo/feature_store.cloud.yaml"
          FEATURE_STORE_REGISTRY   = local.feature_store_registry
          FEATURE_STORE_REDIS_HOST = azurerm_redis_cache.features.hostname
          FEATURE_STORE_REDIS_USER = azurerm_user_assigned_identity.api.principal_id
        }
        content {
          name  = env.key
          value = env.value
        }
      }
{%- endif %}

      # Alive = the process answers; ready = a model is loaded (var.health_path).
      liveness_probe {
        transport = "HTTP"
        port      = var.container_port
        path      = "/health"
      }

      readiness_probe {
        transport = "HTTP"
        port      = var.container_port
        path      = var.health_path
      }
    }
  }

  lifecycle {
    # CD owns the image and the replica floor.
    ignore_changes = [template[0].container[0].image, template[0].min_replicas]
  }

  tags = local.tags

  # The identity must be allowed to pull before the first revision starts.
  depends_on = [azurerm_role_assignment.api]
}

# `az containerapp update --image` (CD) re-sends the whole app, so Azure also checks two
# linked permissions: joining the app's environment and assigning the API's identity. CD's
# Contributor on the app lacks both; this role holds exactly those two actions.
resource "azurerm_role_definition" "cd_update_api" {
  name        = "${local.name} CD updates the model API"
  scope       = azurerm_resource_group.main.id
  description = "The linked permissions of az containerapp update: join the environment, assign the API's identity."

  permissions {
    actions = [
      "Microsoft.App/managedEnvironments/join/action",
      "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    ]
  }

  assignable_scopes = [azurerm_resource_group.main.id]
}

resource "azurerm_role_assignment" "cd_update_api" {
  for_each = {
    environment  = azurerm_container_app_environment.main.id
    api-identity = azurerm_user_assigned_identity.api.id
  }

  scope              = each.value
  role_definition_id = azurerm_role_definition.cd_update_api.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.ci["cd"].principal_id
  principal_type     = "ServicePrincipal"
}
{%- elif cookiecutter.cloud == 'aws' -%}
# The model API: an ECS service on Fargate behind an Application Load Balancer (App Runner
# takes no new customers). It scales between min_replicas and max_replicas on requests per
# task, pulls from ECR, logs to CloudWatch and reads models with its own task role; the keys of
# the application secret named in var.api_secrets become its environment variables.
# CD rolls a new task definition revision with the new image (`scripts/deploy.sh deploy`);
# Terraform owns the rest.

data "aws_availability_zones" "available" {
  state = "available"
}

# A VPC of its own with two public subnets in two zones: the load balancer needs two zones,
# and tasks with public IPs pull images and write logs without a NAT gateway. The tasks'
# security group admits only the load balancer.
resource "aws_vpc" "main" {
  cidr_block           = "10.40.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = local.name })
}

# The VPC's default security group denies everything (nothing uses it).
resource "aws_default_security_group" "main" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = merge(local.tags, { Name = "${local.name}-public-${count.index}" })
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  count          = 2
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "The model API's load balancer: HTTP(S) from the internet, to the tasks only"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each          = toset(var.certificate_arn == "" ? ["80"] : ["80", "443"])
  security_group_id = aws_security_group.alb.id
  description       = "HTTP${each.value == "443" ? "S" : ""} from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the API tasks"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  tags                         = local.tags
}

resource "aws_security_group" "api" {
  name        = "${local.name}-api"
  description = "The model API's tasks: requests from the load balancer only"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  description                  = "From the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "api_https" {
  security_group_id = aws_security_group.api.id
  description       = "HTTPS to AWS APIs (ECR, S3, Secrets Manager, CloudWatch Logs)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  tags              = local.tags
}

resource "aws_lb" "api" {
  name                       = substr("${local.name}-api", 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  drop_invalid_header_fields = true
  enable_deletion_protection = var.environment == "prod"
  tags                       = local.tags
}

resource "aws_lb_target_group" "api" {
  name        = substr("${local.name}-api", 0, 32)
  port        = var.container_port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.main.id
  # Short drain: requests take milliseconds.
  deregistration_delay = 30
  tags                 = local.tags

  # Ready = a model is loaded (/ready answers 503 without one).
  health_check {
    path                = var.health_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

# HTTPS with certificate_arn (an ACM certificate for your domain; HTTP then redirects to it),
# else plain HTTP on the load balancer's own DNS name: AWS issues no certificate for it.
resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.api.arn
  port              = var.certificate_arn == "" ? 80 : 443
  protocol          = var.certificate_arn == "" ? "HTTP" : "HTTPS"
  ssl_policy        = var.certificate_arn == "" ? null : "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn == "" ? null : var.certificate_arn
  tags              = local.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_lb_listener" "redirect_to_https" {
  count             = var.certificate_arn == "" ? 0 : 1
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  tags              = local.tags

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_ecs_cluster" "main" {
  name = local.name
  tags = local.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/${var.project}/${var.environment}/api"
  retention_in_days = var.retention_days
  kms_key_id        = aws_kms_key.main.arn
  tags              = local.tags
}

# Execution role: ECS pulls the image and writes the logs with it.
resource "aws_iam_role" "api_execution" {
  name                 = "${local.name}-api-execution"
  description          = "Lets ECS pull ${local.name}'s images and write the API's logs"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

resource "aws_iam_role_policy_attachment" "api_execution" {
  role       = aws_iam_role.api_execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# var.api_secrets: ECS reads the application secret's keys with the execution role when a
# task starts and hands them to the API as environment variables.
resource "aws_iam_role_policy" "api_execution_secrets" {
  count  = length(var.api_secrets) > 0 ? 1 : 0
  name   = "read-the-api-secrets"
  role   = aws_iam_role.api_execution.id
  policy = data.aws_iam_policy_document.api_execution_secrets.json
}

data "aws_iam_policy_document" "api_execution_secrets" {
  statement {
    sid       = "ReadTheApplicationSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn]
  }

  statement {
    sid       = "DecryptItWithTheEnvironmentKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}

# Task role: what the API's code may do.
resource "aws_iam_role" "api" {
  name                 = "${local.name}-api"
  description          = "Task role of ${local.name}'s model API"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = aws_iam_policy.workload_boundary.arn
  tags                 = local.tags
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only tasks of this account (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "read-models"
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
    sid       = "DecryptWithTheEnvironmentKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}

# The first revision runs var.container_image; CD registers the next ones (same settings,
# its image by digest) and Terraform leaves them alone.
resource "aws_ecs_task_definition" "api" {
  family                   = "${local.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu * 1024)
  memory                   = tostring(var.memory_gib * 1024)
  execution_role_arn       = aws_iam_role.api_execution.arn
  task_role_arn            = aws_iam_role.api.arn
  tags                     = local.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([{
    name                   = "api"
    image                  = var.container_image
    essential              = true
    readonlyRootFilesystem = true
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment = [
      { name = "ENVIRONMENT", value = var.environment },
      { name = "MODEL_BUCKET", value = aws_s3_bucket.ml.bucket },
{%- if cookiecutter.feature_store == 'feast' %}
      # Online features: Feast's cloud configuration and its ${VAR}s (features.tf).
      { name = "FEATURE_STORE_YAML", value = "/app/feature_repo/feature_store.cloud.yaml" },
      { name = "FEATURE_STORE_REGISTRY", value = local.feature_store_registry },
      { name = "FEATURE_STORE_TABLE_PREFIX", value = local.feature_store_table_prefix },
      { name = "AWS_REGION", value = var.region },
{%- endif %}
    ]
    # var.api_secrets: environment variables from keys of the application secret's JSON
    # (ARN:json-key:version-stage:version-id, empty = the current version); none: left out.
    secrets = length(var.api_secrets) > 0 ? [
      for name, key in var.api_secrets : { name = name, valueFrom = "${aws_secretsmanager_secret.app.arn}:${key}::" }
    ] : null
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.api.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "api"
      }
    }
  }])
}

resource "aws_ecs_service" "api" {
  name            = "${local.name}-api"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  # No task before the first deployment: the placeholder image has no /ready and would fail
  # the target group's health check. CD's first rollout sets the count to the autoscaling
  # minimum (scripts/deploy.sh) and waits for healthy tasks.
  desired_count                     = 0
  health_check_grace_period_seconds = 60
  propagate_tags                    = "SERVICE"
  tags                              = local.tags

  network_configuration {
    subnets          = aws_subnet.public[*].id
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = true
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = var.container_port
  }

  # A revision whose tasks never get healthy is rolled back to the last working one.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    # CD owns the task definition revision; autoscaling owns the task count.
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_lb_listener.api, aws_iam_role_policy_attachment.api_execution, aws_iam_role_policy.api_execution_secrets]
}

# Autoscaling: requests per task and minute, from the concurrency a task serves within the
# latency target: concurrent_requests in flight at 100 ms each = concurrent_requests x 600
# requests a minute (docs/serving.md).
resource "aws_appautoscaling_target" "api" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.api.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_replicas
  max_capacity       = var.max_replicas
  tags               = local.tags
}

resource "aws_appautoscaling_policy" "api" {
  name               = "${local.name}-api-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.api.service_namespace
  resource_id        = aws_appautoscaling_target.api.resource_id
  scalable_dimension = aws_appautoscaling_target.api.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.concurrent_requests * 600

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.api.arn_suffix}/${aws_lb_target_group.api.arn_suffix}"
    }
  }
}

# CD deploys the API: it registers task definition revisions and points the service at them,
# and may hand ECS only the API's two roles (iam:PassRole, to ECS tasks only).
resource "aws_iam_role_policy" "cd_deploy_api" {
  name   = "deploy-api"
  role   = aws_iam_role.ci["cd"].id
  policy = data.aws_iam_policy_document.cd_deploy_api.json
}

data "aws_iam_policy_document" "cd_deploy_api" {
  statement {
    sid       = "RollTheService"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = [aws_ecs_service.api.id]
  }

  # These actions support no resource-level permissions (Resource must be "*"). The
  # scalable target gives the first rollout its task count.
  statement {
    sid       = "RegisterTaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition", "application-autoscaling:DescribeScalableTargets"]
    resources = ["*"]
  }

  statement {
    sid       = "PassTheApiRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.api_execution.arn, aws_iam_role.api.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}
{%- else -%}
# The model API: a Cloud Run service that scales on concurrent requests between min_replicas
# and max_replicas, runs as its own service account and reads models with it; the secrets named
# in var.api_secrets become its environment variables.
# CD deploys new images (`gcloud run services update --image`); Terraform owns the rest.
# Callers need roles/run.invoker (CD has it for the smoke test; grant it to allUsers only for a
# deliberately public API).

resource "google_service_account" "api" {
  account_id   = "${local.short_name}-run"
  display_name = "Model API of ${local.name}"
}

resource "google_storage_bucket_iam_member" "api" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

# var.api_secrets: the secrets the API gets as environment variables, and only those.
resource "google_secret_manager_secret_iam_member" "api" {
  for_each  = var.api_secrets
  project   = var.project_id
  secret_id = each.value
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
{%- if cookiecutter.feature_store == 'feast' %}

      # Online features: Feast's cloud configuration and its ${VAR}s (features.tf).
      dynamic "env" {
        for_each = {
          FEATURE_STORE_YAML               = "/app/feature_repo/feature_store.cloud.yaml"
          FEATURE_STORE_REGISTRY           = local.feature_store_registry
          FEATURE_STORE_DATASTORE_DATABASE = google_firestore_database.features.name
          GOOGLE_CLOUD_PROJECT             = var.project_id
        }
        content {
          name  = env.key
          value = env.value
        }
      }
{%- endif %}

      # var.api_secrets: environment variables from Secret Manager secrets (latest version).
      dynamic "env" {
        for_each = var.api_secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      startup_probe {
        http_get {
          path = var.health_path
        }
      }

      # Alive = the process answers; started = a model is loaded (var.health_path).
      liveness_probe {
        http_get {
          path = "/health"
        }
      }
    }
  }

  lifecycle {
    # CD owns the image.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  # Cloud Run checks at deployment that the service account may read the secrets.
  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.api]
}

# The smoke test calls the API as the CD service account (scripts/deploy.sh smoke): it may
# invoke this service, and mint an ID token for itself (gcloud auth print-identity-token
# --impersonate-service-account works with Workload Identity Federation credentials).
resource "google_cloud_run_v2_service_iam_member" "cd_invoker" {
  name     = google_cloud_run_v2_service.api.name
  location = google_cloud_run_v2_service.api.location
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.ci["cd"].email}"
}

resource "google_service_account_iam_member" "cd_id_tokens" {
  service_account_id = google_service_account.ci["cd"].name
  role               = "roles/iam.serviceAccountOpenIdTokenCreator"
  member             = "serviceAccount:${google_service_account.ci["cd"].email}"
}
{%- endif %}
