// Azure Machine Learning workspace: runs training jobs and pipelines, tracks experiments and
// registers models. Its computes run in a managed network whose outbound traffic is limited to
// approved destinations and which reaches storage, key vault and registry through private endpoints.

@description('Workspace name.')
param name string

@description('Azure region.')
param location string

@description('Mark the workspace as holding high-business-impact data (less diagnostic data sent to Microsoft).')
param highBusinessImpact bool

@description('Resource ID of the data and model storage account.')
param storageAccountId string

@description('Resource ID of the key vault.')
param keyVaultId string

@description('Resource ID of the container registry.')
param containerRegistryId string

@description('Resource ID of Application Insights.')
param applicationInsightsId string

@description('Log Analytics workspace that receives the audit log.')
param logAnalyticsWorkspaceId string

@description('Tags for every resource.')
param tags object

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
    tier: 'Basic'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    friendlyName: name
    storageAccount: storageAccountId
    keyVault: keyVaultId
    containerRegistry: containerRegistryId
    applicationInsights: applicationInsightsId
    hbiWorkspace: highBusinessImpact
    v1LegacyMode: false
    // The storage account accepts Entra ID only: datastores use identities, not account keys.
    systemDatastoresAuthMode: 'identity'
    // The studio and CD reach the workspace over the internet with Entra ID sign-in (.checkov.yaml).
    publicNetworkAccess: 'Enabled'
    managedNetwork: {
      isolationMode: 'AllowOnlyApprovedOutbound'
    }
  }
}

// Audit trail: who did what in the workspace.
resource workspaceAuditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: workspace
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

output id string = workspace.id
output name string = workspace.name

@description('MLflow tracking URI of the workspace (azureml://...): MLFLOW_TRACKING_URI, with the azureml-mlflow plugin.')
output mlflowTrackingUri string = workspace.properties.mlFlowTrackingUri
