resource "aws_kms_key" "orders" {
  description             = "orders table"
  enable_key_rotation     = true
  rotation_period_in_days = 90
}

# Asymmetric and HMAC keys cannot be rotated automatically.
resource "aws_kms_key" "signing" {
  description              = "release signing"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_kms_key" "hmac" {
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
}
