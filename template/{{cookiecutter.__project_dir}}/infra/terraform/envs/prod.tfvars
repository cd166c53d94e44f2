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

# The repository whose CD pipeline may deploy here (OIDC trust).
repository = "your-org/{{ cookiecutter.project_slug }}"

# Days of logs and of deleted or overwritten model versions kept.
retention_days = {% if cookiecutter.cloud == 'aws' %}365{% else %}90{% endif %}
{%- if cookiecutter.cloud == 'azure' %}

storage_replication_type = "GZRS"

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
