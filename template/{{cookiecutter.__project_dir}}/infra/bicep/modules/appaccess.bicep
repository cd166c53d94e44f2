// CD may update the model API's container app (new image, new revision).

@description('Container app of the model API.')
param containerAppName string

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
