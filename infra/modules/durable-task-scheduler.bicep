// The Durable Task Scheduler backend (optional; main.bicep durableBackend): a scheduler and the
// task hub the app uses (DURABLE_TASK_HUB). The app's identity gets Durable Task Data Contributor
// on the task hub in app-access.bicep.
targetScope = 'resourceGroup'

param name string
param location string
param tags object
param taskHubName string

@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string

@description('Capacity units of the Dedicated SKU (each: up to 2,000 actions per second).')
@minValue(1)
@maxValue(3)
param capacity int

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: skuName == 'Dedicated'
      ? {
          name: 'Dedicated'
          capacity: capacity
        }
      : {
          name: 'Consumption'
        }
    // An empty list denies every caller; access is by Entra role, from any network.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
