// Log Analytics workspace and a workspace-based Application Insights component. Local
// (instrumentation key) ingestion is off: the app and the Functions host send telemetry with Entra
// ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), for which app-access.bicep grants the app
// Monitoring Metrics Publisher.
targetScope = 'resourceGroup'

param name string
param location string
param tags object

@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-insights'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name

// Not a secret: it names the component; with local auth off, ingestion needs an Entra token.
output connectionString string = appInsights.properties.ConnectionString

output workspaceId string = workspace.id
