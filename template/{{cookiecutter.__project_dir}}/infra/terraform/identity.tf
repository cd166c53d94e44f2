{%- if cookiecutter.cloud == 'azure' -%}
# The identities the pipelines act as, without stored secrets: user-assigned managed identities
# that trust the CI system's OIDC tokens (federated identity credentials), one per job kind:
#   cd      deploys and applies; trusted from the CI environment <env> (output cd_client_id)
#   plan    reads resources and state for `terraform plan` before an approval (plan_client_id)
#   trainer reads the training data and writes the tracking server (trainer_client_id)
# A federated credential matches iss, sub and aud exactly (docs/infrastructure.md, "CD access").

locals {
{%- if cookiecutter.ci_provider == 'azure-devops' %}
  # Azure DevOps' workload identity federation issues tokens from the tenant's Entra ID.
  oidc_issuer = var.oidc_issuer != "" ? var.oidc_issuer : "https://login.microsoftonline.com/${data.azurerm_client_config.current.tenant_id}/v2.0"
{%- else %}
  oidc_issuer = var.oidc_issuer
{%- endif %}

  identities = toset(["cd", "plan", "trainer"])

  # Built-in roles (learn.microsoft.com/azure/role-based-access-control/built-in-roles):
  # the only ones the CD identity may assign, and only to this environment's other identities
  # (never to itself).
{%- if cookiecutter.training_compute == 'cloud' %}
  # AcrPush and Storage Blob Data Contributor (the trainer's and the training job's, on the
  # registry and the job datastore) are roles the deployer holds itself: it passes on nothing new.
{%- else %}
  # (The deployer's own roles are not here: it cannot assign them to anyone.)
{%- endif %}
{%- if cookiecutter.feature_store == 'feast' and cookiecutter.training_compute != 'cloud' %}
  # With the feature store: Storage Blob Data Contributor (the trainer's, on the feature
  # registry's container, features.tf) and AcrPush are roles the deployer holds itself.
{%- endif %}
  assignable_roles = {
{%- if cookiecutter.training_compute == 'cloud' or cookiecutter.feature_store == 'feast' %}
    "AcrPull"                       = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    "AcrPush"                       = "8311e382-0749-4cb8-b61a-304f252e45ec"
    "AzureML Data Scientist"        = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    "Key Vault Reader"              = "21090545-7ca7-4776-b22c-e363c0f7d5c4"
    "Key Vault Secrets User"        = "4633458b-17de-408a-b874-0445c86b69e6"
    "Reader"                        = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    "Storage Blob Data Contributor" = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    "Storage Blob Data Reader"      = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
{%- else %}
    "AcrPull"                  = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    "AzureML Data Scientist"   = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    "Key Vault Reader"         = "21090545-7ca7-4776-b22c-e363c0f7d5c4"
    "Key Vault Secrets User"   = "4633458b-17de-408a-b874-0445c86b69e6"
    "Reader"                   = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    "Storage Blob Data Reader" = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
{%- endif %}
  }
  managed_principals = join(", ", concat(
    [azurerm_user_assigned_identity.ci["plan"].principal_id, azurerm_user_assigned_identity.ci["trainer"].principal_id],
{%- if cookiecutter.training_compute == 'cloud' %}
    [azurerm_user_assigned_identity.training_job.principal_id],
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}
    [azurerm_user_assigned_identity.api.principal_id],
{%- endif %}
  ))
  assignable_role_ids = join(", ", values(local.assignable_roles))
}

resource "azurerm_user_assigned_identity" "ci" {
  for_each = local.identities

  name                = "id-${local.name}-${each.key}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

# The deployer keeps its address from earlier versions of this template.
moved {
  from = azurerm_user_assigned_identity.cd
  to   = azurerm_user_assigned_identity.ci["cd"]
}

resource "azurerm_federated_identity_credential" "ci" {
  for_each = local.identities

  name                = "${each.key}-${var.environment}"
  resource_group_name = azurerm_resource_group.main.name
  parent_id           = azurerm_user_assigned_identity.ci[each.key].id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = local.oidc_issuer
  subject             = local.oidc_subjects[each.key]
}

moved {
  from = azurerm_federated_identity_credential.cd
  to   = azurerm_federated_identity_credential.ci["cd"]
}

# What each identity may do. CD: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, run ML jobs and
# move the champion alias. Plan: read everything, and the model store (retraining's baseline).
# Trainer: read the training data ({% if cookiecutter.data_versioning == 'dvc' %}DVC's `cloud` remote: {% endif %}the data container) and write runs and
# model versions to the workspace's MLflow (AzureML Data Scientist: Azure RBAC cannot limit it
# to one alias).
{%- if cookiecutter.training_compute == 'cloud' %}
# With training on Azure ML it also submits the jobs: AzureML Data Scientist creates, reads and
# cancels jobs and uses the cluster (it cannot create, change or delete computes, nor the
# workspace); it pushes the training image (AcrPush: the whole registry, ACR's built-in roles
# cannot name one repository) and uploads job inputs and downloads outputs through the
# workspace's default datastore (its container only). The job runs as the cluster's identity
# (ml.tf), which the trainer cannot change.
{%- endif %}
resource "azurerm_role_assignment" "ci" {
  for_each = {
    cd-push-images     = { identity = "cd", scope = azurerm_container_registry.main.id, role = "AcrPush" }
    cd-upload-models   = { identity = "cd", scope = azurerm_storage_account.ml.id, role = "Storage Blob Data Contributor" }
    cd-run-ml-jobs     = { identity = "cd", scope = azurerm_machine_learning_workspace.main.id, role = "AzureML Data Scientist" }
{%- if cookiecutter.serving == 'fastapi' %}
    cd-deploy-api      = { identity = "cd", scope = azurerm_container_app.api.id, role = "Contributor" }
{%- endif %}
    plan-read-all      = { identity = "plan", scope = azurerm_resource_group.main.id, role = "Reader" }
    plan-read-vault    = { identity = "plan", scope = azurerm_key_vault.main.id, role = "Key Vault Reader" }
    plan-read-models   = { identity = "plan", scope = azurerm_storage_container.models.id, role = "Storage Blob Data Reader" }
    trainer-read-data  = { identity = "trainer", scope = azurerm_storage_container.data.id, role = "Storage Blob Data Reader" }
    trainer-track-runs = { identity = "trainer", scope = azurerm_machine_learning_workspace.main.id, role = "AzureML Data Scientist" }
{%- if cookiecutter.training_compute == 'cloud' %}
    trainer-push-image = { identity = "trainer", scope = azurerm_container_registry.main.id, role = "AcrPush" }
    trainer-job-files  = { identity = "trainer", scope = local.job_datastore_container, role = "Storage Blob Data Contributor" }
{%- endif %}
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.ci[each.value.identity].principal_id
  principal_type       = "ServicePrincipal"
}

moved {
  from = azurerm_role_assignment.cd["push-images"]
  to   = azurerm_role_assignment.ci["cd-push-images"]
}

moved {
  from = azurerm_role_assignment.cd["upload-models"]
  to   = azurerm_role_assignment.ci["cd-upload-models"]
}

moved {
  from = azurerm_role_assignment.cd["run-ml-jobs"]
  to   = azurerm_role_assignment.ci["cd-run-ml-jobs"]
}
{%- if cookiecutter.serving == 'fastapi' %}

moved {
  from = azurerm_role_assignment.cd["deploy-api"]
  to   = azurerm_role_assignment.ci["cd-deploy-api"]
}
{%- endif %}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh): it
# manages the resource group's resources (Contributor) and their role assignments. Role Based
# Access Control Administrator carries a condition (ABAC), so CD cannot escalate: it may create
# or delete only assignments of the roles in local.assignable_roles (no Owner, no User Access
# Administrator, no RBAC Administrator), and only for this environment's other identities. Add a role
# there when the configuration assigns a new one. Changes to the identities themselves (their
# trust, these two assignments) are applied by a person: CD cannot grant itself more.
resource "azurerm_role_assignment" "cd_infrastructure" {
  for_each = var.cd_applies_infrastructure ? {
    Contributor                               = null
    "Role Based Access Control Administrator" = <<-EOT
      (
        (
          !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})
        )
        OR
        (
          @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable_role_ids}}
          AND
          @Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${local.managed_principals}}
        )
      )
      AND
      (
        (
          !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})
        )
        OR
        (
          @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable_role_ids}}
          AND
          @Resource[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${local.managed_principals}}
        )
      )
    EOT
  } : {}

  scope                = azurerm_resource_group.main.id
  role_definition_name = each.key
  principal_id         = azurerm_user_assigned_identity.ci["cd"].principal_id
  principal_type       = "ServicePrincipal"
  condition            = each.value
  condition_version    = each.value == null ? null : "2.0"
}

# Terraform state: one container per environment (tfstate-<env>) in the state store, so each
# environment's identities reach only their own state. The deployer writes it, plan and trainer
# read it (the trainer reads outputs: the data container and tracking URI); Reader lets cd and
# plan refresh these assignments.
resource "azurerm_role_assignment" "state" {
  for_each = var.state_storage_account_id == "" ? {} : {
    cd-write     = { identity = "cd", role = "Storage Blob Data Contributor" }
    cd-refresh   = { identity = "cd", role = "Reader" }
    plan-read    = { identity = "plan", role = "Storage Blob Data Reader" }
    plan-refresh = { identity = "plan", role = "Reader" }
    trainer-read = { identity = "trainer", role = "Storage Blob Data Reader" }
  }

  scope                = "${var.state_storage_account_id}/blobServices/default/containers/tfstate-${var.environment}"
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.ci[each.value.identity].principal_id
  principal_type       = "ServicePrincipal"
}
{%- elif cookiecutter.cloud == 'aws' -%}
# The roles the pipelines act as, without stored secrets: IAM roles that trust the CI system's
# OIDC tokens, one per job kind (assumed with configure-aws-credentials or deploy.sh):
#   cd      deploys and applies; trusted from the CI environment <env> (output cd_role_arn)
#   plan    reads resources and state for `terraform plan` before an approval (plan_role_arn)
#   trainer reads the training data and writes the tracking server (trainer_role_arn)

# An account has one OIDC provider per issuer, so environments sharing an account must not each
# create it: it is created once per account (docs/infrastructure.md, "Before the first
# deployment") and looked up here, unless create_oidc_provider puts it into this environment.
resource "aws_iam_openid_connect_provider" "ci" {
  count           = var.create_oidc_provider ? 1 : 0
  url             = var.oidc_issuer
  client_id_list  = [local.oidc_audience]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = local.tags
}

data "aws_iam_openid_connect_provider" "ci" {
  count = var.create_oidc_provider ? 0 : 1
  url   = var.oidc_issuer
}

locals {
  identities        = toset(["cd", "plan", "trainer"])
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.ci[0].arn : data.aws_iam_openid_connect_provider.ci[0].arn
  oidc_host         = trimprefix(var.oidc_issuer, "https://")
  oidc_audience     = var.oidc_audience != "" ? var.oidc_audience : "{% if cookiecutter.ci_provider == 'azure-devops' %}api://AzureADTokenExchange{% else %}sts.amazonaws.com{% endif %}"
  iam_prefix        = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}"
  # The identities' own roles: no identity may change them (CD applies everything else).
  identity_role_arns = [for role in local.identities : "${local.iam_prefix}:role/${local.name}-${role}"]
  # This environment's state objects (the key and the lock file of envs/<env>.backend.hcl).
  state_objects = "arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}/${var.state_key_prefix}/${var.environment}.tfstate*"
}

resource "aws_iam_role" "ci" {
  for_each = local.identities

  name                 = "${local.name}-${each.key}"
  description          = "Assumed by the ${each.key} jobs of ${var.repository} (${var.environment}) through OIDC"
  assume_role_policy   = data.aws_iam_policy_document.ci_assume[each.key].json
  max_session_duration = 3600
  tags                 = local.tags
}

moved {
  from = aws_iam_role.cd
  to   = aws_iam_role.ci["cd"]
}

# IAM matches only the token's aud and sub (plus amr) for an OIDC provider: other claims, such as
# GitHub's repository_id or GitLab's environment, cannot be checked here (docs/infrastructure.md).
data "aws_iam_policy_document" "ci_assume" {
  for_each = local.identities

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.oidc_subjects[each.key]]
    }
  }
}

resource "aws_iam_role_policy" "ci" {
  for_each = local.identities

  name   = each.key == "cd" ? "deploy" : each.key
  role   = aws_iam_role.ci[each.key].id
  policy = data.aws_iam_policy_document.ci[each.key].json
}

moved {
  from = aws_iam_role_policy.cd
  to   = aws_iam_role_policy.ci["cd"]
}

locals {
  # Statements per identity, merged into one policy each below.
  policy_statements = {
    # CD: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, register models{% if cookiecutter.experiment_tracking == 'mlflow' %}, move the champion alias{% endif %}.
    cd = concat([
      { sid = "EcrLogin", actions = ["ecr:GetAuthorizationToken"], resources = ["*"] },
      {
        sid = "PushImages"
        actions = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        resources = [aws_ecr_repository.main.arn]
      },
      { sid = "UploadModels", actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], resources = [aws_s3_bucket.ml.arn, "${aws_s3_bucket.ml.arn}/*"] },
      { sid = "UseTheEnvironmentKey", actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources = [aws_kms_key.main.arn] },
      {
        sid       = "RegisterModels"
        actions   = ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage"]
        resources = [aws_sagemaker_model_package_group.main.arn, "arn:${data.aws_partition.current.partition}:sagemaker:${var.region}:${local.account_id}:model-package/${aws_sagemaker_model_package_group.main.model_package_group_name}/*"]
      },
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
      {
        # The approved production deploy moves the champion alias (promote --version N).
        sid       = "MoveTheChampionAlias"
        actions   = ["sagemaker-mlflow:Get*", "sagemaker-mlflow:Search*", "sagemaker-mlflow:ListArtifacts", "sagemaker-mlflow:SetRegisteredModelAlias", "sagemaker-mlflow:DeleteRegisteredModelAlias", "sagemaker-mlflow:SetModelVersionTag"]
        resources = [aws_sagemaker_mlflow_tracking_server.main.arn]
      },
{%- endif %}
      # Deploying the model API (ECS) is the cd_deploy_api policy in serving.tf.
    ], local.state_statements.write)

    # Plan: ReadOnlyAccess (attached below) plus what it lacks: decrypting the model store
    # (retraining's baseline){% if cookiecutter.experiment_tracking == 'mlflow' %}, reading the registry{% endif %} and the state.
    plan = concat([
      { sid = "ReadTheModelStore", actions = ["kms:Decrypt"], resources = [aws_kms_key.main.arn] },
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
      { sid = "ReadTheRegistry", actions = ["sagemaker-mlflow:Get*", "sagemaker-mlflow:Search*", "sagemaker-mlflow:ListArtifacts"], resources = [aws_sagemaker_mlflow_tracking_server.main.arn] },
{%- endif %}
    ], local.state_statements.read)

    # Trainer: read {% if cookiecutter.data_versioning == 'dvc' %}DVC's `cloud` remote ({% endif %}data/ in the bucket{% if cookiecutter.data_versioning == 'dvc' %}){% endif %}{% if cookiecutter.experiment_tracking == 'mlflow' %}, log runs and model versions to the
    # tracking server (its artifacts go straight to mlflow/ in the bucket){% endif %}, read the outputs.
    trainer = concat([
      { sid = "FindTheBucket", actions = ["s3:GetBucketLocation"], resources = [aws_s3_bucket.ml.arn] },
      { sid = "ReadTheData", actions = ["s3:GetObject"], resources = ["${aws_s3_bucket.ml.arn}/data/*"] },
      { sid = "UseTheEnvironmentKey", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [aws_kms_key.main.arn] },
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
      { sid = "TrackRuns", actions = ["sagemaker-mlflow:*"], resources = [aws_sagemaker_mlflow_tracking_server.main.arn] },
      { sid = "StoreRunArtifacts", actions = ["s3:GetObject", "s3:PutObject"], resources = ["${aws_s3_bucket.ml.arn}/mlflow/*"] },
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}
      # Training on SageMaker: push the training image, upload the job's inputs and download its
      # model under training/, start, watch and stop training jobs and read their logs. The
      # job runs as the execution role, the only role the trainer may pass (below).
      { sid = "EcrLogin", actions = ["ecr:GetAuthorizationToken"], resources = ["*"] },
      {
        sid = "PushTheTrainingImage"
        actions = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        resources = [aws_ecr_repository.training.arn]
      },
      { sid = "ReadWriteTrainingFiles", actions = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], resources = ["${aws_s3_bucket.ml.arn}/training/*"] },
      {
        sid       = "RunTrainingJobs"
        actions   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:AddTags"]
        resources = ["arn:${data.aws_partition.current.partition}:sagemaker:${var.region}:${local.account_id}:training-job/*"]
      },
      { sid = "ReadTrainingLogs", actions = ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"], resources = [local.training_log_group, "${local.training_log_group}:*"] },
{%- endif %}
    ], local.state_statements.read)
  }

  state_statements = {
    write = var.state_bucket == "" ? [] : [
      { sid = "WriteThisEnvironmentsState", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = [local.state_objects] },
    ]
    read = var.state_bucket == "" ? [] : [
      { sid = "ReadThisEnvironmentsState", actions = ["s3:GetObject"], resources = [local.state_objects] },
    ]
  }
}

data "aws_iam_policy_document" "ci" {
  for_each = local.identities

  dynamic "statement" {
    for_each = local.policy_statements[each.key]

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  # The trainer lists only the prefixes it reads (CD's statements and ReadOnlyAccess list all).
  dynamic "statement" {
    for_each = each.key == "trainer" ? [1] : []

    content {
      sid       = "ListWhatItReads"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.ml.arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["data", "data/*"{% if cookiecutter.experiment_tracking == 'mlflow' %}, "mlflow", "mlflow/*"{% endif %}{% if cookiecutter.training_compute == 'cloud' %}, "training", "training/*"{% endif %}]
      }
    }
  }
{%- if cookiecutter.training_compute == 'cloud' %}

  # The trainer starts jobs as the SageMaker execution role, and may pass no other role, to no
  # other service: it cannot run anything as an identity with more rights.
  dynamic "statement" {
    for_each = each.key == "trainer" ? [1] : []

    content {
      sid       = "PassOnlyTheJobRole"
      actions   = ["iam:PassRole"]
      resources = [aws_iam_role.sagemaker.arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

  # The trainer registers model versions; only the approved deploy job moves aliases.
  dynamic "statement" {
    for_each = each.key == "trainer" ? [1] : []

    content {
      sid       = "NoAliasChanges"
      effect    = "Deny"
      actions   = ["sagemaker-mlflow:SetRegisteredModelAlias", "sagemaker-mlflow:DeleteRegisteredModelAlias"]
      resources = ["*"]
    }
  }
{%- endif %}
}

resource "aws_iam_role_policy_attachment" "plan_reads_everything" {
  role       = aws_iam_role.ci["plan"].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

# The most any role CD creates or changes may do: everything but IAM, Organizations and account
# settings. CD may create and change this environment's roles only with this boundary attached,
# so a role it writes can never grant more than CD has, nor manage identities.
resource "aws_iam_policy" "workload_boundary" {
  name        = "${local.name}-workload-boundary"
  description = "Permission boundary of the roles ${local.name}'s CD identity creates or changes"
  policy      = data.aws_iam_policy_document.workload_boundary.json
  tags        = local.tags
}

data "aws_iam_policy_document" "workload_boundary" {
  # A permission boundary only caps what a role's own policies grant; it grants nothing itself:
  # checkov:skip=CKV_AWS_107:a boundary grants nothing; the workload roles' own policies are scoped
  # checkov:skip=CKV_AWS_108:a boundary grants nothing; the workload roles' own policies are scoped
  # checkov:skip=CKV_AWS_109:a boundary grants nothing; it excludes all of IAM
  # checkov:skip=CKV_AWS_110:a boundary grants nothing; it excludes all of IAM, the escalation path
  # checkov:skip=CKV_AWS_111:a boundary grants nothing; the workload roles' own policies are scoped
  # checkov:skip=CKV_AWS_356:a boundary grants nothing; the workload roles' own policies are scoped
  statement {
    sid         = "NoIdentityManagement"
    not_actions = ["iam:*", "organizations:*", "account:*"]
    resources   = ["*"]
  }
}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh):
# everything but IAM through PowerUserAccess, and IAM only for this environment's workload roles,
# which must carry the boundary above. The identities' roles, the boundary and the OIDC provider
# are out of its reach (explicit deny): changes to them are applied by a person, so CD cannot
# grant itself more. Protect production with required reviewers, and keep each environment in
# its own account where you can.
resource "aws_iam_role_policy_attachment" "cd_infrastructure" {
  count      = var.cd_applies_infrastructure ? 1 : 0
  role       = aws_iam_role.ci["cd"].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "cd_infrastructure" {
  count  = var.cd_applies_infrastructure ? 1 : 0
  name   = "manage-environment-roles"
  role   = aws_iam_role.ci["cd"].id
  policy = data.aws_iam_policy_document.cd_infrastructure.json
}

data "aws_iam_policy_document" "cd_infrastructure" {
  statement {
    sid = "ChangeWorkloadRolesWithinTheBoundary"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = ["${local.iam_prefix}:role/${local.name}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.workload_boundary.arn]
    }
  }

  statement {
    sid = "ManageWorkloadRoles"
    actions = [
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PassRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["${local.iam_prefix}:role/${local.name}-*"]
  }

  statement {
    sid       = "ReadTheBoundary"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"]
    resources = [aws_iam_policy.workload_boundary.arn]
  }

  statement {
    sid       = "FindTheOidcProvider"
    actions   = ["iam:ListOpenIDConnectProviders"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadTheOidcProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = ["${local.iam_prefix}:oidc-provider/${local.oidc_host}"]
  }

  statement {
    sid    = "NeverChangeIdentities"
    effect = "Deny"
    actions = [
      "iam:Attach*",
      "iam:Create*",
      "iam:Delete*",
      "iam:Detach*",
      "iam:PassRole",
      "iam:Put*",
      "iam:SetDefaultPolicyVersion",
      "iam:Tag*",
      "iam:Untag*",
      "iam:Update*",
    ]
    resources = concat(local.identity_role_arns, [aws_iam_policy.workload_boundary.arn, local.oidc_provider_arn])
  }

  statement {
    sid       = "NeverDropTheBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["*"]
  }
}
{%- else -%}
# The service accounts the pipelines act as, without stored keys: a Workload Identity pool whose
# provider trusts the CI system's OIDC tokens, and one service account per job kind:
#   cd      deploys and applies; trusted from the CI environment <env> (output cd_service_account)
#   plan    reads resources and state for `terraform plan` before an approval (plan_service_account)
#   trainer reads the training data (trainer_service_account); the tracking server is the team's
# Jobs authenticate with google-github-actions/auth or deploy.sh (output workload_identity_provider).

locals {
  identities = toset(["cd", "plan", "trainer"])
{%- if cookiecutter.ci_provider == 'gitlab' %}
  # GitLab's subject names only project and branch; the environment claims name the CI
  # environment, and only protected environments' tokens are accepted.
  repository_condition = var.repository_id != "" ? "assertion.project_id == \"${var.repository_id}\"" : "assertion.project_path == \"${var.repository}\""
  trust_condition      = "${local.repository_condition} && assertion.environment_protected == \"true\""
{%- elif cookiecutter.ci_provider == 'azure-devops' %}
  # Azure DevOps: exactly the three service connections' subjects.
  trust_condition = "assertion.sub in ${jsonencode(values(local.oidc_subjects))}"
{%- else %}
  # The repository's immutable ID when given (a renamed or re-created repository keeps its name).
  trust_condition = var.repository_id != "" ? "assertion.repository_id == \"${var.repository_id}\"" : "assertion.repository == \"${var.repository}\""
{%- endif %}
}

resource "google_iam_workload_identity_pool" "ci" {
  workload_identity_pool_id = "${local.short_name}-ci"
  display_name              = "CI/CD ${local.short_name}"
  description               = "OIDC tokens of ${var.repository}"

  depends_on = [google_project_service.apis]
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "oidc"
  display_name                       = "CI OIDC"

  attribute_mapping = {
{%- if cookiecutter.ci_provider == 'gitlab' %}
    "google.subject"        = "assertion.sub"
    "attribute.environment" = "assertion.environment"
{%- else %}
    "google.subject" = "assertion.sub"
{%- endif %}
  }
  # Only tokens of this repository are accepted; each service account then trusts one CI environment.
  attribute_condition = local.trust_condition

  oidc {
    issuer_uri = var.oidc_issuer
    # Empty: the provider's own name, which google-github-actions/auth and GitLab request.
    allowed_audiences = {% if cookiecutter.ci_provider == 'azure-devops' %}[var.oidc_audience != "" ? var.oidc_audience : "api://AzureADTokenExchange"]{% else %}var.oidc_audience == "" ? [] : [var.oidc_audience]{% endif %}
  }
}

resource "google_service_account" "ci" {
  for_each = local.identities

  # At most 30 characters.
  account_id   = "${replace(substr(local.short_name, 0, 29 - length(each.key)), "/-+$/", "")}-${each.key}"
  display_name = "${each.key} identity of ${local.name}'s pipelines"
}

moved {
  from = google_service_account.cd
  to   = google_service_account.ci["cd"]
}

resource "google_service_account_iam_member" "ci_workload_identity" {
  for_each = local.identities

  service_account_id = google_service_account.ci[each.key].name
  role               = "roles/iam.workloadIdentityUser"
{%- if cookiecutter.ci_provider == 'gitlab' %}
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.ci.name}/attribute.environment/${local.ci_environments[each.key]}"
{%- else %}
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.ci.name}/subject/${local.oidc_subjects[each.key]}"
{%- endif %}
}

moved {
  from = google_service_account_iam_member.cd_workload_identity
  to   = google_service_account_iam_member.ci_workload_identity["cd"]
}

# What CD may do: push images, deploy{% if cookiecutter.serving == 'fastapi' %} the model API{% endif %}, upload models, run Vertex AI jobs.
resource "google_artifact_registry_repository_iam_member" "cd" {
  location   = google_artifact_registry_repository.main.location
  repository = google_artifact_registry_repository.main.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.ci["cd"].email}"
}

resource "google_storage_bucket_iam_member" "cd" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.ci["cd"].email}"
}

resource "google_project_iam_member" "cd_vertex" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.ci["cd"].email}"
}

# Plan: read every resource this configuration manages and its IAM policies (predefined viewer
# roles, not the basic Viewer role), and the model store (retraining's baseline).
locals {
  plan_project_roles = [
    "roles/aiplatform.viewer",
    "roles/artifactregistry.reader",
    "roles/browser",
    "roles/cloudkms.viewer",
    "roles/iam.securityReviewer",
    "roles/iam.serviceAccountViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/monitoring.viewer",
    "roles/run.viewer",
    "roles/secretmanager.viewer",
    "roles/serviceusage.serviceUsageViewer",
    "roles/storage.bucketViewer",
  ]
}

resource "google_project_iam_member" "plan" {
  for_each = toset(local.plan_project_roles)

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.ci["plan"].email}"
}

resource "google_storage_bucket_iam_member" "plan" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.ci["plan"].email}"
}

# Trainer: read {% if cookiecutter.data_versioning == 'dvc' %}DVC's `cloud` remote, {% endif %}the data/ prefix of the bucket, and nothing else there.
resource "google_storage_bucket_iam_member" "trainer" {
  bucket = google_storage_bucket.ml.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.ci["trainer"].email}"

  condition {
    title       = "training-data-only"
    description = "Objects under data/, and listing that prefix"
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.ml.name}/objects/data/\") || api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"data/\")"
  }
}

{%- if cookiecutter.training_compute == 'cloud' %}

# Trainer, training on Vertex AI: push the training image (its repository only), upload a job's
# inputs and download its model (the training bucket only), create, watch and cancel custom
# jobs and read their logs (the custom role below, nothing else of Vertex AI), and start them
# as the Vertex AI service account only (Service Account User on that account, on no other).
# The custom role is changed by a person, like the identities: CD only reads roles
# (roles/iam.roleViewer, to refresh it), it cannot edit them.
resource "google_project_iam_custom_role" "training_submitter" {
  project     = var.project_id
  role_id     = "${replace(local.short_name, "-", "_")}_training_submitter"
  title       = "Training submitter (${local.name})"
  description = "Creates, reads and cancels Vertex AI custom jobs and reads their logs"
  permissions = [
    "aiplatform.customJobs.cancel",
    "aiplatform.customJobs.create",
    "aiplatform.customJobs.get",
    "aiplatform.customJobs.list",
    "logging.logEntries.list",
  ]
}

resource "google_project_iam_member" "trainer_submits_jobs" {
  project = var.project_id
  role    = google_project_iam_custom_role.training_submitter.name
  member  = "serviceAccount:${google_service_account.ci["trainer"].email}"
}

resource "google_service_account_iam_member" "trainer_acts_as_vertex" {
  service_account_id = google_service_account.vertex.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.ci["trainer"].email}"
}

resource "google_artifact_registry_repository_iam_member" "trainer" {
  location   = google_artifact_registry_repository.training.location
  repository = google_artifact_registry_repository.training.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.ci["trainer"].email}"
}

resource "google_storage_bucket_iam_member" "trainer_job_files" {
  bucket = google_storage_bucket.training.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.ci["trainer"].email}"
}
{%- endif %}

# Terraform state: one bucket per environment (its project), written by CD, read by plan and
# trainer (the trainer reads outputs).
resource "google_storage_bucket_iam_member" "state" {
  for_each = var.state_bucket == "" ? {} : {
    cd      = "roles/storage.objectUser"
    plan    = "roles/storage.objectViewer"
    trainer = "roles/storage.objectViewer"
  }

  bucket = var.state_bucket
  role   = each.value
  member = "serviceAccount:${google_service_account.ci[each.key].email}"
}

# With cd_applies_infrastructure, CD also applies this configuration (scripts/deploy.sh): it
# administers the services used here. It cannot escalate: project IAM only for the roles the
# configuration grants (an IAM condition on modifiedGrantsByRole), no Workload Identity pool
# administration (the trust is applied by a person), and service account administration only on
# the workloads' accounts, not on the pipelines' own. Protect production with required reviewers,
# and keep each environment in its own project.
locals {
  # Roles this configuration grants on the project; add one here when you grant a new one.
  project_roles_granted = concat([
    "roles/aiplatform.user",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
{%- if cookiecutter.training_compute == 'cloud' %}
    google_project_iam_custom_role.training_submitter.name,
{%- endif %}
  ], local.plan_project_roles)
}

resource "google_project_iam_member" "cd_infrastructure" {
  for_each = var.cd_applies_infrastructure ? {
    "roles/artifactregistry.admin"          = ""
    "roles/cloudkms.admin"                  = ""
{%- if cookiecutter.training_compute == 'cloud' %}
    "roles/iam.roleViewer"                  = ""
{%- endif %}
    "roles/iam.workloadIdentityPoolViewer"  = ""
    "roles/monitoring.editor"               = ""
    "roles/resourcemanager.projectIamAdmin" = "api.getAttribute(\"iam.googleapis.com/modifiedGrantsByRole\", []).hasOnly(${jsonencode(local.project_roles_granted)})"
    "roles/run.admin"                       = ""
    "roles/secretmanager.admin"             = ""
    "roles/serviceusage.serviceUsageAdmin"  = ""
    "roles/storage.admin"                   = ""
  } : {}

  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.ci["cd"].email}"

  dynamic "condition" {
    for_each = each.value == "" ? [] : [each.value]

    content {
      title       = "only-this-configurations-roles"
      description = "Grant or revoke only the roles this configuration grants on the project"
      expression  = condition.value
    }
  }
}

# Only the workloads' service accounts, not the project's nor the pipelines' own (a new service
# account needs someone with roles/iam.serviceAccountCreator to apply once).
resource "google_service_account_iam_member" "cd_infrastructure" {
  for_each = var.cd_applies_infrastructure ? {
    vertex = google_service_account.vertex.name
{%- if cookiecutter.serving == 'fastapi' %}
    api    = google_service_account.api.name
{%- endif %}
  } : {}

  service_account_id = each.value
  role               = "roles/iam.serviceAccountAdmin"
  member             = "serviceAccount:${google_service_account.ci["cd"].email}"
}

# CD starts Vertex AI jobs as the jobs' own service account.
resource "google_service_account_iam_member" "cd_acts_as_vertex" {
  service_account_id = google_service_account.vertex.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.ci["cd"].email}"
}
{%- if cookiecutter.serving == 'fastapi' %}

resource "google_cloud_run_v2_service_iam_member" "cd" {
  name     = google_cloud_run_v2_service.api.name
  location = google_cloud_run_v2_service.api.location
  role     = "roles/run.developer"
  member   = "serviceAccount:${google_service_account.ci["cd"].email}"
}

# Deploying a revision runs it as the API's service account.
resource "google_service_account_iam_member" "cd_acts_as_api" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.ci["cd"].email}"
}
{%- endif %}
{%- endif %}
