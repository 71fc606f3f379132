terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "services/payments/prod/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    kms_key_id     = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    dynamodb_table = "acme-terraform-locks"
  }
}
