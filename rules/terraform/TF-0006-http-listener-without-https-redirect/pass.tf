resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate.api.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# A fixed response on HTTP serves no application content.
resource "aws_lb_listener" "maintenance" {
  count             = 1
  load_balancer_arn = aws_lb.public.arn
  port              = 8080
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}

variable "redirect_protocol" {}

# Unknown redirect protocol: not reported.
resource "aws_lb_listener" "configurable" {
  load_balancer_arn = aws_lb.public.arn
  port              = 81
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = var.redirect_protocol
      status_code = "HTTP_302"
    }
  }
}

resource "digitalocean_loadbalancer" "ingress" {
  name                   = "iot-ingress"
  region                 = "fra1"
  redirect_http_to_https = true

  forwarding_rule {
    entry_port      = 80
    entry_protocol  = "http"
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
