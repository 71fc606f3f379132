module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name             = "shop"
  cidr             = "10.0.0.0/16"
  azs              = ["eu-west-1a", "eu-west-1b"]
  private_subnets  = ["10.0.1.0/24", "10.0.2.0/24"]
  database_subnets = ["10.0.21.0/24", "10.0.22.0/24"]

  enable_nat_gateway                 = true
  create_database_subnet_route_table = true
  create_database_nat_gateway_route  = true # expect: TF-0027
}

variable "public_db" {
  default = true
}

module "legacy_vpc" {
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-vpc.git?ref=v5.1.0"

  database_subnets                       = ["10.1.21.0/24"]
  create_database_internet_gateway_route = var.public_db # expect: TF-0027
}
