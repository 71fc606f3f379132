terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "platform/prod/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    dynamodb_table = "terraform-locks"
  }
}

resource "aws_s3_bucket" "state" { # expect: TF-0031, TF-0031
  bucket = "acme-terraform-state"
}

# Versioning suspended: not protected.
resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Suspended"
  }
}

# Two of the four settings only.
resource "aws_s3_bucket_public_access_block" "state" {
  bucket             = aws_s3_bucket.state.id
  block_public_acls  = true
  ignore_public_acls = true
}

# Not a state bucket: not checked by this rule.
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets"
}
