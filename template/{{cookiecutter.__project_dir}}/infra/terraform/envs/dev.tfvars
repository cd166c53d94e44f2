# dev: a cheap sandbox for trying changes. Scales to zero, keeps little history.
# Plan and apply with: terraform plan -var-file=envs/dev.tfvars (see docs/infrastructure.md).

environment = "dev"
{%- if cookiecutter.cloud == 'azure' %}
location    = "westeurope"
{%- elif cookiecutter.cloud == 'aws' %}
region      = "eu-west-1"
{%- else %}
project_id  = "your-project-dev"
region      = "europe-west1"
{%- endif %}

# The repository whose CD pipeline may deploy here (OIDC trust).
repository = "your-org/{{ cookiecutter.project_slug }}"

# Days of logs and of deleted or overwritten model versions kept.
retention_days = 30
{%- if cookiecutter.cloud == 'azure' %}

storage_replication_type = "LRS"

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
min_replicas        = {% if cookiecutter.cloud == 'aws' %}1{% else %}0{% endif %}
max_replicas        = 2
concurrent_requests = 15
cpu                 = {% if cookiecutter.cloud == 'gcp' %}1{% else %}0.5{% endif %}
{%- if cookiecutter.cloud != 'azure' %}
memory_gib          = 1
{%- endif %}
{%- endif %}

{% if cookiecutter.cloud == 'gcp' %}labels{% else %}tags{% endif %} = {
  cost-center = "ml-dev"
}
