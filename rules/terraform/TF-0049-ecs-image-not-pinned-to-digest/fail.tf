resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([ # expect: TF-0049=low, TF-0049=medium
    {
      name      = "web"
      image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"
      essential = true
    },
    {
      name  = "proxy"
      image = "envoyproxy/envoy:latest"
    },
  ])
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = "[{\"name\": \"worker\", \"image\": \"registry.example.com:5000/shop/worker\"}]" # expect: TF-0049=medium
}
