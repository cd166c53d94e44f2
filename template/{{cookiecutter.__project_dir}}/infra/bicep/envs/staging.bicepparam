// staging: production's twin at a smaller scale; CD deploys here first and runs its checks.
// Deploy with:
//   az deployment group create --resource-group rg-{{ cookiecutter.project_slug[:20].rstrip('-') }}-staging --parameters envs/staging.bicepparam
using '../main.bicep'

param environment = 'staging'

// The repository whose pipelines may deploy, plan and train here (OIDC trust).
param repository = 'your-org/{{ cookiecutter.project_slug }}'
{%- if cookiecutter.ci_provider == 'azure-devops' %}

// Azure DevOps: the subjects its service connections show (docs/infrastructure.md).
param oidcSubjects = {
  cd: '<subject of {{ cookiecutter.project_slug }}-staging>'
  plan: '<subject of {{ cookiecutter.project_slug }}-staging-plan>'
  trainer: '<subject of {{ cookiecutter.project_slug }}-staging-training>'
}
{%- endif %}

// Days of logs and of deleted blobs kept.
param retentionDays = 60

param storageSku = 'Standard_ZRS'

// Storage and key vault network access: public (Entra ID auth only; hosted runners work) or
// restricted (default deny: Azure services, the API subnet and allowedIpRanges only).
param networkPosture = 'public'
param allowedIpRanges = []
{%- if cookiecutter.serving == 'fastapi' %}

// Model API size and autoscaling.
param minReplicas = 1
param maxReplicas = 4
param concurrentRequests = 15
param cpu = '1'
{%- endif %}

{%- if cookiecutter.training_compute == 'cloud' %}

// Training cluster (Azure ML): scales to 0 nodes when idle; low priority is cheaper but preemptible.
param trainingVmSize = 'Standard_DS3_v2'
param trainingMaxNodes = 1
param trainingLowPriority = true
{%- endif %}

param tags = {
  'cost-center': 'ml-staging'
}
