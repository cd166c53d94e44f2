# Terraform and provider versions, the provider configuration and the remote-state backend.
# Run `terraform init` once with network access and commit the .terraform.lock.hcl it writes.

terraform {
  required_version = ">= 1.10.0"

  required_providers {
{%- if cookiecutter.cloud == 'azure' %}
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
{%- elif cookiecutter.cloud == 'aws' %}
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
{%- else %}
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
{%- endif %}
  }

  # Remote state, one state file per environment. The block is deliberately partial: the
  # settings live in envs/<env>.backend.hcl, so nothing here needs credentials to render or
  # to review. Initialise per environment with:
  #   terraform init -reconfigure -backend-config=envs/dev.backend.hcl
  # For a throw-away local try-out, `terraform init -backend=false` skips the backend.
{%- if cookiecutter.cloud == 'azure' %}
  backend "azurerm" {}
{%- elif cookiecutter.cloud == 'aws' %}
  backend "s3" {}
{%- else %}
  backend "gcs" {}
{%- endif %}
}
{%- if cookiecutter.cloud == 'azure' %}

# Credentials come from the environment: `az login` locally; in CD the OIDC login sets
# ARM_CLIENT_ID, ARM_TENANT_ID and ARM_SUBSCRIPTION_ID (ARM_USE_OIDC=true).
provider "azurerm" {
  features {}
  # Data-plane calls (blob containers) use Entra ID, not storage account keys.
  storage_use_azuread = true
  # Resource providers are registered once per subscription by an administrator
  # (docs/infrastructure.md), so identities scoped to one resource group can apply.
  resource_provider_registrations = "none"
}
{%- elif cookiecutter.cloud == 'aws' %}

# Credentials come from the environment: an AWS profile locally; in CD the OIDC role below.
provider "aws" {
  region = var.region
}
{%- else %}

# Credentials come from the environment: `gcloud auth application-default login` locally;
# in CD the Workload Identity Federation login below.
provider "google" {
  project = var.project_id
  region  = var.region
}
{%- endif %}
