// Container registry for the model API's images (CD pushes, the Container App pulls) and for
// training images.

@description('Registry name: 5-50 letters and digits, globally unique.')
@minLength(5)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Log Analytics workspace that receives the audit log.')
param logAnalyticsWorkspaceId string

@description('Tags for every resource.')
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  // Premium: retention of untagged manifests, content trust, zone redundancy, firewall rules.
  sku: {
    name: 'Premium'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // Pushes and pulls authenticate with Entra ID identities (no shared admin password).
    adminUserEnabled: false
    anonymousPullEnabled: false
    dataEndpointEnabled: true
    zoneRedundancy: 'Enabled'
    policies: {
      retentionPolicy: {
        days: 30
        status: 'enabled'
      }
      trustPolicy: {
        type: 'Notary'
        status: 'enabled'
      }
      // Exports stay allowed: Azure accepts a disabled export policy only with public network
      // access disabled, and hosted runners push over the public endpoint (Entra ID auth).
      exportPolicy: {
        status: 'enabled'
      }
    }
  }
}

// Audit trail: logins, pushes and pulls.
resource registryAuditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: registry
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
