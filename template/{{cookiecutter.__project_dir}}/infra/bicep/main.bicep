// {{ cookiecutter.project_name }}: the Azure infrastructure of one environment (dev, staging or prod).
// Deploy into an existing resource group with a parameter file per environment:
//   az deployment group create --resource-group rg-{{ cookiecutter.project_slug[:20].rstrip('-') }}-dev --parameters envs/dev.bicepparam
// See docs/infrastructure.md for what each resource is for.
targetScope = 'resourceGroup'

// ------------------------------------------------------------------------------ parameters

@description('Short project name used as the prefix of every resource name (lowercase letters, digits, hyphens; 2-20 characters).')
@minLength(2)
@maxLength(20)
param project string = '{{ cookiecutter.project_slug[:20].rstrip('-') }}'

@description('Deployment environment: dev, staging or prod (one parameter file each).')
@allowed([
  'dev'
  'staging'
  'prod'
])
param environment string

@description('Azure region for every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Optional 0-4 lowercase letters or digits appended to globally unique names (storage account, key vault, container registry) when the default name is taken.')
@maxLength(4)
param nameSuffix string = ''

@description('The Git repository whose CD pipeline may deploy here, as org/repo. Used in the OIDC trust.')
@minLength(3)
param repository string

@description('OIDC issuer of the pipelines\' tokens.{% if cookiecutter.ci_provider == 'azure-devops' %} Empty: this tenant\'s Entra ID (https://login.microsoftonline.com/<tenant-id>/v2.0), the issuer of Azure DevOps\' workload identity federation.{% elif cookiecutter.ci_provider == 'gitlab' %} GitLab: https://gitlab.com or your instance\'s URL.{% else %} GitHub Actions: https://token.actions.githubusercontent.com.{% endif %}')
param oidcIssuer string = '{% if cookiecutter.ci_provider == 'gitlab' %}https://gitlab.com{% elif cookiecutter.ci_provider == 'azure-devops' %}{% else %}https://token.actions.githubusercontent.com{% endif %}'

@description('Subject claim each identity\'s token must carry, by identity (cd, plan, trainer).{% if cookiecutter.ci_provider == 'azure-devops' %} Azure DevOps: required, the subject each service connection (<project>-<environment>, -plan, -training) shows.{% elif cookiecutter.ci_provider == 'gitlab' %} Missing keys: project_path:<repository>:ref_type:branch:ref:main (GitLab cannot put the environment into the subject; see docs/infrastructure.md).{% else %} Missing keys: repo:<repository>:environment:<CI environment> with the CI environments <env>, <env>-plan and <env>-training.{% endif %}')
param oidcSubjects object = {}

@description('Deploy the pipelines\' role assignments too. Only a person with Owner (or Role Based Access Control Administrator) rights sets this, on the first deployment and when access changes: the CD identity deploys with false, so it never touches its own or the other identities\' access.')
param manageIdentities bool = false

@description('Let the CD identity deploy this template too (scripts/deploy.sh runs az deployment group create before each deployment): it then administers the resource group. false: CD only pushes images, uploads models{% if cookiecutter.serving == 'fastapi' %} and deploys the API{% endif %}.')
param cdAppliesInfrastructure bool = true

@description('Network access to the storage account and key vault. public: any network, Entra ID auth still required (hosted CI runners work). restricted: default-deny firewalls admitting Azure services{% if cookiecutter.serving == 'fastapi' %}, the model API subnet{% endif %} and allowedIpRanges (CI then needs self-hosted runners inside them).')
@allowed([
  'public'
  'restricted'
])
param networkPosture string = 'public'

@description('Public IP ranges (CIDR) allowed through the storage account and key vault firewalls when networkPosture is restricted, e.g. your office or self-hosted runners\' egress.')
param allowedIpRanges array = []

@description('Replication of the data and model storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_GZRS'

@description('Days to keep logs, and deleted blobs and containers in the model store.')
@minValue(30)
@maxValue(365)
param retentionDays int = 90
{%- if cookiecutter.serving == 'fastapi' %}

@description('Image the model API runs. CD deploys new images with `az containerapp update`; pass the running image here when you redeploy the infrastructure, or it is reset to this placeholder.')
param containerImage string = 'mcr.microsoft.com/k8se/quickstart:latest'

// The public placeholder of the first deployment (no model, no /ready): containerImage's default.
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Environment variables of the model API read from Key Vault secrets: {ENV_VAR: \'secret-name\'}. Create the secrets yourself (az keyvault secret set). Empty: none.')
param apiSecrets object = {}

@description('Port the model API listens on inside the container.')
@minValue(1)
@maxValue(65535)
param containerPort int = 8000

@description('HTTP path of the model API\'s readiness endpoint (200 only once a model is loaded), used by the readiness probe; liveness uses /health.')
param healthPath string = '/ready'

@description('Autoscaling floor: replicas kept running when idle (0 scales to zero).')
@minValue(0)
@maxValue(100)
param minReplicas int = 0

@description('Autoscaling ceiling: most replicas under load (caps cost).')
@minValue(1)
@maxValue(100)
param maxReplicas int = 10

@description('Autoscaling rule: concurrent requests per replica before another replica is added. One replica meets the 100 ms p95 target up to about 15 in flight (docs/serving.md).')
@minValue(1)
@maxValue(1000)
param concurrentRequests int = 15

@description('vCPU per replica as a string (0.25 to 2 in steps of 0.25); memory is twice the CPU in GiB.')
@allowed([
  '0.25'
  '0.5'
  '0.75'
  '1'
  '1.25'
  '1.5'
  '1.75'
  '2'
])
param cpu string = '1'
{%- endif %}

{%- if cookiecutter.training_compute == 'cloud' %}

@description('VM size of the training cluster\'s nodes, e.g. Standard_DS3_v2 (4 vCPU, 14 GiB) or a GPU size such as Standard_NC4as_T4_v3. The subscription needs quota for its family in the region (docs/infrastructure.md, Training compute).')
@minLength(11)
@maxLength(64)
param trainingVmSize string = 'Standard_DS3_v2'

@description('Most nodes the training cluster scales up to (it scales down to 0 when idle, so idle costs nothing).')
@minValue(1)
@maxValue(100)
param trainingMaxNodes int = 2

@description('Run training nodes on low-priority (spot) capacity: much cheaper, but Azure may preempt a running job. Uses the low-priority quota, not the dedicated one.')
param trainingLowPriority bool = false
{%- endif %}

@description('Extra tags for every resource, merged over the standard ones (project, environment, managed-by, repository).')
param tags object = {}

// ------------------------------------------------------------------------------ names and tags

var name = '${project}-${environment}'
// The CD pipeline's deployment environments are called dev, staging and production.
var cdEnvironment = environment == 'prod' ? 'production' : environment
// Each identity is trusted from its own CI environment: <env>, <env>-plan, <env>-training.
var ciEnvironments = {
  cd: cdEnvironment
  plan: '${cdEnvironment}-plan'
  trainer: '${cdEnvironment}-training'
}
var defaultSubjects = {
  cd: {% if cookiecutter.ci_provider == 'gitlab' %}'project_path:${repository}:ref_type:branch:ref:main'{% elif cookiecutter.ci_provider == 'azure-devops' %}''{% else %}'repo:${repository}:environment:${ciEnvironments.cd}'{% endif %}
  plan: {% if cookiecutter.ci_provider == 'gitlab' %}'project_path:${repository}:ref_type:branch:ref:main'{% elif cookiecutter.ci_provider == 'azure-devops' %}''{% else %}'repo:${repository}:environment:${ciEnvironments.plan}'{% endif %}
  trainer: {% if cookiecutter.ci_provider == 'gitlab' %}'project_path:${repository}:ref_type:branch:ref:main'{% elif cookiecutter.ci_provider == 'azure-devops' %}''{% else %}'repo:${repository}:environment:${ciEnvironments.trainer}'{% endif %}
}
// Storage accounts, key vaults and registries need globally unique alphanumeric names of at most 24 characters.
var compactName = take(replace('${project}${environment}${nameSuffix}', '-', ''), 22)
var allTags = union({
  project: project
  environment: environment
  'managed-by': 'bicep'
  repository: repository
}, tags)

// ------------------------------------------------------------------------------ resources

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: name
    location: location
    retentionDays: retentionDays
    tags: allTags
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    name: name
    location: location
    tags: allTags
  }
}
{%- endif %}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${compactName}'
    location: location
    sku: storageSku
    retentionDays: retentionDays
    networkPosture: networkPosture
    allowedIpRanges: allowedIpRanges
    allowedSubnetIds: {% if cookiecutter.serving == 'fastapi' %}[
      network.outputs.appsSubnetId
    ]{% else %}[]{% endif %}
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    tags: allTags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    name: 'kv${compactName}'
    location: location
    networkPosture: networkPosture
    allowedIpRanges: allowedIpRanges
    allowedSubnetIds: {% if cookiecutter.serving == 'fastapi' %}[
      network.outputs.appsSubnetId
    ]{% else %}[]{% endif %}
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    tags: allTags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: 'cr${compactName}'
    location: location
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    tags: allTags
  }
}

module mlWorkspace 'modules/mlworkspace.bicep' = {
  name: 'ml-workspace'
  params: {
    name: 'mlw-${name}'
    location: location
    highBusinessImpact: environment == 'prod'
    storageAccountId: storage.outputs.id
    keyVaultId: keyVault.outputs.id
    containerRegistryId: registry.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
{%- if cookiecutter.training_compute == 'cloud' %}
    trainingJobIdentityName: 'id-${name}-training-job'
    trainingVmSize: trainingVmSize
    trainingMaxNodes: trainingMaxNodes
    trainingLowPriority: trainingLowPriority
{%- endif %}
    tags: allTags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: name
    location: location
    oidcIssuer: {% if cookiecutter.ci_provider == 'azure-devops' %}empty(oidcIssuer) ? 'https://login.microsoftonline.com/${tenant().tenantId}/v2.0' : {% endif %}oidcIssuer
    oidcSubjects: union(defaultSubjects, oidcSubjects)
    tags: allTags
  }
}
{%- if cookiecutter.feature_store == 'feast' %}

module features 'modules/features.bicep' = {
  name: 'features'
  params: {
    name: 'redis-${name}${nameSuffix}'
    location: location
    storageAccountName: storage.outputs.name
    trainerPrincipalId: identity.outputs.trainerPrincipalId
{%- if cookiecutter.serving == 'fastapi' %}
    apiPrincipalId: identity.outputs.apiPrincipalId
{%- endif %}
    manageIdentities: manageIdentities
    tags: allTags
  }
}
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}

module containerApp 'modules/containerapp.bicep' = {
  name: 'container-app'
  params: {
    name: name
    environmentName: environment
    location: location
    subnetId: network.outputs.appsSubnetId
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsWorkspaceName
    registryLoginServer: registry.outputs.loginServer
    identityId: identity.outputs.apiIdentityId
    identityClientId: identity.outputs.apiClientId
    image: containerImage
    port: containerPort
    healthPath: healthPath
    minReplicas: minReplicas
    placeholderImage: placeholderImage
    maxReplicas: maxReplicas
    concurrentRequests: concurrentRequests
    cpu: cpu
    keyVaultUrl: keyVault.outputs.uri
    apiSecrets: apiSecrets
{%- if cookiecutter.feature_store == 'feast' %}
    featureStoreEnv: [
      {
        name: 'FEATURE_STORE_YAML'
        value: '/app/feature_repo/feature_store.cloud.yaml'
      }
      {
        name: 'FEATURE_STORE_REGISTRY'
        value: features.outputs.registryPath
      }
      {
        name: 'FEATURE_STORE_REDIS_HOST'
        value: features.outputs.redisHostName
      }
      {
        name: 'FEATURE_STORE_REDIS_USER'
        value: identity.outputs.apiPrincipalId
      }
    ]
{%- endif %}
    tags: allTags
  }
  // The identity must be allowed to pull from the registry before the first revision starts.
  dependsOn: [
    access
  ]
}
{%- endif %}

// Who may do what: CD pushes images, uploads models, runs ML jobs{% if cookiecutter.serving == 'fastapi' %} and deploys the API; the API pulls images and reads models and secrets{% endif %}.
module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    registryName: registry.outputs.name
    mlWorkspaceName: mlWorkspace.outputs.name
    cdPrincipalId: identity.outputs.cdPrincipalId
    planPrincipalId: identity.outputs.planPrincipalId
    trainerPrincipalId: identity.outputs.trainerPrincipalId
    manageIdentities: manageIdentities
    cdAppliesInfrastructure: cdAppliesInfrastructure
{%- if cookiecutter.serving == 'fastapi' %}
    apiPrincipalId: identity.outputs.apiPrincipalId
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}
    trainingJobPrincipalId: mlWorkspace.outputs.trainingJobPrincipalId
    mlWorkspaceId: mlWorkspace.outputs.workspaceId
{%- endif %}
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

// CD may update the container app (new image, new revision): part of the identities' access.
module appAccess 'modules/appaccess.bicep' = if (manageIdentities) {
  name: 'app-access'
  params: {
    containerAppName: containerApp.outputs.name
    appEnvironmentName: containerApp.outputs.environmentName
    apiIdentityId: identity.outputs.apiIdentityId
    cdPrincipalId: identity.outputs.cdPrincipalId
  }
}
{%- endif %}

// ------------------------------------------------------------------------------ outputs for CD
// The same names as the Terraform version's outputs, so CD reads either the same way.

@description('Resource group holding this environment.')
output resource_group_name string = resourceGroup().name

@description('Container registry host to tag and push images to.')
output registry_login_server string = registry.outputs.loginServer

@description('Container registry name (az acr login --name).')
output registry_name string = registry.outputs.name

@description('Storage account for data and models.')
output storage_account_name string = storage.outputs.name

@description('Blob container CD uploads trained models to.')
output model_container_name string = 'models'

@description('Blob container for training data.')
output data_container_name string = 'data'

@description('Key Vault URI for application secrets.')
output key_vault_uri string = keyVault.outputs.uri

@description('Azure Machine Learning workspace.')
output ml_workspace_name string = mlWorkspace.outputs.name
{%- if cookiecutter.training_compute == 'cloud' %}

@description('Azure ML compute cluster training jobs run on (AZUREML_COMPUTE).')
output training_compute_name string = mlWorkspace.outputs.trainingComputeName

@description('Repository of the training image in the registry (TRAINING_IMAGE is <this>@sha256:<digest>).')
output training_image_repository string = '${registry.outputs.loginServer}/${project}-training'
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

@description('MLflow tracking server: the workspace\'s MLflow endpoint (MLFLOW_TRACKING_URI; needs the azureml-mlflow plugin).')
output mlflow_tracking_uri string = mlWorkspace.outputs.mlflowTrackingUri
{%- endif %}

@description('Client ID the deploy jobs log in with in the CI environment <env> (AZURE_CLIENT_ID).')
output cd_client_id string = identity.outputs.cdClientId

@description('Client ID of the read-only plan identity, for the CI environment <env>-plan (AZURE_CLIENT_ID there).')
output plan_client_id string = identity.outputs.planClientId

@description('Client ID of the trainer identity, for the CI environment <env>-training (AZURE_CLIENT_ID there).')
output trainer_client_id string = identity.outputs.trainerClientId

@description('Entra ID tenant (azure/login tenant-id).')
output tenant_id string = tenant().tenantId

@description('Subscription (azure/login subscription-id).')
output subscription_id string = subscription().subscriptionId
{%- if cookiecutter.serving == 'fastapi' %}

@description('Container App of the model API (az containerapp update --name).')
output container_app_name string = containerApp.outputs.name

@description('Replica floor CD sets with each deployment (az containerapp update --min-replicas).')
output api_min_replicas int = minReplicas

@description('Public HTTPS URL of the model API.')
output api_url string = 'https://${containerApp.outputs.fqdn}'
{%- endif %}
{%- if cookiecutter.feature_store == 'feast' %}

@description('Feast\'s registry (FEATURE_STORE_REGISTRY): one blob the trainer writes and the model API reads.')
output feature_store_registry string = features.outputs.registryPath

@description('Azure Cache for Redis of the online store (TLS port 6380, Entra ID auth: FEATURE_STORE_REDIS_CONNECTION).')
output feature_store_redis_host string = features.outputs.redisHostName
{%- endif %}
