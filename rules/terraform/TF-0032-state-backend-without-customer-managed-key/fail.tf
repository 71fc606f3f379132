terraform {
  backend "s3" { # expect: TF-0032
    bucket         = "acme-terraform-state"
    key            = "services/payments/prod/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    dynamodb_table = "acme-terraform-locks"
  }
}
