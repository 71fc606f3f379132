terraform {
  backend "consul" {
    address = "consul.example.com:8500"
    scheme  = "https"
    path    = "shop/terraform.tfstate"
    lock    = false # expect: TF-0024
  }
}
