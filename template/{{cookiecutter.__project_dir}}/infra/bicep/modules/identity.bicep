// The identities the pipelines act as, without stored secrets: user-assigned managed identities
// that trust the CI system's OIDC tokens (federated identity credentials), one per job kind:
//   cd      deploys; trusted from the CI environment <env> (output cdClientId)
//   plan    reads resources for what-if before an approval; trusted from <env>-plan
//   trainer reads the training data and writes the tracking server; trusted from <env>-training
// A federated credential matches iss, sub and aud exactly (docs/infrastructure.md, "CD access").
{%- if cookiecutter.serving == 'fastapi' %}
// The model API gets an identity of its own to pull images and read models and secrets.
{%- endif %}

@description('Name stem: <project>-<environment>.')
param name string

@description('Azure region.')
param location string

@description('OIDC issuer of the pipelines\' tokens.')
param oidcIssuer string

@description('Subject claim each identity\'s token must carry: an object with the keys cd, plan and trainer.')
param oidcSubjects object

@description('Tags for every resource.')
param tags object

var roles = [
  'cd'
  'plan'
  'trainer'
]

resource ci 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for role in roles: {
  name: 'id-${name}-${role}'
  location: location
  tags: tags
}]

resource trust 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for (role, i) in roles: {
  parent: ci[i]
  name: role
  properties: {
    issuer: oidcIssuer
    subject: oidcSubjects[role]
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}]
{%- if cookiecutter.serving == 'fastapi' %}

resource api 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-api'
  location: location
  tags: tags
}
{%- endif %}

output cdClientId string = ci[0].properties.clientId
output cdPrincipalId string = ci[0].properties.principalId
output planClientId string = ci[1].properties.clientId
output planPrincipalId string = ci[1].properties.principalId
output trainerClientId string = ci[2].properties.clientId
output trainerPrincipalId string = ci[2].properties.principalId
{%- if cookiecutter.serving == 'fastapi' %}
output apiIdentityId string = api.id
output apiClientId string = api.properties.clientId
output apiPrincipalId string = api.properties.principalId
{%- endif %}
