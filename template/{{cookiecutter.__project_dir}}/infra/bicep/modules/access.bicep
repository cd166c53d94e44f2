// Role assignments: what the CD identity{% if cookiecutter.serving == 'fastapi' %} and the model API's identity{% endif %} may do. Built-in role IDs:
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles

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

@description('Let the CD identity deploy this template too: Contributor and Role Based Access Control Administrator on the resource group.')
param cdAppliesInfrastructure bool
{%- if cookiecutter.serving == 'fastapi' %}

@description('Principal (object) ID of the model API\'s identity.')
param apiPrincipalId string
{%- endif %}

var roles = {
  acrPush: '8311e382-0749-4cb8-b61a-304f252e45ec'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  azureMlDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121'
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
}

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
resource cdPushImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetRegistry
  name: guid(targetRegistry.id, cdPrincipalId, roles.acrPush)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPush)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// CD uploads trained models.
resource cdUploadModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetStorage
  name: guid(targetStorage.id, cdPrincipalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// CD submits training jobs and registers models.
resource cdRunMlJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetWorkspace
  name: guid(targetWorkspace.id, cdPrincipalId, roles.azureMlDataScientist)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMlDataScientist)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// With cdAppliesInfrastructure, CD also deploys this template (scripts/deploy.sh): it manages
// the resource group's resources and their role assignments. Protect production with
// required reviewers.
resource cdInfrastructure 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in (cdAppliesInfrastructure ? [
  roles.contributor
  roles.rbacAdministrator
] : []): {
  name: guid(resourceGroup().id, cdPrincipalId, role)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}]
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
