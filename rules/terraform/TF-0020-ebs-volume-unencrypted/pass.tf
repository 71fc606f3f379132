resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 100
  encrypted         = true
}

# Created from a snapshot: encryption comes from the snapshot.
resource "aws_ebs_volume" "restore" {
  availability_zone = "eu-west-1a"
  snapshot_id       = "snap-0123456789abcdef0"
}

variable "encrypt" {}

# Unknown value: not reported.
resource "aws_ebs_volume" "scratch" {
  availability_zone = "eu-west-1b"
  size              = 50
  encrypted         = var.encrypt
}

resource "aws_instance" "worker" {
  count         = 2
  ami           = "ami-0123456789abcdef0"
  instance_type = "m7g.large"

  # Left out on the root volume: it may inherit encryption from the AMI.
  root_block_device {
    volume_size = 30
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 200
    encrypted   = true
  }
}

variable "disks" {
  default = ["/dev/sdf", "/dev/sdg"]
}

resource "aws_launch_template" "nodes" {
  name_prefix = "nodes-"
  image_id    = "ami-0123456789abcdef0"

  dynamic "block_device_mappings" {
    for_each = var.disks
    content {
      device_name = block_device_mappings.value
      ebs {
        volume_size = 100
        encrypted   = true
      }
    }
  }
}

# An instance pinned to a zone is not a volume.
resource "aws_instance" "bastion" {
  ami               = "ami-0123456789abcdef0"
  instance_type     = "t4g.nano"
  availability_zone = "eu-west-1a"
}
