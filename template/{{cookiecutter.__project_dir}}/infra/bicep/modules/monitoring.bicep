// Monitoring: a Log Analytics workspace collects logs and metrics of every resource here (the
// model API's logs through its Container Apps environment), and Application Insights (on top of
// it) is the ML workspace's, which requires one.

@description('Name stem: <project>-<environment>.')
param name string

@description('Azure region.')
param location string

@description('Days to keep logs.')
@minValue(30)
@maxValue(730)
param retentionDays int

@description('Tags for every resource.')
param tags object

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Telemetry is accepted only with Entra ID authentication, not the bare connection string.
    DisableLocalAuth: true
  }
}

output logAnalyticsWorkspaceId string = logAnalytics.id
output logAnalyticsWorkspaceName string = logAnalytics.name
output applicationInsightsId string = appInsights.id
