resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([
    {
      name      = "web"
      image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
      essential = true
    },
  ])
}

# An image from a variable cannot be known; invalid JSON is not judged.
variable "image" {
  type = string
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = jsonencode([{ name = "worker", image = var.image }])
}

resource "aws_ecs_task_definition" "broken" {
  family                = "broken"
  container_definitions = "[{\"name\": \"x\", "
}
