// Storage for data and model artifacts: private, encrypted, versioned. Training reads the data
// container and writes models; CD and the model API read the models container.

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Replication: LRS or ZRS keep copies in one region, the others also in the paired region.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param sku string = 'Standard_GZRS'

@description('Days deleted blobs and containers stay recoverable.')
@minValue(1)
@maxValue(365)
param retentionDays int

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

@description('Log Analytics workspace that receives the blob access logs.')
param logAnalyticsWorkspaceId string

@description('Tags for every resource.')
param tags object

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: sku
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // Private and encrypted: no anonymous access, TLS 1.2 only, Entra ID instead of account
    // keys, double encryption at rest; the firewall follows networkPosture (main.bicep).
    accessTier: 'Hot'
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    isLocalUserEnabled: false
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
    networkAcls: {
      defaultAction: networkPosture == 'restricted' ? 'Deny' : 'Allow'
      bypass: 'AzureServices, Logging, Metrics'
      ipRules: [for range in allowedIpRanges: {
        value: range
        action: 'Allow'
      }]
      virtualNetworkRules: [for subnetId in allowedSubnetIds: {
        id: subnetId
        action: 'Allow'
      }]
    }
    sasPolicy: {
      sasExpirationPeriod: '01.00:00:00'
      expirationAction: 'Log'
    }
  }
}

// Versioned: every overwrite keeps the previous version; deletes are recoverable.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    changeFeed: {
      enabled: true
    }
    deleteRetentionPolicy: {
      enabled: true
      days: retentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: retentionDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in [
  'data'
  'models'
]: {
  parent: blobService
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

// Audit trail: who read, wrote or deleted which blob.
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: blobService
  name: 'to-log-analytics'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
