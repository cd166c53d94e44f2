// The identity the CD pipeline deploys as, without stored secrets: a user-assigned managed
// identity that trusts the CI system's OIDC tokens for this repository and environment
// (a federated identity credential). CD logs in with its client ID (output cdClientId).
{%- if cookiecutter.serving == 'fastapi' %}
// The model API gets an identity of its own to pull images and read models and secrets.
{%- endif %}

@description('Name stem: <project>-<environment>.')
param name string

@description('Azure region.')
param location string

@description('OIDC issuer of the CD pipeline\'s tokens.')
param oidcIssuer string

@description('Subject claim the CD pipeline\'s token must carry, e.g. repo:org/repo:environment:prod.')
param oidcSubject string

@description('Tags for every resource.')
param tags object

resource cd 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-cd'
  location: location
  tags: tags
}

resource cdTrust 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: cd
  name: 'cd'
  properties: {
    issuer: oidcIssuer
    subject: oidcSubject
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}
{%- if cookiecutter.serving == 'fastapi' %}

resource api 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-api'
  location: location
  tags: tags
}
{%- endif %}

output cdClientId string = cd.properties.clientId
output cdPrincipalId string = cd.properties.principalId
{%- if cookiecutter.serving == 'fastapi' %}
output apiIdentityId string = api.id
output apiClientId string = api.properties.clientId
output apiPrincipalId string = api.properties.principalId
{%- endif %}
