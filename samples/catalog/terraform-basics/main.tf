# Built-in resources only (terraform_data): nothing to download, nothing created outside the state.
# The runner passes the definition's parameters as a .tfvars.json file (types kept) and the
# environment as TF_VAR_* variables (ade_env_name, resource_group_name, ...).

variable "greeting" {
  type    = string
  default = "hello"
}

variable "replicas" {
  type    = number
  default = 2
}

variable "labels" {
  type    = list(string)
  default = ["demo"]
}

variable "ade_env_name" {
  type    = string
  default = "local"
}

variable "resource_group_name" {
  type    = string
  default = ""
}

# input changes update in place; only triggers_replace would replace.
resource "terraform_data" "config" {
  input = {
    greeting    = var.greeting
    environment = var.ade_env_name
  }
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = "${var.greeting}-${count.index}"
}

output "greeting" {
  value = terraform_data.config.output.greeting
}

output "config_id" {
  value = terraform_data.config.id
}

output "replica_count" {
  value = length(terraform_data.replica)
}

output "all_replicas" {
  value = var.replicas == length(terraform_data.replica)
}

output "replica_names" {
  value = terraform_data.replica[*].output
}

output "labels" {
  value = tolist(var.labels)
}

output "placement" {
  value = tomap({ environment = var.ade_env_name, resource_group = var.resource_group_name })
}

output "settings" {
  value = { greeting = var.greeting, replicas = var.replicas }
}

output "access_key" {
  value     = sha256("${terraform_data.config.id}/${var.greeting}")
  sensitive = true
}
