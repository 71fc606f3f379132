resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-2016-08" # expect: TF-0007
  certificate_arn   = aws_acm_certificate.api.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "mqtt" { # expect: TF-0007
  load_balancer_arn = aws_lb.broker.arn
  port              = 8883
  protocol          = "TLS"
  certificate_arn   = aws_acm_certificate.broker.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.broker.arn
  }
}

resource "aws_alb_listener" "legacy" {
  load_balancer_arn = aws_alb.legacy.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04" # expect: TF-0007
  certificate_arn   = aws_acm_certificate.legacy.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.legacy.arn
  }
}
