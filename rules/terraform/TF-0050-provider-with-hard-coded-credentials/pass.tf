variable "aws_secret_key" {
  type      = string
  sensitive = true
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAIOSFODNN7EXAMPLE"
  secret_key = var.aws_secret_key
}

# LocalStack: throwaway credentials for an emulator.
provider "aws" {
  alias                       = "local"
  access_key                  = "test"
  secret_key                  = "mock_secret_key"
  skip_credentials_validation = true
}

provider "google" {
  project     = "acme-prod"
  credentials = "credentials/terraform.json"
}

provider "azurerm" {
  features {}
  client_secret = "<client-secret>"
}
