// Placeholder template: the failing definition's deploy and delete scripts come with the runner issue.
param message string = 'This deployment fails on purpose.'

output message string = message
