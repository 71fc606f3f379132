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
