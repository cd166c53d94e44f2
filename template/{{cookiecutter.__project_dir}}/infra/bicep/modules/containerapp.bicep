// The model API: a Container App that scales on concurrent HTTP requests between minReplicas
// and maxReplicas, pulls from the registry and reads models and secrets with its own managed
// identity. CD deploys new images with `az containerapp update --image`.

@description('Name stem: <project>-<environment>.')
param name string

@description('Deployment environment (dev, staging, prod), passed to the API as ENVIRONMENT.')
param environmentName string

@description('Azure region.')
param location string

@description('Subnet the Container Apps environment runs in.')
param subnetId string

@description('Log Analytics workspace that receives the container logs.')
param logAnalyticsWorkspaceName string

@description('Registry host the images come from.')
param registryLoginServer string

@description('Resource ID of the API\'s user-assigned identity.')
param identityId string

@description('Client ID of the API\'s user-assigned identity (AZURE_CLIENT_ID).')
param identityClientId string

@description('Container image.')
param image string

@description('Port the API listens on.')
param port int

@description('Readiness endpoint path (/ready: 200 only once a model is loaded).')
param healthPath string

@description('Autoscaling floor.')
@minValue(0)
param minReplicas int

@description('Autoscaling ceiling.')
@minValue(1)
param maxReplicas int

@description('Concurrent requests per replica before another replica is added.')
@minValue(1)
param concurrentRequests int

@description('vCPU per replica, as a string such as 0.5.')
param cpu string

@description('Key Vault URI (secret references of apiSecrets).')
param keyVaultUrl string

@description('Environment variables read from Key Vault secrets: {ENV_VAR: \'secret-name\'}.')
param apiSecrets object
{%- if cookiecutter.feature_store == 'feast' %}

@description('Environment variables of Feast\'s cloud configuration for online features ({name, value} items; features.bicep).')
param featureStoreEnv array
{%- endif %}

@description('Tags for every resource.')
param tags object

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

// Container Apps (consumption) pairs each vCPU with 2 GiB of memory.
var memoryByCpu = {
  '0.25': '0.5Gi'
  '0.5': '1Gi'
  '0.75': '1.5Gi'
  '1': '2Gi'
  '1.25': '2.5Gi'
  '1.5': '3Gi'
  '1.75': '3.5Gi'
  '2': '4Gi'
}

@description('The placeholder image of the first deployment, which has no /ready.')
param placeholderImage string

// 0 while the placeholder runs (a replica failing its readiness probe would keep the first
// revision from provisioning); CD sets minReplicas with each deployment (scripts/deploy.sh).
var startReplicas = image == placeholderImage ? 0 : minReplicas

var plainEnv = [
  {
    name: 'ENVIRONMENT'
    value: environmentName
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
]

// apiSecrets: Key Vault references, read with the API's identity when a revision starts, and
// the environment variables that carry them.
var secrets = [for item in items(apiSecrets): {
  name: toLower(replace(item.key, '_', '-'))
  keyVaultUrl: '${keyVaultUrl}secrets/${item.value}'
  identity: identityId
}]

var secretEnv = [for item in items(apiSecrets): {
  name: item.key
  secretRef: toLower(replace(item.key, '_', '-'))
}]

resource appEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${name}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${name}'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: appEnvironment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        transport: 'auto'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      secrets: secrets
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'api'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memoryByCpu[cpu]
          }
          env: concat(plainEnv, {% if cookiecutter.feature_store == 'feast' %}featureStoreEnv, {% endif %}secretEnv)
          probes: [
            {
              // Alive = the process answers; ready = a model is loaded.
              type: 'Liveness'
              httpGet: {
                path: '/health'
                port: port
              }
            }
            {
              type: 'Readiness'
              httpGet: {
                path: healthPath
                port: port
              }
            }
          ]
        }
      ]
      // Autoscaling: one more replica per `concurrentRequests` requests in flight.
      scale: {
        minReplicas: startReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output environmentName string = appEnvironment.name
output fqdn string = app.properties.configuration.ingress.fqdn
