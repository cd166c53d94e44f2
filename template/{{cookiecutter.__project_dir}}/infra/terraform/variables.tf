# Inputs. Values per environment live in envs/<env>.tfvars; the defaults here are the
# production-grade settings (checkov checks them), and dev/staging relax them where it saves cost.

variable "project" {
  description = "Short project name used as the prefix of every resource name (lowercase letters, digits, hyphens; 2-20 characters)."
  type        = string
  default     = "{{ cookiecutter.project_slug[:20].rstrip('-') }}"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.project))
    error_message = "project must be 2-20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen."
  }
}

variable "environment" {
  description = "Deployment environment: dev, staging or prod (one state file and one tfvars file each)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}
{%- if cookiecutter.cloud == 'azure' %}

variable "location" {
  description = "Azure region for every resource, e.g. westeurope."
  type        = string
  default     = "westeurope"

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "name_suffix" {
  description = "Optional 0-4 lowercase letters or digits appended to globally unique names (storage account, key vault, container registry) when the default name is taken."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[a-z0-9]{0,4}$", var.name_suffix))
    error_message = "name_suffix must be 0-4 lowercase letters or digits."
  }
}
{%- elif cookiecutter.cloud == 'aws' %}

variable "region" {
  description = "AWS region for every resource, e.g. eu-west-1."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}
{%- else %}

variable "project_id" {
  description = "ID of the Google Cloud project this environment deploys into (one project per environment is recommended)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID: 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Google Cloud region for regional resources, e.g. europe-west1."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region name such as europe-west1."
  }
}
{%- endif %}

variable "{% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %}" {
  description = "Extra {% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %} for every resource, merged over the standard ones (project, environment, managed-by)."
  type        = map(string)
  default     = {}
}

variable "repository" {
  description = "The Git repository whose CD pipeline may deploy here, as \"org/repo\" (GitLab: \"group/subgroup/project\"). Used in the OIDC trust."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", var.repository))
    error_message = "repository must look like org/repo."
  }
}

variable "oidc_issuer" {
  description = "OIDC issuer of the pipelines' tokens.{% if cookiecutter.ci_provider == 'azure-devops' %} Azure DevOps: https://login.microsoftonline.com/<tenant-id>/v2.0, as the service connection shows it{% if cookiecutter.cloud == 'azure' %} (empty: this subscription's tenant){% endif %}.{% elif cookiecutter.ci_provider == 'gitlab' %} GitLab: https://gitlab.com or your instance's URL.{% else %} GitHub Actions: https://token.actions.githubusercontent.com.{% endif %}"
  type        = string
  default     = "{% if cookiecutter.ci_provider == 'gitlab' %}https://gitlab.com{% elif cookiecutter.ci_provider == 'azure-devops' %}{% else %}https://token.actions.githubusercontent.com{% endif %}"

  validation {
    condition     = {% if cookiecutter.ci_provider == 'azure-devops' and cookiecutter.cloud == 'azure' %}var.oidc_issuer == "" || {% endif %}startswith(var.oidc_issuer, "https://")
    error_message = "oidc_issuer must be an https:// URL{% if cookiecutter.ci_provider == 'azure-devops' %} (Azure DevOps: the issuer its service connection shows){% endif %}."
  }
}

variable "oidc_subjects" {
  description = "Subject claim each identity's token must carry, by identity (cd, plan, trainer). {% if cookiecutter.ci_provider == 'azure-devops' %}Azure DevOps: required, the subject each service connection (<project>-<environment>, -plan, -training) shows.{% elif cookiecutter.ci_provider == 'gitlab' %}Empty: project_path:<repository>:ref_type:branch:ref:main (GitLab cannot put the environment into the subject; see docs/infrastructure.md).{% else %}Empty: repo:<repository>:environment:<CI environment> with the CI environments <env>, <env>-plan and <env>-training.{% endif %}"
  type        = map(string)
  default     = {}

  validation {
    condition     = {% if cookiecutter.ci_provider == 'azure-devops' %}length(setsubtract(["cd", "plan", "trainer"], keys(var.oidc_subjects))) == 0 && {% endif %}length(setsubtract(keys(var.oidc_subjects), ["cd", "plan", "trainer"])) == 0
    error_message = "oidc_subjects {% if cookiecutter.ci_provider == 'azure-devops' %}needs exactly the keys cd, plan and trainer (the subjects of the three service connections){% else %}takes only the keys cd, plan and trainer{% endif %}."
  }
}
{%- if cookiecutter.cloud == 'gcp' and cookiecutter.ci_provider != 'azure-devops' %}

variable "repository_id" {
  description = "Immutable numeric ID of the repository ({% if cookiecutter.ci_provider == 'gitlab' %}GitLab project ID, the project_id claim{% else %}GitHub repository ID, the repository_id claim{% endif %}). Set, the trust checks it instead of the repository's name, which a rename or a re-created repository could take over. Empty: the name."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[0-9]*$", var.repository_id))
    error_message = "repository_id must be the numeric ID of the repository, or empty."
  }
}
{%- endif %}

{%- if cookiecutter.cloud != 'azure' %}

variable "oidc_audience" {
  description = "Audience the pipelines' tokens are issued for. Empty means {% if cookiecutter.ci_provider == 'azure-devops' %}api://AzureADTokenExchange (Azure DevOps){% elif cookiecutter.cloud == 'aws' %}sts.amazonaws.com{% else %}the provider's full name{% endif %}."
  type        = string
  default     = ""
}
{%- endif %}

variable "state_{% if cookiecutter.cloud == 'azure' %}storage_account_id{% else %}bucket{% endif %}" {
  description = "{% if cookiecutter.cloud == 'azure' %}Resource ID of the state store's storage account (envs/<env>.backend.hcl); this environment's identities get access to its container tfstate-<env> only.{% elif cookiecutter.cloud == 'aws' %}Name of the state bucket (envs/<env>.backend.hcl); this environment's identities get access to its own state object only and are denied the other environments'.{% else %}Name of this environment's state bucket (envs/<env>.backend.hcl); this environment's identities get access to it.{% endif %} Empty: grant it by hand (docs/infrastructure.md)."
  type        = string
  default     = ""
}
{%- if cookiecutter.cloud == 'aws' %}

variable "state_key_prefix" {
  description = "Folder of this project's state objects in the state bucket: <prefix>/<env>.tfstate, as the key in envs/<env>.backend.hcl."
  type        = string
  default     = "{{ cookiecutter.project_slug }}"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.state_key_prefix))
    error_message = "state_key_prefix must be a path without leading or trailing slash, e.g. my-project."
  }
}
{%- endif %}

variable "cd_applies_infrastructure" {
  description = "Let the CD identity apply this configuration too (scripts/deploy.sh runs terraform apply before each deployment): it then administers this environment's resources. false: CD only pushes images, uploads models{% if cookiecutter.serving == 'fastapi' %} and deploys the API{% endif %}; people apply the infrastructure."
  type        = bool
  default     = true
}
{%- if cookiecutter.cloud == 'aws' %}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for oidc_issuer here. An account has one provider per issuer, so by default every environment looks it up: create it once per account (docs/infrastructure.md), or set true in the one environment that owns an account of its own."
  type        = bool
  default     = false
}
{%- endif %}
{%- if cookiecutter.cloud == 'azure' %}

variable "network_posture" {
  description = "Network access to the storage account and key vault. public (default): their public endpoints accept any network, and every request still needs Entra ID auth (no shared keys, TLS 1.2): hosted CI runners and Terraform's data-plane reads work. restricted: default-deny firewalls that admit only Azure services{% if cookiecutter.serving == 'fastapi' %}, the model API's subnet{% endif %} and allowed_ip_ranges: CI must then run on self-hosted runners (or an egress) inside those ranges."
  type        = string
  default     = "public"

  validation {
    condition     = contains(["public", "restricted"], var.network_posture)
    error_message = "network_posture must be public or restricted."
  }
}

variable "allowed_ip_ranges" {
  description = "Public IP ranges (CIDR) allowed through the storage account and key vault firewalls when network_posture is restricted, e.g. your office or self-hosted runners' egress. Azure services are always allowed."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.allowed_ip_ranges : can(cidrhost(cidr, 0))])
    error_message = "allowed_ip_ranges must be CIDR ranges such as 203.0.113.0/24."
  }
}

variable "storage_replication_type" {
  description = "Replication of the data and model storage account: LRS or ZRS (one region) or GRS, RAGRS, GZRS, RAGZRS (copy in the paired region)."
  type        = string
  default     = "GZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}
{%- if cookiecutter.training_compute == 'cloud' %}

variable "training_vm_size" {
  description = "VM size of the training cluster's nodes, e.g. Standard_DS3_v2 (4 vCPU, 14 GiB) or a GPU size such as Standard_NC4as_T4_v3. Your subscription needs quota for its family in the region (docs/infrastructure.md, Training compute)."
  type        = string
  default     = "Standard_DS3_v2"

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.training_vm_size))
    error_message = "training_vm_size must be an Azure VM size name such as Standard_DS3_v2."
  }
}

variable "training_max_nodes" {
  description = "Most nodes the training cluster scales up to (it scales down to 0 when idle, so idle costs nothing). One job uses one node unless it asks for more."
  type        = number
  default     = 2

  validation {
    condition     = var.training_max_nodes >= 1 && var.training_max_nodes <= 100 && floor(var.training_max_nodes) == var.training_max_nodes
    error_message = "training_max_nodes must be a whole number from 1 to 100."
  }
}

variable "training_low_priority" {
  description = "Run training nodes on low-priority (spot) capacity: much cheaper, but Azure may preempt a running job (it then fails and is submitted again). Uses the low-priority quota, not the dedicated one."
  type        = bool
  default     = false
}
{%- endif %}
{%- endif %}

variable "retention_days" {
  description = "Days to keep logs{% if cookiecutter.cloud != 'gcp' %} and metrics{% endif %}, and deleted or overwritten blobs (soft delete / noncurrent versions) in the model store."
  type        = number
  default     = {% if cookiecutter.cloud == 'aws' %}365{% else %}90{% endif %}

  validation {
{%- if cookiecutter.cloud == 'aws' %}
    # CloudWatch accepts only these values.
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be a CloudWatch retention value: 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
{%- else %}
    condition     = var.retention_days >= 30 && var.retention_days <= 365
    error_message = "retention_days must be between 30 and 365."
{%- endif %}
  }
}
{%- if cookiecutter.cloud != 'azure' %}

variable "alert_email" {
  description = "E-mail address that receives monitoring alerts; empty for none."
  type        = string
  default     = ""

  validation {
    condition     = var.alert_email == "" || can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.alert_email))
    error_message = "alert_email must be an e-mail address or empty."
  }
}
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}

# ---------------------------------------------------------------- model API (serving.tf)

variable "container_image" {
  description = "Image the model API starts with. CD deploys the real image (by digest) and Terraform ignores later image changes; this placeholder only lets the first apply succeed before any image was pushed."
  type        = string
  default     = "{% if cookiecutter.cloud == 'azure' %}mcr.microsoft.com/k8se/quickstart:latest{% elif cookiecutter.cloud == 'aws' %}public.ecr.aws/aws-containers/hello-app-runner:latest{% else %}us-docker.pkg.dev/cloudrun/container/hello:latest{% endif %}"
}


variable "api_secrets" {
{%- if cookiecutter.cloud == 'azure' %}
  description = "Environment variables of the model API read from Key Vault secrets: {ENV_VAR = \"secret-name\"}. Create the secrets yourself (az keyvault secret set); the API's identity reads them when a revision starts. Empty: none."
{%- elif cookiecutter.cloud == 'aws' %}
  description = "Environment variables of the model API read from keys of the application secret (output app_secret_arn, a JSON object): {ENV_VAR = \"json-key\"}. Put the keys in yourself (aws secretsmanager put-secret-value) before the API starts; ECS reads them with the task execution role when a task starts. Empty: none."
{%- else %}
  description = "Environment variables of the model API read from Secret Manager secrets of the project (latest version): {ENV_VAR = \"secret-id\"}. Create the secrets yourself (gcloud secrets create); the API's service account reads them when an instance starts. Empty: none."
{%- endif %}
  type        = map(string)
  default     = {}

  validation {
{%- if cookiecutter.cloud == 'azure' %}
    condition     = alltrue([for name, secret in var.api_secrets : can(regex("^[A-Za-z][A-Za-z0-9_]*$", name)) && can(regex("^[0-9A-Za-z-]{1,127}$", secret))])
    error_message = "api_secrets maps environment variable names (letters, digits, _) to Key Vault secret names (letters, digits, -)."
{%- elif cookiecutter.cloud == 'aws' %}
    condition     = alltrue([for name, key in var.api_secrets : can(regex("^[A-Za-z][A-Za-z0-9_]*$", name)) && can(regex("^[^:]+$", key))])
    error_message = "api_secrets maps environment variable names (letters, digits, _) to keys of the application secret's JSON (no colons)."
{%- else %}
    condition     = alltrue([for name, secret in var.api_secrets : can(regex("^[A-Za-z][A-Za-z0-9_]*$", name)) && can(regex("^[A-Za-z0-9_-]{1,255}$", secret))])
    error_message = "api_secrets maps environment variable names (letters, digits, _) to Secret Manager secret ids (letters, digits, _ and -)."
{%- endif %}
  }
}

variable "container_port" {
  description = "Port the model API listens on inside the container."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535
    error_message = "container_port must be between 1 and 65535."
  }
}

variable "health_path" {
  description = "HTTP path of the model API's readiness endpoint, used by the platform's readiness and startup checks: /ready answers 200 only once a model is loaded (liveness uses /health)."
  type        = string
  default     = "/ready"

  validation {
    condition     = startswith(var.health_path, "/")
    error_message = "health_path must start with /."
  }
}

{%- if cookiecutter.cloud == 'aws' %}

variable "certificate_arn" {
  description = "ACM certificate (ARN) for the load balancer's HTTPS listener, for your domain pointed at it. Empty: plain HTTP on the load balancer's own DNS name (AWS issues no certificate for it)."
  type        = string
  default     = ""

  validation {
    condition     = var.certificate_arn == "" || startswith(var.certificate_arn, "arn:")
    error_message = "certificate_arn must be an ACM certificate ARN or empty."
  }
}
{%- endif %}

variable "min_replicas" {
  description = "Autoscaling floor: instances kept running when idle.{% if cookiecutter.cloud != 'aws' %} 0 scales to zero (cold starts, no idle cost).{% endif %}"
  type        = number
  default     = {% if cookiecutter.cloud == 'aws' %}1{% else %}0{% endif %}

  validation {
    condition     = var.min_replicas >= {% if cookiecutter.cloud == 'aws' %}1{% else %}0{% endif %} && var.min_replicas <= {% if cookiecutter.cloud == 'aws' %}25{% else %}100{% endif %} && floor(var.min_replicas) == var.min_replicas
    error_message = "min_replicas must be a whole number from {% if cookiecutter.cloud == 'aws' %}1 to 25{% else %}0 to 100{% endif %}."
  }
}

variable "max_replicas" {
  description = "Autoscaling ceiling: most instances under load (caps cost)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_replicas >= 1 && var.max_replicas <= {% if cookiecutter.cloud == 'aws' %}25{% else %}100{% endif %} && floor(var.max_replicas) == var.max_replicas
    error_message = "max_replicas must be a whole number from 1 to {% if cookiecutter.cloud == 'aws' %}25{% else %}100{% endif %}."
  }
}

variable "concurrent_requests" {
  description = "Autoscaling rule: concurrent requests per instance before another instance is added. One replica meets the 100 ms p95 target up to about 15 in flight (docs/serving.md): measure yours before raising it.{% if cookiecutter.cloud == 'aws' %} ECS scales on requests per task and minute: this value x 600 (15 in flight at 100 ms each).{% endif %}"
  type        = number
  default     = 15

  validation {
    condition     = var.concurrent_requests >= 1 && var.concurrent_requests <= {% if cookiecutter.cloud == 'aws' %}200{% else %}1000{% endif %}
    error_message = "concurrent_requests must be between 1 and {% if cookiecutter.cloud == 'aws' %}200{% else %}1000{% endif %}."
  }
}

variable "cpu" {
  description = "{% if cookiecutter.cloud == 'azure' %}vCPU per instance (Container Apps consumption: 0.25 to 2 in steps of 0.25; memory is twice the CPU in GiB).{% elif cookiecutter.cloud == 'aws' %}vCPU per task (Fargate: 0.25, 0.5, 1, 2 or 4).{% else %}vCPU per instance (Cloud Run: 1, 2, 4, 6 or 8).{% endif %}"
  type        = number
  default     = 1

  validation {
{%- if cookiecutter.cloud == 'azure' %}
    condition     = var.cpu >= 0.25 && var.cpu <= 2 && floor(var.cpu * 4) == var.cpu * 4
    error_message = "cpu must be 0.25 to 2 in steps of 0.25."
{%- elif cookiecutter.cloud == 'aws' %}
    condition     = contains([0.25, 0.5, 1, 2, 4], var.cpu)
    error_message = "cpu must be one of 0.25, 0.5, 1, 2, 4."
{%- else %}
    condition     = contains([1, 2, 4, 6, 8], var.cpu)
    error_message = "cpu must be one of 1, 2, 4, 6, 8."
{%- endif %}
  }
}
{%- if cookiecutter.cloud != 'azure' %}

variable "memory_gib" {
  description = "Memory per instance in GiB{% if cookiecutter.cloud == 'aws' %} (Fargate: 0.5 to 12, a combination Fargate supports for the CPU){% else %} (Cloud Run: 0.5 to 32, at least 0.5 per vCPU){% endif %}."
  type        = number
  default     = 2

  validation {
    condition     = var.memory_gib >= 0.5 && var.memory_gib <= {% if cookiecutter.cloud == 'aws' %}12{% else %}32{% endif %}
    error_message = "memory_gib must be between 0.5 and {% if cookiecutter.cloud == 'aws' %}12{% else %}32{% endif %}."
  }
}
{%- endif %}
{%- endif %}
