resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

variable "office_cidrs" {}

# Unknown CIDRs: not reported.
resource "aws_eks_cluster" "tools" {
  count    = 2
  name     = "tools-${count.index}"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids          = ["subnet-0a1b2c3d"]
    public_access_cidrs = var.office_cidrs
  }
}

resource "aws_eks_cluster" "office" {
  name     = "office"
  role_arn = aws_iam_role.eks.arn

  vpc_config {
    subnet_ids          = ["subnet-0a1b2c3d"]
    public_access_cidrs = ["198.51.100.0/24"]
  }
}

resource "google_container_cluster" "restricted" {
  name               = "restricted"
  location           = "europe-west1"
  initial_node_count = 3

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "198.51.100.0/24"
      display_name = "office"
    }
  }
}

resource "google_container_cluster" "private" {
  name               = "private"
  location           = "europe-west1"
  initial_node_count = 3

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
    master_ipv4_cidr_block  = "172.16.0.16/28"
  }
}

resource "google_container_cluster" "dns_only" {
  name             = "dns-only"
  location         = "europe-west1"
  enable_autopilot = true

  control_plane_endpoints_config {
    ip_endpoints_config {
      enabled = false
    }
  }
}
