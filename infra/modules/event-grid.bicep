// The Event Grid topic catalog sync requests go through. Local auth (topic keys and SAS) is off:
// the app publishes with its Entra identity (EventGrid Data Sender, granted in app-access.bicep),
// so no EVENTGRID_KEY exists. The subscription to the catalogSync function is
// catalog-sync-subscription.bicep (it needs the deployed code).
targetScope = 'resourceGroup'

param name string
param location string
param tags object

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'EventGridSchema' // src/catalog/events.ts publishes in the Event Grid schema
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true
  }
}

output name string = topic.name
output endpoint string = topic.properties.endpoint
