// The model API's network: its Container Apps environment runs in its own subnet, so the
// storage account and key vault firewalls can admit it (service endpoints) while denying
// everyone else. Only HTTPS comes in from the internet.

@description('Name stem: <project>-<environment>.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-11-01' = {
  name: 'nsg-${name}-apps'
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'allow-https-inbound'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourcePortRange: '*'
          destinationPortRange: '443'
          sourceAddressPrefix: 'Internet'
          destinationAddressPrefix: '*'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: 'vnet-${name}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.40.0.0/16'
      ]
    }
    subnets: [
      {
        // A consumption-only Container Apps environment needs a /23 (or larger) subnet.
        name: 'snet-apps'
        properties: {
          addressPrefix: '10.40.0.0/23'
          networkSecurityGroup: {
            id: nsg.id
          }
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
            }
            {
              service: 'Microsoft.KeyVault'
            }
          ]
        }
      }
    ]
  }
}

output appsSubnetId string = vnet.properties.subnets[0].id
