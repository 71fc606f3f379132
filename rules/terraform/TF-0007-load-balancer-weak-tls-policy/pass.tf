variable "ssl_policy" {}

locals {
  listeners = {
    api   = { port = 443, policy = "ELBSecurityPolicy-TLS13-1-2-2021-06" }
    admin = { port = 8443, policy = "ELBSecurityPolicy-TLS13-1-3-2021-06" }
  }
}

resource "aws_lb_listener" "https" {
  for_each          = local.listeners
  load_balancer_arn = aws_lb.public.arn
  port              = each.value.port
  protocol          = "HTTPS"
  ssl_policy        = each.value.policy
  certificate_arn   = aws_acm_certificate.api.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# Unknown policy: not reported, but the control is unverifiable.
resource "aws_lb_listener" "configurable" {
  load_balancer_arn = aws_lb.public.arn
  port              = 9443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy # unverifiable: TF-0007
  certificate_arn   = aws_acm_certificate.api.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# Post-quantum TLS 1.2+ policy, judged by its name.
resource "aws_lb_listener" "pq" {
  load_balancer_arn = aws_lb.public.arn
  port              = 10443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
  certificate_arn   = aws_acm_certificate.api.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# Plain TCP: no TLS policy involved.
resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.broker.arn
  port              = 1883
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.broker.arn
  }
}
