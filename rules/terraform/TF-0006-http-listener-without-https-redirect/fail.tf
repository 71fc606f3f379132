resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward" # expect: TF-0006
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# A redirect without a protocol keeps the request's protocol (#{protocol}).
resource "aws_alb_listener" "legacy" {
  load_balancer_arn = aws_alb.legacy.arn
  port              = 8080

  default_action {
    type = "redirect"

    redirect { # expect: TF-0006
      port        = "80"
      status_code = "HTTP_301"
    }
  }
}

resource "digitalocean_loadbalancer" "ingress" {
  name   = "iot-ingress"
  region = "fra1"

  forwarding_rule {
    entry_port      = 80
    entry_protocol  = "http" # expect: TF-0006
    target_port     = 30080
    target_protocol = "http"
  }

  forwarding_rule {
    entry_port       = 443
    entry_protocol   = "https"
    target_port      = 30080
    target_protocol  = "http"
    certificate_name = digitalocean_certificate.api.name
  }
}
