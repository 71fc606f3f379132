terraform {
  backend "s3" {
    bucket       = "terraform-state"
    key          = "shop/terraform.tfstate"
    region       = "us-east-1"
    use_lockfile = true
    insecure     = true # expect: TF-0023=medium

    endpoints {
      s3 = "http://minio.storage.svc:9000" # expect: TF-0023=high
    }

    use_path_style              = true
    skip_credentials_validation = true
  }
}
