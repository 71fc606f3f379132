variable "db_password" {
  type      = string
  sensitive = true
}

variable "admin_password" {
  type    = string
  default = "changeme"
}

variable "api_token" {
  type    = string
  default = ""
}

variable "password_length" {
  type    = number
  default = 24
}

variable "secret_name" {
  type    = string
  default = "prod/db-credentials"
}

variable "ssh_private_key_path" {
  type    = string
  default = "~/.ssh/id_rsa"
}

variable "secret_rotation_days" {
  type    = number
  default = 30
}

# Nested names and references that describe secrets rather than hold them.
variable "services" {
  type = any
  default = {
    billing = {
      endpoint = "https://billing.internal"
      auth = {
        client_secret_name = "billing/client-secret"
        token_ttl          = "3600s"
        password           = "changeme"
      }
    }
    hooks = [{ url = "https://example.org/hook", token = "" }]
  }
}
