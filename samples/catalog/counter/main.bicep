// Placeholder template: the counter's deploy and delete scripts come with the runner issue.
param step int = 1
param label string = 'demo'

output step int = step
output label string = label
