// Feast's stores in the cloud (feature_repo/feature_store.cloud.yaml; docs/infrastructure.md,
// "Feature store in the cloud"): the online store (Azure Cache for Redis, Microsoft Entra ID
// only, TLS 1.2), the registry's blob container, and the rights of the trainer (writes: feast
// apply, materialize) and{% if cookiecutter.serving == 'fastapi' %} of the model API (reads){% else %} nobody else{% endif %}. The offline store is Feast's file store over the
// data step's features file where `make features` runs: nothing to create for it.

@description('Name of the Redis cache (globally unique DNS name <name>.redis.cache.windows.net).')
param name string

@description('Azure region.')
param location string

@description('Storage account for data and models: the registry gets a container of its own there.')
param storageAccountName string

@description('Principal (object) ID of the trainer identity (runs make features).')
param trainerPrincipalId string
{%- if cookiecutter.serving == 'fastapi' %}

@description('Principal (object) ID of the model API\'s identity (reads online features).')
param apiPrincipalId string
{%- endif %}

@description('Deploy the pipelines\' identities\' access (a person does, CD does not).')
param manageIdentities bool

@description('Tags for every resource.')
param tags object

var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
}

// Standard C1: a replica for availability, 1 GB; raise capacity for larger feature sets.
// Access keys are disabled: connections authenticate with an Entra ID token (password) and the
// identity's object ID (user). Its public endpoint admits only those tokens, over TLS 1.2, so
// hosted CI runners reach it; a private endpoint needs runners inside the network.
resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'Standard'
      family: 'C'
      capacity: 1
    }
    redisVersion: '6'
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    disableAccessKeyAuthentication: true
    redisConfiguration: {
      'aad-enabled': 'true'
    }
  }
}

// Redis data access policies (not Azure RBAC): the trainer writes, the model API reads. The
// alias is the object ID too: clients authenticate as user <object ID> (deploy.sh features).
resource trainerAccess 'Microsoft.Cache/redis/accessPolicyAssignments@2024-11-01' = if (manageIdentities) {
  parent: redis
  name: 'trainer'
  properties: {
    accessPolicyName: 'Data Contributor'
    objectId: trainerPrincipalId
    objectIdAlias: trainerPrincipalId
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

resource apiAccess 'Microsoft.Cache/redis/accessPolicyAssignments@2024-11-01' = {
  parent: redis
  name: 'api'
  properties: {
    accessPolicyName: 'Data Reader'
    objectId: apiPrincipalId
    objectIdAlias: apiPrincipalId
  }
  // One access policy assignment at a time per cache.
  dependsOn: [
    trainerAccess
  ]
}
{%- endif %}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource registryContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'feast'
  properties: {
    publicAccess: 'None'
  }
}

resource trainerWritesRegistry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (manageIdentities) {
  scope: registryContainer
  name: guid(registryContainer.id, trainerPrincipalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: trainerPrincipalId
    principalType: 'ServicePrincipal'
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

// CD may assign this one itself (Storage Blob Data Reader to the API's identity, access.bicep).
resource apiReadsRegistry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registryContainer
  name: guid(registryContainer.id, apiPrincipalId, roles.storageBlobDataReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}
{%- endif %}

output redisHostName string = redis.properties.hostName
output registryPath string = '${account.properties.primaryEndpoints.blob}${registryContainer.name}/registry.db'
