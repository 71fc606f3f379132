# The local Consul agent over loopback.
terraform {
  backend "consul" {
    address = "127.0.0.1:8500"
    scheme  = "http"
    path    = "shop/terraform.tfstate"
  }
}
