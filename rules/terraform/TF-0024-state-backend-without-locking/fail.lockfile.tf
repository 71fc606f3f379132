terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "platform/dev/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = false # expect: TF-0024
  }
}
