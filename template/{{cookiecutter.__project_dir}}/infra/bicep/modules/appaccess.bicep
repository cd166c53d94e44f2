// CD may update the model API's container app (new image, new revision), with the linked
// permissions that needs.

@description('Container app of the model API.')
param containerAppName string

@description('Container Apps environment the app runs in.')
param appEnvironmentName string

@description('Resource ID of the model API\'s user-assigned identity.')
param apiIdentityId string

@description('Principal (object) ID of the CD identity.')
param cdPrincipalId string

// Built-in role: Contributor.
var contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

resource targetApp 'Microsoft.App/containerApps@2024-03-01' existing = {
  name: containerAppName
}

resource cdDeployApi 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetApp
  name: guid(targetApp.id, cdPrincipalId, contributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', contributor)
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// `az containerapp update --image` re-sends the whole app, so Azure also checks two linked
// permissions: joining the app's environment and assigning the API's identity. Contributor on
// the app lacks both; this custom role holds exactly those two actions. Creating it needs a
// person allowed to create role definitions (e.g. Owner) on the first deployment.
resource cdUpdateApiRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'cd-updates-the-model-api')
  properties: {
    roleName: 'CD updates the model API (${resourceGroup().name})'
    description: 'The linked permissions of az containerapp update: join the environment, assign the API identity.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.App/managedEnvironments/join/action'
          'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action'
        ]
        notActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource targetEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' existing = {
  name: appEnvironmentName
}

resource targetApiIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: last(split(apiIdentityId, '/'))
}

resource cdJoinEnvironment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetEnvironment
  name: guid(targetEnvironment.id, cdPrincipalId, cdUpdateApiRole.id)
  properties: {
    roleDefinitionId: cdUpdateApiRole.id
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource cdAssignApiIdentity 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: targetApiIdentity
  name: guid(targetApiIdentity.id, cdPrincipalId, cdUpdateApiRole.id)
  properties: {
    roleDefinitionId: cdUpdateApiRole.id
    principalId: cdPrincipalId
    principalType: 'ServicePrincipal'
  }
}
