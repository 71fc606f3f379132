variable "db_password" {
  type      = string
  sensitive = true
  default   = "Zq81vLm3Rt7Kp2Xw" # expect: TF-0053
}

variable "deploy_key" {
  type    = string
  default = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n" # expect: TF-0053
}

variable "integrations" {
  type = map(string)
  default = {
    channel       = "#deploys"
    slack_token   = "xoxb-123456789012-Rk8sT2uV4wX6yZ8a" # expect: TF-0053
    api_key       = "k9Fq2LmZ7xR4tW8vN3pB" # expect: TF-0053
  }
}

variable "services" {
  type = any
  default = {
    billing = {
      endpoint = "https://billing.internal"
      auth = {
        client_secret = "Vb7Qe2Lr9Ts4Wn6Yk3" # expect: TF-0053
      }
    }
    hooks = [
      { url = "https://example.org/hook", token = "Hx4Jt8Mq2Ws6Zp9Rb1" }, # expect: TF-0053
      ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"], # expect: TF-0053
    ]
  }
}
