# Partial configuration: the address comes from `terraform init -backend-config=...` and is not
# seen (backend blocks cannot refer to variables, so nothing here is unknown).
terraform {
  backend "http" {}
}
