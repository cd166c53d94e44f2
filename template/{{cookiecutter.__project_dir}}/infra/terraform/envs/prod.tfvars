# prod: serves users. Geo-redundant storage, long retention, always-warm instances.
# Plan and apply with: terraform plan -var-file=envs/prod.tfvars (see docs/infrastructure.md).

environment = "prod"
{%- if cookiecutter.cloud == 'azure' %}
location    = "westeurope"
{%- elif cookiecutter.cloud == 'aws' %}
region      = "eu-west-1"
{%- else %}
project_id  = "your-project-prod"
region      = "europe-west1"
{%- endif %}

# The repository whose pipelines may deploy, plan and train here (OIDC trust).
repository = "your-org/{{ cookiecutter.project_slug }}"
{%- if cookiecutter.cloud == 'gcp' and cookiecutter.ci_provider != 'azure-devops' %}
# Its immutable numeric ID ({% if cookiecutter.ci_provider == 'gitlab' %}GitLab project ID{% else %}GitHub repository ID{% endif %}), checked instead of the name when set.
repository_id = ""
{%- endif %}
{%- if cookiecutter.ci_provider == 'azure-devops' %}
{%- if cookiecutter.cloud != 'azure' %}

# Azure DevOps: the issuer and the subjects its service connections show (docs/infrastructure.md).
oidc_issuer = "https://login.microsoftonline.com/<tenant-id>/v2.0"
{%- else %}

# Azure DevOps: the subjects its service connections show (docs/infrastructure.md).
{%- endif %}
oidc_subjects = {
  cd      = "<subject of {{ cookiecutter.project_slug }}-production>"
  plan    = "<subject of {{ cookiecutter.project_slug }}-production-plan>"
  trainer = "<subject of {{ cookiecutter.project_slug }}-production-training>"
}
{%- endif %}

# The state store of envs/prod.backend.hcl: this environment's identities get their own state only.
{%- if cookiecutter.cloud == 'azure' %}
state_storage_account_id = "/subscriptions/<subscription-id>/resourceGroups/rg-tfstate/providers/Microsoft.Storage/storageAccounts/sttfstateCHANGEME"
{%- elif cookiecutter.cloud == 'aws' %}
state_bucket = "CHANGEME-tfstate"
{%- else %}
state_bucket = "your-project-prod-tfstate"
{%- endif %}

# Days of logs and of deleted or overwritten model versions kept.
retention_days = {% if cookiecutter.cloud == 'aws' %}365{% else %}90{% endif %}
{%- if cookiecutter.cloud == 'azure' %}

storage_replication_type = "GZRS"

# Storage and key vault network access: public (Entra ID auth only; hosted runners work) or
# restricted (default deny: Azure services, the API subnet and allowed_ip_ranges only).
network_posture   = "public"
allowed_ip_ranges = []
{%- if cookiecutter.training_compute == 'cloud' %}

# Training cluster (Azure ML): scales to 0 nodes when idle; low priority is cheaper but preemptible.
training_vm_size      = "Standard_DS3_v2"
training_max_nodes    = 2
training_low_priority = false
{%- endif %}
{%- else %}

# Who gets monitoring alerts (empty: nobody).
alert_email = ""
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}

# Model API size and autoscaling.
min_replicas        = 2
max_replicas        = 10
concurrent_requests = 15
cpu                 = {% if cookiecutter.cloud == 'gcp' %}2{% else %}1{% endif %}
{%- if cookiecutter.cloud != 'azure' %}
memory_gib          = {% if cookiecutter.cloud == 'aws' %}2{% else %}4{% endif %}
{%- endif %}
{%- endif %}

{% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %} = {
  cost-center = "ml-prod"
}
