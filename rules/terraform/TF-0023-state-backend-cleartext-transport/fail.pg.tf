terraform {
  backend "pg" {
    conn_str = "postgres://terraform@db.internal.example.com/terraform_backend?sslmode=disable" # expect: TF-0023
  }
}
