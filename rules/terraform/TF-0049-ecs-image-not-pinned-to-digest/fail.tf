resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([
    {
      name      = "web"
      image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2" # expect: TF-0049=low
      essential = true
    },
    {
      name  = "proxy"
      image = "envoyproxy/envoy:latest" # expect: TF-0049=medium
    },
  ])
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = "[{\"name\": \"worker\", \"image\": \"registry.example.com:5000/shop/worker\"}]" # expect: TF-0049=medium
}

# A local element of the list: the finding points at that element.
locals {
  sidecar = { name = "sidecar", image = "fluent/fluent-bit" }
}

resource "aws_ecs_task_definition" "mixed" {
  family = "mixed"
  container_definitions = jsonencode([
    local.sidecar, # expect: TF-0049=medium
    { name = "app", image = "nginx@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
  ])
}
