terraform {
  backend "s3" { # expect: TF-0024
    bucket  = "acme-terraform-state"
    key     = "platform/prod/terraform.tfstate"
    region  = "eu-west-1"
    encrypt = true
  }
}
