terraform {
  backend "consul" {
    address = "consul.service.example.com:8500"
    scheme  = "http" # expect: TF-0023
    path    = "shop/terraform.tfstate"
  }
}
