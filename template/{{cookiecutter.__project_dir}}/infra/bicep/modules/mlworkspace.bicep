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
{%- if cookiecutter.training_compute == 'cloud' %}

@description('Name of the training jobs\' user-assigned identity (the compute cluster runs jobs as it).')
param trainingJobIdentityName string

@description('VM size of the training cluster\'s nodes.')
param trainingVmSize string

@description('Most nodes the training cluster scales up to (it scales down to 0 when idle).')
@minValue(1)
@maxValue(100)
param trainingMaxNodes int

@description('Run training nodes on low-priority (preemptible) capacity.')
param trainingLowPriority bool
{%- endif %}

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

{% if cookiecutter.training_compute == 'cloud' -%}
// The identity training jobs run as: it pulls the training image and reads and writes the
// workspace's default datastore (access.bicep), nothing else.
resource trainingJobIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: trainingJobIdentityName
  location: location
  tags: tags
}

// The compute cluster training jobs run on (`train --on cloud`, output training_compute_name):
// 0 nodes when idle, so it costs nothing between jobs; up to trainingMaxNodes for a job and
// back down after 15 idle minutes. No public IP and no SSH: the managed network above gives the
// nodes their outbound access and reaches storage and registry privately.
resource trainingCluster 'Microsoft.MachineLearningServices/workspaces/computes@2024-10-01' = {
  parent: workspace
  name: 'training'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${trainingJobIdentity.id}': {}
    }
  }
  properties: {
    computeType: 'AmlCompute'
    description: 'Training jobs of ${name} (scales to zero)'
    disableLocalAuth: true
    properties: {
      osType: 'Linux'
      vmSize: trainingVmSize
      vmPriority: trainingLowPriority ? 'LowPriority' : 'Dedicated'
      enableNodePublicIp: false
      remoteLoginPortPublicAccess: 'Disabled'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: trainingMaxNodes
        nodeIdleTimeBeforeScaleDown: 'PT15M'
      }
    }
  }
}

{% endif -%}
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
{%- if cookiecutter.training_compute == 'cloud' %}

@description('Immutable ID (GUID) of the workspace: names its default datastore\'s container, azureml-blobstore-<id>.')
output workspaceId string = workspace.properties.workspaceId

@description('Name of the training compute cluster.')
output trainingComputeName string = trainingCluster.name

@description('Principal (object) ID of the training jobs\' identity.')
output trainingJobPrincipalId string = trainingJobIdentity.properties.principalId
{%- endif %}
