# staging: production's twin at a smaller scale; CD deploys here first and runs its checks.
# Plan and apply with: terraform plan -var-file=envs/staging.tfvars (see docs/infrastructure.md).

environment = "staging"
{%- if cookiecutter.cloud == 'azure' %}
location    = "westeurope"
{%- elif cookiecutter.cloud == 'aws' %}
region      = "eu-west-1"
{%- else %}
project_id  = "your-project-staging"
region      = "europe-west1"
{%- endif %}

# The repository whose CD pipeline may deploy here (OIDC trust).
repository = "your-org/{{ cookiecutter.project_slug }}"

# Days of logs and of deleted or overwritten model versions kept.
retention_days = {% if cookiecutter.cloud == 'aws' %}90{% else %}60{% endif %}
{%- if cookiecutter.cloud == 'azure' %}

storage_replication_type = "ZRS"

# Storage and key vault network access: public (Entra ID auth only; hosted runners work) or
# restricted (default deny: Azure services, the API subnet and allowed_ip_ranges only).
network_posture   = "public"
allowed_ip_ranges = []
{%- else %}

# Who gets monitoring alerts (empty: nobody).
alert_email = ""
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}

# Model API size and autoscaling.
min_replicas        = 1
max_replicas        = 4
concurrent_requests = 15
cpu                 = 1
{%- if cookiecutter.cloud != 'azure' %}
memory_gib          = 2
{%- endif %}
{%- endif %}

{% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %} = {
  cost-center = "ml-staging"
}
