# Partial configuration: bucket, key and the lock table come from
# `terraform init -backend-config=prod.s3.tfbackend` (backend blocks cannot refer to variables,
# so nothing here is unknown; what is not written is not judged).
terraform {
  backend "s3" {
    region = "eu-west-1"
  }
}
