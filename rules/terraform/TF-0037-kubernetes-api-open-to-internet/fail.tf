resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = aws_iam_role.eks.arn

  vpc_config { # expect: TF-0037
    subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  }
}

resource "aws_eks_cluster" "tools" {
  name     = "tools"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
    endpoint_private_access = true
    public_access_cidrs     = ["0.0.0.0/0"] # expect: TF-0037
  }
}

resource "aws_eks_cluster" "batch" {
  name     = "batch"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids             = ["subnet-0a1b2c3d"]
    endpoint_public_access = true # expect: TF-0037
  }
}

resource "google_container_cluster" "main" { # expect: TF-0037
  name               = "main"
  location           = "europe-west1"
  initial_node_count = 3
}

variable "admin_ranges" {
  default = ["203.0.113.0/24", "0.0.0.0/0"]
}

resource "google_container_cluster" "shared" {
  name               = "shared"
  location           = "europe-west1"
  initial_node_count = 3

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }

  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.admin_ranges
      content {
        cidr_block = cidr_blocks.value # expect: TF-0037
      }
    }
  }
}

resource "google_container_cluster" "ci" {
  name             = "ci"
  location         = "europe-west1"
  enable_autopilot = true

  master_authorized_networks_config {
    gcp_public_cidrs_access_enabled = true # expect: TF-0037
  }
}
