// Delivers DevCenter.Catalog.SyncRequested events from the topic to the catalogSync function
// (src/functions/catalogs.ts). Event Grid checks that the function exists, so deploy this once the
// code is deployed (main.bicep enableCatalogSyncSubscription). Event Grid authenticates to an
// AzureFunction destination itself: there is no key or secret to manage.
targetScope = 'resourceGroup'

param topicName string
param appName string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource catalogSyncFunction 'Microsoft.Web/sites/functions@2024-04-01' existing = {
  parent: app
  name: 'catalogSync'
}

resource catalogSync 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'catalog-sync'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: catalogSyncFunction.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'DevCenter.Catalog.SyncRequested'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
