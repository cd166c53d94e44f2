// Role assignments: what the pipelines' identities (cd, plan, trainer){% if cookiecutter.serving == 'fastapi' %} and the model API's identity{% endif %} may do.
// Built-in role IDs: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
// The pipelines' assignments are deployed only with manageIdentities (by a person): CD cannot
// change its own or the other identities' access.

@description('Storage account for data and models.')
param storageAccountName string

@description('Key vault for secrets.')
param keyVaultName string

@description('Container registry.')
param registryName string

@description('Azure Machine Learning workspace.')
param mlWorkspaceName string

@description('Principal (object) ID of the CD identity.')
param cdPrincipalId string

@description('Principal (object) ID of the read-only plan identity.')
param planPrincipalId string

@description('Principal (object) ID of the trainer identity.')
param trainerPrincipalId string

@description('Deploy the pipelines\' identities\' role assignments (a person does, CD does not).')
param manageIdentities bool

@description('Let the CD identity deploy this template too: Contributor and a conditioned Role Based Access Control Administrator on the resource group.')
param cdAppliesInfrastructure bool
{%- if cookiecutter.serving == 'fastapi' %}

@description('Principal (object) ID of the model API\'s identity.')
param apiPrincipalId string
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}

@description('Principal (object) ID of the training jobs\' identity (the compute cluster\'s).')
param trainingJobPrincipalId string

@description('Immutable ID (GUID) of the Azure ML workspace: its default datastore is the container azureml-blobstore-<id>.')
param mlWorkspaceId string
{%- endif %}

var roles = {
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  azureMlDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121'
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  keyVaultReader: '21090545-7ca7-4776-b22c-e363c0f7d5c4'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
}

{%- if cookiecutter.training_compute == 'cloud' %}

// The roles CD may assign while it deploys this template, and to whom: the workloads'
// identities only ({% if cookiecutter.serving == 'fastapi' %}the model API's and {% endif %}the training jobs'). No Owner, User Access Administrator or
// RBAC Administrator, and never to itself or the pipelines' identities, so CD cannot escalate
// (ABAC condition). Storage Blob Data Contributor (the jobs' datastore) is a role CD holds itself.
var cdAssignableRoles = '${roles.acrPull}, ${roles.storageBlobDataReader}, ${roles.storageBlobDataContributor}, ${roles.keyVaultSecretsUser}'
var cdAssignablePrincipals = {% if cookiecutter.serving == 'fastapi' %}'${apiPrincipalId}, ${trainingJobPrincipalId}'{% else %}trainingJobPrincipalId{% endif %}
{%- else %}

// The roles CD may assign while it deploys this template, and to whom: the model API's identity
// only{% if cookiecutter.serving != 'fastapi' %} (none here){% endif %}. No Owner, User Access Administrator or RBAC Administrator, and never
// to itself or the other pipelines' identities, so CD cannot escalate (ABAC condition).
var cdAssignableRoles = '${roles.acrPull}, ${roles.storageBlobDataReader}, ${roles.keyVaultSecretsUser}'
var cdAssignablePrincipals = {% if cookiecutter.serving == 'fastapi' %}apiPrincipalId{% else %}'00000000-0000-0000-0000-000000000000'{% endif %}
{%- endif %}
var cdRoleAssignmentCondition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${cdAssignableRoles}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${cdAssignablePrincipals}})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${cdAssignableRoles}} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${cdAssignablePrincipals}}))'

resource targetStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource targetVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource targetRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource targetWorkspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' existing = {
  name: mlWorkspaceName
}

// CD pushes images.
resource cdPushImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetRegistry
  name: guid(targetRegistry.id, cdPrincipalId, roles.acrPush)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPush)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// CD uploads trained models.
resource cdUploadModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetStorage
  name: guid(targetStorage.id, cdPrincipalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// CD submits training jobs and registers models.
resource cdRunMlJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetWorkspace
  name: guid(targetWorkspace.id, cdPrincipalId, roles.azureMlDataScientist)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMlDataScientist)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// With cdAppliesInfrastructure, CD also deploys this template (scripts/deploy.sh): it manages
// the resource group's resources (Contributor) and the model API's role assignments (RBAC
// Administrator restricted by the condition above). Protect production with required reviewers.
resource cdInfrastructure 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in ((manageIdentities && cdAppliesInfrastructure) ? [
  roles.contributor
  roles.rbacAdministrator
] : []): {
  name: guid(resourceGroup().id, cdPrincipalId, role)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
    condition: role == roles.rbacAdministrator ? cdRoleAssignmentCondition : null
    conditionVersion: role == roles.rbacAdministrator ? '2.0' : null
  }
}]

// Plan: what-if before an approval reads every resource (Reader plus the what-if and validate
// actions; the pipeline runs what-if with --validation-level ProviderNoRbac, which checks read
// rights instead of write rights), the vault's metadata and the model store (retraining's baseline).
resource whatIfReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (manageIdentities) {
  name: guid(resourceGroup().id, 'what-if-reader')
  properties: {
    roleName: 'What-if reader (${resourceGroup().name})'
    description: 'Reads everything and previews deployments (what-if) without write rights.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          '*/read'
          'Microsoft.Resources/deployments/whatIf/action'
          'Microsoft.Resources/deployments/validate/action'
        ]
        notActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource planReads 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  name: guid(resourceGroup().id, planPrincipalId, 'what-if-reader')
  properties: {
    roleDefinitionId: whatIfReader.id
    principalId: planPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource planReadsVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetVault
  name: guid(targetVault.id, planPrincipalId, roles.keyVaultReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultReader)
    principalId: planPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource modelsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${storageAccountName}/default/models'
}

resource dataContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${storageAccountName}/default/data'
}

resource planReadsModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: modelsContainer
  name: guid(modelsContainer.id, planPrincipalId, roles.storageBlobDataReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: planPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Trainer: reads {% if cookiecutter.data_versioning == 'dvc' %}DVC's `cloud` remote ({% endif %}the data container{% if cookiecutter.data_versioning == 'dvc' %}){% endif %}, writes runs and model versions to the
// workspace's MLflow (AzureML Data Scientist; Azure RBAC cannot limit it to one alias), and reads
// the deployment's outputs (Reader: where the data and the tracking server are).
resource trainerReadsOutputs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  name: guid(resourceGroup().id, trainerPrincipalId, roles.reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.reader)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource trainerReadsData 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: dataContainer
  name: guid(dataContainer.id, trainerPrincipalId, roles.storageBlobDataReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource trainerTracksRuns 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetWorkspace
  name: guid(targetWorkspace.id, trainerPrincipalId, roles.azureMlDataScientist)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMlDataScientist)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}
{%- if cookiecutter.training_compute == 'cloud' %}

// Training on Azure ML: the workspace's default datastore, where job inputs are uploaded and
// outputs written (Azure ML creates the container with the workspace).
resource jobDatastore 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${storageAccountName}/default/azureml-blobstore-${mlWorkspaceId}'
}

// The trainer also submits the jobs: AzureML Data Scientist (above) creates, reads and cancels
// jobs and uses the cluster, but cannot create, change or delete computes nor the workspace. It
// pushes the training image (AcrPush: the whole registry, ACR's built-in roles cannot name one
// repository) and uploads inputs and downloads outputs (the job datastore's container only).
// The job runs as the cluster's identity, which the trainer cannot change.
resource trainerPushesImage 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: targetRegistry
  name: guid(targetRegistry.id, trainerPrincipalId, roles.acrPush)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPush)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource trainerJobFiles 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: jobDatastore
  name: guid(jobDatastore.id, trainerPrincipalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The training jobs (the cluster's identity) pull the training image and read and write the job
// datastore, nothing else.
resource trainingJobPullsImage 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetRegistry
  name: guid(targetRegistry.id, trainingJobPrincipalId, roles.acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: trainingJobPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource trainingJobFiles 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: jobDatastore
  name: guid(jobDatastore.id, trainingJobPrincipalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: trainingJobPrincipalId
    principalType: 'ServicePrincipal'
  }
}
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' %}

// The model API pulls its image.
resource apiPullImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetRegistry
  name: guid(targetRegistry.id, apiPrincipalId, roles.acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The model API reads secrets.
resource apiReadSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetVault
  name: guid(targetVault.id, apiPrincipalId, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}
{%- endif %}
