module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name             = "shop"
  cidr             = "10.0.0.0/16"
  database_subnets = ["10.0.21.0/24", "10.0.22.0/24"]

  enable_nat_gateway                 = true
  create_database_subnet_route_table = true
}

variable "nat_for_db" {}

# Unknown input: not reported.
module "other_vpc" {
  source                            = "terraform-aws-modules/vpc/aws"
  database_subnets                  = ["10.1.21.0/24"]
  create_database_nat_gateway_route = var.nat_for_db
}

# Another module with an input of the same name is not the VPC module.
module "custom" {
  source                            = "./modules/custom"
  database_subnets                  = ["10.2.21.0/24"]
  create_database_nat_gateway_route = true
}
