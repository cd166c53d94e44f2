// Secrets store: API keys and connection strings the pipeline and the model API read at run
// time. The template creates the vault, never the secret values.

@description('Key vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('public: the endpoint accepts any network (Entra ID auth still required); restricted: default-deny firewall admitting Azure services, the subnets and allowedIpRanges.')
@allowed([
  'public'
  'restricted'
])
param networkPosture string

@description('Public IP ranges (CIDR) allowed through the firewall when networkPosture is restricted.')
param allowedIpRanges array

@description('Subnets allowed through the firewall (service endpoints).')
param allowedSubnetIds array

@description('Log Analytics workspace that receives the audit log.')
param logAnalyticsWorkspaceId string

@description('Tags for every resource.')
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access through Azure RBAC role assignments (access.bicep), not access policies.
    enableRbacAuthorization: true
    // Deleted secrets stay recoverable for 90 days and cannot be purged early.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    networkAcls: {
      defaultAction: networkPosture == 'restricted' ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: {
        value: range
      }]
      virtualNetworkRules: [for subnetId in allowedSubnetIds: {
        id: subnetId
      }]
    }
  }
}

// Audit trail: every access to a secret.
resource vaultAuditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
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

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
