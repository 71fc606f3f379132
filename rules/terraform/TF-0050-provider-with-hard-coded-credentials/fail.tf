provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA2E0A8F3B244C9986" # expect: TF-0050
  secret_key = "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct" # expect: TF-0050
}

provider "azurerm" {
  features {}
  client_id     = "00000000-0000-0000-0000-000000000000"
  client_secret = "Qx8~vR2.pL9wK4mN7sT1uY6zA3bC5dE0fG" # expect: TF-0050
}

provider "github" {
  token = "ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o" # expect: TF-0050
}
