resource "aws_ebs_volume" "data" { # expect: TF-0020
  availability_zone = "eu-west-1a"
  size              = 100
  type              = "gp3"
}

resource "aws_ebs_volume" "scratch" {
  availability_zone = "eu-west-1b"
  size              = 50
  encrypted         = false # expect: TF-0020
}

resource "aws_instance" "worker" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "m7g.large"

  root_block_device {
    volume_size = 30
    encrypted   = false # expect: TF-0020
  }

  ebs_block_device { # expect: TF-0020
    device_name = "/dev/sdf"
    volume_size = 200
  }
}

variable "nodes" {
  default = {
    small = "t3.medium"
    large = "m7i.xlarge"
  }
}

resource "aws_launch_template" "nodes" {
  for_each      = var.nodes
  name_prefix   = "nodes-${each.key}-"
  image_id      = "ami-0123456789abcdef0"
  instance_type = each.value

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
      encrypted   = "false" # expect: TF-0020, TF-0020
    }
  }
}
