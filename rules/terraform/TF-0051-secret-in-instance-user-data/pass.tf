resource "aws_instance" "app" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  user_data     = <<-EOT
    #!/bin/bash
    DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)
    export DB_PASSWORD
    /opt/app/start.sh
  EOT
}

resource "aws_launch_template" "workers" {
  name_prefix = "workers-"
  user_data   = base64encode("#!/bin/bash\necho ECS_CLUSTER=workers >> /etc/ecs/ecs.config\n")
}
