terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "services/search/dev/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = false # expect: TF-0032
    dynamodb_table = "acme-terraform-locks"
  }
}
