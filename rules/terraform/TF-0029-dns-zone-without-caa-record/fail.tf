resource "digitalocean_domain" "main" { # expect: TF-0029
  name = "engelbrink.dev"
}

resource "digitalocean_record" "api" {
  domain = digitalocean_domain.main.id
  type   = "A"
  name   = "api"
  value  = "203.0.113.10"
}

resource "aws_route53_zone" "shop" { # expect: TF-0029
  name = "shop.example.com"
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.shop.zone_id
  name    = "www"
  type    = "CNAME"
  ttl     = 300
  records = ["shop.example.net"]
}
