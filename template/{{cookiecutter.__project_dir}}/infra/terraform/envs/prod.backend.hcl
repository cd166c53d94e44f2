# Remote state of the prod environment: terraform init -reconfigure -backend-config=envs/prod.backend.hcl
# The state store is created once, outside this configuration (docs/infrastructure.md, "Before the first
# deployment"); each environment's state is reachable only by that environment's identities.
{%- if cookiecutter.cloud == 'azure' %}
resource_group_name  = "rg-tfstate"
storage_account_name = "sttfstateCHANGEME"
container_name       = "tfstate-prod"
key                  = "{{ cookiecutter.project_slug }}/prod.tfstate"
use_azuread_auth     = true
{%- elif cookiecutter.cloud == 'aws' %}
bucket       = "CHANGEME-tfstate"
key          = "{{ cookiecutter.project_slug }}/prod.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
{%- else %}
bucket = "your-project-prod-tfstate"
prefix = "{{ cookiecutter.project_slug }}/prod"
{%- endif %}
