# A storage account in the environment's resource group (Azure only: needs the azurerm and random
# providers from the Terraform registry and a real subscription). The Terraform runner image passes
# the definition's parameters as a .tfvars.json file and the environment as TF_VAR_* variables.
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "resource_group_name" {
  type = string
}

variable "ade_location" {
  type = string
}

variable "ade_env_name" {
  type = string
}

variable "name_prefix" {
  type    = string
  default = "adesample"
}

variable "sku" {
  type    = string
  default = "Standard_LRS"
}

variable "public_access" {
  type    = bool
  default = false
}

resource "random_string" "suffix" {
  length  = 8
  upper   = false
  special = false
}

resource "azurerm_storage_account" "main" {
  name                            = substr("${var.name_prefix}${random_string.suffix.result}", 0, 24)
  resource_group_name             = var.resource_group_name
  location                        = var.ade_location
  account_tier                    = "Standard"
  account_replication_type        = trimprefix(var.sku, "Standard_")
  allow_nested_items_to_be_public = var.public_access
  tags = {
    environment = var.ade_env_name
  }
}

output "storage_account_name" {
  value = azurerm_storage_account.main.name
}

output "blob_endpoint" {
  value = azurerm_storage_account.main.primary_blob_endpoint
}

output "primary_key" {
  value     = azurerm_storage_account.main.primary_access_key
  sensitive = true
}
